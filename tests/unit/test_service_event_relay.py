"""The relay over fakes (decision 0064): events go to the bus ten to a call and to each enabled
endpoint of their own tenant that wants them; endpoints are read once per tenant in a batch; a
refusal stops at the record it happened in, which Lambda hands over again with those after it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from chalicelib.domain.integration_events import IntegrationEvent, ResourceType, event_id
from chalicelib.domain.webhook_retries import Health
from chalicelib.domain.webhooks import Webhook
from chalicelib.services.event_relay import RecordEvents, RelayPorts, relay
from tests.fakes import InMemoryEventBus, InMemoryWebhookEndpoints, InMemoryWebhookMessages

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def event(
    tenant: str, invoice: str, sequence: int, kind: str = "invoice.updated"
) -> IntegrationEvent:
    return IntegrationEvent(
        id=event_id(ResourceType.INVOICE, invoice, sequence, kind, 0),
        type=kind,
        tenant_id=tenant,
        sequence=sequence,
        occurred_at=NOW,
        resource_type=ResourceType.INVOICE,
        resource_id=invoice,
        data={"id": invoice},
    )


def hook(tenant: str, webhook_id: str, *types: str) -> Webhook:
    return Webhook(
        tenant_id=tenant,
        id=webhook_id,
        url="https://hooks.example.com/in",
        event_types=types or ("*",),
        secret="whsec_x",
        created=NOW,
        created_by="alice",
    )


def ports(*endpoints: Webhook) -> tuple[RelayPorts, InMemoryEventBus, InMemoryWebhookMessages]:
    bus, messages = InMemoryEventBus(), InMemoryWebhookMessages()
    return RelayPorts(bus, messages, InMemoryWebhookEndpoints(*endpoints)), bus, messages


def records(count: int, tenant: str = "acme", per_record: int = 1) -> list[RecordEvents]:
    return [
        RecordEvents(str(n), [event(tenant, f"inv-{n}", n * 10 + i) for i in range(per_record)])
        for n in range(count)
    ]


def test_every_event_goes_to_the_bus_in_order_ten_to_a_call() -> None:
    given, bus, _ = ports()
    batch = records(25)
    assert relay(batch, given) == []
    assert bus.events == [e for record in batch for e in record.events]
    assert bus.calls == 3


def test_each_enabled_endpoint_of_the_events_tenant_that_wants_it_gets_one_message() -> None:
    disabled = replace(hook("acme", "off"), health=Health(disabled_at=NOW))
    given, _, messages = ports(
        hook("acme", "all"), hook("acme", "paid", "invoice.paid"), disabled, hook("globex", "g")
    )
    relay([*records(2), RecordEvents("9", [event("acme", "x", 1, "invoice.paid")])], given)
    sent = [(m.webhook_id, m.event.type) for m in messages.messages]
    assert sent == [
        ("all", "invoice.updated"),
        ("all", "invoice.updated"),
        ("all", "invoice.paid"),
        ("paid", "invoice.paid"),
    ]


def test_endpoints_are_read_once_per_tenant_in_a_batch() -> None:
    endpoints = InMemoryWebhookEndpoints(hook("acme", "a"), hook("globex", "g"))
    given = RelayPorts(InMemoryEventBus(), InMemoryWebhookMessages(), endpoints)
    relay(records(5) + records(5, tenant="globex"), given)
    assert endpoints.reads == {"acme": 1, "globex": 1}


def test_another_tenants_endpoints_never_get_our_events() -> None:
    given, _, messages = ports(hook("globex", "g"))
    relay(records(3), given)
    assert messages.messages == []


def test_a_refused_call_names_the_first_record_not_told_and_keeps_those_before() -> None:
    given, bus, messages = ports(hook("acme", "a"))
    bus.refuse_after = 1
    batch = records(15)
    assert relay(batch, given) == ["10"]
    assert [e.resource_id for e in bus.events] == [f"inv-{n}" for n in range(10)]
    assert len(messages.messages) == 10


def test_a_record_with_more_events_than_one_call_is_told_whole() -> None:
    given, bus, _ = ports()
    assert relay(records(2, per_record=12), given) == []
    assert len(bus.events) == 24


def test_a_record_with_no_events_is_done() -> None:
    given, bus, _ = ports()
    assert relay([RecordEvents("1"), RecordEvents("2")], given) == []
    assert bus.calls == 0
