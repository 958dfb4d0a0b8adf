"""Sorted, filtered and searched pages of a tenant's invoices, read from secondary indexes: the
plan takes the index ordered by the sort field that narrows the most by key, filters the rest on
the index's small entries, and reads only the page's invoices in full."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any

from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.search import InvoiceQuery, SortField
from chalicelib.services.ports import SearchResult
from chalicelib.store import keys
from chalicelib.store.conditions import Condition, filter_condition
from chalicelib.store.dynamo import throttling_as_unavailable
from chalicelib.store.index import DynamoInvoiceIndex, invoices_in_order

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_INDEX_OF_SORT = {
    SortField.CREATED: (keys.BY_CREATED, "byCreated"),
    SortField.INVOICE_DATE: (keys.BY_INVOICE_DATE, "byInvoiceDate"),
    SortField.DUE_DATE: (keys.BY_DUE_DATE, "byDueDate"),
    SortField.UPDATED: (keys.BY_UPDATED, "byUpdated"),
    SortField.INVOICE_NUMBER: (keys.BY_NUMBER, "byNumber"),
    SortField.TOTAL: (keys.BY_TOTAL, "byTotal"),
}
_MAX_LIMIT = 10_000
_BATCH = 100  # keys per BatchGetItem, DynamoDB's limit
_PARALLEL_READS = 8


@dataclass(frozen=True)
class Plan:
    """One Query shape: an index partition read in order, narrowed by key, then filtered."""

    index: str
    hash_key: tuple[str, str]
    range_name: str
    ascending: bool
    key_range: tuple[str | None, str | None] = (None, None)
    condition: Condition | None = None


class DynamoInvoiceSearch:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._index = DynamoInvoiceIndex(client, table_name)

    def search(
        self,
        tenant_id: str,
        query: InvoiceQuery,
        *,
        today: date,
        total: int | None,
    ) -> SearchResult:
        """`total`, when the caller knows it (from the tenant's figures), spares the count."""
        if query.search:
            matches = self._search_matches(tenant_id, query, today)
            page = matches[query.offset : query.offset + query.size]
            return SearchResult(invoices=self._invoices(tenant_id, page), total=len(matches))
        plans = plans_for(tenant_id, query, today)
        ids = self._page_of_ids(plans, query)
        if total is None:
            total = sum(map(self._count, plans))
        return SearchResult(invoices=self._invoices(tenant_id, ids), total=total)

    def in_order(
        self, tenant_id: str, query: InvoiceQuery, *, today: date, whole: bool
    ) -> Iterator[list[Invoice]]:
        """Every match (`whole`) or the query's page, in order, in chunks of up to 100 invoices
        read by parallel BatchGetItems: no total is counted."""
        if query.search:
            ids = self._search_matches(tenant_id, query, today)
            if not whole:
                ids = ids[query.offset : query.offset + query.size]
        else:
            plans = plans_for(tenant_id, query, today)
            ids = list(self._ids(plans, None)) if whole else self._page_of_ids(plans, query)
        chunks = [ids[start : start + _BATCH] for start in range(0, len(ids), _BATCH)]
        with ThreadPoolExecutor(_PARALLEL_READS) as pool:
            yield from pool.map(functools.partial(self._invoices, tenant_id), chunks)

    def _page_of_ids(self, plans: list[Plan], query: InvoiceQuery) -> list[str]:
        needed = query.offset + query.size
        # islice stops at the page's last entry without asking for the next one.
        return list(islice(self._ids(plans, needed), query.offset, needed))

    def _ids(self, plans: list[Plan], needed: int | None) -> Iterator[str]:
        for plan in plans:
            for item in self._entries(plan, needed):
                yield keys.id_of_ordered(item[plan.range_name]["S"])

    def _entries(self, plan: Plan, needed: int | None = None) -> Iterator[dict[str, Any]]:
        """The plan's entries in order. Unfiltered, exactly the `needed` ones are read (in more
        than one call only when a 1 MB page ends first); filtered, reads start at twice that and
        double; with nothing `needed`, each call reads 1 MB."""
        start, read, calls = None, 0, 0
        while True:
            request = self._query(plan)
            if needed is not None:
                request["Limit"] = _limit(plan, needed, read, calls)
                calls += 1
            if start is not None:
                request["ExclusiveStartKey"] = start
            with throttling_as_unavailable():
                response = self._client.query(**request)
            items = response.get("Items", [])
            read += len(items)
            yield from items
            start = response.get("LastEvaluatedKey")
            if start is None:
                return

    def _count(self, plan: Plan) -> int:
        """How many entries match: reads the plan's whole key range (small index entries)."""
        start, total = None, 0
        while True:
            request = {**self._query(plan), "Select": "COUNT"}
            if start is not None:
                request["ExclusiveStartKey"] = start
            with throttling_as_unavailable():
                response = self._client.query(**request)
            total += response["Count"]
            start = response.get("LastEvaluatedKey")
            if start is None:
                return total

    def _search_matches(self, tenant_id: str, query: InvoiceQuery, today: date) -> list[str]:
        """Free text matches anywhere in a text, which no key can narrow: every entry of the
        tenant's invoice-date index is read (keys and short attributes, a few hundred bytes
        each), in date segments read in parallel, then the matches are sorted in memory. Linear
        in the tenant's size, by design (decision 0012)."""
        base = Plan(
            keys.BY_INVOICE_DATE,
            ("PK", keys.tenant_pk(tenant_id)),
            "byInvoiceDate",
            True,
            condition=filter_condition(query.filters, today, terms=query.search),
        )
        earliest, latest = self._index.invoice_date_range(tenant_id)
        if earliest is None or latest is None:
            return []
        segments = [replace(base, key_range=span) for span in _date_spans(earliest, latest)]
        with ThreadPoolExecutor(_PARALLEL_READS) as pool:
            parts = list(pool.map(lambda plan: list(self._entries(plan)), segments))
        matches = sorted(
            (entry for part in parts for entry in part),
            key=lambda entry: _sort_value(entry, query.sort.field),
            reverse=not query.sort.ascending,
        )
        return [keys.id_of_ordered(entry["byInvoiceDate"]["S"]) for entry in matches]

    def _invoices(self, tenant_id: str, ids: list[str]) -> list[Invoice]:
        return invoices_in_order(self._client, self._table, tenant_id, ids)

    def _query(self, plan: Plan) -> dict[str, Any]:
        names = {"#h": plan.hash_key[0], "#r": plan.range_name}
        values: dict[str, Any] = {":h": {"S": plan.hash_key[1]}}
        key_condition = "#h = :h" + _range_condition(plan.key_range, values)
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": plan.index,
            "KeyConditionExpression": key_condition,
            "ScanIndexForward": plan.ascending,
        }
        if plan.condition is not None:
            request["FilterExpression"] = plan.condition.expression
            names |= plan.condition.names
            values |= plan.condition.values
        if ":lo" not in values and ":hi" not in values:
            names.pop("#r")
        request["ExpressionAttributeNames"] = names
        request["ExpressionAttributeValues"] = values
        return request


def _date_spans(earliest: date, latest: date) -> list[tuple[str | None, str | None]]:
    """The days from `earliest` to `latest` cut into up to 8 contiguous key ranges, one per
    parallel read."""
    days = (latest - earliest).days + 1
    cuts = min(_PARALLEL_READS, days)
    edges = [earliest + timedelta(days=days * n // cuts) for n in range(cuts + 1)]
    return [_bounds(_day(edges[n]), _day(edges[n + 1] - timedelta(days=1))) for n in range(cuts)]


def _limit(plan: Plan, needed: int, read: int, calls: int) -> int:
    """Unfiltered: the entries still needed. Filtered, where matches are unknown until read:
    twice the page to start with, doubling with each call (a rare match reads few calls)."""
    if plan.condition is None:
        return max(needed - read, 1)
    return min(_MAX_LIMIT, max(2 * needed, 100) << min(calls, 16))


def plans_for(tenant_id: str, query: InvoiceQuery, today: date) -> list[Plan]:
    """The Queries that read the page in order: one, or one per status when sorting by status."""
    if query.sort.field == SortField.STATUS:
        return _status_plans(tenant_id, query, today)
    filters, field = query.filters, query.sort.field
    index, range_name = _INDEX_OF_SORT[field]
    hash_key = ("PK", keys.tenant_pk(tenant_id))
    narrowed: set[str] = set()
    if field == SortField.INVOICE_DATE:
        index, hash_key, narrowed = _partition_for(tenant_id, query)
    key_range, ranged = _key_range(field, query)
    condition = filter_condition(filters, today, skip=narrowed | ranged)
    return [Plan(index, hash_key, range_name, query.sort.ascending, key_range, condition)]


def _partition_for(tenant_id: str, query: InvoiceQuery) -> tuple[str, tuple[str, str], set[str]]:
    """By invoice date, a single status, a client or an opportunity has its own partition."""
    filters = query.filters
    if filters.status is not None and len(filters.status) == 1:
        return (
            keys.BY_STATUS,
            ("statusPK", keys.status_pk(tenant_id, filters.status[0])),
            {"status"},
        )
    if filters.client_id is not None:
        return (
            keys.BY_CLIENT,
            ("clientPK", keys.client_pk(tenant_id, filters.client_id)),
            {"client_id"},
        )
    if filters.opportunity_id is not None:
        opportunity = keys.opportunity_pk(tenant_id, filters.opportunity_id)
        return keys.BY_OPPORTUNITY, ("opportunityPK", opportunity), {"opportunity_id"}
    return keys.BY_INVOICE_DATE, ("PK", keys.tenant_pk(tenant_id)), set()


def _key_range(
    field: SortField, query: InvoiceQuery
) -> tuple[tuple[str | None, str | None], set[str]]:
    """A range filter on the sort field itself narrows the key, instead of filtering entries."""
    filters = query.filters
    if field == SortField.INVOICE_DATE:
        low, high = filters.invoice_date_from, filters.invoice_date_to
        return _bounds(_day(low), _day(high)), {"invoice_date_from", "invoice_date_to"}
    if field == SortField.DUE_DATE:
        low, high = filters.due_date_from, filters.due_date_to
        return _bounds(_day(low), _day(high)), {"due_date_from", "due_date_to"}
    if field == SortField.TOTAL:
        least = _amount(filters.min_total, lower=True)
        return _bounds(least, _amount(filters.max_total, lower=False)), {"min_total", "max_total"}
    return (None, None), set()


def _status_plans(tenant_id: str, query: InvoiceQuery, today: date) -> list[Plan]:
    """Status order is the statuses' names in order, each status's invoices by invoice date."""
    statuses = query.filters.status or list(InvoiceStatus)
    ordered = sorted(statuses, key=str, reverse=not query.sort.ascending)
    condition = filter_condition(query.filters, today, skip={"status"})
    base = Plan(keys.BY_STATUS, ("statusPK", ""), "byInvoiceDate", query.sort.ascending)
    return [
        replace(base, hash_key=("statusPK", keys.status_pk(tenant_id, s)), condition=condition)
        for s in ordered
    ]


def _range_condition(key_range: tuple[str | None, str | None], values: dict[str, Any]) -> str:
    low, high = key_range
    if low is not None:
        values[":lo"] = {"S": low}
    if high is not None:
        values[":hi"] = {"S": high}
    if low is not None and high is not None:
        return " AND #r BETWEEN :lo AND :hi"
    if low is not None:
        return " AND #r >= :lo"
    if high is not None:
        return " AND #r <= :hi"
    return ""


def _bounds(low: str | None, high: str | None) -> tuple[str | None, str | None]:
    # Sort keys are "<value>#<id>": from the first id of `low` to the last id of `high`.
    return (None if low is None else f"{low}#", None if high is None else f"{high}#~")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _amount(value: Decimal | None, *, lower: bool) -> str | None:
    return None if value is None else keys.sortable_total(keys.total_bound(value, lower=lower))


def _sort_value(entry: Mapping[str, Any], field: SortField) -> tuple[Any, str]:
    invoice_id = keys.id_of_ordered(entry["byInvoiceDate"]["S"])
    if field == SortField.CREATED:
        return (entry.get("created", {}).get("S", ""), invoice_id)
    if field == SortField.TOTAL:
        return (Decimal(entry["total"]["N"]), invoice_id)
    if field == SortField.STATUS:
        # As _status_plans reads them: a status's invoices by invoice date, its index's order.
        return ((entry["status"]["S"], entry["invoiceDate"]["S"]), invoice_id)
    attribute = {
        SortField.INVOICE_DATE: "invoiceDate",
        SortField.DUE_DATE: "dueDate",
        SortField.UPDATED: "updated",
        SortField.INVOICE_NUMBER: "invoiceNumber",
    }[field]
    return (entry.get(attribute, {}).get("S", ""), invoice_id)
