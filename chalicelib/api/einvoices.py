"""E-invoices under /api/v1 (issue 22): an issued invoice or a credit note as Factur-X (its PDF,
PDF/A-3b, carrying its CII XML), XRechnung (CII or UBL) or Peppol BIS Billing 3.0 (UBL), each to
EN 16931. What the format needs and the document lacks is a 400 naming each field."""

from __future__ import annotations

from typing import Annotated, Any

from chalice.app import Request, Response

from chalicelib.api.documents import LINKED, FileLink, bytes_of, link_response, wants_pdf
from chalicelib.api.http import query_str
from chalicelib.api.operations import Answer, Operation, Param, json_answer
from chalicelib.api.problems import invalid_request
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.documents.disposition import content_disposition
from chalicelib.domain.einvoice_model import EInvoiceFormat
from chalicelib.domain.errors import FieldProblem
from chalicelib.services.einvoices import EInvoiceFile

einvoices = ApiBlueprint(__name__)
FORMATS = ", ".join(f.value for f in EInvoiceFormat)
FORMAT = (
    Param(
        "format",
        EInvoiceFormat,
        "factur-x (the PDF/A-3b with its CII XML), xrechnung-cii, xrechnung-ubl or peppol-ubl",
        required=True,
    ),
)
ANSWERS = (
    Answer(
        200,
        "The XML (xrechnung-cii, xrechnung-ubl, peppol-ubl); the Factur-X PDF itself for "
        "`Accept: application/pdf`",
        {
            "application/xml": Annotated[bytes, bytes_of("application/xml")],
            "application/pdf": Annotated[bytes, bytes_of("application/pdf")],
        },
        ("Content-Disposition",),
    ),
    json_answer(303, f"Factur-X: {LINKED}", FileLink, "Location"),
)
# A format's data the document lacks (400), no such document (404), not issued (409).
REFUSALS = (400, 404, 409)


@einvoices.route(
    "/invoices/{invoiceId}/e-invoice",
    methods=["GET"],
    operation=Operation(
        "getInvoiceEInvoice",
        "The issued invoice as an EN 16931 e-invoice",
        ANSWERS,
        refuses=REFUSALS,
        query=FORMAT,
    ),
)
def get_invoice_einvoice(invoiceId: str) -> Response:
    """Made the first time it is asked for and kept; the same bytes every time after."""
    request = einvoices.current_request
    fmt = _format(request)
    file = use_cases().einvoices.of_invoice(invoiceId, fmt, actor=current_actor())
    return _answer(request, file)


@einvoices.route(
    "/credit-notes/{creditNoteId}/e-invoice",
    methods=["GET"],
    operation=Operation(
        "getCreditNoteEInvoice",
        "The credit note as an EN 16931 e-invoice (type 381, naming its invoice)",
        ANSWERS,
        refuses=REFUSALS,
        query=FORMAT,
    ),
)
def get_credit_note_einvoice(creditNoteId: str) -> Response:
    request = einvoices.current_request
    fmt = _format(request)
    file = use_cases().einvoices.of_credit_note(creditNoteId, fmt, actor=current_actor())
    return _answer(request, file)


def _format(request: Request) -> EInvoiceFormat:
    given = query_str(request, "format")
    try:
        return EInvoiceFormat(given or "")
    except ValueError:
        said = "is required" if not given else f"is not one of {FORMATS}"
        raise invalid_request(FieldProblem("format", said)) from None


def _answer(request: Request, file: EInvoiceFile) -> Response:
    """XML answered as itself; the Factur-X PDF as a link, or itself when asked for by Accept
    (binary bodies pass API Gateway only so), as the invoice's own PDF is."""
    if file.media_type == "application/pdf" and not wants_pdf(request):
        return link_response(use_cases().einvoices.link(file))
    headers: dict[str, Any] = {
        "Content-Type": file.media_type,
        "Content-Disposition": content_disposition("attachment", file.name),
    }
    # XML as text (UTF-8, as it declares): only the PDF is a binary type (app.py).
    body = file.data if file.media_type == "application/pdf" else file.data.decode()
    return Response(body=body, status_code=200, headers=headers)
