"""Telling what the table's writes made (decision 0064): each stream record's events go to the
stack's EventBridge bus and, once per endpoint that wants them, to the webhook queue, in the
records' order. A record is done only when both took all its events; from the first that is not,
Lambda hands the rest over again, so an event may be told twice (under its same id), never lost."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.domain.integration_events import IntegrationEvent
from chalicelib.domain.webhooks import Webhook
from chalicelib.ports import EventBus, WebhookMessage, WebhookMessages

log = logging.getLogger(__name__)
EVENTS_PER_CALL = 10  # PutEvents' and SendMessageBatch's limit


class WebhookEndpoints(Protocol):
    """The one read of the endpoint repository the relay makes: a tenant's endpoints."""

    def list(self, tenant_id: str) -> list[Webhook]: ...


@dataclass(frozen=True)
class RelayPorts:
    bus: EventBus
    messages: WebhookMessages
    webhooks: WebhookEndpoints


@dataclass(frozen=True)
class RecordEvents:
    """One stream record's events, under the identifier Lambda knows the record by."""

    record_id: str
    events: list[IntegrationEvent] = field(default_factory=list)


def relay(records: Sequence[RecordEvents], ports: RelayPorts) -> list[str]:
    """Tell every record's events, in order; answers the identifier of the first record that
    could not be told (empty when all were), for Lambda to start again from."""
    endpoints: dict[str, list[Webhook]] = {}  # one Query per tenant in the batch
    done = 0
    for window in _windows(records):
        events = [event for record in window for event in record.events]
        try:
            if events:
                ports.bus.publish(events)
                ports.messages.send(webhook_messages(events, endpoints, ports))
        except Exception:  # any failure: the record and the ones after it are handed over again
            log.exception("Relaying the events of stream record %s failed", window[0].record_id)
            return [records[done].record_id]
        done += len(window)
    return []


def webhook_messages(
    events: Sequence[IntegrationEvent], endpoints: dict[str, list[Webhook]], ports: RelayPorts
) -> list[WebhookMessage]:
    """One message per event and enabled endpoint of its tenant that wants its type."""
    messages = []
    for event in events:
        tenant = event.tenant_id
        if tenant not in endpoints:
            endpoints[tenant] = ports.webhooks.list(tenant)
        messages += [
            WebhookMessage(tenant_id=tenant, webhook_id=endpoint.id, event=event)
            for endpoint in endpoints[tenant]
            if endpoint.wants(event.type) and not endpoint.disabled
        ]
    return messages


def _windows(records: Sequence[RecordEvents]) -> Iterator[Sequence[RecordEvents]]:
    """Consecutive records whose events fit one call (a record with more stands alone)."""
    start, count = 0, 0
    for index, record in enumerate(records):
        if index > start and count + len(record.events) > EVENTS_PER_CALL:
            yield records[start:index]
            start, count = index, 0
        count += len(record.events)
    if start < len(records):
        yield records[start:]
