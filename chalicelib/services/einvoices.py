"""E-invoices (issue 22): an issued invoice or a credit note in one of the EN 16931 formats,
made from what the document says (domain/einvoice), written as XML (documents/einvoice_xml), and
for Factur-X the document's own PDF made PDF/A-3b around that XML. Each is kept under the
tenant's prefix the first time it is asked for, and served from there after: the same bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.domain.documents import CreditNoteDocument, InvoiceDocument
from chalicelib.domain.einvoice import credit_note_einvoice, invoice_einvoice
from chalicelib.domain.einvoice_model import EInvoice, EInvoiceFormat
from chalicelib.domain.errors import CreditNoteNotFoundError, InvoiceNotFoundError
from chalicelib.domain.files import einvoice_path
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.mail import Attachment
from chalicelib.domain.parties import SellerDetails
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.services.changes import read
from chalicelib.services.credit_note_documents import credit_note_document
from chalicelib.services.documents import (
    DocumentPorts,
    Link,
    document_for,
    link_to,
    pdf_file_name,
    render_pdf,
    seller_of,
)

PDF = "application/pdf"
XML = "application/xml"
FACTUR_X_FILE = "factur-x.xml"  # the name Factur-X gives its XML, embedded or beside a PDF


@dataclass(frozen=True)
class EInvoiceFile:
    """An e-invoice as a file: its name, media type and bytes, and where it is kept."""

    name: str
    media_type: str
    data: bytes
    key: str


def einvoice_link(file: EInvoiceFile, *, ports: DocumentPorts) -> Link:
    """A short-lived link to the kept file, as for the PDFs."""
    return link_to(file.key, ports)


def invoice_einvoice_file(
    invoice_id: str, fmt: EInvoiceFormat, *, actor: Actor, ports: DocumentPorts
) -> EInvoiceFile:
    """The issued invoice's e-invoice in `fmt`: kept, or made and kept now. The invoice is read
    first (a 404 for another tenant's, a 409 for a draft), the file after."""
    invoice = read(invoice_id, actor=actor, ports=ports.invoices)
    number = invoice.invoice_number or invoice.id

    def made() -> bytes:
        document = invoice_einvoice(invoice, fmt, settings_seller=_settings_seller(actor, ports))
        if fmt is not EInvoiceFormat.FACTUR_X:
            return document_xml(document, fmt)
        return factur_x_pdf(document, document_for(invoice, ports))

    return _kept_or_made("invoices", invoice.id, number, fmt, made, actor=actor, ports=ports)


def credit_note_einvoice_file(
    note_id: str, fmt: EInvoiceFormat, *, actor: Actor, ports: DocumentPorts
) -> EInvoiceFile:
    """The credit note's e-invoice (type 381, naming its invoice) in `fmt`: kept, or made."""
    note = ports.invoices.repo.get_credit_note(actor.tenant_id, note_id)
    if note is None:
        raise CreditNoteNotFoundError(note_id)
    number = note.credit_note_number

    def made() -> bytes:
        invoice = ports.invoices.repo.get(actor.tenant_id, note.invoice_id)
        if invoice is None:  # a note names an invoice of its own tenant, which is never deleted
            raise InvoiceNotFoundError([note.invoice_id])
        seller = _settings_seller(actor, ports)
        document = credit_note_einvoice(note, invoice, fmt, settings_seller=seller)
        if fmt is not EInvoiceFormat.FACTUR_X:
            return document_xml(document, fmt)
        return factur_x_pdf(document, credit_note_document(note, ports))

    return _kept_or_made("credit-notes", note.id, number, fmt, made, actor=actor, ports=ports)


def document_xml(document: EInvoice, fmt: EInvoiceFormat) -> bytes:
    from chalicelib.documents.einvoice_xml import einvoice_xml  # the writers load on first use

    return einvoice_xml(document, fmt)


def factur_x_pdf(document: EInvoice, pages: InvoiceDocument | CreditNoteDocument) -> bytes:
    """The document's own PDF, PDF/A-3b, carrying its CII XML (the EN 16931 profile)."""
    from chalicelib.documents.pdf import render_factur_x_pdf  # fpdf2 loads on first use

    return render_factur_x_pdf(pages, document_xml(document, EInvoiceFormat.FACTUR_X))


def _settings_seller(actor: Actor, ports: DocumentPorts) -> SellerDetails:
    """What the tenant's settings say of the seller now, for what an older invoice's copy lacks
    (read from the settings the process keeps for a minute)."""
    return seller_of(ports.invoices.settings.recent(actor.tenant_id))


def _kept_or_made(
    folder: str,
    document_id: str,
    number: str,
    fmt: EInvoiceFormat,
    made: Callable[[], bytes],
    *,
    actor: Actor,
    ports: DocumentPorts,
) -> EInvoiceFile:
    media_type, extension = (PDF, "pdf") if fmt is EInvoiceFormat.FACTUR_X else (XML, "xml")
    name = pdf_file_name(f"{number}-{fmt.value}").removesuffix(".pdf") + f".{extension}"
    key = einvoice_path(actor.tenant_id, folder, document_id, f"{fmt.value}.{extension}")
    data = ports.files.get(key)
    if data is None:
        data = made()
        ports.files.put(key, data, media_type=media_type, filename=name)
    return EInvoiceFile(name, media_type, data, key)


def mailed_files(
    invoice: Invoice,
    document: InvoiceDocument,
    own_pdf: bytes | None,
    settings: TenantSettings,
) -> tuple[bytes, tuple[Attachment, ...]]:
    """What an invoice's email carries under the tenant's `eInvoiceAttachment`: the PDF (the
    caller's own, else rendered: as Factur-X when that is the setting), and an XML format's file
    beside it (Factur-X's own CII beside a PDF of the caller's, which cannot be made PDF/A). An
    invoice the format cannot be made of is refused (400 naming each field) before any mail."""
    fmt = settings.e_invoice_attachment
    if fmt is None:
        return own_pdf or render_pdf(document), ()
    sent = invoice.model_copy(update={"status": InvoiceStatus.SENT})  # as this mail sends it
    einvoice = invoice_einvoice(sent, fmt, settings_seller=seller_of(settings))
    if fmt is EInvoiceFormat.FACTUR_X and own_pdf is None:
        return factur_x_pdf(einvoice, document), ()
    xml = document_xml(einvoice, fmt)
    number = invoice.invoice_number or invoice.id
    name = FACTUR_X_FILE if fmt is EInvoiceFormat.FACTUR_X else f"{number}-{fmt.value}.xml"
    return own_pdf or render_pdf(document), (Attachment(name, XML, xml),)
