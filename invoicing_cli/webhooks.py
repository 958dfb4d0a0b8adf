"""The webhook worker on the local stack: no Lambda event source there, so a thread of `invoicing
serve` takes the local webhook queue's messages as the deployed worker does (the same
take_messages), deletes those done with, and leaves a failed one hidden for its retry's delay,
which moto's queue honours, so a receiver on 127.0.0.1 hears each event as it would in AWS."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Protocol

from chalicelib.domain.webhook_retries import MAX_ATTEMPTS, Schedule
from chalicelib.services.webhook_events import take_messages
from chalicelib.services.webhooks import WebhookPorts

log = logging.getLogger(__name__)

# Long enough for SQS to answer with what it holds, short enough that stopping is prompt.
WAIT_SECONDS = 1
STOP_TIMEOUT_SECONDS = 1
# Read by `invoicing serve` alone: every retry of its worker after this many seconds instead of
# the deployed schedule's, so a test or bench sees a failing receiver's retries within seconds.
# The attempts stay MAX_ATTEMPTS, which the local queue's redrive counts as the deployed one does.
RETRY_SECONDS_VARIABLE = "INVOICING_LOCAL_RETRY_SECONDS"


def local_schedule(retry_seconds: str | None) -> Schedule:
    """The deployed schedule, or `retry_seconds` between any two attempts when given."""
    if not retry_seconds:
        return Schedule()
    seconds = int(retry_seconds)  # SQS hides a message for whole seconds
    if seconds < 1:
        raise ValueError(f"{RETRY_SECONDS_VARIABLE} must be 1 or more, not {retry_seconds}")
    return Schedule(delays=(timedelta(seconds=seconds),) * (MAX_ATTEMPTS - 1))


class WebhookQueue(Protocol):
    """The webhook queue's receiving side, which Lambda's event source plays in AWS."""

    def receive(self, *, wait_seconds: int = 0) -> list[dict[str, Any]]: ...

    def retry_after(self, receipt_handle: str, delay: Any) -> None: ...

    def delete(self, receipt_handle: str) -> None: ...


def take_once(queue: WebhookQueue, ports: WebhookPorts, schedule: Schedule) -> int:
    """One receive and what the worker does with it; how many messages came."""
    records = queue.receive(wait_seconds=WAIT_SECONDS)
    if not records:
        return 0
    kept = {
        f["itemIdentifier"]
        for f in take_messages(records, ports, queue, schedule)["batchItemFailures"]
    }
    for record in records:
        if record["messageId"] not in kept:
            queue.delete(record["receiptHandle"])
    return len(records)


def consume(
    queue: WebhookQueue, ports: WebhookPorts, stop: threading.Event, schedule: Schedule
) -> None:
    """Take messages until `stop` is set. An error (the stack going down under it) is logged and
    the loop goes on: the webhooks must never bring the stack down."""
    while not stop.is_set():
        try:
            take_once(queue, ports, schedule)
        except Exception:
            if stop.is_set():
                return
            log.exception("Taking webhook messages failed; trying again")
            stop.wait(WAIT_SECONDS)


@contextmanager
def consuming(
    queue: WebhookQueue, ports: WebhookPorts, schedule: Schedule | None = None
) -> Iterator[None]:
    """The consumer in a daemon thread while the context lasts."""
    stop = threading.Event()
    thread = threading.Thread(
        target=consume,
        args=(queue, ports, stop, schedule or Schedule()),
        name="webhook-worker",
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=STOP_TIMEOUT_SECONDS)
