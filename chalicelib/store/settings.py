"""Tenant settings in DynamoDB: one item per tenant; a tenant that never saved any has defaults.

Creating an invoice needs only the tenant's defaults (currency, payment terms, timezone), which
change rarely: `recent` answers them from this process's memory for a minute, so a warm create
stays one write. Issuing reads the settings afresh, with the invoice and the counter."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from chalicelib.domain.settings import TenantSettings
from chalicelib.store.dynamo import throttling_as_unavailable
from chalicelib.store.items import settings_item, settings_key, settings_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RECENT_SECONDS = 60.0


class DynamoTenantSettingsRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._read_at: dict[str, tuple[float, TenantSettings]] = {}

    def get(self, tenant_id: str) -> TenantSettings:
        with throttling_as_unavailable():
            response = self._client.get_item(
                TableName=self._table, Key=settings_key(tenant_id), ConsistentRead=True
            )
        settings = settings_of(response.get("Item"))
        self._read_at[tenant_id] = (time.monotonic(), settings)
        return settings

    def recent(self, tenant_id: str) -> TenantSettings:
        """The settings as read at most RECENT_SECONDS ago by this process."""
        read_at, settings = self._read_at.get(tenant_id, (float("-inf"), None))
        if settings is None or time.monotonic() - read_at > RECENT_SECONDS:
            return self.get(tenant_id)
        return settings

    def put(self, tenant_id: str, settings: TenantSettings) -> None:
        with throttling_as_unavailable():
            self._client.put_item(TableName=self._table, Item=settings_item(tenant_id, settings))
        self._read_at[tenant_id] = (time.monotonic(), settings)
