"""The webhook use cases over fakes (tests/webhook_fakes.py): one delivery attempt, signed, sent to
the address checked and recorded whatever the receiver does; an endpoint's URL checked when it is
registered; what an endpoint hears."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.values import Actor
from chalicelib.domain.webhook_urls import UrlRefusedError
from chalicelib.domain.webhooks import (
    Attempt,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookInput,
    attempted,
)
from chalicelib.retry import RetryPolicy
from chalicelib.services import webhook_delivery, webhooks
from chalicelib.services.webhooks import WebhookPorts
from tests.fakes import FixedClock
from tests.webhook_fakes import (
    InMemoryWebhookRepository,
    PinnedResolver,
    ScriptedTransport,
)

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z", tick=False)  # what verify takes as now
ALICE = Actor(tenant_id="acme", user_id="alice")
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def ports(transport: ScriptedTransport | None = None, **addresses: list[str]) -> WebhookPorts:
    pinned = {host.replace("_", "."): found for host, found in addresses.items()}
    return WebhookPorts(
        webhooks=InMemoryWebhookRepository(),
        resolver=PinnedResolver(pinned or {"hooks.example.com": ["93.184.215.14"]}),
        transport=transport or ScriptedTransport(),
        clock=FixedClock(NOW),
    )


def registered(given: WebhookPorts, url: str = "https://hooks.example.com/in") -> Webhook:
    body = WebhookInput.model_validate({"url": url, "eventTypes": ["invoice.paid"]})
    return webhooks.create_webhook(body, actor=ALICE, ports=given)


def test_one_attempt_is_signed_sent_to_the_checked_address_and_recorded() -> None:
    transport = ScriptedTransport()
    given = ports(transport)
    endpoint = registered(given)

    made = webhook_delivery.deliver(
        endpoint, "evt_1", "invoice.paid", {"id": "inv-1", "total": 10}, ports=given
    )

    [sent] = transport.sent
    assert (sent.address, sent.url.host, sent.url.target) == (
        "93.184.215.14",
        "hooks.example.com",
        "/in",
    )
    assert Verifier(endpoint.secret).verify(sent.body, dict(sent.headers)) == {
        "type": "invoice.paid",
        "timestamp": "2026-11-21T09:30:00.000Z",
        "data": {"id": "inv-1", "total": 10},
    }
    assert sent.headers["webhook-id"] == "evt_1"
    assert (made.status, made.attempts, made.last_status, made.created) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
        NOW,
    )
    assert given.webhooks.get_delivery("acme", endpoint.id, made.id) == made


@pytest.mark.parametrize(
    ("answer", "status"),
    [(Attempt(status=500), 500), (Attempt(status=301), 301), (Attempt(error="x" * 900), None)],
)
def test_a_receivers_fault_is_a_failure_recorded_never_an_exception(
    answer: Attempt, status: int | None
) -> None:
    given = ports(ScriptedTransport([answer]))
    endpoint = registered(given)

    made = webhook_delivery.deliver(endpoint, "evt_2", "invoice.paid", {}, ports=given)

    assert (made.status, made.last_status) == (DeliveryStatus.FAILED, status)
    assert made.last_error is None or len(made.last_error) == 500


def test_an_address_that_is_refused_at_delivery_is_never_connected_to() -> None:
    transport = ScriptedTransport()
    given = ports(transport)
    endpoint = registered(given)
    given.resolver.addresses["hooks.example.com"] = ["10.0.0.7"]  # type: ignore[attr-defined]

    made = webhook_delivery.deliver(endpoint, "evt_3", "invoice.paid", {}, ports=given)

    assert made.status == DeliveryStatus.FAILED and transport.sent == []
    assert made.last_error == (
        "Not sent: the URL its host hooks.example.com resolves to 10.0.0.7, which is a private "
        "address"
    )


def test_a_retry_sends_the_same_body_under_the_same_id_with_a_new_timestamp() -> None:
    transport = ScriptedTransport([Attempt(status=502)])
    given = ports(transport)
    endpoint = registered(given)
    failed = webhook_delivery.deliver(endpoint, "evt_4", "invoice.paid", {}, ports=given)
    given.clock.advance(minutes=5)  # type: ignore[attr-defined]

    again = webhook_delivery.retry_delivery(endpoint.id, failed.id, actor=ALICE, ports=given)

    first, second = transport.sent
    assert (first.body, first.headers["webhook-id"]) == (second.body, second.headers["webhook-id"])
    assert int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) == 300
    assert (again.attempts, again.status, again.created) == (2, DeliveryStatus.SUCCEEDED, NOW)
    assert again.last_attempt_at == datetime(2026, 11, 21, 9, 35, tzinfo=UTC)


def test_a_registered_url_is_checked_and_the_secret_is_standard_webhooks_form() -> None:
    given = ports()
    endpoint = registered(given)
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) == 6 + 32
    with pytest.raises(UrlRefusedError):
        registered(given, "https://nowhere.example.com/")
    with pytest.raises(InvalidInputError):
        registered(given, "http://127.0.0.1:8080/")  # not the local stack


def test_an_endpoint_hears_its_types_every_type_for_a_star_and_always_a_test() -> None:
    endpoint = registered(ports())
    assert endpoint.wants("invoice.paid") and endpoint.wants("webhook.test")
    assert not endpoint.wants("invoice.sent")
    assert replace(endpoint, event_types=("*",)).wants("invoice.sent")


def test_two_retries_at_once_both_count_the_later_reads_again() -> None:
    given = ports(ScriptedTransport([Attempt(status=500)]))
    endpoint = registered(given)
    failed = webhook_delivery.deliver(endpoint, "evt_5", "invoice.paid", {}, ports=given)
    repo = given.webhooks
    original = repo.save_delivery
    raced = False

    def rival_first(delivery: WebhookDelivery, *, previous: WebhookDelivery) -> WebhookDelivery:
        nonlocal raced
        if not raced:  # another retry's attempt (which failed) is recorded first
            raced = True
            original(attempted(previous, Attempt(status=500), NOW), previous=previous)
        return original(delivery, previous=previous)

    repo.save_delivery = rival_first  # type: ignore[method-assign]

    again = webhook_delivery.retry_delivery(
        endpoint.id, failed.id, actor=ALICE, ports=given, retry=RetryPolicy(sleep=lambda _: None)
    )

    assert (again.attempts, again.status, again.last_status) == (3, DeliveryStatus.SUCCEEDED, 200)
