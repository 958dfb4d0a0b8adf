"""Contracts in DynamoDB: one item per contract under its tenant's partition, written
conditionally on the version read, listed a page at a time by their sort-key prefix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import ConcurrentModificationError, ContractNotFoundError
from chalicelib.domain.values import is_well_formed_id
from chalicelib.services.ports import Page
from chalicelib.store import keys
from chalicelib.store.dynamo import error_code, from_item, key, throttling_as_unavailable, to_item
from chalicelib.store.pages import prefix_page

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def contract_key(tenant_id: str, contract_id: str) -> dict[str, Any]:
    return key(keys.tenant_pk(tenant_id), keys.contract_sk(contract_id))


def contract_item(contract: Contract) -> dict[str, Any]:
    """Bounded by the request body's limit (256 KB), well inside DynamoDB's 400 KB per item."""
    attributes = {
        **contract.model_dump(mode="python", by_alias=True, exclude_none=True),
        "entity": "CONTRACT",
        "version": contract.version,
    }
    return {**to_item(attributes), **contract_key(contract.tenant_id, contract.id)}


def contract_of(item: dict[str, Any]) -> Contract:
    return Contract.model_validate(from_item(item))  # PK, SK and entity are ignored


class DynamoContractRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, tenant_id: str, contract_id: str) -> Contract | None:
        if not is_well_formed_id(contract_id):
            return None
        with throttling_as_unavailable():
            response = self._client.get_item(
                TableName=self._table, Key=contract_key(tenant_id, contract_id), ConsistentRead=True
            )
        return contract_of(response["Item"]) if "Item" in response else None

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Contract]:
        """In the order they were created (their ids are UUIDv7)."""
        items, next_cursor = prefix_page(
            self._client,
            self._table,
            keys.tenant_pk(tenant_id),
            keys.CONTRACT_PREFIX,
            limit=limit,
            cursor=cursor,
        )
        return Page(items=[contract_of(item) for item in items], cursor=next_cursor)

    def add(self, contract: Contract) -> Contract:
        stored = contract.model_copy(update={"version": 1})
        with self._translated_errors(contract.id):
            self._client.put_item(
                TableName=self._table,
                Item=contract_item(stored),
                ConditionExpression="attribute_not_exists(PK)",
            )
        return stored

    def save(self, contract: Contract, *, previous: Contract) -> Contract:
        stored = contract.model_copy(update={"version": previous.version + 1})
        with self._translated_errors(contract.id):
            self._client.put_item(
                TableName=self._table,
                Item=contract_item(stored),
                **self._at_version(previous.version),
            )
        return stored

    def delete(self, contract: Contract) -> None:
        with self._translated_errors(contract.id):
            self._client.delete_item(
                TableName=self._table,
                Key=contract_key(contract.tenant_id, contract.id),
                **self._at_version(contract.version),
            )

    @staticmethod
    def _at_version(version: int) -> dict[str, Any]:
        return {
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(version)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    @contextmanager
    def _translated_errors(self, contract_id: str) -> Iterator[None]:
        """A failed condition with no item left means it was deleted meanwhile; with one, that
        another writer moved its version."""
        with throttling_as_unavailable():
            try:
                yield
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise
                if "Item" not in exc.response:
                    raise ContractNotFoundError(contract_id) from exc
                raise ConcurrentModificationError(contract_id, noun="Contract") from exc
