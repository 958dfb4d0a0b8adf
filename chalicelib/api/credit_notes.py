"""Credit notes under /api/v1 (issue 21): an issued invoice is corrected by a credit note, a
document of its own, numbered in its own series, that names the invoice; the invoice lists its
credit notes, and what they credit is no longer open. A credit note has its PDF, and is emailed
with it as an invoice is."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.api.documents import LINKED, PDF_ITSELF, FileLink, link_response, wants_pdf
from chalicelib.api.http import json_body, json_response
from chalicelib.api.operations import Operation, json_answer, json_request
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.documents.disposition import content_disposition
from chalicelib.domain.credit_notes import CreditNote, CreditNoteInput

credit_notes = ApiBlueprint(__name__)

ISSUED = json_answer(
    201,
    "The credit note, numbered in the tenant's credit note series; the Location reads it",
    CreditNote,
    "Location",
)


@credit_notes.route(
    "/invoices/{invoiceId}/credit-notes",
    methods=["POST"],
    operation=Operation(
        "createCreditNote",
        "Issue a credit note on an issued invoice (SENT, OVERDUE or PAID)",
        (ISSUED,),
        # A field that cannot be credited (400), no such invoice (404), a DRAFT or CANCELLED
        # invoice, or a race lost after every retry (409), a body too large (413).
        refuses=(400, 404, 409, 413),
        body=json_request(
            CreditNoteInput,
            "Why, and what to credit: `rows` (some quantity of rows), `amounts` (an amount per "
            "tax rate), or neither, for all that remains of the invoice",
        ),
    ),
)
def create_credit_note(invoiceId: str) -> Response:
    """The credit note never credits more than remains of the invoice, per row, per tax rate
    and in all; the invoice lists it and what it credits is no longer open (an invoice its
    payments and credit notes cover is PAID)."""
    wanted = json_body(credit_notes.current_request, CreditNoteInput)
    note = use_cases().credit_notes.create(invoiceId, wanted, actor=current_actor())
    # Relative to the request's own URL (.../invoices/{invoiceId}/credit-notes), as every
    # Location here is, so it holds behind any base path: /api/v1/credit-notes/{id}.
    location = f"../../credit-notes/{note.id}"
    return json_response(credit_note_json(note), status=201, headers={"Location": location})


@credit_notes.route(
    "/credit-notes/{creditNoteId}",
    methods=["GET"],
    operation=Operation(
        "getCreditNote",
        "Read one credit note",
        (json_answer(200, "The credit note; invoiceId names the invoice it credits", CreditNote),),
        refuses=(404,),
    ),
)
def get_credit_note(creditNoteId: str) -> Response:
    note = use_cases().credit_notes.get(creditNoteId, actor=current_actor())
    return json_response(credit_note_json(note))


@credit_notes.route(
    "/invoices/{invoiceId}/credit-notes",
    methods=["GET"],
    operation=Operation(
        "listCreditNotes",
        "The invoice's credit notes, in the order they were issued",
        (json_answer(200, "Every credit note of the invoice; none: []", list[CreditNote]),),
        refuses=(404, 409),
    ),
)
def list_credit_notes(invoiceId: str) -> Response:
    notes = use_cases().credit_notes.of_invoice(invoiceId, actor=current_actor())
    return json_response([credit_note_json(note) for note in notes])


@credit_notes.route(
    "/credit-notes/{creditNoteId}/pdf",
    methods=["GET"],
    operation=Operation(
        "getCreditNotePdf",
        "Download the credit note's PDF, in its client's language and locale",
        (json_answer(303, LINKED, FileLink, "Location"), PDF_ITSELF),
        refuses=(404,),
    ),
)
def get_credit_note_pdf(creditNoteId: str) -> Response:
    """As an invoice's PDF: a short-lived link, or the PDF itself when the caller accepts only
    PDF. Rendered the first time and kept; the same bytes every time after."""
    cases = use_cases().credit_notes
    if wants_pdf(credit_notes.current_request):
        name, data = cases.pdf_bytes(creditNoteId, actor=current_actor())
        disposition = content_disposition("inline", name)
        headers = {"Content-Type": "application/pdf", "Content-Disposition": disposition}
        return Response(body=data, status_code=200, headers=dict(headers))
    return link_response(cases.pdf_link(creditNoteId, actor=current_actor()))


@credit_notes.route(
    "/credit-notes/{creditNoteId}/send",
    methods=["POST"],
    operation=Operation(
        "sendCreditNote",
        "Email the credit note with its PDF to whom its invoice went",
        (json_answer(200, "The credit note, its SENT event recorded", CreditNote),),
        # No one to email, or a race lost after every retry (409); the mail refused (502).
        refuses=(404, 409, 502),
    ),
)
def send_credit_note(creditNoteId: str) -> Response:
    note = use_cases().credit_notes.send(creditNoteId, actor=current_actor())
    return json_response(credit_note_json(note))


def credit_note_json(note: CreditNote) -> dict[str, Any]:
    """Its amounts stay Decimal, written as exact JSON numbers by json_response."""
    return note.model_dump(mode="python", by_alias=True)
