"""The webhook worker over fakes (tests/webhook_fakes.py): each receive of a queued event is one
attempt, recorded on the event's one delivery; a failure hides the message for the schedule's
next delay; an endpoint that is gone or disabled drops its messages; one failing for five days
is disabled."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from chalicelib.domain.values import Actor
from chalicelib.domain.webhook_retries import DISABLE_AFTER, Schedule
from chalicelib.domain.webhooks import Attempt, DeliveryStatus, Webhook, WebhookInput
from chalicelib.services import webhooks
from chalicelib.services.webhook_events import take_messages
from chalicelib.services.webhooks import WebhookPorts
from tests.fakes import FixedClock
from tests.webhook_fakes import (
    HeldMessages,
    InMemoryWebhookRepository,
    PinnedResolver,
    ScriptedTransport,
)

ALICE = Actor(tenant_id="acme", user_id="alice")
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
OCCURRED = "2026-11-21T09:29:58.000Z"


def ports(transport: ScriptedTransport) -> WebhookPorts:
    return WebhookPorts(
        webhooks=InMemoryWebhookRepository(),
        resolver=PinnedResolver({"hooks.example.com": ["93.184.215.14"]}),
        transport=transport,
        clock=FixedClock(NOW),
    )


def registered(given: WebhookPorts) -> Webhook:
    body = WebhookInput.model_validate(
        {"url": "https://hooks.example.com/in", "eventTypes": ["invoice.paid"]}
    )
    return webhooks.create_webhook(body, actor=ALICE, ports=given)


def record(endpoint: Webhook, receive: int, event_id: str = "evt-1", **changes: Any) -> Any:
    """A record as Lambda's SQS event source passes it, with the relay's body (decision 0064)."""
    payload = {
        "id": event_id,
        "type": "invoice.paid",
        "tenantId": endpoint.tenant_id,
        "sequence": 3,
        "occurredAt": OCCURRED,
        "resourceType": "invoice",
        "resourceId": "inv-1",
        "data": {"id": "inv-1", "total": 10.50},
    }
    body = {
        "tenantId": endpoint.tenant_id,
        "webhookId": endpoint.id,
        "eventId": event_id,
        "eventType": "invoice.paid",
        "payload": payload,
        **changes,
    }
    return {
        "messageId": f"m-{event_id}",
        "receiptHandle": f"r-{event_id}-{receive}",
        "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": str(receive)},
    }


def failures(answer: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]


@pytest.mark.now("2026-11-21T09:30:15Z", tick=False)  # what verify takes as now
def test_a_receiver_failing_three_times_gets_the_event_on_the_fourth_receive_once() -> None:
    transport = ScriptedTransport([Attempt(status=500), Attempt(status=503), Attempt(error="x")])
    given, held = ports(transport), HeldMessages()
    endpoint = registered(given)

    answers = []
    for receive in range(1, 5):
        answers.append(take_messages([record(endpoint, receive)], given, held, Schedule()))
        given.clock.advance(seconds=5)  # type: ignore[attr-defined]

    assert [failures(answer) for answer in answers] == [["m-evt-1"]] * 3 + [[]]
    assert held.delays == [
        ("r-evt-1-1", timedelta(seconds=5)),
        ("r-evt-1-2", timedelta(minutes=1)),
        ("r-evt-1-3", timedelta(minutes=5)),
    ]
    assert len(transport.sent) == 4
    assert len({sent.body for sent in transport.sent}) == 1
    assert {sent.headers["webhook-id"] for sent in transport.sent} == {"evt-1"}
    last = transport.sent[-1]
    event = Verifier(endpoint.secret).verify(last.body, dict(last.headers))
    assert event["data"]["data"] == {"id": "inv-1", "total": 10.50}
    assert event["timestamp"] == OCCURRED
    [delivery] = given.webhooks.deliveries("acme", endpoint.id, limit=10, cursor=None).items
    assert (delivery.attempts, delivery.status, delivery.event_id) == (
        4,
        DeliveryStatus.SUCCEEDED,
        "evt-1",
    )
    assert delivery.created == NOW and delivery.last_attempt_at == NOW + timedelta(seconds=15)


def test_a_message_received_again_after_success_is_not_sent_again() -> None:
    transport = ScriptedTransport()
    given, held = ports(transport), HeldMessages()
    endpoint = registered(given)

    for receive in (1, 2):  # its deletion was lost: SQS delivers it again
        assert failures(take_messages([record(endpoint, receive)], given, held, Schedule())) == []

    assert len(transport.sent) == 1
    [delivery] = given.webhooks.deliveries("acme", endpoint.id, limit=10, cursor=None).items
    assert delivery.attempts == 1


def test_an_endpoint_that_is_gone_or_disabled_drops_its_messages_and_records_nothing() -> None:
    transport = ScriptedTransport()
    given, held = ports(transport), HeldMessages()
    gone, disabled = registered(given), registered(given)
    given.webhooks.delete("acme", gone.id)
    failing = given.webhooks.get("acme", disabled.id)
    assert failing is not None
    off = failing.health.__class__(failing_since=NOW, disabled_at=NOW, disabled_reason="x")
    assert given.webhooks.save_health("acme", disabled.id, off, previous=failing.health)

    answer = take_messages(
        [record(gone, 1, "evt-a"), record(disabled, 1, "evt-b")], given, held, Schedule()
    )

    assert failures(answer) == [] and held.delays == [] and transport.sent == []
    for endpoint in (gone, disabled):
        assert given.webhooks.deliveries("acme", endpoint.id, limit=10, cursor=None).items == []


def test_a_batch_keeps_only_its_failed_messages_and_an_unreadable_one() -> None:
    transport = ScriptedTransport([Attempt(status=500)])
    given, held = ports(transport), HeldMessages()
    endpoint = registered(given)
    unreadable = {**record(endpoint, 1, "evt-c"), "body": "{not json"}

    answer = take_messages(
        [record(endpoint, 1, "evt-a"), record(endpoint, 1, "evt-b"), unreadable],
        given,
        held,
        Schedule(),
    )

    assert failures(answer) == ["m-evt-a", "m-evt-c"]
    assert held.delays == [("r-evt-a-1", timedelta(seconds=5))]  # the unreadable one: the
    # queue's own visibility timeout, then the dead-letter queue after its last receive


def test_the_last_attempt_failing_leaves_the_message_to_the_dead_letter_queue() -> None:
    given, held = ports(ScriptedTransport([Attempt(status=500)])), HeldMessages()
    endpoint = registered(given)
    short = Schedule((timedelta(seconds=1),) * 2)

    answer = take_messages([record(endpoint, 3)], given, held, short)

    assert failures(answer) == ["m-evt-1"]
    assert held.delays == [("r-evt-1-3", timedelta(0))]


def test_an_endpoint_failing_for_five_days_is_disabled_and_a_success_before_clears_it() -> None:
    transport = ScriptedTransport([Attempt(status=500)] * 10)
    given, held = ports(transport), HeldMessages()
    clock: FixedClock = given.clock  # type: ignore[assignment]
    endpoint = registered(given)

    take_messages([record(endpoint, 1, "evt-1")], given, held, Schedule())
    first_failure = clock.now()
    clock.advance(days=4)
    take_messages([record(endpoint, 1, "evt-2")], given, held, Schedule())
    assert _health(given, endpoint).failing_since == first_failure
    assert not _health(given, endpoint).disabled
    clock.advance(days=1)
    take_messages([record(endpoint, 1, "evt-3")], given, held, Schedule())

    health = _health(given, endpoint)
    assert (health.disabled, health.disabled_at, health.failing_since) == (
        True,
        first_failure + DISABLE_AFTER,
        first_failure,
    )
    sent = len(transport.sent)
    assert failures(take_messages([record(endpoint, 2, "evt-3")], given, held, Schedule())) == []
    assert len(transport.sent) == sent  # dropped from now on

    enabled = webhooks.enable_webhook(endpoint.id, actor=ALICE, ports=given)
    assert enabled.health == _health(given, endpoint) and not enabled.disabled
    transport.answers = []
    take_messages([record(endpoint, 1, "evt-4")], given, held, Schedule())
    assert _health(given, endpoint).failing_since is None


def test_a_success_clears_the_failures_so_five_days_are_counted_from_the_next_failure() -> None:
    transport = ScriptedTransport([Attempt(status=500), Attempt(status=200), Attempt(status=500)])
    given, held = ports(transport), HeldMessages()
    clock: FixedClock = given.clock  # type: ignore[assignment]
    endpoint = registered(given)

    for n in range(3):
        take_messages([record(endpoint, 1, f"evt-{n}")], given, held, Schedule())
        clock.advance(days=3)

    assert _health(given, endpoint).failing_since == NOW + timedelta(days=6)
    assert not _health(given, endpoint).disabled


def _health(given: WebhookPorts, endpoint: Webhook) -> Any:
    found = given.webhooks.get(endpoint.tenant_id, endpoint.id)
    assert found is not None
    return found.health


@pytest.mark.parametrize("missing", ["tenantId", "payload"])
def test_a_message_without_the_contracts_fields_is_kept_for_the_dead_letter_queue(
    missing: str,
) -> None:
    given, held = ports(ScriptedTransport()), HeldMessages()
    endpoint = registered(given)
    broken = record(endpoint, 1)
    body = json.loads(broken["body"])
    del body[missing]

    answer = take_messages([{**broken, "body": json.dumps(body)}], given, held, Schedule())

    assert failures(answer) == ["m-evt-1"] and held.delays == []


def test_a_message_the_invocation_has_no_time_left_for_is_kept_unattempted() -> None:
    transport = ScriptedTransport()
    given, held = ports(transport), HeldMessages()
    endpoint = registered(given)
    left = iter([45.0, 19.0])

    answer = take_messages(
        [record(endpoint, 1, "evt-a"), record(endpoint, 1, "evt-b")],
        given,
        held,
        Schedule(),
        lambda: next(left),
    )

    assert failures(answer) == ["m-evt-b"]
    assert len(transport.sent) == 1 and held.delays == []
