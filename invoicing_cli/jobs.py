"""The scheduled jobs on the local stack: no EventBridge and no Lambda event source there, so
`invoicing run-job` and the ticker of `invoicing serve` run the jobs themselves and then drain
the jobs' queue as the worker would, until it is empty."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Protocol

from chalicelib.domain.batches import Batch
from chalicelib.domain.due import Job
from chalicelib.domain.work import Chunk
from chalicelib.jobs import runs
from chalicelib.jobs.ports import JobPorts
from chalicelib.jobs.work import Report
from chalicelib.services.batches import BatchRepository

log = logging.getLogger(__name__)

ALL = "all"
JOB_CHOICES = [*(str(job) for job in runs.WORKERS), ALL]
# Long enough for SQS to answer with what it holds, short enough that a run ends promptly.
DRAIN_WAIT_SECONDS = 1
# How long stopping the stack waits for a tick under way: it stops between chunks, and a daemon
# thread still inside one is left to end with the process (stopping must take under 5 s).
STOP_TIMEOUT_SECONDS = 1


class DrainableQueue(Protocol):
    """The receiving side of the jobs' queue, which Lambda's event source plays in AWS."""

    def receive(self, *, wait_seconds: int = 0) -> list[tuple[Chunk, str]]: ...

    def delete(self, receipt_handle: str) -> None: ...


class Progress(Protocol):
    """Counts the items workers take: a job's invoices, a queued batch's invoices."""

    def update(self, n_steps: int) -> None: ...

    def grow(self, n_steps: int) -> None:
        """More items to take than first known: a queued batch, found in the queue."""
        ...


# Given the job and how many items it queued, a context that counts the items workers take.
ProgressFactory = Callable[[Job, int], AbstractContextManager[Progress]]


class _Silent:
    """Nobody watches: the ticker of `serve`, and tests."""

    def update(self, n_steps: int) -> None:
        pass

    def grow(self, n_steps: int) -> None:
        pass


class WatchedBatches:
    """The batches' repository, telling `progress` how many invoices a queued batch has left when
    a worker reads it, and how many each of its saves made; a batch works 100 at a time."""

    def __init__(self, inner: BatchRepository, progress: Progress) -> None:
        self._inner = inner
        self._progress = progress
        self._seen: set[tuple[str, str]] = set()

    def get(self, tenant_id: str, batch_id: str) -> Batch | None:
        batch = self._inner.get(tenant_id, batch_id)
        if batch is not None and (tenant_id, batch_id) not in self._seen:
            self._seen.add((tenant_id, batch_id))
            self._progress.grow(batch.total - batch.processed)
        return batch

    def add(self, batch: Batch) -> Batch | None:
        return self._inner.add(batch)

    def save(self, batch: Batch, *, previous: Batch) -> Batch:
        saved = self._inner.save(batch, previous=previous)
        self._progress.update(saved.processed - previous.processed)
        return saved


def no_progress(_job: Job, _total: int) -> AbstractContextManager[Progress]:
    return nullcontext(_Silent())


@dataclass
class JobOutcome:
    """A run and what the workers then did with the chunks they took from the queue, by the
    job each chunk was for (a retry left by an earlier run may come out with this run's)."""

    run: Report
    taken: dict[Job, Report] = field(default_factory=dict)
    chunks_taken: int = 0

    @property
    def acted(self) -> bool:
        """Whether anything was done or failed: the ticker stays quiet otherwise."""
        reports = [self.run, *self.taken.values()]
        return any(report.done or report.failed for report in reports)

    def line(self) -> str:
        if not self.chunks_taken:
            return self.run.summary()
        taken = "; ".join(
            report.counts() if job == self.run.job else f"{job} {report.counts()}"
            for job, report in self.taken.items()
        )
        return f"{self.run.summary()}; workers took {self.chunks_taken} chunks: {taken}"


def selected_jobs(name: str) -> list[Job]:
    """One job, or every job in the order `all` runs them."""
    return list(runs.WORKERS) if name == ALL else [Job(name)]


def as_of(day: date | None) -> datetime:
    """Now, or the last second of `day`, in UTC: every due date of that day has passed in
    timezones up to UTC; later ones (Asia, Oceania) passed hours earlier."""
    if day is None:
        return datetime.now(UTC)
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def run_jobs(
    jobs: Iterable[Job],
    now: datetime,
    ports: JobPorts,
    queue: DrainableQueue,
    progress: ProgressFactory = no_progress,
) -> Iterator[JobOutcome]:
    """Each job in turn, its queue drained before the next starts, as `all` promises."""
    for job in jobs:
        yield run_job(job, now, ports, queue, progress)


def run_job(
    job: Job,
    now: datetime,
    ports: JobPorts,
    queue: DrainableQueue,
    progress: ProgressFactory = no_progress,
    stop: threading.Event | None = None,
) -> JobOutcome:
    outcome = JobOutcome(runs.run(job, now, ports))
    with ExitStack() as bar_lifetime:
        drain(queue, ports, outcome, _first_use(bar_lifetime, progress, outcome.run), stop)
    return outcome


def drain(
    queue: DrainableQueue,
    ports: JobPorts,
    outcome: JobOutcome,
    open_bar: Callable[[], Progress],
    stop: threading.Event | None = None,
) -> None:
    """Take chunks until a receive comes back empty, or the stack stops. Retries are queued
    with a delay, and a chunk that failed stays hidden for the queue's visibility timeout, so
    this ends; a chunk left when the stack stops is gone with the stack. The bar opens with the
    first chunk received: a run that queued nothing, and found nothing queued, shows none."""
    stopping = stop or threading.Event()
    watched: JobPorts | None = None
    while not stopping.is_set() and (received := queue.receive(wait_seconds=DRAIN_WAIT_SECONDS)):
        bar = open_bar()
        watched = watched or _watching_batches(ports, bar)
        for chunk, receipt_handle in received:
            if stopping.is_set():
                return
            report = take(chunk, receipt_handle, queue, watched)
            outcome.taken.setdefault(chunk.job, Report(chunk.job)).add(report)
            outcome.chunks_taken += 1
            if chunk.job != Job.BATCH:  # a batch's invoices are counted as its saves land
                bar.update(len(chunk.items))


def _first_use(
    lifetime: ExitStack, progress: ProgressFactory, run: Report
) -> Callable[[], Progress]:
    """Opens the run's bar (sized by what it queued) the first time it is asked for, then
    returns that one; it closes with `lifetime`."""
    opened: list[Progress] = []

    def bar() -> Progress:
        if not opened:
            opened.append(lifetime.enter_context(progress(run.job, run.queued_items)))
        return opened[0]

    return bar


def _watching_batches(ports: JobPorts, bar: Progress) -> JobPorts:
    if ports.batches is None:
        return ports
    batches = WatchedBatches(ports.batches.batches, bar)
    return dataclasses.replace(ports, batches=dataclasses.replace(ports.batches, batches=batches))


def take(chunk: Chunk, receipt_handle: str, queue: DrainableQueue, ports: JobPorts) -> Report:
    """The worker's handling of one message: deleted once taken; a lone item that failed
    again stays, so the queue brings it back and finally dead-letters it, as in AWS."""
    try:
        report = runs.take(chunk, ports)
    except runs.ChunkFailedError as exc:
        log.warning("%s; the queue will deliver it again", exc)
        return Report(chunk.job, failed=list(chunk.items))
    queue.delete(receipt_handle)
    return report


def run_all_now(
    ports: JobPorts,
    queue: DrainableQueue,
    echo: Callable[[str], None],
    stop: threading.Event | None = None,
) -> None:
    """One tick of `serve`: every job as of now, a line only for jobs that did something. A
    stack that is stopping gets no further job, so it stops without waiting for them all."""
    now = datetime.now(UTC)
    for job in runs.WORKERS:
        if stop is not None and stop.is_set():
            return
        outcome = run_job(job, now, ports, queue, stop=stop)
        if outcome.acted:
            echo(f"[jobs {now:%H:%M:%S}Z] {outcome.line()}")


@contextmanager
def ticking(every_seconds: float, tick: Callable[[threading.Event], None]) -> Iterator[None]:
    """`tick` every `every_seconds` in a daemon thread while the context lasts, given the event
    that says the context ended. A tick that raises is logged and the next one comes anyway:
    the jobs must never bring the stack down."""
    stop = threading.Event()
    thread = threading.Thread(
        target=_tick_until, args=(stop, every_seconds, tick), name="jobs-ticker", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=STOP_TIMEOUT_SECONDS)


def _tick_until(
    stop: threading.Event, every_seconds: float, tick: Callable[[threading.Event], None]
) -> None:
    while not stop.wait(every_seconds):
        try:
            tick(stop)
        except Exception:
            if stop.is_set():  # the stack went down under it: nothing failed
                return
            log.exception("The scheduled jobs failed; trying again in %ss", every_seconds)
