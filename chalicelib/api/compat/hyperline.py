"""Hyperline's `POST /v2/invoices/batch` (api-docs/hyperline-create-invoices-batch.txt), under
/compat/hyperline: a Hyperline client moves here by changing its base URL. Authenticated by
`Authorization: Bearer <token>`, as Hyperline is. The batch is answered 202 with its batch_id
(its body's fingerprint kept, so the same batch_id with another body is a 409) and created by
the jobs' worker; `GET /v2/invoices/batch/{batch_id}` reads its outcome (where
Hyperline would call a webhook)."""

from __future__ import annotations

from typing import TypedDict

from chalice.app import Response

from chalicelib.api.http import json_response, parsed_json, validated
from chalicelib.api.operations import Operation, json_answer, json_request
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.domain.compat.hyperline import HyperlineBatch, body_fingerprint
from chalicelib.domain.compat.hyperline_answer import HyperlineBatchAnswer, batch_answer

# 50 invoices of up to 250 line items each, far below Lambda's 6 MB request limit.
MAX_BODY_BYTES = 5 * 1024 * 1024

hyperline = ApiBlueprint(__name__)


class QueuedAnswer(TypedDict):
    batch_id: str


@hyperline.route(
    "/v2/invoices/batch",
    methods=["POST"],
    operation=Operation(
        "hyperlineCreateInvoices",
        "Queue up to 50 invoices (Hyperline)",
        (json_answer(202, "Queued: its outcome at batch/{batch_id}", QueuedAnswer, "Location"),),
        refuses=(400, 409, 413),
        body=json_request(
            HyperlineBatch, "The invoices, and the batch's own id if the client has one"
        ),
    ),
)
def create_invoices() -> Response:
    data = parsed_json(hyperline.current_request, limit=MAX_BODY_BYTES)
    batch = use_cases().vendors.queue_hyperline_batch(
        validated(HyperlineBatch, data),
        fingerprint=body_fingerprint(data),
        actor=current_actor(),
    )
    location = {"Location": f"batch/{batch.id}"}
    answer: QueuedAnswer = {"batch_id": batch.id}
    return json_response(answer, status=202, headers=location)


@hyperline.route(
    "/v2/invoices/batch/{batch_id}",
    methods=["GET"],
    operation=Operation(
        "hyperlineGetBatch",
        "Read a queued Hyperline batch's outcome",
        (json_answer(200, "Where it stands and each invoice's outcome", HyperlineBatchAnswer),),
        refuses=(404,),
    ),
)
def get_batch(batch_id: str) -> Response:
    batch, invoices = use_cases().vendors.read_hyperline_batch(batch_id, actor=current_actor())
    return json_response(batch_answer(batch, invoices))
