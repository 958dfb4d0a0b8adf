"""Queued batches on the fakes: queueing keeps the items and records the batch once; the worker
creates every item exactly once (resuming where a dead worker stopped), records each result and
then deletes the items; what is refused is refused whole or item by item as the batch asked;
another tenant sees none of it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.batches import Batch, BatchSource, BatchStatus, ItemStatus
from chalicelib.domain.due import Job
from chalicelib.domain.errors import (
    BatchNotFoundError,
    DomainError,
    InvalidInputError,
    TemporarilyUnavailableError,
)
from chalicelib.domain.values import Actor
from chalicelib.domain.work import WorkItem
from chalicelib.services import batches as service
from chalicelib.services.batches import BatchItemsMissingError, ChunkCreator, create_native_chunk
from tests.fakes import FakeWorld, RecordingChunkCreator

ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="gina")
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
GOOD = {"currency": "EUR", "rows": [{"description": "Work", "quantity": 3, "unitPrice": "0.10"}]}
BAD = {"currency": "EUR", "rows": [{"description": "Work", "quantity": "lots"}]}


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld(NOW)


def describe(error: DomainError) -> Mapping[str, Any]:
    return {"title": type(error).__name__, "detail": str(error)}


def queue(world: FakeWorld, items: list[Any], actor: Actor = ACME, **kw: Any) -> tuple[Batch, bool]:
    return service.queue_invoices(
        items, actor=actor, ports=world.batch_ports, **{"atomic": False, **kw}
    )


def take(world: FakeWorld, batch: Batch, create: ChunkCreator = create_native_chunk) -> bool:
    return service.take_batch(
        batch.tenant_id,
        batch.id,
        ports=world.batch_ports,
        describe=describe,
        creators={BatchSource.NATIVE: create},
    )


def test_queueing_keeps_the_items_records_the_batch_and_queues_it_once(world: FakeWorld) -> None:
    batch, new = queue(world, [GOOD, BAD], batch_id="batch-1")

    assert new
    assert (batch.status, batch.total, batch.created, batch.created_by) == (
        BatchStatus.QUEUED,
        2,
        NOW,
        "alice",
    )
    assert world.batches.get("acme", "batch-1") == batch
    assert batch.items_path.startswith("acme/")
    kept = world.files.get(batch.items_path)
    assert kept is not None and json.loads(kept) == [GOOD, BAD]
    assert [(c.job, c.items) for c in world.queue.sent()] == [
        (Job.BATCH, (WorkItem("acme", "batch-1"),))
    ]


def test_a_batch_id_sent_again_answers_the_batch_and_queues_nothing_more(
    world: FakeWorld,
) -> None:
    first, _ = queue(world, [GOOD], batch_id="batch-1")
    world.clock.advance(minutes=1)

    again, new = queue(world, [GOOD, GOOD, GOOD], batch_id="batch-1")

    assert (again, new) == (first, False)
    assert len(world.queue.sent()) == 1
    assert list(world.files.objects) == [first.items_path]


def test_an_atomic_batch_with_a_bad_item_is_refused_whole_and_nothing_kept(
    world: FakeWorld,
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        queue(world, [GOOD, BAD], atomic=True, batch_id="batch-1")

    assert refused.value.problems[0].field.startswith("invoices[1].rows[0]")
    assert world.batches.get("acme", "batch-1") is None
    assert world.files.objects == {}
    assert world.queue.sent() == []


def test_a_retried_request_whose_queueing_failed_is_queued_when_retried(
    world: FakeWorld,
) -> None:
    retrying = replace(ACME, request="request-1")
    world.queue.refusal = TemporarilyUnavailableError("The job queue refused chunks")
    with pytest.raises(TemporarilyUnavailableError):
        queue(world, [GOOD], retrying)
    world.queue.refusal = None

    batch, new = queue(world, [GOOD], retrying)

    assert not new
    assert [c.items for c in world.queue.sent()] == [(WorkItem("acme", batch.id),)]


def test_the_worker_creates_every_item_records_each_result_and_deletes_the_items(
    world: FakeWorld,
) -> None:
    batch, _ = queue(world, [GOOD, BAD, GOOD], batch_id="batch-1")
    world.clock.advance(minutes=2)

    assert take(world, batch)

    done = world.batches.get("acme", "batch-1")
    assert done is not None
    assert (done.status, done.updated) == (BatchStatus.COMPLETED, world.clock.now())
    assert [r.status for r in done.results] == [
        ItemStatus.CREATED,
        ItemStatus.FAILED,
        ItemStatus.CREATED,
    ]
    error = done.results[1].error
    assert error is not None and error["title"] == "InvalidInputError"
    assert "invoices[1].rows[0].quantity" in error["detail"]
    made = [world.invoices.get("acme", str(r.invoice_id)) for r in done.results if r.invoice_id]
    assert [str(invoice.total) for invoice in made if invoice] == ["0.30", "0.30"]
    assert world.files.get(batch.items_path) is None


def test_a_batch_taken_again_once_done_creates_nothing(world: FakeWorld) -> None:
    batch, _ = queue(world, [GOOD, GOOD])
    take(world, batch)

    assert not take(world, batch)

    assert len(world.invoices.invoices_of("acme")) == 2


def test_a_worker_that_dies_half_way_is_resumed_where_its_results_stop(world: FakeWorld) -> None:
    batch, _ = queue(world, [GOOD] * 150)
    dying = RecordingChunkCreator(fail_from=2)

    with pytest.raises(RuntimeError):
        take(world, batch, dying)
    half = world.batches.get("acme", batch.id)
    assert half is not None and (half.status, half.processed) == (BatchStatus.PROCESSING, 100)
    assert world.files.get(batch.items_path) is not None  # kept until every item has its result

    resumed = RecordingChunkCreator()
    assert take(world, batch, resumed)

    assert (dying.calls, resumed.calls) == ([(0, 100), (100, 50)], [(100, 50)])
    assert len(world.invoices.invoices_of("acme")) == 150
    assert world.invoices.figures("acme")["count#DRAFT#EUR"] == 150


def test_an_atomic_chunk_that_cannot_be_written_fails_every_item(world: FakeWorld) -> None:
    batch, _ = queue(world, [GOOD, GOOD], atomic=True)
    refusing = RecordingChunkCreator(
        fail_from=1, failure=TemporarilyUnavailableError("the store is busy")
    )

    take(world, batch, refusing)

    done = world.batches.get("acme", batch.id)
    assert done is not None and done.status == BatchStatus.COMPLETED
    assert [r.status for r in done.results] == [ItemStatus.FAILED, ItemStatus.FAILED]
    assert world.invoices.invoices_of("acme") == []


def test_a_batch_whose_items_are_gone_is_failed_loudly(world: FakeWorld) -> None:
    batch, _ = queue(world, [GOOD])
    world.files.delete(batch.items_path)

    with pytest.raises(BatchItemsMissingError):
        take(world, batch)


def test_another_tenant_cannot_read_the_batch_and_its_own_id_is_its_own(world: FakeWorld) -> None:
    mine, _ = queue(world, [GOOD], batch_id="batch-1")

    with pytest.raises(BatchNotFoundError):
        service.get_batch("batch-1", actor=GLOBEX, ports=world.batch_ports)
    theirs, new = queue(world, [GOOD, GOOD], GLOBEX, batch_id="batch-1")

    assert new and theirs.tenant_id == "globex" and theirs.total == 2
    assert service.get_batch("batch-1", actor=ACME, ports=world.batch_ports) == mine


def test_a_batch_of_another_source_is_not_found_as_a_native_one(world: FakeWorld) -> None:
    queue(world, [GOOD], batch_id="batch-1", source=BatchSource.HYPERLINE)

    with pytest.raises(BatchNotFoundError):
        service.get_batch("batch-1", actor=ACME, ports=world.batch_ports)
