"""The jobs' Lambda entry points: EventBridge schedules start the runs, each for the time its
event was scheduled at (so a repeated delivery of an event is the same run), and the worker
takes the chunks a large run queued, one message at a time."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Rate, SQSEvent

from chalicelib.bootstrap import get_deps
from chalicelib.domain.due import Job
from chalicelib.jobs import runs
from chalicelib.jobs.work import Chunk, Report

jobs = Blueprint(__name__)
log = logging.getLogger(__name__)

# A stand-in: infra/template.json points the worker's event source at the stack's own queue.
JOBS_QUEUE_ARN = "arn:aws:sqs:eu-west-1:000000000000:invoicing-jobs"


@jobs.schedule(Rate(15, unit=Rate.MINUTES), name="recurring_job")
def recurring_job(event: CloudWatchEvent) -> dict[str, Any]:
    return _run(Job.RECURRING, event)


@jobs.schedule(Rate(5, unit=Rate.MINUTES), name="scheduled_sending_job")
def scheduled_sending_job(event: CloudWatchEvent) -> dict[str, Any]:
    return _run(Job.SCHEDULED, event)


@jobs.schedule(Rate(15, unit=Rate.MINUTES), name="reminders_job")
def reminders_job(event: CloudWatchEvent) -> dict[str, Any]:
    return _run(Job.REMINDERS, event)


@jobs.schedule(Rate(15, unit=Rate.MINUTES), name="overdue_job")
def overdue_job(event: CloudWatchEvent) -> dict[str, Any]:
    return _run(Job.OVERDUE, event)


@jobs.on_sqs_message(queue_arn=JOBS_QUEUE_ARN, batch_size=1, name="job_worker")
def job_worker(event: SQSEvent) -> None:
    """One chunk per message: a failure of a lone item raises, so SQS retries it and finally
    moves it to the dead-letter queue; other failures were queued again, alone."""
    ports = get_deps().job_ports(event.context)
    for record in event:
        report = runs.take(Chunk.from_message(record.body), ports)
        log.info(report.summary())


def _run(job: Job, event: CloudWatchEvent) -> dict[str, Any]:
    now = datetime.fromisoformat(event.time)
    report = runs.run(job, now, get_deps().job_ports(event.context))
    log.info(report.summary())
    return outcome(report)


def outcome(report: Report) -> dict[str, Any]:
    return {
        "job": str(report.job),
        "done": len(report.done),
        "skipped": len(report.skipped),
        "failed": len(report.failed),
        "queuedChunks": report.queued_chunks,
        "queuedItems": report.queued_items,
    }
