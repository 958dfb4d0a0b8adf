"""Clients in DynamoDB: one item per client under its tenant's partition, written conditionally
on the version read. Whether invoices still name a client is one Query of the ByClient index."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.clients import Client
from chalicelib.domain.errors import ClientNotFoundError
from chalicelib.store import keys
from chalicelib.store.dynamo import throttling_as_unavailable
from chalicelib.store.records import TenantRecords

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
