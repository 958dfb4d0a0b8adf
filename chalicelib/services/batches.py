"""Batch use cases: create many invoices in one request, or queue them for a worker.

A synchronous batch reads the invoices its externalIds name in one call and writes the new ones
in transactions of up to 99; a queued batch is taken by the jobs' worker in chunks, each item
under an id fixed by the batch and its position, so a chunk taken twice creates nothing twice."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from chalicelib.domain.batches import (
    MAX_ITEM_PROBLEMS,
    Batch,
    BatchSource,
    BatchStatus,
    ItemResult,
    ItemStatus,
)
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.derived_ids import BATCH_ITEM_SCHEME, batch_item_id, request_id
from chalicelib.domain.errors import (
    BatchIdTakenError,
    BatchNotFoundError,
    DomainError,
    InvalidInputError,
    problems_of,
)
from chalicelib.domain.files import batch_items_path
from chalicelib.domain.values import Actor, new_id
from chalicelib.ports import ClientRepository, DocumentStore, InvoicePorts
from chalicelib.services.creating import (
    Outcome,
    answer_lost_fails_whole,
    create_invoices,
    made_earlier,
    refuse_oversized,
    whole_batch_error,
)

WORKER_CHUNK = 100  # one read and two transactions per chunk


class BatchItemsMissingError(RuntimeError):
    """A batch with items still to create whose items are not kept: the worker fails it, and
    the queue dead-letters it, rather than loop."""


class BatchRepository(Protocol):
    def get(self, tenant_id: str, batch_id: str) -> Batch | None: ...

    def add(self, batch: Batch) -> Batch | None:
        """Store a new batch at version 1; None when one with its id exists already."""
        ...

    def save(self, batch: Batch, *, previous: Batch) -> Batch:
        """Only over the version read; raises ConcurrentModificationError otherwise."""
        ...


class BatchQueue(Protocol):
    def send_batch(self, tenant_id: str, batch_id: str, now: datetime) -> None: ...


@dataclass(frozen=True)
class BatchPorts:
    invoices: InvoicePorts
    batches: BatchRepository
    files: DocumentStore
    queue: BatchQueue
    clients: ClientRepository


@dataclass(frozen=True)
class ItemOutcome:
    """What became of one item of a batch: its invoice (new or found), or its error.
    `external_id` is the caller's name for the item, when it gave one."""

    index: int
    external_id: str | None
    outcome: Outcome


class ChunkCreator(Protocol):
    """Creates the invoices of a queued batch's chunk of items, of one source's body."""

    def __call__(
        self,
        items: Sequence[Any],
        *,
        atomic: bool,
        actor: Actor,
        ports: BatchPorts,
        start: int,
        batch_id: str,
        id_scheme: int,
    ) -> list[ItemOutcome]: ...


def parsed_item(index: int, data: Any) -> NewInvoice | InvalidInputError:
    """One batch item as a create body, or what is wrong with it (fields named from the batch,
    such as invoices[3].rows[0].quantity)."""
    try:
        return NewInvoice.model_validate(data)
    except ValidationError as exc:
        return InvalidInputError(problems_of(exc, f"invoices[{index}]")[:MAX_ITEM_PROBLEMS])


def queue_invoices(
    items: Sequence[Any],
    *,
    atomic: bool,
    actor: Actor,
    ports: BatchPorts,
    batch_id: str | None = None,
    source: BatchSource = BatchSource.NATIVE,
    fingerprint: str | None = None,
) -> tuple[Batch, bool]:
    """Keep the items, record the batch and queue it; returns it and whether it is new (a batch
    id sent again answers the batch already recorded, and queues nothing; a retried request
    answers the batch it named and queues it again until it is done). The items of a `source`
    other than native were checked by its caller; `fingerprint`, what its request said, is
    recorded with the batch for the caller to compare when the id was taken."""
    if atomic:
        _refuse_invalid(items, ports.invoices)
    now = ports.invoices.clock.now()
    retried = batch_id is None and actor.request is not None
    batch_id = batch_id or _new_batch_id(actor)
    batch = Batch(
        id=batch_id,
        tenant_id=actor.tenant_id,
        source=source,
        atomic=atomic,
        items_path=batch_items_path(actor.tenant_id, batch_id, new_id()),
        total=len(items),
        created=now,
        created_by=actor.user_id,
        updated=now,
        id_scheme=BATCH_ITEM_SCHEME,
        fingerprint=fingerprint,
    )
    existing = ports.batches.get(actor.tenant_id, batch.id)
    if existing is not None:
        return _found(existing, source, retried=retried, ports=ports), False
    body = json.dumps(list(items), default=str).encode()
    ports.files.put(
        batch.items_path, body, media_type="application/json", filename=f"{batch.id}.json"
    )
    stored = ports.batches.add(batch)
    if stored is None:  # another request recorded the same id a moment ago: its items stand
        ports.files.delete(batch.items_path)
        return _same_source(_existing(actor.tenant_id, batch.id, ports), source), False
    ports.queue.send_batch(actor.tenant_id, batch.id, now)
    return stored, True


def _found(batch: Batch, source: BatchSource, *, retried: bool, ports: BatchPorts) -> Batch:
    """A batch recorded under the id already. One its own request named, retried, may have been
    recorded by a first try that died before queueing it: it is queued again until done (taken
    twice, the second take resumes it or finds it done)."""
    if retried and batch.status != BatchStatus.COMPLETED:
        ports.queue.send_batch(batch.tenant_id, batch.id, ports.invoices.clock.now())
    return _same_source(batch, source)


def _new_batch_id(actor: Actor) -> str:
    """A new id; named after a retryable request, so a retry finds the batch it queued."""
    if actor.request is None:
        return new_id()
    return request_id(actor.tenant_id, actor.request, "batch")


def get_batch(
    batch_id: str, *, actor: Actor, ports: BatchPorts, source: BatchSource = BatchSource.NATIVE
) -> Batch:
    """The caller's batch of `source`; one of another source is not found here."""
    batch = ports.batches.get(actor.tenant_id, batch_id)
    if batch is None or batch.source != source:
        raise BatchNotFoundError(batch_id)
    return batch


def take_batch(
    tenant_id: str,
    batch_id: str,
    *,
    ports: BatchPorts,
    describe: Callable[[DomainError], Mapping[str, Any]],
    creators: Mapping[BatchSource, ChunkCreator],
) -> bool:
    """Create a queued batch's invoices from where its results stop; whether anything was left.
    Once every item has its result, the items (a customer's data) are deleted.
    `creators` make each source's items; `describe` turns an item's error into the body a
    single create would have answered."""
    batch = ports.batches.get(tenant_id, batch_id)
    if batch is None or batch.status == BatchStatus.COMPLETED:
        return False
    create = creators[batch.source]
    data = ports.files.get(batch.items_path)
    if data is None:  # they go only once every item has its result: nothing can go on
        raise BatchItemsMissingError(f"the items of batch {batch_id} are gone")
    items = json.loads(data)
    actor = Actor(tenant_id=tenant_id, user_id=batch.created_by)
    size = batch.total if batch.atomic else WORKER_CHUNK
    while batch.processed < batch.total:
        start = batch.processed
        chunk = items[start : start + size]
        results = [
            _result(outcome, describe=describe)
            for outcome in _chunk_outcomes(batch, start, chunk, create, actor=actor, ports=ports)
        ]
        done = start + len(results) >= batch.total
        updated = batch.model_copy(
            update={
                "results": [*batch.results, *results],
                "status": BatchStatus.COMPLETED if done else BatchStatus.PROCESSING,
                "updated": ports.invoices.clock.now(),
            }
        )
        batch = ports.batches.save(updated, previous=batch)
    ports.files.delete(batch.items_path)  # every item has its result: the items go
    return True


def create_batch(
    items: Sequence[Any],
    *,
    atomic: bool,
    actor: Actor,
    ports: InvoicePorts,
    start: int = 0,
    batch_id: str | None = None,
    id_scheme: int = BATCH_ITEM_SCHEME,
) -> list[ItemOutcome]:
    """Create a batch's items (`start` is the first one's place in the batch). Within a queued
    batch (`batch_id`), an item without externalId is named by the batch and its place (as its
    `id_scheme` names them), so a chunk taken twice finds what it made the first time."""
    parsed = [parsed_item(start + offset, data) for offset, data in enumerate(items)]
    failures = {i: item for i, item in enumerate(parsed) if isinstance(item, DomainError)}
    if atomic and failures:
        raise whole_batch_error(failures)
    bodies = [(start + i, item) for i, item in enumerate(parsed) if isinstance(item, NewInvoice)]
    ids = None
    if batch_id is not None:
        ids = [
            None if body.external_id else item_id(actor.tenant_id, batch_id, i, id_scheme)
            for i, body in bodies
        ]
    outcomes = create_invoices(
        [body for _, body in bodies], atomic=atomic, actor=actor, ports=ports, ids=ids
    )
    answer_lost_fails_whole(outcomes, actor)
    if ids is not None:
        outcomes = [
            outcome if key is None else made_earlier(outcome)
            for key, outcome in zip(ids, outcomes, strict=True)
        ]
    created = iter(outcomes)
    return [
        ItemOutcome(start + i, item.external_id, next(created))
        if isinstance(item, NewInvoice)
        else ItemOutcome(start + i, None, item)
        for i, item in enumerate(parsed)
    ]


def item_id(tenant_id: str, batch_id: str, index: int, id_scheme: int) -> str:
    """The invoice id of a queued batch's item that brings no key of its own: fixed by the batch
    and the item's place, so a chunk taken twice finds what it made the first time."""
    return batch_item_id(tenant_id, batch_id, index, scheme=id_scheme)


def create_native_chunk(
    items: Sequence[Any],
    *,
    atomic: bool,
    actor: Actor,
    ports: BatchPorts,
    start: int,
    batch_id: str,
    id_scheme: int,
) -> list[ItemOutcome]:
    """The ChunkCreator of native create bodies."""
    return create_batch(
        items,
        atomic=atomic,
        actor=actor,
        ports=ports.invoices,
        start=start,
        batch_id=batch_id,
        id_scheme=id_scheme,
    )


def _chunk_outcomes(
    batch: Batch,
    start: int,
    chunk: Sequence[Any],
    create: ChunkCreator,
    *,
    actor: Actor,
    ports: BatchPorts,
) -> list[ItemOutcome]:
    try:
        return create(
            chunk,
            atomic=batch.atomic,
            actor=actor,
            ports=ports,
            start=start,
            batch_id=batch.id,
            id_scheme=batch.id_scheme,
        )
    except DomainError as exc:  # an atomic batch that cannot be written: every item fails
        return [ItemOutcome(start + i, None, exc) for i in range(len(chunk))]


def _result(
    item: ItemOutcome, *, describe: Callable[[DomainError], Mapping[str, Any]]
) -> ItemResult:
    outcome = item.outcome
    if isinstance(outcome, DomainError):
        return ItemResult(
            index=item.index,
            status=ItemStatus.FAILED,
            external_id=item.external_id,
            error=dict(describe(outcome)),
        )
    return ItemResult(
        index=item.index,
        status=ItemStatus.CREATED if outcome.created else ItemStatus.DUPLICATE,
        external_id=item.external_id,
        invoice_id=outcome.invoice.id,
    )


def _refuse_invalid(items: Sequence[Any], ports: InvoicePorts) -> None:
    refuse_oversized(len(items), ports)
    failures = {
        index: parsed
        for index, parsed in ((i, parsed_item(i, data)) for i, data in enumerate(items))
        if isinstance(parsed, DomainError)
    }
    if failures:
        raise whole_batch_error(failures)


def _same_source(batch: Batch, source: BatchSource) -> Batch:
    if batch.source != source:
        raise BatchIdTakenError(batch.id)
    return batch


def _existing(tenant_id: str, batch_id: str, ports: BatchPorts) -> Batch:
    batch = ports.batches.get(tenant_id, batch_id)
    if batch is None:
        raise BatchNotFoundError(batch_id)
    return batch
