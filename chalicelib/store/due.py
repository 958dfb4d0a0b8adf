"""The jobs' due work, read from their sparse indexes (keys only) across every tenant: each
shard's range up to now, page by page. Never a Scan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.due import Job
from chalicelib.domain.values import format_timestamp
from chalicelib.domain.work import WorkItem
from chalicelib.store import keys
from chalicelib.store.dynamo import throttling_as_unavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_PAGE_SIZE = 1000
_AFTER_ANY_ID = "~"  # sorts after every character of an id


class DynamoDueWork:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def due(self, job: Job, now: datetime) -> Iterator[WorkItem]:
        """The invoices whose work for `job` fell due at or before `now`, shard by shard, the
        longest due first within each. The index lags the table: act on a fresh read only."""
        upto = f"{format_timestamp(now)}#{_AFTER_ANY_ID}"
        for shard in range(keys.DUE_SHARDS):
            yield from self._shard(job, shard, upto)

    def _shard(self, job: Job, shard: int, upto: str) -> Iterator[WorkItem]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": keys.due_index(job),
            "KeyConditionExpression": "#pk = :pk AND #at <= :upto",
            "ExpressionAttributeNames": {
                "#pk": keys.due_pk_attribute(job),
                "#at": keys.due_at_attribute(job),
            },
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.due_pk(job, shard)},
                ":upto": {"S": upto},
            },
            "Limit": _PAGE_SIZE,
        }
        while True:
            with throttling_as_unavailable():
                page = self._client.query(**request)
            for item in page["Items"]:
                yield _work_item(item)
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _work_item(item: dict[str, Any]) -> WorkItem:
    tenant_id = item["PK"]["S"].removeprefix("T#")
    invoice_id = item["SK"]["S"].removeprefix(keys.INVOICE_PREFIX)
    return WorkItem(tenant_id=tenant_id, invoice_id=invoice_id)
