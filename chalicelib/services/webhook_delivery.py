"""Sending an event to a webhook endpoint: one attempt at a time, signed as the Standard Webhooks
specification says, each recorded on the delivery. What a receiver does wrong (an error status,
no answer, a URL that now resolves to a private address) is a failed attempt recorded, never an
exception: the caller (a request, later the outbox's worker) goes on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import simplejson

from chalicelib.domain.derived_ids import event_delivery_id, made_by_request
from chalicelib.domain.errors import ConcurrentModificationError
from chalicelib.domain.values import Actor, format_timestamp, new_id
from chalicelib.domain.webhook_urls import UrlRefusedError
from chalicelib.domain.webhooks import (
    TEST_EVENT,
    Attempt,
    DeliveryNotFoundError,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    attempted,
    first_delivery,
)
from chalicelib.ports import Page
from chalicelib.retry import RetryPolicy
from chalicelib.services.optimistic import until_written
from chalicelib.services.webhooks import WebhookPorts, checked_url, get_webhook

USER_AGENT = "invoicing-webhooks/1"


def deliver(
    endpoint: Webhook,
    event_id: str,
    event_type: str,
    payload: Mapping[str, Any],
    *,
    ports: WebhookPorts,
    delivery_id: str | None = None,
    occurred: datetime | None = None,
) -> WebhookDelivery:
    """One attempt to send the event to the endpoint, recorded as a new delivery. A delivery of
    that id recorded already (a retried request) is answered as it is."""
    body = event_body(event_type, occurred or ports.clock.now(), payload)
    ids = (delivery_id or new_id(), event_id)
    delivery = first_delivery(endpoint, ids, event_type, body)
    made = attempted(delivery, attempt(endpoint, delivery, ports), ports.clock.now())
    try:
        return ports.webhooks.add_delivery(made)
    except ConcurrentModificationError as exc:
        found = exc.found.get(made.id)
        if not isinstance(found, WebhookDelivery):
            raise
        return found


def deliver_event(
    endpoint: Webhook,
    event_id: str,
    event_type: str,
    payload: Mapping[str, Any],
    *,
    occurred: datetime,
    ports: WebhookPorts,
    retry: RetryPolicy | None = None,
) -> WebhookDelivery:
    """One attempt at an event, recorded on its one delivery to the endpoint (its id derived from
    both): the first attempt makes it, each later one sends the body it first sent and counts one
    more attempt on it. A delivery that succeeded already is answered as it is, sent no more."""
    delivery_id = event_delivery_id(endpoint.tenant_id, endpoint.id, event_id, occurred)
    found = ports.webhooks.get_delivery(endpoint.tenant_id, endpoint.id, delivery_id)
    if found is not None and found.status is DeliveryStatus.SUCCEEDED:
        return found
    body = event_body(event_type, occurred, payload)
    unsent = first_delivery(endpoint, (delivery_id, event_id), event_type, body)
    outcome = attempt(endpoint, found or unsent, ports)
    at = ports.clock.now()
    read = [found]  # the first try writes over what was read; a try after a lost race reads

    def record() -> WebhookDelivery:
        current = (
            read.pop()
            if read
            else ports.webhooks.get_delivery(endpoint.tenant_id, endpoint.id, delivery_id)
        )
        if current is None:
            return ports.webhooks.add_delivery(attempted(unsent, outcome, at))
        return ports.webhooks.save_delivery(attempted(current, outcome, at), previous=current)

    return until_written(record, retry=retry or RetryPolicy(), name=("Delivery", delivery_id))


def attempt(endpoint: Webhook, delivery: WebhookDelivery, ports: WebhookPorts) -> Attempt:
    """The URL checked again (what its host resolves to now), then one signed POST to the
    address checked, with the same webhook-id every time: receivers deduplicate on it."""
    try:
        url, address = checked_url(endpoint.url, ports)
    except UrlRefusedError as exc:
        return Attempt(error=f"Not sent: the URL {exc.reason}")
    body = delivery.body.encode()
    headers = signed_headers(endpoint.secret, delivery.event_id, ports.clock.now(), body)
    return ports.transport.post(url, address, headers, body)


def send_test(webhook_id: str, *, actor: Actor, ports: WebhookPorts) -> WebhookDelivery:
    """A webhook.test event to the endpoint, whatever it subscribes to: how a user tries one."""
    endpoint = get_webhook(webhook_id, actor=actor, ports=ports)
    delivery_id = made_by_request(actor, "webhook-test") or new_id()
    payload = {"webhookId": endpoint.id, "message": "A test event, sent on request"}
    event_id = f"evt_{delivery_id}"
    return deliver(endpoint, event_id, TEST_EVENT, payload, ports=ports, delivery_id=delivery_id)


def retry_delivery(
    webhook_id: str,
    delivery_id: str,
    *,
    actor: Actor,
    ports: WebhookPorts,
    retry: RetryPolicy | None = None,
) -> WebhookDelivery:
    """One more attempt now, with the delivery's event id and body. The attempt is made once; its
    record is written over the delivery as read again, should another attempt land meanwhile."""
    endpoint = get_webhook(webhook_id, actor=actor, ports=ports)
    found = get_delivery(webhook_id, delivery_id, actor=actor, ports=ports)
    outcome = attempt(endpoint, found, ports)
    at = ports.clock.now()

    read = [found]  # the first try writes over what was read; a try after a lost race reads

    def record() -> WebhookDelivery:
        current = (
            read.pop() if read else get_delivery(webhook_id, delivery_id, actor=actor, ports=ports)
        )
        return ports.webhooks.save_delivery(attempted(current, outcome, at), previous=current)

    return until_written(record, retry=retry or RetryPolicy(), name=("Delivery", delivery_id))


def get_delivery(
    webhook_id: str, delivery_id: str, *, actor: Actor, ports: WebhookPorts
) -> WebhookDelivery:
    found = ports.webhooks.get_delivery(actor.tenant_id, webhook_id, delivery_id)
    if found is None:
        raise DeliveryNotFoundError(webhook_id, delivery_id)
    return found


def list_deliveries(
    webhook_id: str, *, actor: Actor, ports: WebhookPorts, limit: int, cursor: str | None
) -> Page[WebhookDelivery]:
    """Newest first; an endpoint of another tenant's (or none) is a 404."""
    get_webhook(webhook_id, actor=actor, ports=ports)
    return ports.webhooks.deliveries(actor.tenant_id, webhook_id, limit=limit, cursor=cursor)


def event_body(event_type: str, occurred: datetime, payload: Mapping[str, Any]) -> str:
    """Standard Webhooks' payload: the type, when it happened, and the resource as data."""
    event = {"type": event_type, "timestamp": format_timestamp(occurred), "data": payload}
    return simplejson.dumps(event, use_decimal=True, separators=(",", ":"), ensure_ascii=False)


def signed_headers(secret: str, event_id: str, at: datetime, body: bytes) -> dict[str, str]:
    # Imported by the requests that sign, not by every request's use cases.
    from standardwebhooks.webhooks import Webhook as Signer

    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Signer(secret).sign(event_id, at, body),
    }
