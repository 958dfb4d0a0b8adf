"""What a write to one item tells (decision 0064): every kind of invoice history entry has its
event (or is told on purpose as none), a write's events carry the resource's version after it as
their sequence, ids are the same whenever the same write is read again, and the tenant is the
resource's own."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import simplejson

from chalicelib.domain import invoicing
from chalicelib.domain.clients import Client
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.events import record
from chalicelib.domain.integration_events import (
    INVOICE_EVENT_TYPES,
    Change,
    ResourceType,
    events_of,
)
from chalicelib.domain.invoice import EventType, Invoice, InvoiceStatus
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.values import Actor
from chalicelib.domain.webhook_retries import Health
from chalicelib.domain.webhooks import EVENT_TYPES, Webhook, endpoint_json

ALICE = Actor(tenant_id="acme", user_id="alice")
NOW = datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
RECORDED = NOW + timedelta(hours=5)


def draft(version: int = 1) -> Invoice:
    fields = InvoiceFields.model_validate(
        {
            "currency": "EUR",
            "invoiceDate": "2026-11-01",
            "rows": [{"quantity": "3", "unitPrice": "33.33", "taxRate": "19"}],
        }
    )
    made = invoicing.new_invoice(fields, actor=ALICE, now=NOW, defaults=InvoiceDefaults())
    return made.model_copy(update={"version": version})


def written(before: Invoice, kind: EventType, **changes: object) -> Invoice:
    after = record(before, kind, str(kind), actor=ALICE, now=LATER, **changes)
    return after.model_copy(update={"version": before.version + 1})


def told(before: Invoice | None, after: Invoice | None) -> list[str]:
    return [event.type for event in events_of(Change(before, after, RECORDED))]


def test_every_kind_of_invoice_history_entry_is_mapped_to_a_catalogued_event_or_to_none() -> None:
    assert set(INVOICE_EVENT_TYPES) == set(EventType)
    assert {kind for kind in INVOICE_EVENT_TYPES.values() if kind} <= set(EVENT_TYPES)


@pytest.mark.parametrize("kind", sorted(EventType))
def test_each_history_entry_a_write_appends_is_told_once(kind: EventType) -> None:
    before = draft()
    expected = INVOICE_EVENT_TYPES[kind]
    assert told(before, written(before, kind)) == ([expected] if expected else [])


def test_a_created_invoice_is_told_created_with_its_version_and_tenant() -> None:
    (event,) = events_of(Change(None, draft(), RECORDED))
    assert (event.type, event.sequence, event.tenant_id) == ("invoice.created", 1, "acme")
    assert (event.resource_type, event.occurred_at) == (ResourceType.INVOICE, NOW)


def test_leaving_draft_is_told_issued_and_becoming_paid_is_told_paid() -> None:
    before = draft()
    sent = written(before, EventType.SENT, status=InvoiceStatus.SENT)
    assert told(before, sent) == ["invoice.issued", "invoice.sent"]
    paid = written(sent, EventType.PAYMENT_ADDED, status=InvoiceStatus.PAID)
    assert told(sent, paid) == ["invoice.payment_recorded", "invoice.paid"]
    marked = written(sent, EventType.MARKED_AS_PAID, status=InvoiceStatus.PAID)
    assert told(sent, marked) == ["invoice.paid"]


def test_the_sequence_follows_the_invoice_version_write_after_write() -> None:
    first = draft()
    second = written(first, EventType.COMMENT)
    third = written(second, EventType.MARKED_AS_SENT, status=InvoiceStatus.SENT)
    changes = [Change(None, first, RECORDED), Change(first, second, RECORDED)]
    changes.append(Change(second, third, RECORDED))
    assert [event.sequence for c in changes for event in events_of(c)] == [1, 2, 3]


def test_the_same_write_read_twice_gives_the_same_ids_and_two_alike_entries_differ() -> None:
    before = draft()
    twice = written(written(before, EventType.ROW_ADDED), EventType.ROW_ADDED)
    twice = twice.model_copy(update={"version": 2})
    once, again = events_of(Change(before, twice, RECORDED)), events_of(Change(before, twice, NOW))
    assert [e.id for e in once] == [e.id for e in again]
    assert len({e.id for e in once}) == 2


def test_a_deleted_invoice_is_told_deleted_at_the_time_the_table_recorded_it() -> None:
    (event,) = events_of(Change(draft(version=4), None, RECORDED))
    assert (event.type, event.sequence, event.occurred_at) == ("invoice.deleted", 5, RECORDED)


def test_the_event_carries_the_invoice_as_the_api_answers_it_with_exact_amounts() -> None:
    (event,) = events_of(Change(None, draft(), RECORDED))
    body = json.loads(simplejson.dumps(event.to_json(), use_decimal=True), parse_float=Decimal)
    assert body["data"]["id"] == event.resource_id
    assert str(body["data"]["total"]) == "118.99"
    assert body["tenantId"] == "acme" and body["occurredAt"] == "2026-11-10T09:30:00.000Z"


def test_clients_are_told_created_updated_and_deleted_but_not_for_a_count_moved() -> None:
    client = Client(
        id="c1",
        tenant_id="acme",
        version=1,
        name="Globex",
        created=NOW,
        created_by="alice",
        updated=NOW,
        updated_by="alice",
    )
    renamed = client.model_copy(update={"version": 2, "name": "Globex AG", "updated": LATER})
    assert told_of(None, client) == ["client.created"]
    assert told_of(client, renamed) == ["client.updated"]
    assert told_of(renamed, renamed) == []
    assert told_of(renamed, None) == ["client.deleted"]


def told_of(before: Client | None, after: Client | None) -> list[str]:
    return [event.type for event in events_of(Change(before, after, RECORDED))]


def test_every_event_the_mapping_makes_may_be_subscribed_to() -> None:
    made = {
        "invoice.deleted",
        "credit_note.issued",
        "credit_note.sent",
        "client.created",
        "client.updated",
        "client.deleted",
        "batch.completed",
    }
    assert made <= set(EVENT_TYPES)


def endpoint_with(health: Health) -> Webhook:
    return Webhook(
        tenant_id="acme",
        id="0192f0a0-0000-7000-8000-000000000001",
        url="https://hooks.example.com/acme",
        event_types=("*",),
        secret="whsec_" + "A" * 32,
        created=NOW,
        created_by="alice",
        health=health,
    )


def test_an_endpoint_disabled_is_told_once_without_its_secret_and_nothing_else_of_it_is() -> None:
    healthy, failing = endpoint_with(Health()), endpoint_with(Health(failing_since=NOW))
    disabled = endpoint_with(Health(NOW, LATER, "failing for 5 days"))
    (event,) = events_of(Change(failing, disabled, RECORDED))
    assert (event.type, event.tenant_id, event.resource_type) == (
        "webhook.disabled",
        "acme",
        ResourceType.WEBHOOK,
    )
    assert event.occurred_at == LATER and event.resource_id == disabled.id
    assert event.data == endpoint_json(disabled) and "secret" not in event.data
    assert "whsec_" not in json.dumps(event.to_json(), default=str)
    assert events_of(Change(failing, disabled, RECORDED + timedelta(1))) == [event]  # same id
    assert events_of(Change(None, healthy, RECORDED)) == []
    assert events_of(Change(healthy, failing, RECORDED)) == []
    assert events_of(Change(disabled, disabled, RECORDED)) == []
    assert events_of(Change(disabled, healthy, RECORDED)) == []  # enabled again
    assert events_of(Change(disabled, None, RECORDED)) == []  # deleted
    assert events_of(Change(None, disabled, RECORDED)) == [event]
    again = endpoint_with(Health(LATER, RECORDED, "failing for 5 days"))
    (later,) = events_of(Change(healthy, again, RECORDED))
    assert later.sequence > event.sequence and later.id != event.id
