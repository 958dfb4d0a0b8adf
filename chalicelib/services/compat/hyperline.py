"""Hyperline's asynchronous batch carried out by the native queued batch: the request is checked
whole and queued as a batch of source `hyperline`; the jobs' worker imports its invoices with the
shared import use case, each under an id fixed by the batch and its place (so a chunk taken twice
creates nothing twice), issued and paid as Hyperline says before it is first stored. Nothing is
stored apart from the native invoices and the batch's progress."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.domain.batches import Batch, BatchSource
from chalicelib.domain.compat import hyperline
from chalicelib.domain.compat.hyperline import HyperlineBatch, HyperlineInvoice
from chalicelib.domain.errors import BatchIdReusedError, InvalidInputError
from chalicelib.domain.imports import ImportOutcome
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import Actor
from chalicelib.ports import Added
from chalicelib.services.batches import (
    BatchPorts,
    ItemOutcome,
    get_batch,
    item_id,
    queue_invoices,
)
from chalicelib.services.creating import Outcome
from chalicelib.services.imports import import_each


def queue_batch(
    body: HyperlineBatch, *, fingerprint: str, actor: Actor, ports: BatchPorts
) -> Batch:
    """Queue the checked batch under its batch_id (or a new one). The same batch_id sent again
    with the same body (`fingerprint`, hyperline.body_fingerprint) answers the batch recorded
    the first time and queues nothing; with another body it is refused (BatchIdReusedError),
    even when two requests race. A batch recorded before its body was kept answers as it is."""
    items = [item.model_dump(mode="json", exclude_none=True) for item in body.invoices]
    batch, new = queue_invoices(
        items,
        atomic=False,
        actor=actor,
        ports=ports,
        batch_id=body.batch_id,
        source=BatchSource.HYPERLINE,
        fingerprint=fingerprint,
    )
    if not new and batch.fingerprint not in (None, fingerprint):
        raise BatchIdReusedError(batch.id)
    return batch


def read_batch(
    batch_id: str, *, actor: Actor, ports: BatchPorts
) -> tuple[Batch, dict[str, Invoice]]:
    """The caller's Hyperline batch and, in one read, the invoices it made as they are now."""
    batch = get_batch(batch_id, actor=actor, ports=ports, source=BatchSource.HYPERLINE)
    ids = [result.invoice_id for result in batch.results if result.invoice_id]
    found = ports.invoices.repo.get_many(actor.tenant_id, ids) if ids else []
    return batch, {invoice.id: invoice for invoice in found}


def create_chunk(
    items: Sequence[Any],
    *,
    atomic: bool,  # noqa: ARG001 - a Hyperline batch is never atomic
    actor: Actor,
    ports: BatchPorts,
    start: int,
    batch_id: str,
    id_scheme: int,
) -> list[ItemOutcome]:
    """The ChunkCreator of Hyperline's invoices: one outcome per item, in order, each imported
    alone under the id its batch and place fix (so a chunk taken twice creates nothing twice)."""
    parsed = [hyperline.parsed(data, index=start + offset) for offset, data in enumerate(items)]
    imports = [
        hyperline.import_item(item, item_id(actor.tenant_id, batch_id, start + offset, id_scheme))
        if isinstance(item, HyperlineInvoice)
        else item
        for offset, item in enumerate(parsed)
    ]
    outcomes = import_each(
        imports,
        sender=hyperline.HYPERLINE,
        actor=actor,
        ports=ports.invoices,
        clients=ports.clients,
        start=start,
    )
    return [
        ItemOutcome(start + offset, _key(item), _outcome(outcome))
        for offset, (item, outcome) in enumerate(zip(parsed, outcomes, strict=True))
    ]


def _key(item: HyperlineInvoice | InvalidInputError) -> str | None:
    return item.batch_invoice_id if isinstance(item, HyperlineInvoice) else None


def _outcome(imported: ImportOutcome) -> Outcome:
    if imported.error is not None:
        return imported.error
    assert imported.invoice is not None
    return Added(imported.invoice, created=imported.created)
