"""Heffl's `POST /api/v1/invoices` (api-docs/heffl-create-invoice.txt), under /compat/heffl:
a Heffl client moves here by changing its base URL. Authenticated by `x-api-key`, as Heffl is."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api.http import json_body, json_response
from chalicelib.api.operations import Operation, json_answer, json_request
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import get_deps
from chalicelib.domain.compat.heffl import HefflInvoiceAnswer, HefflInvoiceInput, heffl_answer
from chalicelib.services.compat import heffl as service

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
    deps = get_deps()
    invoice = service.create_invoice(
        body, actor=current_actor(), ports=deps.ports, clients=deps.clients
    )
    return json_response(heffl_answer(invoice, body))  # 200, as documented
