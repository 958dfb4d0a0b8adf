"""Delivery use cases: email an invoice (issuing it if it is a draft), email a reminder, email a
credit note, and schedule an invoice for the sending job. An email goes out before the invoice
(or the note) records it, so a refused send leaves it as it was; a lost race after it records it
without sending again."""

from __future__ import annotations

from datetime import datetime, time
from functools import partial
from zoneinfo import ZoneInfo

from chalicelib.domain import transitions
from chalicelib.domain.credit_note_events import sent_by_mail
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.errors import CreditNoteNoRecipientError, DomainError, NoRecipientError
from chalicelib.domain.files import invoice_pdf_path
from chalicelib.domain.invoice import Blob, Invoice
from chalicelib.domain.mail import Attachment, MailContent, OutgoingMail
from chalicelib.domain.parties import SellerDetails
from chalicelib.domain.settings import ReminderPolicy
from chalicelib.domain.state_machine import Action, ensure_allowed
from chalicelib.domain.values import Actor
from chalicelib.ports import IssueContext
from chalicelib.services.changes import apply, check_precondition, read
from chalicelib.services.credit_note_documents import (
    credit_note_document,
    credit_note_pdf_name,
    kept_pdf,
    read_credit_note,
)
from chalicelib.services.documents import (
    DocumentPorts,
    Upload,
    document_for,
    pdf_name,
    render_pdf,
    store_pdf,
)
from chalicelib.services.einvoices import mailed_files
from chalicelib.services.lifecycle import issue, issuing_of, issuing_read
from chalicelib.services.optimistic import until_written

SEND_HOUR = time(8, 0)  # a scheduled invoice goes out at 08:00 on its date, the tenant's time


def send_invoice(
    invoice_id: str,
    given_pdf: Upload | None,
    *,
    actor: Actor,
    ports: DocumentPorts,
    expected_version: int | None = None,
    read: IssueContext | None = None,
) -> Invoice:
    """Email the invoice, issuing a draft. With `expected_version` (the sending job's read), an
    invoice changed since, as one unscheduled, is not sent: PreconditionFailedError. `read` is
    the invoice with what issuing it needs, where the caller has it already (the recurring job
    hands on the invoice it just wrote)."""
    from chalicelib.documents.mail import compose_invoice_mail

    pdf = _checked_pdf(given_pdf)
    context = read or issuing_read(invoice_id, actor=actor, ports=ports.invoices)
    if context.invoice.is_written_by(actor.request):  # a retry whose first try sent it
        return context.invoice
    check_precondition(context.invoice, expected_version)
    ensure_allowed(context.invoice, Action.SEND)
    issued = transitions.as_issued(context.invoice, issuing_of(context))
    recipient = _recipient(issued)  # before anything is rendered or stored for no one
    document = document_for(issued, ports)
    # A PDF given now, else the one given when it was scheduled, else one rendered now (with the
    # e-invoice the settings ask for, issue 22).
    own = pdf.data if pdf else _stored_pdf(context.invoice, ports)
    data, einvoice = mailed_files(issued, document, own, context.settings)
    override = context.settings.invoice_mail_text
    content = compose_invoice_mail(document, text_override=override)
    blob = store_pdf(issued, data, ports=ports)
    mail = _mail(document.seller, pdf_name(issued), content, recipient, data, ports, einvoice)
    _send_or_forget(blob, issued, mail, ports)
    delivery = transitions.Delivery(recipient=recipient, body=content.text, pdf=blob)
    return issue(
        invoice_id, partial(transitions.sent_by_mail, delivery=delivery), actor=actor,
        ports=ports.invoices, read=context,
    )  # fmt: skip


def send_reminder(
    invoice_id: str,
    *,
    actor: Actor,
    ports: DocumentPorts,
    step: int | None = None,
    policy: ReminderPolicy | None = None,
) -> Invoice:
    """Email a reminder now; the reminder job names the policy's step it sends, and the policy
    that plans the next one."""
    from chalicelib.documents.mail import compose_reminder_mail

    invoice = read(invoice_id, actor=actor, ports=ports.invoices)
    if invoice.is_written_by(actor.request):  # a retry whose first try sent it
        return invoice
    ensure_allowed(invoice, Action.SEND_REMINDER)
    recipient = _recipient(invoice)
    document = document_for(invoice, ports)
    settings = ports.invoices.settings.recent(actor.tenant_id)
    content = compose_reminder_mail(
        document,
        today=ports.invoices.today(actor.tenant_id),
        text_override=settings.reminder_mail_text,
    )
    data = _stored_pdf(invoice, ports) or render_pdf(document)
    ports.mailer.send(_mail(document.seller, pdf_name(invoice), content, recipient, data, ports))
    change = partial(
        transitions.reminded, recipient=recipient, body=content.text, step=step, policy=policy
    )
    return apply(invoice_id, change, actor=actor, ports=ports.invoices).invoice


def schedule_invoice(
    invoice_id: str,
    send_at: datetime | None,
    given_pdf: Upload | None,
    *,
    actor: Actor,
    ports: DocumentPorts,
) -> Invoice:
    """Numbered now, emailed by the sending job at `send_at` (default: 08:00 on its invoice
    date, in the tenant's timezone), with the given PDF or one rendered then."""
    pdf = _checked_pdf(given_pdf)
    context = issuing_read(invoice_id, actor=actor, ports=ports.invoices)
    invoice = context.invoice
    if invoice.is_written_by(actor.request):  # a retry whose first try scheduled it
        return invoice
    ensure_allowed(invoice, Action.SCHEDULE)
    when = send_at or _morning_of(invoice, context.settings.timezone)
    # The given PDF is named as the invoice will be numbered, as send names its PDF.
    numbered = transitions.as_issued(invoice, issuing_of(context))
    blob = store_pdf(numbered, pdf.data, ports=ports) if pdf else None
    change = partial(transitions.schedule, send_at=when, pdf=blob)
    try:
        return issue(invoice_id, change, actor=actor, ports=ports.invoices, read=context)
    except DomainError:
        if blob is not None:
            ports.files.delete(invoice_pdf_path(actor.tenant_id, invoice_id, blob.blob_id))
        raise


def send_credit_note(note_id: str, *, actor: Actor, ports: DocumentPorts) -> CreditNote:
    """Email the credit note with its PDF to whom its invoice went, in the client's language,
    then record SENT on the note over the version read (GetItem, then one conditional PutItem).
    A retry whose first try sent it answers the note as it is, sending nothing."""
    from chalicelib.documents.mail import compose_credit_note_mail

    note = read_credit_note(note_id, actor=actor, ports=ports)
    if note.is_written_by(actor.request):
        return note
    recipient = note.contact_email or (note.client.email if note.client else None)
    if not recipient:
        raise CreditNoteNoRecipientError(note.id)
    document = credit_note_document(note, ports)
    data = kept_pdf(note, ports, document=document)
    content = compose_credit_note_mail(document)
    name = credit_note_pdf_name(note)
    ports.mailer.send(_mail(document.seller, name, content, recipient, data, ports))
    read_first = [note]

    def attempt() -> CreditNote:
        if read_first:
            current = read_first.pop()
        else:  # a race lost: start again from the note as it is now
            current = read_credit_note(note_id, actor=actor, ports=ports)
        if current.is_written_by(actor.request):
            return current
        sent = sent_by_mail(current, recipient, actor=actor, now=ports.invoices.clock.now())
        return ports.invoices.repo.save_credit_note(sent, previous=current)

    return until_written(attempt, retry=ports.invoices.retry, name=("Credit note", note.id))


def _checked_pdf(given: Upload | None) -> Upload | None:
    from chalicelib.documents.uploads import PDF_KINDS, check_upload

    if given is not None:
        check_upload(given.name, given.data, claimed_type=given.claimed_type, allowed=PDF_KINDS)
    return given


def _recipient(invoice: Invoice) -> str:
    recipient = invoice.contact_email or (invoice.client.email if invoice.client else None)
    if not recipient:
        raise NoRecipientError(invoice.id)
    return recipient


def _mail(
    seller: SellerDetails,
    pdf_filename: str,
    content: MailContent,
    recipient: str,
    pdf: bytes,
    ports: DocumentPorts,
    more: tuple[Attachment, ...] = (),
) -> OutgoingMail:
    """From the service's verified address in the seller's name; replies reach the seller."""
    from chalicelib.documents.mime import sender

    return OutgoingMail(
        sender=sender(seller.name, ports.mail_from),
        to=(recipient,),
        reply_to=seller.email,
        content=content,
        attachments=(Attachment(pdf_filename, "application/pdf", pdf), *more),
    )


def _send_or_forget(blob: Blob, invoice: Invoice, mail: OutgoingMail, ports: DocumentPorts) -> None:
    """A refused send keeps nothing: the PDF stored for it is deleted again."""
    try:
        ports.mailer.send(mail)
    except DomainError:
        ports.files.delete(invoice_pdf_path(invoice.tenant_id, invoice.id, blob.blob_id))
        raise


def _stored_pdf(invoice: Invoice, ports: DocumentPorts) -> bytes | None:
    if invoice.pdf is None or invoice.status == "DRAFT":
        return None
    return ports.files.get(invoice_pdf_path(invoice.tenant_id, invoice.id, invoice.pdf.blob_id))


def _morning_of(invoice: Invoice, timezone: str) -> datetime:
    return datetime.combine(invoice.invoice_date, SEND_HOUR, tzinfo=ZoneInfo(timezone))
