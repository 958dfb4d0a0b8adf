"""Invoice lists served from global secondary indexes: a page of keys from the index, then the
invoices in one BatchGetItem, or the whole list a page of keys at a time. Indexes are eventually
consistent: a write appears a moment later."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import is_well_formed_id
from chalicelib.ports import Page
from chalicelib.store import keys
from chalicelib.store.bulk import enable_raw_answers, invoices_in_order, query_pages
from chalicelib.store.dynamo import throttling_as_unavailable
from chalicelib.store.items import invoice_key

# A whole list reads this many keys of its index at a time (DynamoDB's 1 MB ends a page first;
# DynamoDB Local needs a Limit), then their invoices in parallel BatchGetItems of 100.
WHOLE_LIST_KEYS = 1000

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoInvoiceIndex:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        enable_raw_answers(client)

    def invoice_date_range(self, tenant_id: str) -> tuple[date | None, date | None]:
        """The earliest and latest invoice date: the two ends of one index, two calls."""
        hash_key = ("PK", keys.tenant_pk(tenant_id))
        first = self._keys(keys.BY_INVOICE_DATE, hash_key, "byInvoiceDate", 1, None, True)[0]
        last = self._keys(keys.BY_INVOICE_DATE, hash_key, "byInvoiceDate", 1, None, False)[0]
        return _date_of(first), _date_of(last)

    def by_opportunity(
        self, tenant_id: str, opportunity_id: str, *, limit: int, cursor: str | None
    ) -> Page[Invoice]:
        hash_key = ("opportunityPK", keys.opportunity_pk(tenant_id, opportunity_id))
        return self._page(tenant_id, keys.BY_OPPORTUNITY, hash_key, "byInvoiceDate", limit, cursor)

    def recurring(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Invoice]:
        """Invoices that carry a recurring agreement, the next one due first."""
        hash_key = ("recurringPK", keys.recurring_pk(tenant_id))
        return self._page(tenant_id, keys.RECURRING, hash_key, "byNextInvoiceDate", limit, cursor)

    def every_by_opportunity(self, tenant_id: str, opportunity_id: str) -> Iterator[list[Invoice]]:
        hash_key = ("opportunityPK", keys.opportunity_pk(tenant_id, opportunity_id))
        return self._every(tenant_id, keys.BY_OPPORTUNITY, hash_key, "byInvoiceDate")

    def every_recurring(self, tenant_id: str) -> Iterator[list[Invoice]]:
        hash_key = ("recurringPK", keys.recurring_pk(tenant_id))
        return self._every(tenant_id, keys.RECURRING, hash_key, "byNextInvoiceDate")

    def _every(
        self, tenant_id: str, index: str, hash_key: tuple[str, str], range_name: str
    ) -> Iterator[list[Invoice]]:
        """The whole list in the index's order, one page of keys at a time."""
        request = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#h = :h",
            "ExpressionAttributeNames": {"#h": hash_key[0]},
            "ExpressionAttributeValues": {":h": {"S": hash_key[1]}},
            "Limit": WHOLE_LIST_KEYS,
        }
        for entries in query_pages(self._client, request):
            ids = [keys.id_of_ordered(entry[range_name]["S"]) for entry in entries]
            yield invoices_in_order(self._client, self._table, tenant_id, ids)

    def _page(
        self,
        tenant_id: str,
        index: str,
        hash_key: tuple[str, str],
        range_name: str,
        limit: int,
        cursor: str | None,
    ) -> Page[Invoice]:
        start = None if cursor is None else _start_key(tenant_id, hash_key, range_name, cursor)
        found, last = self._keys(index, hash_key, range_name, limit, start, True)
        ids = [keys.id_of_ordered(value) for value in found]
        invoices = invoices_in_order(self._client, self._table, tenant_id, ids)
        return Page(items=invoices, cursor=_cursor(last[range_name]["S"]) if last else None)

    def _keys(
        self,
        index: str,
        hash_key: tuple[str, str],
        range_name: str,
        limit: int,
        start: dict[str, Any] | None,
        ascending: bool,
    ) -> tuple[list[str], dict[str, Any] | None]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#h = :h",
            "ExpressionAttributeNames": {"#h": hash_key[0]},
            "ExpressionAttributeValues": {":h": {"S": hash_key[1]}},
            "Limit": limit,
            "ScanIndexForward": ascending,
        }
        if start is not None:
            query["ExclusiveStartKey"] = start
        with throttling_as_unavailable():
            response = self._client.query(**query)
        values = [item[range_name]["S"] for item in response["Items"]]
        return values, response.get("LastEvaluatedKey")


def _date_of(values: list[str]) -> date | None:
    return date.fromisoformat(values[0][:10]) if values else None


def _cursor(range_value: str) -> str:
    return base64.urlsafe_b64encode(range_value.encode()).decode().rstrip("=")


def _start_key(
    tenant_id: str, hash_key: tuple[str, str], range_name: str, cursor: str
) -> dict[str, Any]:
    """Where the next page starts, rebuilt around the caller's own tenant and index partition,
    so a cursor can only move within what the caller may read."""
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value = ""
    invoice_id = keys.id_of_ordered(value)
    if "#" not in value or not is_well_formed_id(invoice_id):
        raise InvalidInputError([FieldProblem("cursor", "is not a cursor this API returned")])
    return {
        **invoice_key(tenant_id, invoice_id),
        hash_key[0]: {"S": hash_key[1]},
        range_name: {"S": value},
    }
