"""The local stack's job runner (invoicing_cli/jobs.py) over an in-memory queue: what it drains,
what it leaves for the queue to deliver again, and a ticker that outlives failing ticks."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest

from chalicelib.domain.batches import Batch, ItemResult, ItemStatus
from chalicelib.domain.due import Job
from chalicelib.domain.work import Chunk, WorkItem
from chalicelib.jobs import runs
from chalicelib.jobs.ports import JobPorts
from chalicelib.ports import OnceGuard
from chalicelib.services.batches import BatchPorts
from chalicelib.services.documents import DocumentPorts
from invoicing_cli import jobs
from tests import fakes

NOW = datetime(2026, 2, 1, 23, 59, 59, tzinfo=UTC)


class InMemoryQueue(fakes.InMemoryQueue):
    """The shared fake queue, also noting how long each receive was willing to wait."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[int] = []

    def receive(self, *, wait_seconds: int = 0) -> list[tuple[Chunk, str]]:
        self.waits.append(wait_seconds)
        return super().receive(wait_seconds=wait_seconds)


class ListedDue:
    def __init__(self, items: list[WorkItem]) -> None:
        self.items = items
        self.asked: list[tuple[Job, datetime]] = []

    def due(self, job: Job, now: datetime) -> Iterator[WorkItem]:
        self.asked.append((job, now))
        yield from self.items


class Bar:
    def __init__(self, total: int = 0) -> None:
        self.total = total
        self.steps: list[int] = []

    def update(self, n_steps: int) -> None:
        self.steps.append(n_steps)

    def grow(self, n_steps: int) -> None:
        self.total += n_steps


def nothing_to_do(_item: WorkItem, _now: datetime, _ports: JobPorts) -> bool:
    return False


def items(n: int) -> list[WorkItem]:
    return [WorkItem("jobs-unit", f"invoice-{i}") for i in range(n)]


def job_ports(due: list[WorkItem], queue: InMemoryQueue) -> JobPorts:
    # The workers are replaced in these tests, so the documents and the guard are never used.
    return JobPorts(
        documents=cast(DocumentPorts, None),
        due=ListedDue(due),
        queue=queue,
        once=cast(OnceGuard, None),
    )


@pytest.fixture
def acted_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The overdue worker acts on every invoice except those whose id ends in -skip, and fails
    on those ending in -fail."""
    seen: list[str] = []

    def worker(item: WorkItem, now: datetime, ports: Any) -> bool:
        if item.invoice_id.endswith("-fail"):
            raise RuntimeError("the mailer is down")
        seen.append(item.invoice_id)
        return not item.invoice_id.endswith("-skip")

    monkeypatch.setitem(runs.WORKERS, Job.OVERDUE, worker)
    return seen


def test_a_run_that_fits_one_chunk_is_done_inline_and_the_drain_stops_at_once(
    acted_on: list[str],
) -> None:
    queue = InMemoryQueue()
    bars: list[Bar] = []
    outcome = jobs.run_job(Job.OVERDUE, NOW, job_ports(items(2), queue), queue, recording(bars))
    assert (len(outcome.run.done), outcome.chunks_taken, len(queue.waits)) == (2, 0, 1)
    assert bars == []  # nothing queued, nothing to watch
    assert outcome.line() == "overdue: 2 done, 0 with nothing to do"
    assert outcome.acted


def test_queued_chunks_are_all_taken_and_deleted_with_the_progress_counted(
    acted_on: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "CHUNK_SIZE", 2)
    queue = InMemoryQueue()
    bars: list[Bar] = []
    due = [*items(24), WorkItem("jobs-unit", "last-skip")]
    outcome = jobs.run_job(Job.OVERDUE, NOW, job_ports(due, queue), queue, recording(bars))

    assert sorted(acted_on) == sorted(item.invoice_id for item in due)
    assert (outcome.run.queued_items, outcome.chunks_taken) == (25, 13)
    assert (queue.visible, queue.in_flight) == ([], {})
    assert len(queue.waits) == 3  # 10 chunks, 3 chunks, then an empty answer ends the drain
    assert all(0 < wait <= 1 for wait in queue.waits)
    [bar] = bars
    assert sum(bar.steps) == 25
    assert outcome.line() == (
        "overdue: 0 done, 0 with nothing to do, 25 queued in 13 chunks; "
        "workers took 13 chunks: 24 done, 1 with nothing to do"
    )


def test_a_lone_item_failing_again_leaves_its_message_for_the_queue(
    acted_on: list[str],
) -> None:
    queue = InMemoryQueue()
    retry = Chunk(Job.OVERDUE, NOW, (WorkItem("jobs-unit", "retried-fail"),), attempt=1)
    queue.send([retry])
    outcome = jobs.run_job(Job.OVERDUE, NOW, job_ports([], queue), queue)

    assert list(queue.in_flight.values()) == [retry.to_message()]  # not deleted: it comes back
    assert [item.invoice_id for item in outcome.taken[Job.OVERDUE].failed] == ["retried-fail"]
    assert outcome.line() == (
        "overdue: 0 done, 0 with nothing to do; "
        "workers took 1 chunks: 0 done, 0 with nothing to do, 1 failed"
    )
    assert outcome.acted


def test_a_failure_in_a_queued_chunk_is_sent_back_alone_and_delayed(
    acted_on: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "CHUNK_SIZE", 2)
    queue = InMemoryQueue()
    due = [*items(3), WorkItem("jobs-unit", "first-fail")]
    outcome = jobs.run_job(Job.OVERDUE, NOW, job_ports(due, queue), queue)

    assert [Chunk.from_message(body).items for body in queue.delayed] == [tuple(due[3:])]
    assert (queue.visible, queue.in_flight) == ([], {})
    assert len(outcome.taken[Job.OVERDUE].failed) == 1


def test_a_chunk_of_another_job_is_named_in_the_line(acted_on: list[str]) -> None:
    queue = InMemoryQueue()
    queue.send([Chunk(Job.OVERDUE, NOW, tuple(items(1)))])
    outcome = jobs.run_job(Job.REMINDERS, NOW, job_ports([], queue), queue)
    assert outcome.line() == (
        "reminders: 0 done, 0 with nothing to do; "
        "workers took 1 chunks: overdue 1 done, 0 with nothing to do"
    )


def test_all_runs_every_job_in_the_workers_order(monkeypatch: pytest.MonkeyPatch) -> None:
    for job in runs.WORKERS:
        monkeypatch.setitem(runs.WORKERS, job, nothing_to_do)
    queue = InMemoryQueue()
    ports = job_ports(items(1), queue)
    reports = [
        outcome.run for outcome in jobs.run_jobs(jobs.selected_jobs("all"), NOW, ports, queue)
    ]
    assert cast(ListedDue, ports.due).asked == [(job, NOW) for job in runs.WORKERS]
    assert [report.job for report in reports] == list(runs.WORKERS)
    assert [len(report.skipped) for report in reports] == [1, 1, 1, 1]
    assert jobs.selected_jobs("overdue") == [Job.OVERDUE]


def test_the_ticker_prints_only_jobs_that_did_something(
    acted_on: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for job in [Job.RECURRING, Job.SCHEDULED, Job.REMINDERS]:
        monkeypatch.setitem(runs.WORKERS, job, nothing_to_do)
    queue = InMemoryQueue()
    printed: list[str] = []
    jobs.run_all_now(job_ports(items(1), queue), queue, printed.append)
    [line] = printed
    assert line.endswith("] overdue: 1 done, 0 with nothing to do")


def test_a_stopping_stack_gets_no_further_job() -> None:
    queue = InMemoryQueue()
    ports = job_ports(items(1), queue)
    stop = threading.Event()
    stop.set()
    jobs.run_all_now(ports, queue, print, stop)
    assert (cast(ListedDue, ports.due).asked, queue.waits) == ([], [])


@pytest.mark.now("2026-11-21T09:30:00Z", tick=False)
def test_a_date_means_its_last_second_in_utc_and_no_date_means_now() -> None:
    assert jobs.as_of(date(2026, 2, 1)) == NOW
    assert jobs.as_of(None) == datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def test_the_ticker_outlives_failing_ticks_and_stops_with_its_context() -> None:
    ticks = 0
    enough = threading.Event()

    def failing_tick(_stop: threading.Event) -> None:
        nonlocal ticks
        ticks += 1
        if ticks >= 3:
            enough.set()
        raise RuntimeError("the emulator went away")

    with jobs.ticking(0.01, failing_tick):
        assert enough.wait(timeout=5)
    stopped_at = ticks
    assert [thread for thread in threading.enumerate() if thread.name == "jobs-ticker"] == []
    time.sleep(0.05)
    assert ticks == stopped_at


def recording(bars: list[Bar]) -> jobs.ProgressFactory:
    @contextmanager
    def progress(job: Job, total: int) -> Iterator[jobs.Progress]:
        bar = Bar(total)
        bars.append(bar)
        yield bar

    return progress


class StoredBatches:
    """A batches' repository holding one batch, as its worker reads and saves it."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch

    def get(self, tenant_id: str, batch_id: str) -> Batch | None:
        return (
            self.batch if (tenant_id, batch_id) == (self.batch.tenant_id, self.batch.id) else None
        )

    def add(self, batch: Batch) -> Batch | None:
        return None

    def save(self, batch: Batch, *, previous: Batch) -> Batch:
        self.batch = batch
        return batch


def queued_batch(total: int, processed: int = 0) -> Batch:
    results = [ItemResult(index=i, status=ItemStatus.CREATED) for i in range(processed)]
    return Batch(
        id="b-1",
        tenant_id="jobs-unit",
        items_path="batches/b-1.json",
        total=total,
        results=results,
        created=NOW,
        created_by="user-1",
        updated=NOW,
    )


def test_a_queued_batch_found_in_the_queue_fills_the_bar_as_its_invoices_are_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch of 250 of which 40 were made before: the bar grows by the 210 left and moves
    with each save of up to 100 (from where it stands), as the worker makes them."""
    stored = StoredBatches(queued_batch(250, processed=40))

    def work_the_batch(item: WorkItem, _now: datetime, ports: JobPorts) -> bool:
        assert ports.batches is not None
        batch = ports.batches.batches.get(item.tenant_id, item.invoice_id)
        while batch is not None and batch.processed < batch.total:
            made = [
                ItemResult(index=i, status=ItemStatus.CREATED)
                for i in range(batch.processed, min(batch.processed + 100, batch.total))
            ]
            updated = batch.model_copy(update={"results": [*batch.results, *made]})
            batch = ports.batches.batches.save(updated, previous=batch)
        return True

    monkeypatch.setattr(runs, "create_queued_batch", work_the_batch)
    queue = InMemoryQueue()
    queue.send([Chunk(Job.BATCH, NOW, (WorkItem("jobs-unit", "b-1"),))])
    # The worker is replaced, so only the batches' repository is ever used.
    unused: Any = None
    batch_ports = BatchPorts(
        invoices=unused, batches=stored, files=unused, queue=unused, clients=unused
    )
    ports = dataclasses.replace(job_ports([], queue), batches=batch_ports)
    bars: list[Bar] = []

    outcome = jobs.run_job(Job.RECURRING, NOW, ports, queue, recording(bars))

    [bar] = bars
    assert (bar.total, bar.steps) == (210, [100, 100, 10])
    assert stored.batch.processed == 250
    assert outcome.line() == (
        "recurring: 0 done, 0 with nothing to do; workers took 1 chunks: "
        "batch 1 done, 0 with nothing to do"
    )
