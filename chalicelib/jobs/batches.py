"""The worker's part in a queued batch: create its invoices from where its results stop."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.batches import BatchSource
from chalicelib.domain.work import WorkItem
from chalicelib.jobs.ports import JobPorts
from chalicelib.services.batches import ChunkCreator, create_native_chunk, take_batch
from chalicelib.services.compat import hyperline

# Who makes the invoices of each source's items.
CREATORS: dict[BatchSource, ChunkCreator] = {
    BatchSource.NATIVE: create_native_chunk,
    BatchSource.HYPERLINE: hyperline.create_chunk,
}


def create_queued_batch(item: WorkItem, now: datetime, ports: JobPorts) -> bool:  # noqa: ARG001
    """`item` names the batch (its invoice_id is the batch's id); `now` is when it was queued."""
    if ports.batches is None or ports.describe_error is None:
        raise RuntimeError("the worker was built without the batches' ports")
    return take_batch(
        item.tenant_id,
        item.invoice_id,
        ports=ports.batches,
        describe=ports.describe_error,
        creators=CREATORS,
    )
