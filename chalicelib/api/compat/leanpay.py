"""Leanpay's `POST /v1/public/invoices/batch` (api-docs/leanpay-import-invoices-batch.txt), under
/compat/leanpay: a Leanpay client moves here by changing its base URL. Authenticated by the API
key alone in `Authorization`, as Leanpay's document shows."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from chalice.app import Response
from pydantic import GetPydanticSchema

from chalicelib.api.http import json_body, json_response
from chalicelib.api.operations import Operation, json_answer, json_request
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import get_deps
from chalicelib.domain.compat.leanpay import LeanpayImport, LeanpayInvoiceAnswer, leanpay_answer
from chalicelib.services.compat import leanpay as service

leanpay = ApiBlueprint(__name__)

LeanpayInvoiceJson = Annotated[
    dict[str, Any], GetPydanticSchema(lambda _, h: h(LeanpayInvoiceAnswer))
]


class LeanpayAnswer(TypedDict):
    data: list[LeanpayInvoiceJson]  # one per invoice sent, in order


@leanpay.route(
    "/v1/public/invoices/batch",
    methods=["POST"],
    operation=Operation(
        "leanpayImportInvoices",
        "Import up to 100 invoices issued elsewhere (Leanpay)",
        (json_answer(200, "The imported invoices, as Leanpay answers them", LeanpayAnswer),),
        refuses=(400, 409, 413),
        body=json_request(LeanpayImport, "The invoices, upserted by externalId"),
    ),
)
def import_invoices() -> Response:
    body = json_body(leanpay.current_request, LeanpayImport)
    deps = get_deps()
    invoices = service.import_invoices(
        body.invoices, actor=current_actor(), ports=deps.ports, clients=deps.clients
    )
    # 200: the document names no other status for "Returns the imported invoices".
    answer: LeanpayAnswer = {"data": [leanpay_answer(invoice) for invoice in invoices]}
    return json_response(answer)
