"""A tenant's records in DynamoDB (clients, contracts, queued batches): one item each under the
tenant's partition, keyed by a sort-key prefix and the record's id, written only where none is
yet or over the version read, and listed a page at a time by that prefix."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from botocore.exceptions import ClientError

from chalicelib.domain.base import TenantRecord
from chalicelib.domain.errors import ConcurrentModificationError, NotFoundError
from chalicelib.domain.values import is_well_formed_id
from chalicelib.ports import Page
from chalicelib.store import keys
from chalicelib.store.dynamo import (
    MAX_BATCH_GET_KEYS,
    batch_get,
    error_code,
    from_item,
    key,
    throttling_as_unavailable,
    to_item,
)
from chalicelib.store.pages import prefix_page

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

R = TypeVar("R", bound=TenantRecord)


class TenantRecords(Generic[R]):
    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        model: type[R],
        prefix: str,
        not_found: Callable[[str], NotFoundError],
    ) -> None:
        self._client = client
        self._table = table_name
        self._model = model
        self._prefix = prefix  # "CLIENT#": also the item's entity, without the "#"
        self._not_found = not_found

    def key(self, tenant_id: str, record_id: str) -> dict[str, Any]:
        return key(keys.tenant_pk(tenant_id), f"{self._prefix}{record_id}")

    def get(self, tenant_id: str, record_id: str) -> R | None:
        if not is_well_formed_id(record_id):
            return None
        with throttling_as_unavailable():
            response = self._client.get_item(
                TableName=self._table, Key=self.key(tenant_id, record_id), ConsistentRead=True
            )
        return self._of(response["Item"]) if "Item" in response else None

    def get_many(self, tenant_id: str, record_ids: Iterable[str]) -> dict[str, R]:
        """The records found among `record_ids`, by id: one BatchGetItem per 100 ids."""
        wanted = [i for i in dict.fromkeys(record_ids) if is_well_formed_id(i)]
        found: dict[str, R] = {}
        for start in range(0, len(wanted), MAX_BATCH_GET_KEYS):
            chunk = [self.key(tenant_id, i) for i in wanted[start : start + MAX_BATCH_GET_KEYS]]
            for item in batch_get(self._client, self._table, chunk):
                record = self._of(item)
                found[record.id] = record
        return found

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[R]:
        """In the order they were created, when their ids are UUIDv7."""
        items, next_cursor = prefix_page(
            self._client,
            self._table,
            keys.tenant_pk(tenant_id),
            self._prefix,
            limit=limit,
            cursor=cursor,
        )
        return Page(items=[self._of(item) for item in items], cursor=next_cursor)

    def add(self, record: R) -> R:
        """Stored at version 1, only where none is yet: ConcurrentModificationError else."""
        stored = record.model_copy(update={"version": 1})
        with self._translated_errors(record.id):
            self._client.put_item(
                TableName=self._table,
                Item=self._item(stored),
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        return stored

    def save(self, record: R, *, previous: R) -> R:
        stored = record.model_copy(update={"version": previous.version + 1})
        with self._translated_errors(record.id):
            self._client.put_item(
                TableName=self._table, Item=self._item(stored), **_at_version(previous.version)
            )
        return stored

    def update(self, record: R, *, previous: R) -> R:
        """As `save`, but setting only the record's own attributes (removing those it leaves
        empty), so what others keep on its item, without moving its version, stays."""
        stored = record.model_copy(update={"version": previous.version + 1})
        attributes = self._attributes(stored)
        absent = [name for name in self._field_names() if name not in attributes]
        condition = _at_version(previous.version)
        update = _update_of(attributes, absent)
        with self._translated_errors(record.id):
            self._client.update_item(
                TableName=self._table,
                Key=self.key(record.tenant_id, record.id),
                UpdateExpression=update["UpdateExpression"],
                ExpressionAttributeNames=update["ExpressionAttributeNames"],
                ExpressionAttributeValues={
                    **update["ExpressionAttributeValues"],
                    **condition["ExpressionAttributeValues"],
                },
                ConditionExpression=condition["ConditionExpression"],
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        return stored

    def delete(self, record: R) -> None:
        with self._translated_errors(record.id):
            self._client.delete_item(
                TableName=self._table,
                Key=self.key(record.tenant_id, record.id),
                **_at_version(record.version),
            )

    def _item(self, record: R) -> dict[str, Any]:
        return {**to_item(self._attributes(record)), **self.key(record.tenant_id, record.id)}

    def _attributes(self, record: R) -> dict[str, Any]:
        return {
            **record.model_dump(mode="python", by_alias=True, exclude_none=True),
            "entity": self._prefix.rstrip("#"),
            "version": record.version,
        }

    def _field_names(self) -> list[str]:
        """The record's attributes as stored, its version apart."""
        fields = self._model.model_fields
        return [field.alias or name for name, field in fields.items() if not field.exclude]

    def _of(self, item: dict[str, Any]) -> R:
        return self._model.model_validate(from_item(item))  # PK, SK and entity are ignored

    @contextmanager
    def _translated_errors(self, record_id: str) -> Iterator[None]:
        """A failed condition with no item left means it was deleted meanwhile; with one, that
        another writer got there first."""
        with throttling_as_unavailable():
            try:
                yield
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise
                if "Item" not in exc.response:
                    raise self._not_found(record_id) from exc
                noun = self._model.__name__
                raise ConcurrentModificationError(record_id, noun=noun) from exc


def _update_of(attributes: dict[str, Any], absent: list[str]) -> dict[str, Any]:
    """An UpdateItem's expression that sets `attributes`, removes `absent`, and touches no other."""
    names = {f"#s{i}": name for i, name in enumerate(attributes)}
    names |= {f"#r{i}": name for i, name in enumerate(absent)}
    expression = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(attributes)))
    if absent:
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(absent)))
    values = to_item({f":s{i}": value for i, value in enumerate(attributes.values())})
    return {
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def _at_version(version: int) -> dict[str, Any]:
    return {
        "ConditionExpression": "version = :expected",
        "ExpressionAttributeValues": {":expected": {"N": str(version)}},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
