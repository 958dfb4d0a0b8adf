"""Webhook endpoints and their deliveries in DynamoDB, under the tenant's partition. An endpoint
is written in one transaction with the tenant's count of them, which the condition holds to
MAX_WEBHOOKS however many requests race; a delivery is written where none is, then only over the
attempts read, and expires 30 days after its last attempt."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.errors import ConcurrentModificationError
from chalicelib.domain.values import format_timestamp, is_well_formed_id
from chalicelib.domain.webhooks import (
    MAX_WEBHOOKS,
    DeliveryNotFoundError,
    DeliveryStatus,
    TooManyWebhooksError,
    Webhook,
    WebhookDelivery,
)
from chalicelib.ports import Page
from chalicelib.store import keys
from chalicelib.store.dynamo import error_code, key, store_busy, throttling_as_unavailable
from chalicelib.store.items import cursor_after, id_of_cursor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEPT_FOR = timedelta(days=30)  # a delivery after its last attempt (the table's TTL, expiresAt)
_COMPRESS_ABOVE = 64 * 1024  # a body kept inside one item however large the resource it names


class DynamoWebhookRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, endpoint: Webhook) -> Webhook:
        counted = {
            "TableName": self._table,
            "Key": key(keys.tenant_pk(endpoint.tenant_id), keys.WEBHOOK_COUNT_SK),
            "UpdateExpression": "ADD #n :one",
            "ConditionExpression": "attribute_not_exists(#n) OR #n < :most",
            "ExpressionAttributeNames": {"#n": "webhooks"},
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":most": {"N": str(MAX_WEBHOOKS)}},
        }
        put = {
            "TableName": self._table,
            "Item": _endpoint_item(endpoint),
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        reasons = self._transaction([{"Update": counted}, {"Put": put}])
        if reasons is None:
            return endpoint
        if reasons[1].get("Code") == "ConditionalCheckFailed":
            found = _endpoint(reasons[1]["Item"])
            raise ConcurrentModificationError(found.id, noun="Webhook", found={found.id: found})
        if reasons[0].get("Code") == "ConditionalCheckFailed":
            raise TooManyWebhooksError
        raise store_busy()  # another transaction on the count at that moment

    def get(self, tenant_id: str, webhook_id: str) -> Webhook | None:
        item = self._get(tenant_id, keys.webhook_sk(webhook_id), webhook_id)
        return None if item is None else _endpoint(item)

    def list(self, tenant_id: str) -> list[Webhook]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.tenant_pk(tenant_id)},
                ":prefix": {"S": keys.WEBHOOK_PREFIX},
            },
            "ConsistentRead": True,
        }
        found: list[Webhook] = []
        while True:
            with throttling_as_unavailable():
                response = self._client.query(**request)
            found += [_endpoint(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return sorted(found, key=lambda endpoint: (endpoint.created, endpoint.id))
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def delete(self, tenant_id: str, webhook_id: str) -> bool:
        if not is_well_formed_id(webhook_id):
            return False
        partition = keys.tenant_pk(tenant_id)
        gone = {
            "TableName": self._table,
            "Key": key(partition, keys.webhook_sk(webhook_id)),
            "ConditionExpression": "attribute_exists(PK)",
        }
        # Unconditional, as the tenant's figures are: it applies exactly when the delete does.
        uncounted = {
            "TableName": self._table,
            "Key": key(partition, keys.WEBHOOK_COUNT_SK),
            "UpdateExpression": "ADD #n :less",
            "ExpressionAttributeNames": {"#n": "webhooks"},
            "ExpressionAttributeValues": {":less": {"N": "-1"}},
        }
        reasons = self._transaction([{"Delete": gone}, {"Update": uncounted}])
        if reasons is None:
            return True
        if reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise store_busy()

    def add_delivery(self, delivery: WebhookDelivery) -> WebhookDelivery:
        try:
            with throttling_as_unavailable():
                self._client.put_item(
                    TableName=self._table,
                    Item=_delivery_item(delivery),
                    ConditionExpression="attribute_not_exists(PK)",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            found = _delivery(exc.response["Item"])  # type: ignore[typeddict-item]
            raise ConcurrentModificationError(
                found.id, noun="Delivery", found={found.id: found}
            ) from exc
        return delivery

    def get_delivery(
        self, tenant_id: str, webhook_id: str, delivery_id: str
    ) -> WebhookDelivery | None:
        if not is_well_formed_id(webhook_id):
            return None
        item = self._get(tenant_id, keys.delivery_sk(webhook_id, delivery_id), delivery_id)
        return None if item is None else _delivery(item)

    def save_delivery(
        self, delivery: WebhookDelivery, *, previous: WebhookDelivery
    ) -> WebhookDelivery:
        try:
            with throttling_as_unavailable():
                self._client.put_item(
                    TableName=self._table,
                    Item=_delivery_item(delivery),
                    ConditionExpression="attempts = :read",
                    ExpressionAttributeValues={":read": {"N": str(previous.attempts)}},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            if "Item" not in exc.response:
                raise DeliveryNotFoundError(delivery.webhook_id, delivery.id) from exc
            raise ConcurrentModificationError(delivery.id, noun="Delivery") from exc
        return delivery

    def deliveries(
        self, tenant_id: str, webhook_id: str, *, limit: int, cursor: str | None
    ) -> Page[WebhookDelivery]:
        partition = keys.tenant_pk(tenant_id)
        prefix = keys.deliveries_prefix(webhook_id)
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": partition}, ":prefix": {"S": prefix}},
            "ScanIndexForward": False,  # newest first
            "Limit": limit,
            "ConsistentRead": True,
        }
        if cursor is not None:
            query["ExclusiveStartKey"] = key(partition, prefix + id_of_cursor(cursor))
        with throttling_as_unavailable():
            response = self._client.query(**query)
        items = response["Items"]
        more = "LastEvaluatedKey" in response and items
        next_cursor = cursor_after(items[-1]["deliveryId"]["S"]) if more else None
        return Page(items=[_delivery(item) for item in items], cursor=next_cursor)

    def _get(self, tenant_id: str, sort_key: str, record_id: str) -> dict[str, Any] | None:
        if not is_well_formed_id(record_id):
            return None
        with throttling_as_unavailable():
            response = self._client.get_item(
                TableName=self._table,
                Key=key(keys.tenant_pk(tenant_id), sort_key),
                ConsistentRead=True,
            )
        return response.get("Item")

    def _transaction(self, actions: Sequence[Any]) -> Sequence[Any] | None:
        """None when it was written, else why each action was refused."""
        try:
            with throttling_as_unavailable():
                self._client.transact_write_items(TransactItems=list(actions))
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            reasons: list[Any] = list(exc.response.get("CancellationReasons", []))
            return reasons + [{}] * (len(actions) - len(reasons))
        return None


def _endpoint_item(endpoint: Webhook) -> dict[str, Any]:
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
    return item


def _endpoint(item: dict[str, Any]) -> Webhook:
    return Webhook(
        tenant_id=item["PK"]["S"].removeprefix(keys.tenant_pk("")),
        id=item["webhookId"]["S"],
        url=item["url"]["S"],
        event_types=tuple(value["S"] for value in item["eventTypes"]["L"]),
        secret=item["secret"]["S"],
        created=datetime.fromisoformat(item["created"]["S"]),
        created_by=item["createdBy"]["S"],
        description=item.get("description", {}).get("S"),
    )


def _delivery_item(delivery: WebhookDelivery) -> dict[str, Any]:
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


def _delivery(item: dict[str, Any]) -> WebhookDelivery:
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
