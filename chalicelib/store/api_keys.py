"""API keys in DynamoDB: the key's hash under its tenant's partition, so a lookup is one GetItem
(strongly consistent: a revoked key is refused at once), and the tenant's keys one Query."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.values import format_timestamp
from chalicelib.ports import ApiKeyRecord
from chalicelib.store import keys
from chalicelib.store.dynamo import error_code, key, throttling_as_unavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger(__name__)


class DynamoApiKeyRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, record: ApiKeyRecord) -> None:
        with throttling_as_unavailable():
            self._client.put_item(
                TableName=self._table,
                Item=_item(record),
                ConditionExpression="attribute_not_exists(PK)",
            )

    def find(self, tenant_id: str, key_hash: str) -> ApiKeyRecord | None:
        with throttling_as_unavailable():
            response = self._client.get_item(
                TableName=self._table,
                Key=key(keys.tenant_pk(tenant_id), keys.api_key_sk(key_hash)),
                ConsistentRead=True,
            )
        item = response.get("Item")
        return None if item is None else _record(item)

    def list(self, tenant_id: str) -> list[ApiKeyRecord]:
        """The tenant's keys, oldest first; a tenant has few, so all of them."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.tenant_pk(tenant_id)},
                ":prefix": {"S": keys.API_KEY_PREFIX},
            },
            "ConsistentRead": True,
        }
        found: list[ApiKeyRecord] = []
        while True:
            with throttling_as_unavailable():
                response = self._client.query(**request)
            found += [_record(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return sorted(found, key=lambda record: record.created)
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def delete(self, tenant_id: str, key_id: str) -> bool:
        """Delete the tenant's key with this id; whether there was one."""
        deleted = False
        for record in self.list(tenant_id):
            if record.key_id == key_id:
                deleted |= self._delete(record)
        return deleted

    def touch(self, record: ApiKeyRecord, now: datetime, *, since: datetime) -> None:
        """Note that the key was used now, unless that was noted since `since` (or the key is
        gone): at most one write per key in that time, however many requests race. Best effort:
        a write that fails is logged, and the request it rides on goes on."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key(keys.tenant_pk(record.tenant_id), keys.api_key_sk(record.key_hash)),
                UpdateExpression="SET lastUsedAt = :now",
                ConditionExpression=(
                    "attribute_exists(PK) AND "
                    "(attribute_not_exists(lastUsedAt) OR lastUsedAt < :since)"
                ),
                ExpressionAttributeValues={
                    ":now": {"S": format_timestamp(now)},
                    ":since": {"S": format_timestamp(since)},
                },
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                log.warning("lastUsedAt of API key %s not noted: %s", record.key_id, exc)
        except BotoCoreError as exc:  # no answer in time: the next use notes it
            log.warning("lastUsedAt of API key %s not noted: %s", record.key_id, exc)

    def _delete(self, record: ApiKeyRecord) -> bool:
        try:
            with throttling_as_unavailable():
                self._client.delete_item(
                    TableName=self._table,
                    Key=key(keys.tenant_pk(record.tenant_id), keys.api_key_sk(record.key_hash)),
                    ConditionExpression="attribute_exists(PK)",
                )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return False  # revoked by another request a moment ago
        return True


def _item(record: ApiKeyRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        **key(keys.tenant_pk(record.tenant_id), keys.api_key_sk(record.key_hash)),
        "entity": {"S": "API_KEY"},
        "keyId": {"S": record.key_id},
        "created": {"S": format_timestamp(record.created)},
        "createdBy": {"S": record.created_by},
    }
    if record.name is not None:
        item["name"] = {"S": record.name}
    if record.hint is not None:
        item["hint"] = {"S": record.hint}
    if record.request is not None:
        item["madeByRequest"] = {"S": record.request}
    return item


def _record(item: dict[str, Any]) -> ApiKeyRecord:
    last_used = item.get("lastUsedAt", {}).get("S")
    return ApiKeyRecord(
        tenant_id=item["PK"]["S"].removeprefix(keys.tenant_pk("")),
        key_hash=item["SK"]["S"].removeprefix(keys.API_KEY_PREFIX),
        key_id=item["keyId"]["S"],
        created=datetime.fromisoformat(item["created"]["S"]),
        created_by=item["createdBy"]["S"],
        name=item.get("name", {}).get("S"),
        hint=item.get("hint", {}).get("S"),
        last_used_at=datetime.fromisoformat(last_used) if last_used else None,
        request=item.get("madeByRequest", {}).get("S"),
    )
