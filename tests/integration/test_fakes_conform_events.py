"""The relay's fake outlets against their adapters on moto (decision 0064): every event given
reaches the bus in order, more than ten at once included, and every webhook message reaches the
queue as the body the webhook worker reads. Both backends pass the same assertions."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest

from chalicelib.domain.integration_events import IntegrationEvent, ResourceType, event_id
from chalicelib.ports import WebhookMessage
from chalicelib.store.event_bus import SOURCE, EventBridgeBus
from chalicelib.store.webhook_queue import SqsWebhookMessages, message_body
from tests.fakes import InMemoryEventBus, InMemoryWebhookMessages
from tests.integration.test_fakes_conform import BACKENDS, on_moto

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
Taken = Callable[[], list[dict[str, Any]]]


def events(count: int) -> list[IntegrationEvent]:
    return [
        IntegrationEvent(
            id=event_id(ResourceType.INVOICE, "inv", n, "invoice.updated", 0),
            type="invoice.updated",
            tenant_id="acme",
            sequence=n,
            occurred_at=NOW,
            resource_type=ResourceType.INVOICE,
            resource_id="inv",
            data={"id": "inv", "total": Decimal("0.10") * n},
        )
        for n in range(1, count + 1)
    ]


def drained(sqs: Any, url: str) -> list[str]:
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


@pytest.fixture(params=BACKENDS)
def bus(request: pytest.FixtureRequest) -> tuple[Any, Taken]:
    if not on_moto(request):
        fake = InMemoryEventBus()
        return fake, lambda: [e.to_json() for e in fake.events]
    sqs, bridge = boto3.client("sqs"), boto3.client("events")
    bridge.create_event_bus(Name="bus")
    url = sqs.create_queue(QueueName="tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    bridge.put_rule(Name="all", EventBusName="bus", EventPattern=json.dumps({"source": [SOURCE]}))
    target = {"Id": "tap", "Arn": arn["Attributes"]["QueueArn"]}
    bridge.put_targets(Rule="all", EventBusName="bus", Targets=[target])

    def taken() -> list[dict[str, Any]]:
        return [json.loads(b, parse_float=Decimal)["detail"] for b in drained(sqs, url)]

    return EventBridgeBus("bus"), taken


@pytest.fixture(params=BACKENDS)
def queue(request: pytest.FixtureRequest) -> tuple[Any, Callable[[], list[str]]]:
    if not on_moto(request):
        fake = InMemoryWebhookMessages()
        return fake, lambda: [message_body(m) for m in fake.messages]
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="webhooks")["QueueUrl"]
    return SqsWebhookMessages(url), lambda: drained(sqs, url)


def test_every_event_reaches_the_bus_in_order_with_exact_amounts(
    bus: tuple[Any, Taken],
) -> None:
    adapter, taken = bus
    given = events(23)
    adapter.publish(given)
    told = taken()
    assert [e["sequence"] for e in told] == list(range(1, 24))
    assert told[2]["data"]["total"] == Decimal("0.30")


def test_every_message_reaches_the_queue_as_the_worker_reads_it(
    queue: tuple[Any, Callable[[], list[str]]],
) -> None:
    adapter, taken = queue
    given = [WebhookMessage("acme", f"hook-{n}", e) for n, e in enumerate(events(12))]
    adapter.send(given)
    bodies = [json.loads(body) for body in taken()]
    assert sorted(b["webhookId"] for b in bodies) == sorted(f"hook-{n}" for n in range(12))
    for body in bodies:
        assert set(body) == {"tenantId", "webhookId", "eventId", "eventType", "payload"}
        assert body["eventId"] == body["payload"]["id"] and body["tenantId"] == "acme"
