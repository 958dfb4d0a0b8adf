"""A credit note's PDF (issue 21): rendered from the note the first time it is asked for and kept
under the tenant's prefix in the document store, then served from there. What a note says never
changes (only its events do), so the one PDF kept is its PDF: the same bytes every time."""

from __future__ import annotations

from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.documents import CreditNoteDocument, credit_note_document_of
from chalicelib.domain.errors import CreditNoteNotFoundError
from chalicelib.domain.files import credit_note_pdf_path
from chalicelib.domain.values import Actor
from chalicelib.services.documents import (
    DocumentPorts,
    Link,
    link_to,
    logo_of,
    pdf_file_name,
    seller_of,
)


def read_credit_note(note_id: str, *, actor: Actor, ports: DocumentPorts) -> CreditNote:
    note = ports.invoices.repo.get_credit_note(actor.tenant_id, note_id)
    if note is None:
        raise CreditNoteNotFoundError(note_id)
    return note


def credit_note_pdf_link(note_id: str, *, actor: Actor, ports: DocumentPorts) -> Link:
    """A short-lived link to the note's PDF, rendered and kept first if it is not yet."""
    note = read_credit_note(note_id, actor=actor, ports=ports)
    kept_pdf(note, ports)
    return link_to(credit_note_pdf_path(note.tenant_id, note.id), ports)


def credit_note_pdf_bytes(note_id: str, *, actor: Actor, ports: DocumentPorts) -> tuple[str, bytes]:
    """The note's PDF (rendered and kept first if it is not yet) and its file name."""
    note = read_credit_note(note_id, actor=actor, ports=ports)
    return credit_note_pdf_name(note), kept_pdf(note, ports)


def kept_pdf(
    note: CreditNote, ports: DocumentPorts, *, document: CreditNoteDocument | None = None
) -> bytes:
    """The PDF kept for the note, or the one rendered (from `document`, where the caller has it)
    and kept now. Two first requests at once render the same bytes, so whichever put lands last
    keeps what the other did."""
    key = credit_note_pdf_path(note.tenant_id, note.id)
    data = ports.files.get(key)
    if data is None:
        data = render_credit_note(document or credit_note_document(note, ports))
        name = credit_note_pdf_name(note)
        ports.files.put(key, data, media_type="application/pdf", filename=name)
    return data


def credit_note_document(note: CreditNote, ports: DocumentPorts) -> CreditNoteDocument:
    """The note speaks with the parties its invoice was issued with (it copied them); today's
    settings and client are read only for a note that has none."""
    settings = None if note.seller else ports.invoices.settings.get(note.tenant_id)
    seller = note.seller or seller_of(settings)
    client = None
    if note.client is None and note.client_id is not None:
        client = ports.clients.get(note.tenant_id, note.client_id)
    logo = logo_of(note.tenant_id, seller.logo_blob_id, ports.files)
    details = client.details() if client else None
    return credit_note_document_of(note, seller=seller, client=details, logo=logo)


def render_credit_note(document: CreditNoteDocument) -> bytes:
    from chalicelib.documents.pdf import render_credit_note_pdf  # fpdf2 loads on first use

    return render_credit_note_pdf(document)


def credit_note_pdf_name(note: CreditNote) -> str:
    return pdf_file_name(note.credit_note_number)
