"""Queued batches in DynamoDB: one item per batch under its tenant's partition, its results
growing as the worker goes, each write only over the version read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.batches import Batch
from chalicelib.domain.errors import ConcurrentModificationError
from chalicelib.domain.values import is_well_formed_id
from chalicelib.store import keys
from chalicelib.store.dynamo import error_code, from_item, key, throttling_as_unavailable, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def batch_key(tenant_id: str, batch_id: str) -> dict[str, Any]:
    return key(keys.tenant_pk(tenant_id), keys.batch_sk(batch_id))


class DynamoBatchRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, tenant_id: str, batch_id: str) -> Batch | None:
        if not is_well_formed_id(batch_id):
            return None
        with throttling_as_unavailable():
            response = self._client.get_item(
                TableName=self._table, Key=batch_key(tenant_id, batch_id), ConsistentRead=True
            )
        return Batch.model_validate(from_item(response["Item"])) if "Item" in response else None

    def add(self, batch: Batch) -> Batch | None:
        stored = batch.model_copy(update={"version": 1})
        try:
            self._put(stored, "attribute_not_exists(PK)", {})
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return stored

    def save(self, batch: Batch, *, previous: Batch) -> Batch:
        stored = batch.model_copy(update={"version": previous.version + 1})
        try:
            self._put(stored, "version = :read", {":read": {"N": str(previous.version)}})
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ConcurrentModificationError(batch.id, noun="Batch") from exc
            raise
        return stored

    def _put(self, batch: Batch, condition: str, values: dict[str, Any]) -> None:
        attributes = {
            **batch.model_dump(mode="python", by_alias=True, exclude_none=True),
            "entity": "BATCH",
            "version": batch.version,
        }
        item = {**to_item(attributes), **batch_key(batch.tenant_id, batch.id)}
        request: dict[str, Any] = {
            "TableName": self._table,
            "Item": item,
            "ConditionExpression": condition,
        }
        if values:
            request["ExpressionAttributeValues"] = values
        with throttling_as_unavailable():
            self._client.put_item(**request)
