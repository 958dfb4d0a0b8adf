"""The files an invoice carries: its PDF and its attachments, recorded as blobs (the bytes live
in the document store). Attachments may change in any status; the rows and amounts may not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain.errors import BlobNotFoundError, FieldProblem, InvalidInputError
from chalicelib.domain.events import record
from chalicelib.domain.invoice import Blob, BlobType, EventType, Invoice
from chalicelib.domain.values import Actor

MAX_ATTACHMENTS = 20


# Where each file lives in the document store. Every path starts with the tenant, as every
# partition key does, so no tenant's files share a prefix with another's.
def invoice_pdf_path(tenant_id: str, invoice_id: str, blob_id: str) -> str:
    return f"{tenant_id}/invoices/{invoice_id}/pdf/{blob_id}.pdf"


def credit_note_pdf_path(tenant_id: str, note_id: str) -> str:
    """One PDF per credit note, under a key of its own: a note never changes, so neither does
    its PDF, and a second request finds the first one's."""
    return f"{tenant_id}/credit-notes/{note_id}/pdf/{note_id}.pdf"


def einvoice_path(tenant_id: str, folder: str, document_id: str, name: str) -> str:
    """An invoice's or credit note's e-invoice in one format (`name`: the format and its
    extension), kept once made: the same bytes when asked again (issue 22)."""
    return f"{tenant_id}/{folder}/{document_id}/e-invoice/{name}"


def attachment_path(tenant_id: str, invoice_id: str, blob_id: str) -> str:
    """What an attachment link serves: only ever bytes that passed the checks."""
    return f"{tenant_id}/invoices/{invoice_id}/attachments/{blob_id}"


def upload_path(tenant_id: str, invoice_id: str, blob_id: str) -> str:
    """Where a presigned form puts a file, never served: the form stays valid after the file is
    checked, so what it writes is read once, checked, and kept under attachment_path."""
    return f"{tenant_id}/invoices/{invoice_id}/uploads/{blob_id}"


def batch_items_path(tenant_id: str, batch_id: str, upload_id: str) -> str:
    """Where a queued batch's items wait for the worker: one object per request that queued it,
    so two requests racing with the same batch id never overwrite each other's items (the batch
    record names the winner's)."""
    return f"{tenant_id}/batches/{batch_id}/{upload_id}.json"


def logo_path(tenant_id: str, blob_id: str) -> str:
    """Logos are never overwritten: an issued invoice's copy of the seller names its logo."""
    return f"{tenant_id}/logos/{blob_id}"


def with_pdf(invoice: Invoice, pdf: Blob, *, actor: Actor, now: datetime) -> Invoice:
    return record(
        invoice, EventType.PDF_GENERATED, f"PDF {pdf.name}", actor=actor, now=now, pdf=pdf
    )


def with_attachments(
    invoice: Invoice, added: Sequence[Blob], *, actor: Actor, now: datetime
) -> Invoice:
    if len(invoice.attachments) + len(added) > MAX_ATTACHMENTS:
        raise InvalidInputError(
            [
                FieldProblem(
                    "files",
                    f"an invoice holds at most {MAX_ATTACHMENTS} attachments; it has "
                    f"{len(invoice.attachments)}",
                )
            ]
        )
    names = ", ".join(blob.name for blob in added)
    return record(
        invoice,
        EventType.ATTACHMENT_ADDED,
        f"Attached {names}",
        actor=actor,
        now=now,
        attachments=[*invoice.attachments, *added],
    )


def with_registered(invoice: Invoice, blob: Blob, *, actor: Actor, now: datetime) -> Invoice:
    """An uploaded file attached once: registered again, the invoice is answered as it is."""
    if any(attached.blob_id == blob.blob_id for attached in invoice.attachments):
        return invoice
    return with_attachments(invoice, [blob], actor=actor, now=now)


def attachment(invoice: Invoice, blob_id: str) -> Blob:
    found = next((blob for blob in invoice.attachments if blob.blob_id == blob_id), None)
    if found is None:
        raise BlobNotFoundError(invoice.id, blob_id)
    return found


def without_attachment(invoice: Invoice, blob_id: str, *, actor: Actor, now: datetime) -> Invoice:
    removed = attachment(invoice, blob_id)
    return record(
        invoice,
        EventType.ATTACHMENT_REMOVED,
        f"Removed {removed.name}",
        actor=actor,
        now=now,
        attachments=[blob for blob in invoice.attachments if blob.blob_id != blob_id],
    )


def blob_of(
    blob_id: str, *, name: str, extension: str, size: int, kind: BlobType, now: datetime
) -> Blob:
    return Blob(
        blob_id=blob_id, created=now, extension=extension, file_size=size, name=name, type=kind
    )
