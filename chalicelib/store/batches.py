"""Queued batches in DynamoDB: one item per batch under its tenant's partition, its results
growing as the worker goes, each write only over the version read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.batches import Batch
from chalicelib.domain.errors import BatchNotFoundError, ConcurrentModificationError
from chalicelib.store import keys
from chalicelib.store.records import TenantRecords

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoBatchRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._records = TenantRecords(
            client,
            table_name,
            model=Batch,
            prefix=keys.BATCH_PREFIX,
            not_found=BatchNotFoundError,
        )

    def get(self, tenant_id: str, batch_id: str) -> Batch | None:
        return self._records.get(tenant_id, batch_id)

    def save(self, batch: Batch, *, previous: Batch) -> Batch:
        return self._records.save(batch, previous=previous)

    def add(self, batch: Batch) -> Batch | None:
        """None when a batch with its id is recorded already."""
        try:
            return self._records.add(batch)
        except ConcurrentModificationError:
            return None
