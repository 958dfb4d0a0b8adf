"""One page of the items of a kind under a tenant's partition (their sort keys share a prefix):
one strongly consistent Query, and a cursor naming the last item's id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.store.dynamo import key, throttling_as_unavailable
from chalicelib.store.items import cursor_after, id_of_cursor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def prefix_page(
    client: DynamoDBClient,
    table: str,
    partition: str,
    prefix: str,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    query: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": partition}, ":prefix": {"S": prefix}},
        "Limit": limit,
        "ConsistentRead": True,
    }
    if cursor is not None:
        query["ExclusiveStartKey"] = key(partition, prefix + id_of_cursor(cursor))
    with throttling_as_unavailable():
        response = client.query(**query)
    items = response["Items"]
    more = "LastEvaluatedKey" in response and items
    next_cursor = cursor_after(items[-1]["SK"]["S"].removeprefix(prefix)) if more else None
    return items, next_cursor
