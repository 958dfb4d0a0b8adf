"""Tenant settings in DynamoDB: one item per tenant; a tenant that never saved any has defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.settings import TenantSettings
from chalicelib.store.dynamo import throttling_as_unavailable
from chalicelib.store.items import settings_item, settings_key, settings_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoTenantSettingsRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, tenant_id: str) -> TenantSettings:
        with throttling_as_unavailable():
            response = self._client.get_item(
                TableName=self._table, Key=settings_key(tenant_id), ConsistentRead=True
            )
        return settings_of(response.get("Item"))

    def put(self, tenant_id: str, settings: TenantSettings) -> None:
        with throttling_as_unavailable():
            self._client.put_item(TableName=self._table, Item=settings_item(tenant_id, settings))
