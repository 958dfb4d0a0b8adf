"""What a change to one item of the table tells the systems around us (issue 23, decision 0064):
a pure mapping from the item before and after one write (a DynamoDB Stream record, already read
back as domain objects) to the integration events it makes, each with an id derived from the
write, so a record delivered twice makes the same events and receivers deduplicate on the id."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.batches import Batch, BatchStatus, batch_json
from chalicelib.domain.clients import Client
from chalicelib.domain.credit_note_events import CreditNoteEventType
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.invoice import EventType, Invoice, InvoiceStatus
from chalicelib.domain.values import format_timestamp
from chalicelib.domain.webhooks import Webhook, endpoint_json

# Fixed for ever: an event's id is uuid5 of this and what identifies the write.
EVENT_ID_NAMESPACE = uuid.UUID("6b1e3c0e-6a51-4f5e-9d0c-0b7f4f1c2a64")


class ResourceType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    CLIENT = "client"
    BATCH = "batch"
    WEBHOOK = "webhook"


# Each thing an invoice's history records, told as one event; None: nothing a receiver acts on
# (a PDF made of the invoice as it was changes nothing it holds).
INVOICE_EVENT_TYPES: Mapping[EventType, str | None] = {
    EventType.CREATE: "invoice.created",
    EventType.UPDATE: "invoice.updated",
    EventType.COMMENT: "invoice.updated",
    EventType.ROW_ADDED: "invoice.updated",
    EventType.ROW_REMOVED: "invoice.updated",
    EventType.ATTACHMENT_ADDED: "invoice.updated",
    EventType.ATTACHMENT_REMOVED: "invoice.updated",
    EventType.PDF_GENERATED: None,
    EventType.SCHEDULED: "invoice.scheduled",
    EventType.UNSCHEDULED: "invoice.unscheduled",
    EventType.MARKED_AS_SENT: "invoice.issued",
    EventType.SENT: "invoice.sent",
    EventType.PAYMENT_ADDED: "invoice.payment_recorded",
    EventType.PAYMENT_REMOVED: "invoice.payment_removed",
    EventType.MARKED_AS_PAID: "invoice.paid",
    EventType.UNMARKED_AS_PAID: "invoice.unpaid",
    EventType.REMINDER_SENT: "invoice.reminder_sent",
    EventType.MARKED_AS_OVERDUE: "invoice.overdue",
    EventType.CANCELLED: "invoice.cancelled",
    EventType.CREDITED: "invoice.credited",
}
CREDIT_NOTE_EVENT_TYPES: Mapping[CreditNoteEventType, str] = {
    CreditNoteEventType.ISSUED: "credit_note.issued",
    CreditNoteEventType.SENT: "credit_note.sent",
}
WEBHOOK_DISABLED = "webhook.disabled"
UNISSUED = (InvoiceStatus.DRAFT, InvoiceStatus.SCHEDULED)
ISSUED = (InvoiceStatus.SENT, InvoiceStatus.OVERDUE, InvoiceStatus.PAID)
Resource = Invoice | CreditNote | Client | Batch | Webhook


@dataclass(frozen=True)
class Change:
    """One write to one item: the resource before (None: created) and after (None: deleted),
    and when the table recorded it (the time of a deletion, which no image holds)."""

    before: Resource | None
    after: Resource | None
    recorded_at: datetime


@dataclass(frozen=True)
class IntegrationEvent:
    id: str
    type: str
    tenant_id: str
    sequence: int  # the resource's version after the write: its events' order
    occurred_at: datetime
    resource_type: ResourceType
    resource_id: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """As receivers get it; amounts stay Decimal, for an encoder that writes them exactly."""
        return {
            "id": self.id,
            "type": self.type,
            "tenantId": self.tenant_id,
            "sequence": self.sequence,
            "occurredAt": format_timestamp(self.occurred_at),
            "resourceType": str(self.resource_type),
            "resourceId": self.resource_id,
            "data": self.data,
        }


def events_of(change: Change) -> list[IntegrationEvent]:
    resource = change.after or change.before
    if isinstance(resource, Webhook):
        return _webhook_events(change)
    if isinstance(resource, Invoice):
        found = list(_invoice_events(change))
    elif isinstance(resource, CreditNote):
        found = list(_credit_note_events(change))
    elif isinstance(resource, Client):
        found = list(_client_events(change))
    elif isinstance(resource, Batch):
        found = list(_batch_events(change))
    else:
        return []
    return _numbered(change, found)


def resource_json(resource: Resource) -> dict[str, Any]:
    """The resource as the API answers it."""
    if isinstance(resource, Batch):
        return batch_json(resource)
    if isinstance(resource, Webhook):
        return endpoint_json(resource)  # never its secret
    return resource.model_dump(mode="python", by_alias=True)


Told = tuple[str, datetime]  # an event's type and when it happened


def _invoice_events(change: Change) -> Iterator[Told]:
    before, after = change.before, change.after
    if after is None:
        yield "invoice.deleted", change.recorded_at
        return
    assert isinstance(after, Invoice)
    known = {event.id for event in before.events} if isinstance(before, Invoice) else set()
    new = [event for event in after.events if event.id not in known]
    told = [(INVOICE_EVENT_TYPES[e.type], e.date) for e in new]
    at = new[-1].date if new else after.updated
    was = before.status if isinstance(before, Invoice) else InvoiceStatus.DRAFT
    kinds = {kind for kind, _ in told}
    if was in UNISSUED and after.status in ISSUED and "invoice.issued" not in kinds:
        told.insert(0, ("invoice.issued", at))
    paid = was != InvoiceStatus.PAID and after.status == InvoiceStatus.PAID
    if paid and "invoice.paid" not in kinds:
        told.append(("invoice.paid", at))
    yield from ((kind, moment) for kind, moment in told if kind is not None)


def _credit_note_events(change: Change) -> Iterator[Told]:
    before, after = change.before, change.after
    if not isinstance(after, CreditNote):
        return
    known = {event.id for event in before.events} if isinstance(before, CreditNote) else set()
    for event in after.events:
        if event.id not in known:
            yield CREDIT_NOTE_EVENT_TYPES[event.type], event.date


def _client_events(change: Change) -> Iterator[Told]:
    before, after = change.before, change.after
    if not isinstance(after, Client):
        yield "client.deleted", change.recorded_at
    elif before is None:
        yield "client.created", after.created
    # Not when only the count of invoices naming it moved (that leaves its version).
    elif isinstance(before, Client) and before.version != after.version:
        yield "client.updated", after.updated


def _batch_events(change: Change) -> Iterator[Told]:
    before, after = change.before, change.after
    completed = isinstance(after, Batch) and after.status == BatchStatus.COMPLETED
    if completed and not (isinstance(before, Batch) and before.status == BatchStatus.COMPLETED):
        assert isinstance(after, Batch)
        yield "batch.completed", after.updated


def _webhook_events(change: Change) -> list[IntegrationEvent]:
    """An endpoint tells only that it was disabled (decision 0065): an endpoint has no version,
    so the sequence is the disabling's time in milliseconds, which a later disabling exceeds."""
    before, after = change.before, change.after
    if not isinstance(after, Webhook) or after.health.disabled_at is None:
        return []
    if isinstance(before, Webhook) and before.disabled:
        return []
    sequence = int(after.health.disabled_at.timestamp() * 1000)
    kind = ResourceType.WEBHOOK
    return [
        IntegrationEvent(
            id=event_id(kind, after.id, sequence, WEBHOOK_DISABLED, 0),
            type=WEBHOOK_DISABLED,
            tenant_id=after.tenant_id,
            sequence=sequence,
            occurred_at=after.health.disabled_at,
            resource_type=kind,
            resource_id=after.id,
            data=resource_json(after),
        )
    ]


def _numbered(change: Change, told: list[Told]) -> list[IntegrationEvent]:
    resource = change.after or change.before
    assert resource is not None
    kind = _resource_type(resource)
    assert not isinstance(resource, Webhook)
    sequence = resource.version if change.after else resource.version + 1
    seen: dict[str, int] = {}
    events = []
    for event_type, occurred in told:
        nth = seen.get(event_type, 0)
        seen[event_type] = nth + 1
        events.append(
            IntegrationEvent(
                id=event_id(kind, resource.id, sequence, event_type, nth),
                type=event_type,
                tenant_id=resource.tenant_id,
                sequence=sequence,
                occurred_at=occurred,
                resource_type=kind,
                resource_id=resource.id,
                data=resource_json(resource),
            )
        )
    return events


def event_id(kind: ResourceType, resource_id: str, sequence: int, event_type: str, nth: int) -> str:
    """The same for the same write, whoever relays it and how often; `nth` tells apart two events
    of one type one write made (two rows added)."""
    name = f"{kind}:{resource_id}:{sequence}:{event_type}" + (f":{nth}" if nth else "")
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, name))


def _resource_type(resource: Resource) -> ResourceType:
    if isinstance(resource, Invoice):
        return ResourceType.INVOICE
    if isinstance(resource, CreditNote):
        return ResourceType.CREDIT_NOTE
    if isinstance(resource, Client):
        return ResourceType.CLIENT
    if isinstance(resource, Webhook):
        return ResourceType.WEBHOOK
    return ResourceType.BATCH
