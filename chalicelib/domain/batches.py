"""Many invoices at once. Each item of a batch stands alone (created, duplicate or failed) unless
the batch is atomic; a queued batch keeps its progress and each item's result, so its caller can
follow it and a worker that stops half way resumes after the last item it recorded."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from chalicelib.domain.base import DomainModel, TenantRecord
from chalicelib.domain.values import Timestamp, format_timestamp

MAX_SYNC_INVOICES = 100  # more than this is queued, as ?async=true is
MAX_QUEUED_INVOICES = 1000
MAX_ITEM_PROBLEMS = 10  # a failed item's error names at most this many fields


class ItemStatus(StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"  # its externalId named an invoice that already existed
    FAILED = "failed"


class BatchSource(StrEnum):
    """Whose body a queued batch's items are: the native create body, or a vendor's invoice."""

    NATIVE = "native"
    HYPERLINE = "hyperline"


class BatchStatus(StrEnum):
    QUEUED = "QUEUED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"


class ItemResult(DomainModel):
    """What became of one item: its invoice, or the error body a single create would answer.
    `external_id` is the caller's name for the item (Hyperline's batch_invoice_id)."""

    # Answered without its nulls: an invoiceId or an error, an externalId when there is one.
    model_config = ConfigDict(json_schema_serialization_defaults_required=False)

    index: int
    status: ItemStatus
    external_id: str | None = None
    invoice_id: str | None = None
    error: dict[str, Any] | None = None


class Batch(TenantRecord):
    """A queued batch: its items wait in the document store; results grow as a worker goes."""

    status: BatchStatus = BatchStatus.QUEUED
    source: BatchSource = BatchSource.NATIVE
    atomic: bool = False
    items_path: str  # where its items wait (domain/files.batch_items_path)
    total: int
    results: list[ItemResult] = Field(default_factory=list)
    created: Timestamp
    created_by: str
    updated: Timestamp
    # How its items without a key of their own are named (derived_ids.batch_item_id): a batch
    # stored before there was a choice read as 1, and keeps its ids to the end.
    id_scheme: int = 1
    # What the request that queued it said, when its id is the client's to choose (Hyperline's
    # batch_id): the same id with another body is refused, not answered as this batch.
    fingerprint: str | None = None

    @property
    def processed(self) -> int:
        return len(self.results)

    def counts(self) -> dict[str, int]:
        return {
            str(status): sum(1 for result in self.results if result.status == status)
            for status in ItemStatus
        }


def batch_json(batch: Batch) -> dict[str, Any]:
    """A queued batch: where it stands, its counts so far and each processed item's result."""
    return {
        "batchId": batch.id,
        "status": str(batch.status),
        "atomic": batch.atomic,
        "total": batch.total,
        "processed": batch.processed,
        **batch.counts(),
        "results": [
            result.model_dump(mode="json", by_alias=True, exclude_none=True)
            for result in batch.results
        ],
        "createdAt": format_timestamp(batch.created),
        "updatedAt": format_timestamp(batch.updated),
    }
