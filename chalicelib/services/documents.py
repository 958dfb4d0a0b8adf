"""Document use cases: an invoice's PDF (rendered, stored, linked) and its attachments (checked
by their content, stored, linked, removed); the tenant's logo is a setting (services/settings.py).
The bytes live in the document store under the tenant's prefix; the invoice records them as
blobs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from chalicelib.domain import files
from chalicelib.domain.clients import Client
from chalicelib.domain.documents import InvoiceDocument, document_of
from chalicelib.domain.errors import DomainError, FieldProblem, InvalidInputError, NotFoundError
from chalicelib.domain.files import attachment_path, invoice_pdf_path, logo_path, upload_path
from chalicelib.domain.invoice import Blob, BlobType, Invoice
from chalicelib.domain.parties import SellerDetails
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor, is_well_formed_id, new_id
from chalicelib.ports import ClientRepository, DocumentStore, InvoicePorts, Mailer
from chalicelib.services.changes import apply, read

LINK_SECONDS = 15 * 60  # a link to a file lives a quarter of an hour
UPLOAD_SECONDS = 15 * 60


@dataclass(frozen=True)
class DocumentPorts:
    invoices: InvoicePorts
    clients: ClientRepository
    files: DocumentStore
    mailer: Mailer
    mail_from: str  # the service's own verified sender; replies go to the tenant's address


@dataclass(frozen=True)
class Upload:
    """A file as a caller sent it: its name, claimed type and bytes (not yet checked)."""

    name: str
    claimed_type: str | None
    data: bytes


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime


class NoPdfYetError(NotFoundError):
    def __init__(self, invoice_id: str) -> None:
        super().__init__(
            f"Invoice {invoice_id} has no PDF yet: POST /invoices/{invoice_id}/generate-pdf"
        )


def document_for(invoice: Invoice, ports: DocumentPorts) -> InvoiceDocument:
    """An issued invoice speaks with the parties copied onto it; a draft reads today's."""
    settings = None if invoice.seller else ports.invoices.settings.get(invoice.tenant_id)
    seller = invoice.seller or seller_of(settings)
    client = None if invoice.seller else _client(invoice, ports.clients)
    logo = logo_of(invoice.tenant_id, seller.logo_blob_id, ports.files)
    details = client.details() if client else None
    return document_of(invoice, seller=seller, client=details, logo=logo)


def render_pdf(document: InvoiceDocument) -> bytes:
    from chalicelib.documents.pdf import render_invoice_pdf  # fpdf2 loads on first use

    return render_invoice_pdf(document)


def pdf_name(invoice: Invoice) -> str:
    """The number as a file name. Numbers are printable when they arrive; one stored before that
    was checked still gives a name that a header and a file system take."""
    return pdf_file_name(invoice.invoice_number or f"draft-{invoice.id}")


def pdf_file_name(stem: str) -> str:
    return "".join(c if c.isprintable() and c not in "/\\" else "-" for c in stem) + ".pdf"


def generate_pdf(invoice_id: str, *, actor: Actor, ports: DocumentPorts) -> Invoice:
    invoice = read(invoice_id, actor=actor, ports=ports.invoices)
    blob = store_pdf(invoice, render_pdf(document_for(invoice, ports)), ports=ports)
    return _recording(blob, invoice, partial(files.with_pdf, pdf=blob), actor, ports)


def store_pdf(invoice: Invoice, data: bytes, *, ports: DocumentPorts) -> Blob:
    blob_id, name = new_id(), pdf_name(invoice)
    key = invoice_pdf_path(invoice.tenant_id, invoice.id, blob_id)
    ports.files.put(key, data, media_type="application/pdf", filename=name)
    now = ports.invoices.clock.now()
    return files.blob_of(
        blob_id, name=name, extension="pdf", size=len(data), kind=BlobType.PDF, now=now
    )


def pdf_link(invoice_id: str, *, actor: Actor, ports: DocumentPorts) -> Link:
    _, key = _stored_pdf(invoice_id, actor, ports)
    return link_to(key, ports)


def pdf_bytes(invoice_id: str, *, actor: Actor, ports: DocumentPorts) -> tuple[Blob, bytes]:
    blob, key = _stored_pdf(invoice_id, actor, ports)
    data = ports.files.get(key)
    if data is None:
        raise NoPdfYetError(invoice_id)
    return blob, data


def _stored_pdf(invoice_id: str, actor: Actor, ports: DocumentPorts) -> tuple[Blob, str]:
    invoice = read(invoice_id, actor=actor, ports=ports.invoices)
    if invoice.pdf is None:
        raise NoPdfYetError(invoice_id)
    return invoice.pdf, invoice_pdf_path(actor.tenant_id, invoice_id, invoice.pdf.blob_id)


def add_attachments(
    invoice_id: str, uploads: Sequence[Upload], *, actor: Actor, ports: DocumentPorts
) -> Invoice:
    """All or none: every file is checked before any is stored."""
    from chalicelib.documents.uploads import check_upload

    if not uploads:
        raise InvalidInputError([FieldProblem("files", "send at least one file")])
    read(invoice_id, actor=actor, ports=ports.invoices)  # a 404 before any work
    checked = [check_upload(u.name, u.data, claimed_type=u.claimed_type) for u in uploads]
    now = ports.invoices.clock.now()
    blobs, stored = [], []
    for upload, check in zip(uploads, checked, strict=True):
        blob_id = new_id()
        key = attachment_path(actor.tenant_id, invoice_id, blob_id)
        ports.files.put(key, upload.data, media_type=check.media_type, filename=check.name)
        stored.append(key)
        blobs.append(
            files.blob_of(
                blob_id,
                name=check.name,
                extension=check.extension,
                size=check.size,
                kind=check.blob_type,
                now=now,
            )
        )
    change = partial(files.with_attachments, added=blobs)
    return _recording_keys(stored, invoice_id, change, actor, ports)


def attachment_link(
    invoice_id: str, blob_id: str, *, actor: Actor, ports: DocumentPorts
) -> tuple[Blob, Link]:
    invoice = read(invoice_id, actor=actor, ports=ports.invoices)
    blob = files.attachment(invoice, blob_id)
    return blob, link_to(attachment_path(actor.tenant_id, invoice_id, blob_id), ports)


def remove_attachment(
    invoice_id: str, blob_id: str, *, actor: Actor, ports: DocumentPorts
) -> Invoice:
    change = partial(files.without_attachment, blob_id=blob_id)
    changed = apply(invoice_id, change, actor=actor, ports=ports.invoices).invoice
    ports.files.delete(attachment_path(actor.tenant_id, invoice_id, blob_id))
    return changed


def attachment_upload_form(
    invoice_id: str, name: str, media_type: str, *, actor: Actor, ports: DocumentPorts
) -> dict[str, Any]:
    """A presigned POST for a file too large for an API request; attach it afterwards with
    `register_upload`, which checks its content as an upload through the API is checked."""
    from chalicelib.documents.uploads import MAX_ATTACHMENT_BYTES, MEDIA_TYPES, checked_name

    read(invoice_id, actor=actor, ports=ports.invoices)
    checked_name(name)
    if not any(media_type in types for types in MEDIA_TYPES.values()):
        allowed = ", ".join(sorted({types[0] for types in MEDIA_TYPES.values()}))
        raise InvalidInputError([FieldProblem("contentType", f"one of {allowed}")])
    blob_id = new_id()
    key = upload_path(actor.tenant_id, invoice_id, blob_id)
    form = ports.files.upload_form(
        key, media_type=media_type, max_bytes=MAX_ATTACHMENT_BYTES, seconds=UPLOAD_SECONDS
    )
    expires = ports.invoices.clock.now() + timedelta(seconds=UPLOAD_SECONDS)
    return {"blobId": blob_id, "name": name, "expiresAt": expires, **form}


def register_upload(
    invoice_id: str, blob_id: str, name: str, *, actor: Actor, ports: DocumentPorts
) -> Invoice:
    """Attach a file uploaded with a presigned POST, once its bytes pass the checks (a file that
    fails them is deleted). The bytes checked are the bytes kept and served, under a path the
    form cannot write; a blob attached already answers the invoice as it is."""
    from chalicelib.documents.uploads import check_upload

    invoice = read(invoice_id, actor=actor, ports=ports.invoices)
    if any(attached.blob_id == blob_id for attached in invoice.attachments):
        return invoice
    uploaded = upload_path(actor.tenant_id, invoice_id, blob_id)
    data = ports.files.get(uploaded) if is_well_formed_id(blob_id) else None
    if data is None:
        raise UploadNotFoundError(invoice_id, blob_id)
    try:
        check = check_upload(name, data, claimed_type=None)
    except DomainError:
        ports.files.delete(uploaded)
        raise
    blob = files.blob_of(
        blob_id, name=check.name, extension=check.extension, size=check.size,
        kind=check.blob_type, now=ports.invoices.clock.now(),
    )  # fmt: skip
    change = partial(files.with_registered, blob=blob)
    registered, written = apply(invoice_id, change, actor=actor, ports=ports.invoices)
    if written:  # only the registration that recorded the blob writes its file
        _keep_checked(registered, data, check.media_type, blob, actor, ports)
    ports.files.delete(uploaded)
    return registered


def _keep_checked(
    invoice: Invoice, data: bytes, media_type: str, blob: Blob, actor: Actor, ports: DocumentPorts
) -> None:
    """The checked bytes under the attachment's own path; if they cannot be kept, the invoice
    does not keep naming them."""
    kept = attachment_path(invoice.tenant_id, invoice.id, blob.blob_id)
    try:
        ports.files.put(kept, data, media_type=media_type, filename=blob.name)
    except DomainError:
        change = partial(files.without_attachment, blob_id=blob.blob_id)
        apply(invoice.id, change, actor=actor, ports=ports.invoices)
        raise


class UploadNotFoundError(NotFoundError):
    def __init__(self, invoice_id: str, blob_id: str) -> None:
        super().__init__(f"Nothing was uploaded for invoice {invoice_id} as {blob_id}")


def link_to(key: str, ports: DocumentPorts) -> Link:
    expires = ports.invoices.clock.now() + timedelta(seconds=LINK_SECONDS)
    return Link(url=ports.files.link(key, seconds=LINK_SECONDS), expires_at=expires)


def _recording(
    blob: Blob, invoice: Invoice, change: Any, actor: Actor, ports: DocumentPorts
) -> Invoice:
    key = invoice_pdf_path(invoice.tenant_id, invoice.id, blob.blob_id)
    return _recording_keys([key], invoice.id, change, actor, ports)


def _recording_keys(
    stored: list[str], invoice_id: str, change: Any, actor: Actor, ports: DocumentPorts
) -> Invoice:
    """Record what was stored on the invoice; if that fails, nothing stays stored."""
    try:
        return apply(invoice_id, change, actor=actor, ports=ports.invoices).invoice
    except DomainError:
        ports.files.delete(*stored)
        raise


def seller_of(settings: TenantSettings | None) -> SellerDetails:
    return (settings or TenantSettings()).seller_details()


def _client(invoice: Invoice, clients: ClientRepository) -> Client | None:
    if invoice.client_id is None:
        return None
    return clients.get(invoice.tenant_id, invoice.client_id)


def logo_of(tenant_id: str, blob_id: str | None, store: DocumentStore) -> bytes | None:
    return store.get(logo_path(tenant_id, blob_id)) if blob_id else None
