"""Clients in DynamoDB: one item per client under its tenant's partition, written conditionally
on the version read. The item also counts the invoices that name the client (store/references),
which invoice writes move without touching the version: a replace leaves that count alone, and a
delete happens only while it is zero."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.clients import Client
from chalicelib.domain.errors import (
    ClientInUseError,
    ClientNotFoundError,
    ConcurrentModificationError,
)
from chalicelib.store import keys
from chalicelib.store.dynamo import error_code, throttling_as_unavailable
from chalicelib.store.records import TenantRecords
from chalicelib.store.references import INVOICE_REFS, refs_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoClientRepository(TenantRecords[Client]):
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        super().__init__(
            client,
            table_name,
            model=Client,
            prefix=keys.CLIENT_PREFIX,
            not_found=ClientNotFoundError,
        )

    def save(self, record: Client, *, previous: Client) -> Client:
        """Its details only: the count of invoices naming it is not the caller's to write."""
        return self.update(record, previous=previous)

    def delete(self, record: Client) -> None:
        """Only at the version given and while no invoice names it, in one conditional write."""
        try:
            with throttling_as_unavailable():
                self._client.delete_item(
                    TableName=self._table,
                    Key=self.key(record.tenant_id, record.id),
                    ConditionExpression=(
                        "version = :expected AND (attribute_not_exists(#refs) OR #refs = :none)"
                    ),
                    ExpressionAttributeNames={"#refs": INVOICE_REFS},
                    ExpressionAttributeValues={
                        ":expected": {"N": str(record.version)},
                        ":none": {"N": "0"},
                    },
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            item: Any = exc.response.get("Item")
            if item is None:
                raise ClientNotFoundError(record.id) from exc
            if refs_of(item) != 0:
                raise ClientInUseError(record.id) from exc
            raise ConcurrentModificationError(record.id, noun="Client") from exc
