"""Webhook endpoints: register one (its URL checked, its signing secret answered once), read, list
and delete them. Their deliveries are services/webhook_delivery.py's."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from chalicelib.domain.derived_ids import made_by_request
from chalicelib.domain.errors import ConcurrentModificationError
from chalicelib.domain.values import Actor, new_id
from chalicelib.domain.webhook_urls import (
    WebhookUrl,
    address_to_use,
    literal_address,
    parsed_url,
)
from chalicelib.domain.webhooks import (
    SECRET_BYTES,
    SECRET_PREFIX,
    Webhook,
    WebhookInput,
    WebhookNotFoundError,
)
from chalicelib.ports import Clock, HostResolver, WebhookRepository, WebhookTransport


@dataclass(frozen=True)
class WebhookPorts:
    webhooks: WebhookRepository
    resolver: HostResolver
    transport: WebhookTransport
    clock: Clock
    local: bool = False  # the local stack: http to its own loopback is allowed too


def create_webhook(given: WebhookInput, *, actor: Actor, ports: WebhookPorts) -> Webhook:
    """A new endpoint, its URL checked as a delivery will check it. A retryable request that made
    one already is answered that one (its id is named after the request), secret included: the
    first answer never reached the caller, and no replayed response keeps the secret."""
    checked_url(given.url, ports)
    endpoint = Webhook(
        tenant_id=actor.tenant_id,
        id=made_by_request(actor, "webhook") or new_id(),
        url=given.url,
        event_types=tuple(given.event_types),
        secret=new_secret(),
        created=ports.clock.now(),
        created_by=actor.user_id,
        description=given.description,
    )
    try:
        return ports.webhooks.add(endpoint)
    except ConcurrentModificationError as exc:
        found = exc.found.get(endpoint.id)
        if not isinstance(found, Webhook):
            raise
        return found


def get_webhook(webhook_id: str, *, actor: Actor, ports: WebhookPorts) -> Webhook:
    found = ports.webhooks.get(actor.tenant_id, webhook_id)
    if found is None:
        raise WebhookNotFoundError(webhook_id)
    return found


def list_webhooks(*, actor: Actor, ports: WebhookPorts) -> list[Webhook]:
    return ports.webhooks.list(actor.tenant_id)


def delete_webhook(webhook_id: str, *, actor: Actor, ports: WebhookPorts) -> None:
    """Its deliveries are listed no more, and expire with the table's TTL."""
    if not ports.webhooks.delete(actor.tenant_id, webhook_id):
        raise WebhookNotFoundError(webhook_id)


def enable_webhook(webhook_id: str, *, actor: Actor, ports: WebhookPorts) -> Webhook:
    """Enabled again, its failures forgotten: events go to it from now on (those that came while
    it was disabled were dropped)."""
    enabled = ports.webhooks.enable(actor.tenant_id, webhook_id)
    if enabled is None:
        raise WebhookNotFoundError(webhook_id)
    return enabled


def checked_url(text: str, ports: WebhookPorts) -> tuple[WebhookUrl, str]:
    """The URL's parts and the address to connect to, resolved now; UrlRefusedError (a 400
    naming `url`) for a URL a webhook may not be sent to."""
    url = parsed_url(text, local=ports.local)
    literal = literal_address(url)
    addresses = [literal] if literal else ports.resolver.resolve(url.host, url.port)
    return url, address_to_use(url, addresses, local=ports.local)


def new_secret() -> str:
    """Standard Webhooks' form: whsec_, then the key's random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
