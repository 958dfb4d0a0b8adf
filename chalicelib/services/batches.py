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

from chalicelib.domain import invoicing
from chalicelib.domain.batches import (
    MAX_ITEM_PROBLEMS,
    Batch,
    BatchSource,
    BatchStatus,
    ItemResult,
    ItemStatus,
)
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.errors import (
    BatchIdTakenError,
    BatchNotFoundError,
    ConcurrentModificationError,
    DomainError,
    FieldProblem,
    InvalidInputError,
    problems_of,
)
from chalicelib.domain.files import batch_items_path
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import Actor, new_id
from chalicelib.services.ports import Added, ClientRepository, DocumentStore, InvoicePorts

Outcome = Added | DomainError
# What becomes of a new draft before it is first stored (an import: issued elsewhere, paid).
Finish = Callable[[Invoice], Invoice]
WORKER_CHUNK = 100  # one read and two transactions per chunk


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
    ) -> list[ItemOutcome]: ...


def parsed_item(index: int, data: Any) -> NewInvoice | InvalidInputError:
    """One batch item as a create body, or what is wrong with it (fields named from the batch,
    such as invoices[3].rows[0].quantity)."""
    try:
        return NewInvoice.model_validate(data)
    except ValidationError as exc:
        return InvalidInputError(problems_of(exc, f"invoices[{index}]")[:MAX_ITEM_PROBLEMS])


def create_invoices(
    bodies: Sequence[NewInvoice],
    *,
    atomic: bool,
    actor: Actor,
    ports: InvoicePorts,
    ids: Sequence[str | None] | None = None,
    finish: Sequence[Finish | None] | None = None,
    read_first: bool = True,
) -> list[Outcome]:
    """One outcome per body, in order. An atomic batch is written whole or not at all. `ids`
    names an item's invoice; `finish` turns its new draft into what is stored. `read_first`
    reads the invoices the bodies may name before writing, the cheaper way when many are stored
    already; without it, one that is stored is found when its write is refused (one call saved
    when none is, as when the caller has just read them, or a chunk is taken the first time)."""
    if atomic:
        _refuse_oversized(len(bodies), ports)
    built = _built(
        bodies,
        ids or [None] * len(bodies),
        finish or [None] * len(bodies),
        actor=actor,
        ports=ports,
    )
    failures = {index: item for index, item in enumerate(built) if isinstance(item, DomainError)}
    if atomic and failures:
        raise _whole_batch_error(failures)
    first_of: dict[str, int] = {}
    for index, item in enumerate(built):
        if isinstance(item, Invoice):
            first_of.setdefault(item.id, index)
    named = [item for item in built if isinstance(item, Invoice) and _may_exist(item, ids)]
    firsts = [
        item for index, item in enumerate(built) if isinstance(item, Invoice)
        and first_of[item.id] == index
    ]  # fmt: skip
    maybe = named if read_first else []
    found = _written(firsts, actor.tenant_id, may_exist=maybe, atomic=atomic, ports=ports)
    return [_outcome(item, index, first_of, found) for index, item in enumerate(built)]


def queue_invoices(
    items: Sequence[Any],
    *,
    atomic: bool,
    actor: Actor,
    ports: BatchPorts,
    batch_id: str | None = None,
    source: BatchSource = BatchSource.NATIVE,
) -> tuple[Batch, bool]:
    """Keep the items, record the batch and queue it; returns it and whether it is new (a batch
    id sent again answers the batch already recorded, and queues nothing). The items of a
    `source` other than native were checked by its caller."""
    if atomic:
        _refuse_invalid(items, ports.invoices)
    now = ports.invoices.clock.now()
    batch_id = batch_id or new_id()
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
    )
    existing = ports.batches.get(actor.tenant_id, batch.id)
    if existing is not None:
        return _same_source(existing, source), False
    body = json.dumps(list(items), default=str).encode()
    ports.files.put(
        batch.items_path, body, media_type="application/json", filename=f"{batch.id}.json"
    )
    stored = ports.batches.add(batch)
    if stored is None:  # another request recorded the same id a moment ago
        return _same_source(_existing(actor.tenant_id, batch.id, ports), source), False
    ports.queue.send_batch(actor.tenant_id, batch.id, now)
    return stored, True


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
    describe: Callable[[DomainError], dict[str, Any]],
    creators: Mapping[BatchSource, ChunkCreator],
) -> bool:
    """Create a queued batch's invoices from where its results stop; whether anything was left.
    `creators` make each source's items; `describe` turns an item's error into the body a
    single create would have answered."""
    batch = ports.batches.get(tenant_id, batch_id)
    if batch is None or batch.status == BatchStatus.COMPLETED:
        return False
    create = creators[batch.source]
    data = ports.files.get(batch.items_path)
    items = json.loads(data) if data is not None else []
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
    return True


def create_batch(
    items: Sequence[Any],
    *,
    atomic: bool,
    actor: Actor,
    ports: InvoicePorts,
    start: int = 0,
    batch_id: str | None = None,
) -> list[ItemOutcome]:
    """Create a batch's items (`start` is the first one's place in the batch). Within a queued
    batch (`batch_id`), an item without externalId is named by the batch and its place, so a
    chunk taken twice finds what it made the first time."""
    parsed = [parsed_item(start + offset, data) for offset, data in enumerate(items)]
    failures = {i: item for i, item in enumerate(parsed) if isinstance(item, DomainError)}
    if atomic and failures:
        raise _whole_batch_error(failures)
    bodies = [(start + i, item) for i, item in enumerate(parsed) if isinstance(item, NewInvoice)]
    ids = None
    if batch_id is not None:
        ids = [
            None if body.external_id else item_id(actor.tenant_id, batch_id, i)
            for i, body in bodies
        ]
    outcomes = create_invoices(
        [body for _, body in bodies], atomic=atomic, actor=actor, ports=ports, ids=ids
    )
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


def item_id(tenant_id: str, batch_id: str, index: int) -> str:
    """The invoice id of a queued batch's item that brings no key of its own: fixed by the batch
    and the item's place, so a chunk taken twice finds what it made the first time."""
    return invoicing.invoice_id_for(tenant_id, f"{batch_id}#{index}")


def made_earlier(outcome: Outcome) -> Outcome:
    """An item named by its batch and place that is found stored was made by an earlier try of
    its chunk: it was created by this batch all the same."""
    if isinstance(outcome, Added) and not outcome.created:
        return Added(outcome.invoice, created=True)
    return outcome


def create_native_chunk(
    items: Sequence[Any],
    *,
    atomic: bool,
    actor: Actor,
    ports: BatchPorts,
    start: int,
    batch_id: str,
) -> list[ItemOutcome]:
    """The ChunkCreator of native create bodies."""
    return create_batch(
        items, atomic=atomic, actor=actor, ports=ports.invoices, start=start, batch_id=batch_id
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
            chunk, atomic=batch.atomic, actor=actor, ports=ports, start=start, batch_id=batch.id
        )
    except DomainError as exc:  # an atomic batch that cannot be written: every item fails
        return [ItemOutcome(start + i, None, exc) for i in range(len(chunk))]


def _result(item: ItemOutcome, *, describe: Callable[[DomainError], dict[str, Any]]) -> ItemResult:
    outcome = item.outcome
    if isinstance(outcome, DomainError):
        return ItemResult(
            index=item.index,
            status=ItemStatus.FAILED,
            external_id=item.external_id,
            error=describe(outcome),
        )
    return ItemResult(
        index=item.index,
        status=ItemStatus.CREATED if outcome.created else ItemStatus.DUPLICATE,
        external_id=item.external_id,
        invoice_id=outcome.invoice.id,
    )


def _built(
    bodies: Sequence[NewInvoice],
    ids: Sequence[str | None],
    finish: Sequence[Finish | None],
    *,
    actor: Actor,
    ports: InvoicePorts,
) -> list[Invoice | DomainError]:
    now = ports.clock.now()
    defaults = ports.defaults_for(actor.tenant_id)
    built: list[Invoice | DomainError] = []
    for body, invoice_id, then in zip(bodies, ids, finish, strict=True):
        try:
            draft = invoicing.new_invoice(
                body, actor=actor, now=now, defaults=defaults, invoice_id=invoice_id
            )
            built.append(draft if then is None else then(draft))
        except DomainError as exc:
            built.append(exc)
    return built


def _may_exist(invoice: Invoice, ids: Sequence[str | None] | None) -> bool:
    """Only an id derived from a key can name a stored invoice; a new id cannot."""
    return invoice.external_id is not None or (ids is not None and invoice.id in ids)


def _written(
    new: Sequence[Invoice],
    tenant_id: str,
    *,
    may_exist: Sequence[Invoice],
    atomic: bool,
    ports: InvoicePorts,
) -> dict[str, Outcome]:
    """Each new invoice as written, or as found stored already under its id."""
    maybe = [invoice.id for invoice in may_exist]
    for _ in ports.retry.tries():
        stored = {i.id: i for i in ports.repo.get_many(tenant_id, maybe)} if maybe else {}
        found: dict[str, Outcome] = {
            i: Added(invoice, created=False) for i, invoice in stored.items()
        }
        fresh = [invoice for invoice in new if invoice.id not in stored]
        try:
            added = ports.repo.add_many(fresh, atomic=atomic) if fresh else []
        except ConcurrentModificationError:
            maybe = [invoice.id for invoice in new]  # one of them was created meanwhile
            continue
        return found | {invoice.id: outcome for invoice, outcome in zip(fresh, added, strict=True)}
    raise ConcurrentModificationError(", ".join(invoice.id for invoice in new))


def _outcome(
    item: Invoice | DomainError,
    index: int,
    first_of: Mapping[str, int],
    found: Mapping[str, Outcome],
) -> Outcome:
    if isinstance(item, DomainError):
        return item
    outcome = found[item.id]
    if first_of[item.id] != index and isinstance(outcome, Added):
        return Added(outcome.invoice, created=False)  # the same externalId earlier in the batch
    return outcome


def _whole_batch_error(failures: Mapping[int, DomainError]) -> DomainError:
    """Why an atomic batch writes nothing: every field at fault, or the first other error."""
    others = [exc for exc in failures.values() if not isinstance(exc, InvalidInputError)]
    if others:
        return others[0]
    return InvalidInputError(
        [p for exc in failures.values() if isinstance(exc, InvalidInputError) for p in exc.problems]
    )


def _refuse_invalid(items: Sequence[Any], ports: InvoicePorts) -> None:
    _refuse_oversized(len(items), ports)
    failures = {
        index: parsed
        for index, parsed in ((i, parsed_item(i, data)) for i, data in enumerate(items))
        if isinstance(parsed, DomainError)
    }
    if failures:
        raise _whole_batch_error(failures)


def _refuse_oversized(count: int, ports: InvoicePorts) -> None:
    """One transaction carries an atomic batch, and DynamoDB's hold 100 writes, one of which
    moves the tenant's figures."""
    limit = ports.repo.max_atomic
    if count > limit:
        message = f"an atomic batch holds at most {limit} invoices; this one has {count}"
        raise InvalidInputError([FieldProblem("invoices", message)])


def _same_source(batch: Batch, source: BatchSource) -> Batch:
    if batch.source != source:
        raise BatchIdTakenError(batch.id)
    return batch


def _existing(tenant_id: str, batch_id: str, ports: BatchPorts) -> Batch:
    batch = ports.batches.get(tenant_id, batch_id)
    if batch is None:
        raise BatchNotFoundError(batch_id)
    return batch
