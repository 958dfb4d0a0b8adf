"""The jobs' Lambda entry points: EventBridge schedules start the runs, each for the time its
event was scheduled at (so a repeated delivery of an event is the same run), and the worker
takes the chunks a large run queued, one message at a time.

Lambda imports this module for each job function, and app.py for the blueprint: what a run needs
(the composition root, the domain, Powertools) is imported when one starts (decision 0046)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, CloudWatchEvent, DynamoDBEvent, Rate, SQSEvent

import chalicelib.runtime.snapstart  # noqa: F401  (SnapStart's hooks: the jobs load from here)

if TYPE_CHECKING:
    from chalicelib.jobs.work import Report

jobs = Blueprint(__name__)

# A stand-in: infra/template.json points the worker's event source at the stack's own queue.
JOBS_QUEUE_ARN = "arn:aws:sqs:eu-west-1:000000000000:invoicing-jobs"
# Also a stand-in, replaced by the template's WebhookQueue (decision 0065).
WEBHOOK_QUEUE_ARN = "arn:aws:sqs:eu-west-1:000000000000:invoicing-webhooks"
# A stand-in too: infra/template.json points the relay at the table's stream (decision 0064).
TABLE_STREAM_ARN = (
    "arn:aws:dynamodb:eu-west-1:000000000000:table/invoicing/stream/1970-01-01T00:00:00.000"
)


@jobs.schedule(Rate(15, unit=Rate.MINUTES), name="recurring_job")
def recurring_job(event: CloudWatchEvent) -> dict[str, Any]:
    return _run("recurring", event)


@jobs.schedule(Rate(5, unit=Rate.MINUTES), name="scheduled_sending_job")
def scheduled_sending_job(event: CloudWatchEvent) -> dict[str, Any]:
    return _run("scheduled", event)


@jobs.schedule(Rate(15, unit=Rate.MINUTES), name="reminders_job")
def reminders_job(event: CloudWatchEvent) -> dict[str, Any]:
    return _run("reminders", event)


@jobs.schedule(Rate(15, unit=Rate.MINUTES), name="overdue_job")
def overdue_job(event: CloudWatchEvent) -> dict[str, Any]:
    return _run("overdue", event)


@jobs.on_sqs_message(queue_arn=JOBS_QUEUE_ARN, batch_size=1, name="job_worker")
def job_worker(event: SQSEvent) -> None:
    """One chunk per message: a failure of a lone item raises, so SQS retries it and finally
    moves it to the dead-letter queue; other failures were queued again, alone."""
    from chalicelib.bootstrap import get_deps
    from chalicelib.domain.work import Chunk
    from chalicelib.jobs import runs

    ports = get_deps().job_ports(event.context)
    for record in event:
        chunk = Chunk.from_message(record.body)
        report = runs.process(chunk, ports)
        _told(report)  # before settling, which raises when a lone item failed again
        runs.settle(chunk, report, ports)


@jobs.on_dynamodb_record(
    stream_arn=TABLE_STREAM_ARN,
    batch_size=100,
    starting_position="TRIM_HORIZON",
    maximum_batching_window_in_seconds=1,
    name="event_relay",
)
def event_relay(event: DynamoDBEvent) -> dict[str, Any]:
    """The events the table's writes made, to the bus and the webhook queue, in order
    (decision 0064); Lambda starts again from the first record the answer names."""
    from chalicelib.bootstrap import get_deps
    from chalicelib.jobs.stream import relay_records

    return relay_records(event.to_dict()["Records"], get_deps().relay_ports)


@jobs.on_sqs_message(queue_arn=WEBHOOK_QUEUE_ARN, batch_size=10, name="webhook_worker")
def webhook_worker(event: SQSEvent) -> dict[str, Any]:
    """One attempt at each queued (endpoint, event): the answer names the messages to keep
    (ReportBatchItemFailures), each hidden until its next attempt is due (decision 0065)."""
    from chalicelib.bootstrap import get_deps
    from chalicelib.domain.webhook_retries import Schedule
    from chalicelib.services.webhook_events import take_messages

    deps = get_deps()
    records = [record.to_dict() for record in event]
    context: Any = event.context  # Lambda's context object, though Chalice types it a dict
    seconds_left = (lambda: context.get_remaining_time_in_millis() / 1000) if context else None
    return take_messages(
        records, deps.webhook_ports, deps.webhook_receipts, Schedule(), seconds_left
    )


def _run(job: str, event: CloudWatchEvent) -> dict[str, Any]:
    """Run `job` (a domain.due.Job's value) for the time its event was scheduled at."""
    from chalicelib.bootstrap import get_deps
    from chalicelib.domain.due import Job
    from chalicelib.jobs import runs

    now = datetime.fromisoformat(event.time)
    report = runs.run(Job(job), now, get_deps().job_ports(event.context))
    _told(report)
    return outcome(report)


def _told(report: Report) -> None:
    """The run's summary as one structured INFO line, and its items as metrics, flushed now: one
    EMF line per run or chunk (decision 0045)."""
    from chalicelib.bootstrap import get_deps
    from chalicelib.services.metrics import JOB_ITEMS_DONE, JOB_ITEMS_FAILED
    from chalicelib.telemetry import emf_metrics, logger

    logger.info(report.summary(), extra={"summary": outcome(report)})
    metrics = get_deps().metrics
    metrics.count(JOB_ITEMS_DONE, len(report.done))
    metrics.count(JOB_ITEMS_FAILED, len(report.failed))
    emf_metrics().flush(job=str(report.job))


def outcome(report: Report) -> dict[str, Any]:
    return {
        "job": str(report.job),
        "done": len(report.done),
        "skipped": len(report.skipped),
        "failed": len(report.failed),
        "queuedChunks": report.queued_chunks,
        "queuedItems": report.queued_items,
    }
