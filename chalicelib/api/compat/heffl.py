"""Heffl's `POST /api/v1/invoices` (api-docs/heffl-create-invoice.txt), under /compat/heffl:
a Heffl client moves here by changing its base URL. Authenticated by `x-api-key`, as Heffl is."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api.http import json_body, json_response
from chalicelib.api.operations import Operation, json_answer, json_request
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.domain.compat.heffl import HEFFL, HefflInvoiceInput, import_item
from chalicelib.domain.compat.heffl_answer import HefflInvoiceAnswer, heffl_answer

heffl = ApiBlueprint(__name__)


@heffl.route(
    "/api/v1/invoices",
    methods=["POST"],
    operation=Operation(
        "hefflCreateInvoice",
        "Create an invoice (Heffl)",
        (json_answer(200, "The invoice, as Heffl answers it", HefflInvoiceAnswer),),
        refuses=(400, 409, 413),
        body=json_request(HefflInvoiceInput, "The invoice; keys Heffl does not name are kept"),
    ),
)
def create_invoice() -> Response:
    body = json_body(heffl.current_request, HefflInvoiceInput)
    invoice = use_cases().vendors.import_one(import_item(body), sender=HEFFL, actor=current_actor())
    return json_response(heffl_answer(invoice, body))  # 200, as documented
