"""Running a job: find what is due by the run's time, do it here when it fits one chunk, else
hand it to the queue in chunks for the workers. Each item stands alone: one that fails is
reported and retried by itself, and never holds back or repeats the others."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice

from chalicelib.domain.due import Job
from chalicelib.domain.errors import InvoiceNotFoundError
from chalicelib.domain.work import Chunk, WorkItem
from chalicelib.jobs.batches import create_queued_batch
from chalicelib.jobs.overdue import flag_overdue
from chalicelib.jobs.ports import JobPorts
from chalicelib.jobs.recurring import issue_recurring
from chalicelib.jobs.reminders import send_due_reminder
from chalicelib.jobs.sending import send_scheduled
from chalicelib.jobs.work import Report

log = logging.getLogger(__name__)

CHUNK_SIZE = 100  # items a worker takes at once: minutes of work at most, far from 15
RETRY_DELAY_SECONDS = 60
# In the order `all` runs them: a recurring invoice sent on creation, then sending, reminders
# and overdue, so one run leaves nothing for the next that it could have done.
WORKERS: dict[Job, Callable[[WorkItem, datetime, JobPorts], bool]] = {
    Job.RECURRING: issue_recurring,
    Job.SCHEDULED: send_scheduled,
    Job.REMINDERS: send_due_reminder,
    Job.OVERDUE: flag_overdue,
}


class ChunkFailedError(Exception):
    """A chunk of one item failed: the queue delivers it again, then dead-letters it."""


def run(job: Job, now: datetime, ports: JobPorts) -> Report:
    """The job as of `now`: the work found is done here if it fits one chunk; else every chunk
    goes to the queue."""
    chunks = _chunks(job, now, ports.due.due(job, now))
    first = next(chunks, None)
    if first is None:
        return Report(job)
    following = next(chunks, None)
    if following is None:
        return settle(first, process(first, ports), ports)
    report = Report(job)
    report.queued_chunks = ports.queue.send(_counted([first, following], chunks, report))
    return report


def process(chunk: Chunk, ports: JobPorts) -> Report:
    """Each item of the chunk by itself: a failure is reported, and the rest go on."""
    work = create_queued_batch if chunk.job == Job.BATCH else WORKERS[chunk.job]
    report = Report(chunk.job)
    for item in chunk.items:
        try:
            acted = work(item, chunk.now, ports)
        except InvoiceNotFoundError:
            acted = False  # deleted since the index listed it
        except Exception:
            log.exception(
                "%s failed for invoice %s of %s", chunk.job, item.invoice_id, item.tenant_id
            )
            report.failed.append(item)
            continue
        (report.done if acted else report.skipped).append(item)
    return report


def settle(chunk: Chunk, report: Report, ports: JobPorts) -> Report:
    """Failed items go back to the queue one by one, after a delay. An item that failed alone
    raises instead, so the queue retries it and finally dead-letters it."""
    if not report.failed:
        return report
    if len(chunk.items) == 1 and chunk.attempt > 0:
        raise ChunkFailedError(f"{chunk.job} failed for invoice {chunk.items[0].invoice_id}")
    retries = (
        Chunk(chunk.job, chunk.now, (item,), attempt=chunk.attempt + 1) for item in report.failed
    )
    ports.queue.send(retries, delay_seconds=RETRY_DELAY_SECONDS)
    return report


def take(chunk: Chunk, ports: JobPorts) -> Report:
    """A worker's whole handling of a chunk from the queue."""
    return settle(chunk, process(chunk, ports), ports)


def _chunks(job: Job, now: datetime, items: Iterable[WorkItem]) -> Iterator[Chunk]:
    iterator = iter(items)
    while batch := tuple(islice(iterator, CHUNK_SIZE)):
        yield Chunk(job, now, batch)


def _counted(head: list[Chunk], tail: Iterator[Chunk], report: Report) -> Iterator[Chunk]:
    for chunk in (*head, *tail):
        report.queued_items += len(chunk.items)
        yield chunk
