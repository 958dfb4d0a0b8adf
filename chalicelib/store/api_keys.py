"""API keys in DynamoDB: the key's hash under its tenant's partition, so a lookup is one GetItem."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.domain.values import format_timestamp
from chalicelib.services.ports import ApiKeyRecord
from chalicelib.store import keys
from chalicelib.store.dynamo import key, throttling_as_unavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoApiKeyRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, record: ApiKeyRecord) -> None:
        with throttling_as_unavailable():
            self._put(record)

    def _put(self, record: ApiKeyRecord) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                **key(keys.tenant_pk(record.tenant_id), keys.api_key_sk(record.key_hash)),
                "entity": {"S": "API_KEY"},
                "keyId": {"S": record.key_id},
                "created": {"S": format_timestamp(record.created)},
                "createdBy": {"S": record.created_by},
            },
            ConditionExpression="attribute_not_exists(PK)",
        )

    def find(self, tenant_id: str, key_hash: str) -> ApiKeyRecord | None:
        with throttling_as_unavailable():
            response = self._client.get_item(
                TableName=self._table,
                Key=key(keys.tenant_pk(tenant_id), keys.api_key_sk(key_hash)),
            )
        item = response.get("Item")
        if item is None:
            return None
        return ApiKeyRecord(
            tenant_id=tenant_id,
            key_hash=key_hash,
            key_id=item["keyId"]["S"],
            created=datetime.fromisoformat(item["created"]["S"]),
            created_by=item["createdBy"]["S"],
        )
