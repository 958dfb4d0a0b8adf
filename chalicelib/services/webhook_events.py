"""The webhook worker's use case: one queued event for one endpoint, attempted once per receive
of its message. A failure leaves the message hidden for the schedule's next delay, so the queue
brings it back; the last failure leaves it to the redrive policy, which dead-letters it. Each
attempt also tells the endpoint's health, which disables an endpoint failing for days."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import simplejson

from chalicelib.domain.webhook_retries import Schedule, health_after
from chalicelib.domain.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from chalicelib.ports import WebhookRetries
from chalicelib.services.webhook_delivery import deliver_event
from chalicelib.services.webhooks import WebhookPorts

log = logging.getLogger(__name__)
# Time an attempt may take at most: the transport's 5 s to connect and 10 s to read, the writes.
SECONDS_PER_ATTEMPT = 20.0


@dataclass(frozen=True)
class QueuedEvent:
    """A message of the webhook queue, as the relay writes it (decision 0064): the event, and
    the endpoint of the tenant it goes to."""

    tenant_id: str
    webhook_id: str
    event_id: str
    event_type: str
    payload: Mapping[str, Any]

    @classmethod
    def from_message(cls, body: str) -> QueuedEvent:
        fields = simplejson.loads(body, use_decimal=True)  # amounts stay exact
        return cls(
            tenant_id=str(fields["tenantId"]),
            webhook_id=str(fields["webhookId"]),
            event_id=str(fields["eventId"]),
            event_type=str(fields["eventType"]),
            payload=dict(fields["payload"]),
        )

    @property
    def occurred(self) -> datetime:
        return datetime.fromisoformat(str(self.payload["occurredAt"]))


class Outcome(StrEnum):
    DELIVERED = "delivered"
    DROPPED = "dropped"  # the endpoint is gone or disabled
    FAILED = "failed"


@dataclass(frozen=True)
class Taken:
    outcome: Outcome
    retry_after: timedelta | None = None  # when failed: how long the message stays hidden
    delivery: WebhookDelivery | None = None


def take_event(
    event: QueuedEvent, attempt: int, *, ports: WebhookPorts, schedule: Schedule
) -> Taken:
    """Attempt `attempt` (the message's receive count) at the event."""
    endpoint = ports.webhooks.get(event.tenant_id, event.webhook_id)
    if endpoint is None or endpoint.disabled:
        return Taken(Outcome.DROPPED)
    made = deliver_event(
        endpoint,
        event.event_id,
        event.event_type,
        event.payload,
        occurred=event.occurred,
        ports=ports,
    )
    succeeded = made.status is DeliveryStatus.SUCCEEDED
    _note_health(endpoint, succeeded, ports)
    if succeeded:
        return Taken(Outcome.DELIVERED, delivery=made)
    return Taken(Outcome.FAILED, retry_after=schedule.delay_after(attempt), delivery=made)


def _note_health(endpoint: Webhook, succeeded: bool, ports: WebhookPorts) -> None:
    """Written only when it changes (the first failure, a success after failures, disabling),
    over the health read: a lost race leaves it to the next attempt, which reads again."""
    health = health_after(endpoint.health, succeeded=succeeded, at=ports.clock.now())
    if health == endpoint.health:
        return
    written = ports.webhooks.save_health(
        endpoint.tenant_id, endpoint.id, health, previous=endpoint.health
    )
    if written and health.disabled:
        log.warning(
            "Webhook %s of %s disabled: %s", endpoint.id, endpoint.tenant_id, health.disabled_reason
        )


def take_messages(
    records: Iterable[Mapping[str, Any]],
    ports: WebhookPorts,
    retries: WebhookRetries,
    schedule: Schedule,
    seconds_left: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """A batch of SQS records, as Lambda passes them: the answer names those to keep
    (ReportBatchItemFailures); the event source deletes the others. A message the invocation has
    no time left for is kept unattempted: it comes back after the queue's visibility timeout."""
    failures = []
    for record in records:
        out_of_time = seconds_left is not None and seconds_left() < SECONDS_PER_ATTEMPT
        if out_of_time or not taken(record, ports, retries, schedule):
            failures.append({"itemIdentifier": str(record["messageId"])})
    return {"batchItemFailures": failures}


def taken(
    record: Mapping[str, Any], ports: WebhookPorts, retries: WebhookRetries, schedule: Schedule
) -> bool:
    """Whether the message is done with. One that cannot be read, or met an error of ours, comes
    back after the queue's visibility timeout and is dead-lettered in the end: nothing is lost."""
    try:
        event = QueuedEvent.from_message(str(record["body"]))
        attempt = int(record["attributes"]["ApproximateReceiveCount"])
        outcome = take_event(event, attempt, ports=ports, schedule=schedule)
    except Exception:
        log.exception("Webhook message %s not taken; the queue brings it back", record["messageId"])
        return False
    if outcome.retry_after is not None:
        retries.retry_after(str(record["receiptHandle"]), outcome.retry_after)
        return False
    return True
