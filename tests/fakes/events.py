"""The relay's outlets in memory (decision 0064): the stack's event bus and the webhook queue,
each keeping what it took in order and refusing on request, ten to a call as their adapters
send; and a tenant's webhook endpoints, counting the reads the relay makes of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from chalicelib.domain.errors import TemporarilyUnavailableError
from chalicelib.domain.integration_events import IntegrationEvent
from chalicelib.domain.webhooks import Webhook
from chalicelib.ports import WebhookMessage

PER_CALL = 10


class InMemoryEventBus:
    def __init__(self) -> None:
        self.events: list[IntegrationEvent] = []
        self.calls = 0
        self.refuse_after: int | None = None  # calls taken before refusing every later one

    def publish(self, events: Sequence[IntegrationEvent]) -> None:
        for start in range(0, len(events), PER_CALL):
            if self.refuse_after is not None and self.calls >= self.refuse_after:
                raise TemporarilyUnavailableError("The event bus refused events")
            self.calls += 1
            self.events += events[start : start + PER_CALL]


class InMemoryWebhookMessages:
    def __init__(self) -> None:
        self.messages: list[WebhookMessage] = []

    def send(self, messages: Sequence[WebhookMessage]) -> None:
        self.messages += messages


class InMemoryWebhookEndpoints:
    def __init__(self, *endpoints: Webhook) -> None:
        self.endpoints = list(endpoints)
        self.reads: Counter[str] = Counter()

    def list(self, tenant_id: str) -> list[Webhook]:
        self.reads[tenant_id] += 1
        return [e for e in self.endpoints if e.tenant_id == tenant_id]
