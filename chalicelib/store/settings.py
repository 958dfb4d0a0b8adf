"""Tenant settings in DynamoDB: one item per tenant; a tenant that never saved any has defaults.
Each save writes only over the version read, so two writers never overwrite each other.

Creating an invoice needs only the tenant's defaults (currency, payment terms, timezone), which
change rarely: `recent` answers them from this process's memory for a minute, so a warm create
stays one write. Issuing reads the settings afresh, with the invoice and the counter."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.errors import ConcurrentModificationError
from chalicelib.domain.settings import TenantSettings
from chalicelib.ports import StoredSettings
from chalicelib.store.dynamo import error_code, throttling_as_unavailable
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
        return self.read(tenant_id).settings

    def read(self, tenant_id: str) -> StoredSettings:
        with throttling_as_unavailable():
            response = self._client.get_item(
                TableName=self._table, Key=settings_key(tenant_id), ConsistentRead=True
            )
        item = response.get("Item")
        settings = settings_of(item)
        self._read_at[tenant_id] = (time.monotonic(), settings)
        return StoredSettings(settings, _version_of(item))

    def recent(self, tenant_id: str) -> TenantSettings:
        """The settings as read at most RECENT_SECONDS ago by this process."""
        read_at, settings = self._read_at.get(tenant_id, (float("-inf"), None))
        if settings is None or time.monotonic() - read_at > RECENT_SECONDS:
            return self.get(tenant_id)
        return settings

    def save(self, tenant_id: str, settings: TenantSettings, *, version: int) -> StoredSettings:
        """Only over `version` as read: ConcurrentModificationError when another save came first."""
        item = {**settings_item(tenant_id, settings), VERSION: {"N": str(version + 1)}}
        with throttling_as_unavailable():
            try:
                self._client.put_item(TableName=self._table, Item=item, **_at_version(version))
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise
                raise ConcurrentModificationError(tenant_id, noun="Settings of tenant") from exc
        self._read_at[tenant_id] = (time.monotonic(), settings)
        return StoredSettings(settings, version + 1)


VERSION = "version"


def _version_of(item: dict[str, Any] | None) -> int:
    """0 for settings never saved, or saved before they carried a version."""
    return int(item[VERSION]["N"]) if item and VERSION in item else 0


def _at_version(version: int) -> dict[str, Any]:
    if version == 0:
        return {"ConditionExpression": "attribute_not_exists(#version)",
                "ExpressionAttributeNames": {"#version": VERSION}}  # fmt: skip
    return {
        "ConditionExpression": "#version = :expected",
        "ExpressionAttributeNames": {"#version": VERSION},
        "ExpressionAttributeValues": {":expected": {"N": str(version)}},
    }
