"""Clients in DynamoDB: one item per client under its tenant's partition, written conditionally
on the version read. Whether invoices still name a client is one Query of the ByClient index."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.clients import Client
from chalicelib.domain.errors import ClientNotFoundError, ConcurrentModificationError
from chalicelib.domain.values import is_well_formed_id
from chalicelib.services.ports import Page
from chalicelib.store import keys
from chalicelib.store.dynamo import error_code, from_item, key, throttling_as_unavailable, to_item
from chalicelib.store.pages import prefix_page

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def client_key(tenant_id: str, client_id: str) -> dict[str, Any]:
    return key(keys.tenant_pk(tenant_id), keys.client_sk(client_id))


def client_item(client: Client) -> dict[str, Any]:
    attributes = {
        **client.model_dump(mode="python", by_alias=True, exclude_none=True),
        "entity": "CLIENT",
        "version": client.version,
    }
    return {**to_item(attributes), **client_key(client.tenant_id, client.id)}


def client_of(item: dict[str, Any]) -> Client:
    return Client.model_validate(from_item(item))  # PK, SK and entity are ignored


class DynamoClientRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, tenant_id: str, client_id: str) -> Client | None:
        if not is_well_formed_id(client_id):
            return None
        with throttling_as_unavailable():
            response = self._client.get_item(
                TableName=self._table, Key=client_key(tenant_id, client_id), ConsistentRead=True
            )
        return client_of(response["Item"]) if "Item" in response else None

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Client]:
        """In the order they were created (their ids are UUIDv7)."""
        items, next_cursor = prefix_page(
            self._client,
            self._table,
            keys.tenant_pk(tenant_id),
            keys.CLIENT_PREFIX,
            limit=limit,
            cursor=cursor,
        )
        return Page(items=[client_of(item) for item in items], cursor=next_cursor)

    def add(self, client: Client) -> Client:
        stored = client.model_copy(update={"version": 1})
        with self._translated_errors(client.id):
            self._client.put_item(
                TableName=self._table,
                Item=client_item(stored),
                ConditionExpression="attribute_not_exists(PK)",
            )
        return stored

    def save(self, client: Client, *, previous: Client) -> Client:
        stored = client.model_copy(update={"version": previous.version + 1})
        with self._translated_errors(client.id):
            self._client.put_item(
                TableName=self._table,
                Item=client_item(stored),
                **self._at_version(previous.version),
            )
        return stored

    def delete(self, client: Client) -> None:
        with self._translated_errors(client.id):
            self._client.delete_item(
                TableName=self._table,
                Key=client_key(client.tenant_id, client.id),
                **self._at_version(client.version),
            )

    def is_named_by_invoices(self, tenant_id: str, client_id: str) -> bool:
        """Whether any invoice names the client: one key of the ByClient index is enough."""
        with throttling_as_unavailable():
            response = self._client.query(
                TableName=self._table,
                IndexName=keys.BY_CLIENT,
                KeyConditionExpression="clientPK = :pk",
                ExpressionAttributeValues={":pk": {"S": keys.client_pk(tenant_id, client_id)}},
                Limit=1,
                Select="COUNT",
            )
        return response["Count"] > 0

    @staticmethod
    def _at_version(version: int) -> dict[str, Any]:
        return {
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(version)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    @contextmanager
    def _translated_errors(self, client_id: str) -> Iterator[None]:
        with throttling_as_unavailable():
            try:
                yield
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise
                if "Item" not in exc.response:
                    raise ClientNotFoundError(client_id) from exc
                raise ConcurrentModificationError(client_id, noun="Client") from exc
