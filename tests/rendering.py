"""Documents made as the app makes them, from what its input models accept (or from values as an
older release stored them), and everything that is made from a document: the PDF, both mails as
the raw MIME messages SES takes, the download's Content-Disposition and a CSV row. For the tests
that feed generated text to each field that reaches a document, a header or an email."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from chalicelib.documents.disposition import content_disposition
from chalicelib.documents.mail import compose_invoice_mail, compose_reminder_mail
from chalicelib.documents.mime import mime_message, sender
from chalicelib.documents.pdf import render_invoice_pdf
from chalicelib.domain import invoicing, transitions
from chalicelib.domain.clients import ClientInput, new_client
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.documents import InvoiceDocument, document_of
from chalicelib.domain.export import InvoiceCsv
from chalicelib.domain.imports import ImportedState, imported
from chalicelib.domain.mail import Attachment, MailContent, OutgoingMail
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.services.documents import pdf_name

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
TODAY = date(2026, 11, 21)
ALICE = Actor(tenant_id="acme", user_id="alice")
MAIL_FROM = "invoices@example.com"
RECIPIENT = "kunde@example.com"
IBAN = "DE89370400440532013000"
SETTINGS = {"companyName": "Zoë Müller GmbH", "bankAccounts": [{"iban": IBAN}]}
ROW = {"description": "Beratung", "quantity": "1", "unitPrice": "100", "taxRate": "19"}
STAND_IN_PDF = b"%PDF-1.7\n%%EOF\n"


@dataclass(frozen=True)
class Made:
    pdf: bytes
    messages: tuple[EmailMessage, ...]
    disposition: str
    csv_row: list[str]


def issued_document(
    settings: TenantSettings,
    fields: NewInvoice,
    *,
    client: ClientInput | None = None,
    number: str | None = None,
    logo: bytes | None = None,
) -> InvoiceDocument:
    """The draft issued as mark-as-sent issues it (the series' next number), or imported under
    `number` as Leanpay and Hyperline import it, with its parties copied."""
    draft = invoicing.new_invoice(
        fields, actor=ALICE, now=NOW, defaults=invoicing.InvoiceDefaults()
    )
    details = new_client(client, actor=ALICE, now=NOW).details() if client else None
    if number is None:
        invoice = transitions.as_issued(
            draft, transitions.Issuing(InvoiceCounter(), settings, details)
        )
    else:
        state = ImportedState(sent_at=NOW, number=number)
        invoice = imported(draft, state, settings=settings, client=details, actor=ALICE, now=NOW)
    return document_of(invoice, seller=settings.seller_details(), client=details, logo=logo)


def everything_made_from(document: InvoiceDocument, settings: TenantSettings) -> Made:
    """What sending, reminding, downloading and exporting make of the document; raises where
    any of them fails."""
    pdf = render_invoice_pdf(document)
    contents = (
        compose_invoice_mail(document, text_override=settings.invoice_mail_text),
        compose_reminder_mail(document, today=TODAY, text_override=settings.reminder_mail_text),
    )
    # The mails carry a stand-in for the PDF: what is checked there is the headers and the
    # attachment's name, and encoding the real PDF twice more only slows the generated tests.
    messages = tuple(_message(document, content, STAND_IN_PDF) for content in contents)
    table = InvoiceCsv()
    table.add([document.invoice])
    _, row = csv.reader(io.StringIO(table.text, newline=""))
    disposition = content_disposition("inline", pdf_name(document.invoice))
    return Made(pdf=pdf, messages=messages, disposition=disposition, csv_row=row)


def _message(document: InvoiceDocument, content: MailContent, pdf: bytes) -> EmailMessage:
    """The raw message as services/delivery addresses it, read back."""
    invoice, seller = document.invoice, document.seller
    client_email = document.client.email if document.client else None
    mail = OutgoingMail(
        sender=sender(seller.name, MAIL_FROM),
        to=(invoice.contact_email or client_email or RECIPIENT,),
        reply_to=seller.email,
        content=content,
        attachments=(Attachment(pdf_name(invoice), "application/pdf", pdf),),
    )
    raw = mime_message(mail, sent_at=NOW)
    assert raw.isascii()  # 7-bit: every header encoded, every part quoted-printable or base64
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def with_field(base: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A copy of `base` (JSON) with the value at `path` replaced."""
    copied: Any = _copied(base)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    result: dict[str, Any] = copied
    return result


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copied(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_copied(inner) for inner in value]
    return value
