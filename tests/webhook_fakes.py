"""In-memory stand-ins for the webhook ports (issue 23): the endpoints and deliveries repository,
held to its DynamoDB adapter by tests/integration/test_fakes_conform_webhooks.py; a resolver that
answers the addresses a test pins; a transport that answers statuses a test lines up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from chalicelib.domain.errors import ConcurrentModificationError
from chalicelib.domain.webhook_retries import Health
from chalicelib.domain.webhook_urls import WebhookUrl
from chalicelib.domain.webhooks import (
    MAX_WEBHOOKS,
    Attempt,
    DeliveryNotFoundError,
    TooManyWebhooksError,
    Webhook,
    WebhookDelivery,
)
from chalicelib.ports import Page
from chalicelib.store.items import cursor_after, id_of_cursor


class InMemoryWebhookRepository:
    def __init__(self) -> None:
        self._endpoints: dict[tuple[str, str], Webhook] = {}
        self._deliveries: dict[tuple[str, str, str], WebhookDelivery] = {}

    def add(self, endpoint: Webhook) -> Webhook:
        found = self._endpoints.get((endpoint.tenant_id, endpoint.id))
        if found is not None:
            raise ConcurrentModificationError(found.id, noun="Webhook", found={found.id: found})
        if len(self.list(endpoint.tenant_id)) >= MAX_WEBHOOKS:
            raise TooManyWebhooksError
        self._endpoints[(endpoint.tenant_id, endpoint.id)] = endpoint
        return endpoint

    def get(self, tenant_id: str, webhook_id: str) -> Webhook | None:
        return self._endpoints.get((tenant_id, webhook_id))

    def list(self, tenant_id: str) -> list[Webhook]:
        found = [e for (tenant, _), e in self._endpoints.items() if tenant == tenant_id]
        return sorted(found, key=lambda endpoint: (endpoint.created, endpoint.id))

    def delete(self, tenant_id: str, webhook_id: str) -> bool:
        return self._endpoints.pop((tenant_id, webhook_id), None) is not None

    def save_health(
        self, tenant_id: str, webhook_id: str, health: Health, *, previous: Health
    ) -> bool:
        found = self._endpoints.get((tenant_id, webhook_id))
        if found is None or _stored(found.health) != _stored(previous):
            return False
        self._endpoints[(tenant_id, webhook_id)] = replace(found, health=_stored(health))
        return True

    def enable(self, tenant_id: str, webhook_id: str) -> Webhook | None:
        found = self._endpoints.get((tenant_id, webhook_id))
        if found is None:
            return None
        enabled = self._endpoints[(tenant_id, webhook_id)] = replace(found, health=Health())
        return enabled

    def add_delivery(self, delivery: WebhookDelivery) -> WebhookDelivery:
        where = (delivery.tenant_id, delivery.webhook_id, delivery.id)
        found = self._deliveries.get(where)
        if found is not None:
            raise ConcurrentModificationError(found.id, noun="Delivery", found={found.id: found})
        self._deliveries[where] = delivery
        return delivery

    def get_delivery(
        self, tenant_id: str, webhook_id: str, delivery_id: str
    ) -> WebhookDelivery | None:
        return self._deliveries.get((tenant_id, webhook_id, delivery_id))

    def save_delivery(
        self, delivery: WebhookDelivery, *, previous: WebhookDelivery
    ) -> WebhookDelivery:
        where = (delivery.tenant_id, delivery.webhook_id, delivery.id)
        stored = self._deliveries.get(where)
        if stored is None:
            raise DeliveryNotFoundError(delivery.webhook_id, delivery.id)
        if stored.attempts != previous.attempts:
            raise ConcurrentModificationError(delivery.id, noun="Delivery")
        self._deliveries[where] = delivery
        return delivery

    def deliveries(
        self, tenant_id: str, webhook_id: str, *, limit: int, cursor: str | None
    ) -> Page[WebhookDelivery]:
        newest_first = sorted(
            (d for (t, w, _), d in self._deliveries.items() if (t, w) == (tenant_id, webhook_id)),
            key=lambda delivery: delivery.id,
            reverse=True,
        )
        if cursor is not None:
            after = id_of_cursor(cursor)
            newest_first = [d for d in newest_first if d.id < after]
        page = newest_first[:limit]
        more = len(newest_first) > limit
        return Page(items=page, cursor=cursor_after(page[-1].id) if more else None)


def _stored(health: Health) -> Health:
    """As the table keeps it: times to the millisecond."""

    def millis(value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(microsecond=value.microsecond // 1000 * 1000)

    return replace(
        health, failing_since=millis(health.failing_since), disabled_at=millis(health.disabled_at)
    )


@dataclass
class PinnedResolver:
    """Each host's addresses as a test pins them; a host not pinned does not resolve."""

    addresses: dict[str, list[str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def resolve(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return list(self.addresses.get(host, []))


@dataclass(frozen=True)
class Sent:
    url: WebhookUrl
    address: str
    headers: Mapping[str, str]
    body: bytes


@dataclass
class ScriptedTransport:
    """Answers each POST with the next of `answers` (then 200), and keeps what was sent."""

    answers: list[Attempt] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)

    def post(
        self, url: WebhookUrl, address: str, headers: Mapping[str, str], body: bytes
    ) -> Attempt:
        self.sent.append(Sent(url, address, dict(headers), body))
        return self.answers.pop(0) if self.answers else Attempt(status=200)


@dataclass
class HeldMessages:
    """The webhook queue's retries as a worker asks for them: each receipt and its delay."""

    delays: list[tuple[str, timedelta]] = field(default_factory=list)

    def retry_after(self, receipt_handle: str, delay: timedelta) -> None:
        self.delays.append((receipt_handle, delay))
