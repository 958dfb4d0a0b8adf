"""Webhook endpoints and deliveries as the table's items, and back: an endpoint with its health
(decision 0065), a delivery with its body (compressed when large) and its expiry."""

from __future__ import annotations

import base64
import zlib
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.values import format_timestamp
from chalicelib.domain.webhook_retries import Health
from chalicelib.domain.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from chalicelib.store import keys
from chalicelib.store.dynamo import key

KEPT_FOR = timedelta(days=30)  # a delivery after its last attempt (the table's TTL, expiresAt)
_COMPRESS_ABOVE = 64 * 1024  # a body kept inside one item however large the resource it names


def endpoint_item(endpoint: Webhook) -> dict[str, Any]:
    item: dict[str, Any] = {
        **key(keys.tenant_pk(endpoint.tenant_id), keys.webhook_sk(endpoint.id)),
        "entity": {"S": "WEBHOOK"},
        "webhookId": {"S": endpoint.id},
        "url": {"S": endpoint.url},
        "eventTypes": {"L": [{"S": name} for name in endpoint.event_types]},
        "secret": {"S": endpoint.secret},
        "created": {"S": format_timestamp(endpoint.created)},
        "createdBy": {"S": endpoint.created_by},
    }
    if endpoint.description is not None:
        item["description"] = {"S": endpoint.description}
    for name, (value, _) in health_attributes(endpoint.health, Health()).items():
        if value is not None:
            item[name] = value
    return item


def health_attributes(
    health: Health, previous: Health
) -> dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Each health attribute of the endpoint's item, as `health` has it and as `previous` had.
    `disabled` is there for the relay of the stream (webhook.disabled) and for people reading."""

    def when(value: datetime | None) -> dict[str, Any] | None:
        return None if value is None else {"S": format_timestamp(value)}

    def text(value: str | None) -> dict[str, Any] | None:
        return None if value is None else {"S": value}

    def flag(value: Health) -> dict[str, Any] | None:
        return {"BOOL": True} if value.disabled else None

    return {
        "failingSince": (when(health.failing_since), when(previous.failing_since)),
        "disabled": (flag(health), flag(previous)),
        "disabledAt": (when(health.disabled_at), when(previous.disabled_at)),
        "disabledReason": (text(health.disabled_reason), text(previous.disabled_reason)),
    }


def endpoint_of(item: dict[str, Any]) -> Webhook:
    return Webhook(
        tenant_id=item["PK"]["S"].removeprefix(keys.tenant_pk("")),
        id=item["webhookId"]["S"],
        url=item["url"]["S"],
        event_types=tuple(value["S"] for value in item["eventTypes"]["L"]),
        secret=item["secret"]["S"],
        created=datetime.fromisoformat(item["created"]["S"]),
        created_by=item["createdBy"]["S"],
        description=item.get("description", {}).get("S"),
        health=Health(
            failing_since=_when(item, "failingSince"),
            disabled_at=_when(item, "disabledAt"),
            disabled_reason=item.get("disabledReason", {}).get("S"),
        ),
    )


def _when(item: dict[str, Any], name: str) -> datetime | None:
    value = item.get(name, {}).get("S")
    return None if value is None else datetime.fromisoformat(value)


def delivery_item(delivery: WebhookDelivery) -> dict[str, Any]:
    assert delivery.created is not None and delivery.last_attempt_at is not None
    item: dict[str, Any] = {
        **key(
            keys.tenant_pk(delivery.tenant_id), keys.delivery_sk(delivery.webhook_id, delivery.id)
        ),
        "entity": {"S": "DELIVERY"},
        "deliveryId": {"S": delivery.id},
        "webhookId": {"S": delivery.webhook_id},
        "eventId": {"S": delivery.event_id},
        "eventType": {"S": delivery.event_type},
        "attempts": {"N": str(delivery.attempts)},
        "status": {"S": delivery.status.value},
        "created": {"S": format_timestamp(delivery.created)},
        "lastAttemptAt": {"S": format_timestamp(delivery.last_attempt_at)},
        "expiresAt": {"N": str(int((delivery.last_attempt_at + KEPT_FOR).timestamp()))},
    }
    if len(delivery.body) > _COMPRESS_ABOVE:
        item["bodyZ"] = {"B": zlib.compress(delivery.body.encode())}
    else:
        item["body"] = {"S": delivery.body}
    if delivery.last_status is not None:
        item["lastStatus"] = {"N": str(delivery.last_status)}
    if delivery.last_error is not None:
        item["lastError"] = {"S": delivery.last_error}
    return item


def delivery_of(item: dict[str, Any]) -> WebhookDelivery:
    body = item.get("body", {}).get("S")
    if body is None:
        packed = item["bodyZ"]["B"]
        packed = base64.b64decode(packed) if isinstance(packed, str) else packed
        body = zlib.decompress(packed).decode()
    last_status = item.get("lastStatus", {}).get("N")
    return WebhookDelivery(
        tenant_id=item["PK"]["S"].removeprefix(keys.tenant_pk("")),
        webhook_id=item["webhookId"]["S"],
        id=item["deliveryId"]["S"],
        event_id=item["eventId"]["S"],
        event_type=item["eventType"]["S"],
        body=body,
        attempts=int(item["attempts"]["N"]),
        status=DeliveryStatus(item["status"]["S"]),
        created=datetime.fromisoformat(item["created"]["S"]),
        last_attempt_at=datetime.fromisoformat(item["lastAttemptAt"]["S"]),
        last_status=int(last_status) if last_status is not None else None,
        last_error=item.get("lastError", {}).get("S"),
    )
