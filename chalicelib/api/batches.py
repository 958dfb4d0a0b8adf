"""Batches of invoices under /api/v1/invoices: up to 100 created in the request, each item with
its own result; more, or ?async=true, queued and followed at /invoices/batches/{batchId}."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from chalice.app import Response
from pydantic import Field, GetPydanticSchema, PlainValidator

from chalicelib.api.http import json_response, parsed_json, query_flag, validated
from chalicelib.api.operations import Operation, Param, json_answer, json_request
from chalicelib.api.problems import ItemProblem, error_body
from chalicelib.api.representations import InvoiceJson, invoice_json
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.domain.batches import (
    MAX_QUEUED_INVOICES,
    MAX_SYNC_INVOICES,
    BatchStatus,
    ItemResult,
    ItemStatus,
    batch_json,
)
from chalicelib.domain.commands import Command, NewInvoice
from chalicelib.domain.values import DateTimeText
from chalicelib.ports import Added
from chalicelib.services.batches import ItemOutcome

# A queued batch of 1,000 invoices of a few rows each; well under Lambda's 6 MB request limit.
MAX_BATCH_BODY_BYTES = 5 * 1024 * 1024

batches = ApiBlueprint(__name__)


# Each item is read as a create body on its own, so that one bad item fails alone.
BatchItem = Annotated[Any, PlainValidator(lambda item: item, json_schema_input_type=NewInvoice)]


class BatchRequest(Command):
    invoices: Annotated[list[BatchItem], Field(min_length=1, max_length=MAX_QUEUED_INVOICES)]
    atomic: bool = False


class BatchItemAnswer(TypedDict):
    """One item's result, in order: its invoice, or the error a create of its own would answer."""

    index: int
    externalId: NotRequired[str]
    status: Literal["created", "duplicate", "failed"]
    invoice: NotRequired[InvoiceJson]
    error: NotRequired[ItemProblem]


class BatchAnswer(TypedDict):
    created: int
    duplicate: int
    failed: int
    results: list[BatchItemAnswer]


# A queued item's result, as ItemResult answers it (invoiceId instead of the invoice).
ItemResultJson = Annotated[dict[str, Any], GetPydanticSchema(lambda _, h: h(ItemResult))]


class QueuedBatchAnswer(TypedDict):
    """A queued batch: where it stands, its counts so far and each processed item's result."""

    batchId: str
    status: BatchStatus
    atomic: bool
    total: int
    processed: int
    created: int
    duplicate: int
    failed: int
    results: list[ItemResultJson]
    createdAt: DateTimeText
    updatedAt: DateTimeText


QUEUED = json_answer(
    202, "Queued: follow it at the Location, batches/{batchId}", QueuedBatchAnswer, "Location"
)


@batches.route(
    "/invoices/batch",
    methods=["POST"],
    operation=Operation(
        "createInvoiceBatch",
        "Create up to 100 drafts at once, or queue up to 1,000",
        (json_answer(200, "Each item's result, in order", BatchAnswer), QUEUED),
        refuses=(400, 413),
        body=json_request(BatchRequest, "Create bodies, each with its optional externalId"),
        query=(Param("async", bool, "true: queue the batch whatever its size"),),
    ),
)
def create_invoice_batch() -> Response:
    request = batches.current_request
    body = validated(BatchRequest, parsed_json(request, limit=MAX_BATCH_BODY_BYTES))
    cases = use_cases().batches
    if query_flag(request, "async") or len(body.invoices) > MAX_SYNC_INVOICES:
        batch, _ = cases.queue(body.invoices, atomic=body.atomic, actor=current_actor())
        location = {"Location": f"batches/{batch.id}"}
        return json_response(batch_json(batch), status=202, headers=location)
    outcomes = cases.create(body.invoices, atomic=body.atomic, actor=current_actor())
    return json_response(sync_json(outcomes))


@batches.route(
    "/invoices/batches/{batchId}",
    methods=["GET"],
    operation=Operation(
        "getInvoiceBatch",
        "Follow a queued batch",
        (json_answer(200, "Where the batch stands", QueuedBatchAnswer),),
        refuses=(404,),
    ),
)
def get_invoice_batch(batchId: str) -> Response:
    batch = use_cases().batches.get(batchId, actor=current_actor())
    return json_response(batch_json(batch))


def sync_json(outcomes: list[ItemOutcome]) -> dict[str, Any]:
    results = [_item_json(outcome) for outcome in outcomes]
    counts = {str(status): 0 for status in ItemStatus}
    for result in results:
        counts[result["status"]] += 1
    return {**counts, "results": results}


def _item_json(item: ItemOutcome) -> dict[str, Any]:
    answer: dict[str, Any] = {"index": item.index}
    if item.external_id is not None:
        answer["externalId"] = item.external_id
    outcome = item.outcome
    if isinstance(outcome, Added):
        status = ItemStatus.CREATED if outcome.created else ItemStatus.DUPLICATE
        return {**answer, "status": str(status), "invoice": invoice_json(outcome.invoice)}
    return {**answer, "status": str(ItemStatus.FAILED), "error": error_body(outcome)}
