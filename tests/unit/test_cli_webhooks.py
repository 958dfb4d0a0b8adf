"""The local stack's webhook worker (`invoicing serve`): the deployed worker's code over the local
queue, deleting what it reports done and leaving the rest to come back."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.webhook_retries import Schedule
from chalicelib.domain.webhooks import Attempt
from invoicing_cli import webhooks as local_worker
from tests.unit.test_webhook_worker import ports, record, registered
from tests.webhook_fakes import ScriptedTransport


class ListedQueue:
    """Answers its records once each, then nothing; keeps what was deleted and delayed."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.deleted: list[str] = []
        self.delayed: list[tuple[str, timedelta]] = []
        self.received = threading.Event()

    def receive(self, *, wait_seconds: int = 0) -> list[dict[str, Any]]:
        taken, self.records = self.records, []
        if not taken:
            self.received.set()
            time.sleep(0.01)
        return taken

    def retry_after(self, receipt_handle: str, delay: timedelta) -> None:
        self.delayed.append((receipt_handle, delay))

    def delete(self, receipt_handle: str) -> None:
        self.deleted.append(receipt_handle)


def test_the_consumer_deletes_delivered_messages_and_delays_failed_ones_until_stopped() -> None:
    given = ports(ScriptedTransport([Attempt(status=500)]))
    endpoint = registered(given)
    queue = ListedQueue([record(endpoint, 1, "evt-a"), record(endpoint, 1, "evt-b")])

    with local_worker.consuming(queue, given, Schedule()):
        assert queue.received.wait(timeout=5)

    assert queue.deleted == ["r-evt-b-1"]
    assert queue.delayed == [("r-evt-a-1", timedelta(seconds=5))]


def test_the_local_schedule_is_the_deployed_one_unless_serve_is_given_seconds() -> None:
    assert local_worker.local_schedule(None) == local_worker.local_schedule("") == Schedule()
    short = local_worker.local_schedule("1")
    assert short.attempts == Schedule().attempts == 20  # the queue's maxReceiveCount
    assert {short.delay_after(n) for n in range(1, 20)} == {timedelta(seconds=1)}
    with pytest.raises(ValueError, match="INVOICING_LOCAL_RETRY_SECONDS"):
        local_worker.local_schedule("0")
