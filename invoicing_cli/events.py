"""The local stack's events (decision 0064): its EventBridge bus and webhook queue on moto, a
rule copying every event the bus takes to a tap queue, which the relay's thread writes to a log
file, one JSON object a line; `invoicing events` prints that file, following it on request."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from chalicelib.store.event_bus import SOURCE
from invoicing_cli.resources import template_resource

_FOLLOW_SECONDS = 0.2


@dataclass(frozen=True)
class EventOutlets:
    bus_name: str
    webhook_queue_url: str
    tap_url: str


def create_event_outlets(
    events: Any, sqs: Any, bus_name: str, webhook_queue: str, tap_queue: str
) -> EventOutlets:
    """The bus, the webhook queue and the tap queue with the rule that feeds it."""
    bus_arn = events.create_event_bus(Name=bus_name)["EventBusArn"]
    webhook_url = create_webhook_queue(sqs, webhook_queue)
    tap_url = sqs.create_queue(QueueName=tap_queue)["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap_url, AttributeNames=["QueueArn"])
    pattern = json.dumps({"source": [SOURCE]})
    events.put_rule(Name="tap", EventBusName=bus_arn, EventPattern=pattern)
    target = {"Id": "tap", "Arn": tap_arn["Attributes"]["QueueArn"]}
    events.put_targets(Rule="tap", EventBusName=bus_arn, Targets=[target])
    return EventOutlets(bus_name, webhook_url, tap_url)


def create_webhook_queue(sqs: Any, name: str) -> str:
    """The webhook queue as the template makes it: its visibility timeout, and a dead-letter
    queue taking a message after maxReceiveCount receives (the schedule's last attempt)."""
    properties = template_resource("WebhookQueue")["Properties"]
    dead_url = sqs.create_queue(QueueName=f"{name}-dead")["QueueUrl"]
    dead = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])
    redrive = {
        "deadLetterTargetArn": dead["Attributes"]["QueueArn"],
        "maxReceiveCount": str(properties["RedrivePolicy"]["maxReceiveCount"]),
    }
    attributes = {
        "VisibilityTimeout": str(properties["VisibilityTimeout"]),
        "RedrivePolicy": json.dumps(redrive),
    }
    return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def tap_to_log(sqs: Any, tap_url: str, log: Path) -> Callable[[], int]:
    """What moves the bus's events from the tap queue to the log; returns how many it moved."""

    def move() -> int:
        reply = sqs.receive_message(QueueUrl=tap_url, MaxNumberOfMessages=10)
        messages = reply.get("Messages", [])
        if messages:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as out:
                for message in messages:
                    detail = json.loads(message["Body"])["detail"]
                    out.write(json.dumps(detail, separators=(",", ":")) + "\n")
        for message in messages:
            sqs.delete_message(QueueUrl=tap_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    return move


def logged_events(log: Path, *, follow: bool, stop: Callable[[], bool]) -> Iterator[dict[str, Any]]:
    """The log's events from its first line; then, following, each as it is written."""
    log.parent.mkdir(parents=True, exist_ok=True)
    log.touch(exist_ok=True)
    with log.open(encoding="utf-8") as lines:
        while True:
            yield from _complete_lines(lines)
            if not follow or stop():
                return
            time.sleep(_FOLLOW_SECONDS)


def _complete_lines(lines: TextIO) -> Iterator[dict[str, Any]]:
    while True:
        where = lines.tell()
        line = lines.readline()
        if not line.endswith("\n"):  # none, or one still being written
            lines.seek(where)
            return
        yield json.loads(line)


def event_line(event: dict[str, Any]) -> str:
    """One line per event: when, which tenant, what, on which resource, at which sequence."""
    return (
        f"{event['occurredAt']}  {event['tenantId']}  {event['type']:<26} "
        f"{event['resourceType']} {event['resourceId']} #{event['sequence']}  {event['id']}"
    )
