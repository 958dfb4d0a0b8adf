"""Webhook endpoints and their deliveries in DynamoDB, under the tenant's partition. An endpoint
is written in one transaction with the tenant's count of them, which the condition holds to
MAX_WEBHOOKS however many requests race; its health (failing since, disabled) only over the health
read; a delivery is written where none is, then only over the attempts read, and expires 30 days
after its last attempt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.errors import ConcurrentModificationError
from chalicelib.domain.values import is_well_formed_id
from chalicelib.domain.webhook_retries import Health
from chalicelib.domain.webhooks import (
    MAX_WEBHOOKS,
    DeliveryNotFoundError,
    TooManyWebhooksError,
    Webhook,
    WebhookDelivery,
)
from chalicelib.ports import Page
from chalicelib.store import keys
from chalicelib.store.dynamo import error_code, key, store_busy, throttling_as_unavailable
from chalicelib.store.items import cursor_after, id_of_cursor
from chalicelib.store.webhook_items import (
    delivery_item,
    delivery_of,
    endpoint_item,
    endpoint_of,
    health_attributes,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


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
            "Item": endpoint_item(endpoint),
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        reasons = self._transaction([{"Update": counted}, {"Put": put}])
        if reasons is None:
            return endpoint
        if reasons[1].get("Code") == "ConditionalCheckFailed":
            found = endpoint_of(reasons[1]["Item"])
            raise ConcurrentModificationError(found.id, noun="Webhook", found={found.id: found})
        if reasons[0].get("Code") == "ConditionalCheckFailed":
            raise TooManyWebhooksError
        raise store_busy()  # another transaction on the count at that moment

    def get(self, tenant_id: str, webhook_id: str) -> Webhook | None:
        item = self._get(tenant_id, keys.webhook_sk(webhook_id), webhook_id)
        return None if item is None else endpoint_of(item)

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
            found += [endpoint_of(item) for item in response.get("Items", [])]
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

    def save_health(
        self, tenant_id: str, webhook_id: str, health: Health, *, previous: Health
    ) -> bool:
        """One conditional UpdateItem, over the health read: whether it was written (not when
        another attempt changed it first, or the endpoint is gone). Disabling is this write; the
        relay of the table's stream tells it as webhook.disabled."""
        names, values, conditions = {"#pk": "PK"}, {}, ["attribute_exists(#pk)"]
        sets, removes = [], []
        for name, (new, old) in health_attributes(health, previous).items():
            names[f"#{name}"] = name
            if old is None:
                conditions.append(f"attribute_not_exists(#{name})")
            else:
                values[f":old_{name}"] = old
                conditions.append(f"#{name} = :old_{name}")
            if new is None:
                removes.append(f"#{name}")
            else:
                values[f":{name}"] = new
                sets.append(f"#{name} = :{name}")
        update = " ".join(
            part
            for part in (
                f"SET {', '.join(sets)}" if sets else "",
                f"REMOVE {', '.join(removes)}" if removes else "",
            )
            if part
        )
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": key(keys.tenant_pk(tenant_id), keys.webhook_sk(webhook_id)),
            "UpdateExpression": update,
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
        }
        if values:
            request["ExpressionAttributeValues"] = values
        try:
            with throttling_as_unavailable():
                self._client.update_item(**request)
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def enable(self, tenant_id: str, webhook_id: str) -> Webhook | None:
        """Enabled again with no failures counted, in one UpdateItem; None when there is none."""
        if not is_well_formed_id(webhook_id):
            return None
        try:
            with throttling_as_unavailable():
                reply = self._client.update_item(
                    TableName=self._table,
                    Key=key(keys.tenant_pk(tenant_id), keys.webhook_sk(webhook_id)),
                    UpdateExpression="REMOVE #f, #d, #at, #why",
                    ConditionExpression="attribute_exists(PK)",
                    ExpressionAttributeNames={
                        "#f": "failingSince",
                        "#d": "disabled",
                        "#at": "disabledAt",
                        "#why": "disabledReason",
                    },
                    ReturnValues="ALL_NEW",
                )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return None
        return endpoint_of(reply["Attributes"])

    def add_delivery(self, delivery: WebhookDelivery) -> WebhookDelivery:
        try:
            with throttling_as_unavailable():
                self._client.put_item(
                    TableName=self._table,
                    Item=delivery_item(delivery),
                    ConditionExpression="attribute_not_exists(PK)",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            found = delivery_of(exc.response["Item"])  # type: ignore[typeddict-item]
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
        return None if item is None else delivery_of(item)

    def save_delivery(
        self, delivery: WebhookDelivery, *, previous: WebhookDelivery
    ) -> WebhookDelivery:
        try:
            with throttling_as_unavailable():
                self._client.put_item(
                    TableName=self._table,
                    Item=delivery_item(delivery),
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
        return Page(items=[delivery_of(item) for item in items], cursor=next_cursor)

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
