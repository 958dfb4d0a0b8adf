"""Hyperline's `POST /v2/invoices/batch` (api-docs/hyperline-create-invoices-batch.txt), under
/compat/hyperline: a Hyperline client moves here by changing its base URL. Authenticated by
`Authorization: Bearer <token>`, as Hyperline is. The batch is answered 202 with its batch_id
and created by the jobs' worker; `GET /v2/invoices/batch/{batch_id}` reads its outcome (where
Hyperline would call a webhook)."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api.http import json_response, parsed_json, validated
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import get_deps
from chalicelib.domain.compat.hyperline import HyperlineBatch
from chalicelib.domain.compat.hyperline_answer import batch_answer
from chalicelib.services.compat import hyperline as service

# 50 invoices of up to 250 line items each, far below Lambda's 6 MB request limit.
MAX_BODY_BYTES = 5 * 1024 * 1024

hyperline = ApiBlueprint(__name__)


@hyperline.route("/v2/invoices/batch", methods=["POST"])
def create_invoices() -> Response:
    body = validated(HyperlineBatch, parsed_json(hyperline.current_request, limit=MAX_BODY_BYTES))
    batch = service.queue_batch(body, actor=current_actor(), ports=get_deps().batch_ports)
    location = {"Location": f"batch/{batch.id}"}
    return json_response({"batch_id": batch.id}, status=202, headers=location)


@hyperline.route("/v2/invoices/batch/{batch_id}", methods=["GET"])
def get_batch(batch_id: str) -> Response:
    batch, invoices = service.read_batch(
        batch_id, actor=current_actor(), ports=get_deps().batch_ports
    )
    return json_response(batch_answer(batch, invoices))
