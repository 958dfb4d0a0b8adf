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
from chalicelib.bootstrap import use_cases
from chalicelib.domain.compat.leanpay import LEANPAY, LeanpayImport, import_item
from chalicelib.domain.compat.leanpay_answer import LeanpayInvoiceAnswer, leanpay_answer

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
    actor = current_actor()
    items = [import_item(invoice, actor.tenant_id) for invoice in body.invoices]
    invoices = use_cases().vendors.import_all(items, sender=LEANPAY, actor=actor)
    # 200: the document names no other status for "Returns the imported invoices".
    answer: LeanpayAnswer = {"data": [leanpay_answer(invoice) for invoice in invoices]}
    return json_response(answer)
