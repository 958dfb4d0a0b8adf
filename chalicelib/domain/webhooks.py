"""Webhook endpoints and their deliveries (issue 23): the event types a tenant may subscribe to,
what an endpoint and one delivery of an event to it are, and what they may not be."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field

from chalicelib.domain.commands import Command
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.text import OneLine
from chalicelib.domain.values import format_timestamp
from chalicelib.domain.webhook_retries import Health

# What happens that a receiver can hear of: what the table's writes make, told by the stream's
# relay (domain/integration_events.py, decision 0064).
EventType = Literal[
    "invoice.created",
    "invoice.updated",
    "invoice.scheduled",
    "invoice.unscheduled",
    "invoice.issued",
    "invoice.sent",
    "invoice.payment_recorded",
    "invoice.payment_removed",
    "invoice.paid",
    "invoice.unpaid",
    "invoice.overdue",
    "invoice.reminder_sent",
    "invoice.cancelled",
    "invoice.credited",
    "invoice.deleted",
    "credit_note.issued",
    "credit_note.sent",
    "client.created",
    "client.updated",
    "client.deleted",
    "batch.completed",
    "*",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)[:-1]
EVERY_EVENT = "*"
TEST_EVENT = "webhook.test"  # sent on request to any endpoint, whatever it subscribes to
MAX_WEBHOOKS = 20  # per tenant: each event is sent to each, within one Lambda's time
MAX_URL_LENGTH = 2048
MAX_ERROR_LENGTH = 500  # of a failed attempt's error text, as kept
SECRET_PREFIX = "whsec_"  # noqa: S105 - Standard Webhooks: whsec_ then the key, base64
SECRET_BYTES = 24


def _every_or_some(given: list[EventType]) -> list[EventType]:
    if EVERY_EVENT in given and len(given) > 1:
        raise ValueError('must be ["*"] alone, or event types without "*"')
    if len(set(given)) != len(given):
        raise ValueError("must name each event type once")
    return given


class WebhookInput(Command):
    url: Annotated[str, Field(min_length=1, max_length=MAX_URL_LENGTH)]
    event_types: Annotated[
        list[EventType],
        Field(min_length=1, max_length=len(EVENT_TYPES)),
        AfterValidator(_every_or_some),
    ]
    description: Annotated[str, Field(min_length=1, max_length=500), OneLine] | None = None


@dataclass(frozen=True)
class Webhook:
    """An endpoint of a tenant's: where events go, which ones, and the secret they are signed
    with (answered once, when it is made)."""

    tenant_id: str
    id: str
    url: str
    event_types: tuple[str, ...]
    secret: str
    created: datetime
    created_by: str
    description: str | None = None
    # Its deliveries lately: failing since when, disabled (decision 0065).
    health: Health = field(default_factory=Health)

    @property
    def disabled(self) -> bool:
        return self.health.disabled

    def wants(self, event_type: str) -> bool:
        return event_type == TEST_EVENT or bool({EVERY_EVENT, event_type} & set(self.event_types))


def endpoint_json(endpoint: Webhook) -> dict[str, Any]:
    """An endpoint as the API answers it: never its secret."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "eventTypes": list(endpoint.event_types),
        "description": endpoint.description,
        "created": format_timestamp(endpoint.created),
        "createdBy": endpoint.created_by,
        "disabled": endpoint.disabled,
        "disabledAt": _timestamp(endpoint.health.disabled_at),
        "disabledReason": endpoint.health.disabled_reason,
        "failingSince": _timestamp(endpoint.health.failing_since),
    }


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


class DeliveryStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class Attempt:
    """What one attempt got: the receiver's HTTP status, or why there was none."""

    status: int | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class WebhookDelivery:
    """One event sent to one endpoint: the body as first sent (every attempt sends it again,
    under the same webhook-id), how many attempts, and what the last one got."""

    tenant_id: str
    webhook_id: str
    id: str
    event_id: str
    event_type: str
    body: str
    attempts: int
    status: DeliveryStatus
    created: datetime | None  # None before the first attempt, as last_attempt_at
    last_attempt_at: datetime | None
    last_status: int | None = None
    last_error: str | None = None


def first_delivery(
    endpoint: Webhook, ids: tuple[str, str], event_type: str, body: str
) -> WebhookDelivery:
    """A delivery (`ids`: its own and its event's) before its first attempt."""
    delivery_id, event_id = ids
    return WebhookDelivery(
        tenant_id=endpoint.tenant_id,
        webhook_id=endpoint.id,
        id=delivery_id,
        event_id=event_id,
        event_type=event_type,
        body=body,
        attempts=0,
        status=DeliveryStatus.FAILED,
        created=None,
        last_attempt_at=None,
    )


def attempted(delivery: WebhookDelivery, attempt: Attempt, at: datetime) -> WebhookDelivery:
    """The delivery after one more attempt, made `at`, which got `attempt`."""
    error = attempt.error
    return replace(
        delivery,
        attempts=delivery.attempts + 1,
        status=DeliveryStatus.SUCCEEDED if attempt.succeeded else DeliveryStatus.FAILED,
        created=delivery.created or at,
        last_attempt_at=at,
        last_status=attempt.status,
        last_error=error[:MAX_ERROR_LENGTH] if error else None,
    )


class WebhookNotFoundError(NotFoundError):
    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"Webhook not found: {webhook_id}")


class DeliveryNotFoundError(NotFoundError):
    def __init__(self, webhook_id: str, delivery_id: str) -> None:
        super().__init__(f"Webhook {webhook_id} has no delivery {delivery_id}")


class TooManyWebhooksError(ConflictError):
    def __init__(self) -> None:
        super().__init__(f"A tenant has at most {MAX_WEBHOOKS} webhooks; delete one to add another")
