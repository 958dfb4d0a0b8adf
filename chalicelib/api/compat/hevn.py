"""hevn's `POST /api/v1/invoices/documents/contracts/invoices/batch_invoicing`
(api-docs/hevn-batch-invoicing.txt), under /compat/hevn: a hevn client moves here by changing its
base URL. Authenticated by `Authorization: Bearer <token>` (or `x-api-key`), as hevn is."""

from __future__ import annotations

from typing import TypedDict

from chalice.app import Response

from chalicelib.api.http import json_response, parsed_json, validated
from chalicelib.api.operations import Operation, json_answer, json_request
from chalicelib.api.problems import error_body
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.domain.compat.hevn import EntryOutcome, HevnBatchInput
from chalicelib.domain.compat.hevn_answer import HevnResult, hevn_result
from chalicelib.domain.settings import TenantSettings

# 100 entries of up to 250 items each, far below Lambda's 6 MB request limit.
MAX_BODY_BYTES = 5 * 1024 * 1024

hevn = ApiBlueprint(__name__)


class HevnAnswer(TypedDict):
    results: list[HevnResult]  # one per entry, in order


@hevn.route(
    "/api/v1/invoices/documents/contracts/invoices/batch_invoicing",
    methods=["POST"],
    operation=Operation(
        "hevnBatchInvoicing",
        "Invoice contracts, each for one period (hevn)",
        (json_answer(200, "What became of each entry, in order", HevnAnswer),),
        refuses=(400, 413),
        body=json_request(HevnBatchInput, "1 to 100 entries: a contract and a period number"),
    ),
)
def invoice_contracts() -> Response:
    request = hevn.current_request
    body = validated(HevnBatchInput, parsed_json(request, limit=MAX_BODY_BYTES))
    outcomes, settings = use_cases().vendors.invoice_contracts(body.root, actor=current_actor())
    answer: HevnAnswer = {"results": [_result(o, settings) for o in outcomes]}
    return json_response(answer)  # 200


def _result(outcome: EntryOutcome, settings: TenantSettings) -> HevnResult:
    """The documented result; a failed entry also carries our error body, as a native batch's."""
    result = hevn_result(outcome, settings)
    if outcome.imported.error is not None:
        result["error"] = error_body(outcome.imported.error)
    return result
