"""Sorted, filtered and searched pages of a tenant's invoices, read from secondary indexes: the
plan takes the index ordered by the first sort key that narrows the most by key, filters the rest
on the index's small entries, and reads only the page's invoices in full. What one index cannot
order (further keys, a field without an index, free text) is sorted in memory (store/sorting)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING, Any

from chalicelib.domain.invoice import Invoice
from chalicelib.domain.ordering import ordered
from chalicelib.domain.search import InvoiceQuery, Sort, SortField
from chalicelib.ports import SearchResult
from chalicelib.store import sorting
from chalicelib.store.bulk import invoices_in_order
from chalicelib.store.dynamo import throttling_as_unavailable
from chalicelib.store.index import DynamoInvoiceIndex
from chalicelib.store.plans import (
    INDEXED,
    SEGMENTS,
    Plan,
    plans_for,
    range_condition,
    search_plans,
)
from chalicelib.store.sorting import (
    Window,
    entries_suffice,
    entry_id,
    entry_record,
    invoice_record,
    served_by_one_index,
    too_many_to_sort,
    window_of,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_MAX_LIMIT = 10_000
_BATCH = 100  # keys per BatchGetItem, DynamoDB's limit
Entry = dict[str, Any]


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
        invoices, counted = self._page(tenant_id, query, today)
        return SearchResult(invoices=invoices, total=counted() if total is None else total)

    def in_order(
        self, tenant_id: str, query: InvoiceQuery, *, today: date, whole: bool
    ) -> Iterator[list[Invoice]]:
        """Every match (`whole`) or the query's page, in order, in chunks of up to 100 invoices
        read by parallel BatchGetItems: no total is counted."""
        if not whole:
            yield self._page(tenant_id, query, today)[0]
            return
        if served_by_one_index(query):
            plans = plans_for(tenant_id, query, today, query.lead)
            ids = [entry_id(entry) for entry in self._entries_of(plans)]
        else:
            entries = self._matches(tenant_id, query, today)
            if not entries_suffice(query.sort):
                invoices = self._sorted_invoices(tenant_id, query, entries)
                yield from (invoices[n : n + _BATCH] for n in range(0, len(invoices), _BATCH))
                return
            ids = [entry_id(entry) for entry in ordered(entries, query.sort, entry_record)]
        chunks = [ids[start : start + _BATCH] for start in range(0, len(ids), _BATCH)]
        with ThreadPoolExecutor(SEGMENTS) as pool:
            yield from pool.map(functools.partial(self._invoices, tenant_id), chunks)

    def _page(
        self, tenant_id: str, query: InvoiceQuery, today: date
    ) -> tuple[list[Invoice], Callable[[], int]]:
        """The page's invoices, and how to count every match (only called when needed)."""
        if served_by_one_index(query):
            plans = plans_for(tenant_id, query, today, query.lead)
            ids = self._page_of_ids(plans, query)
            return self._invoices(tenant_id, ids), lambda: sum(map(self._count, plans))
        if query.lead.field in INDEXED and not query.search:
            plans = plans_for(tenant_id, query, today, query.lead)
            window = window_of(self._through_last_group(plans, query), query)
            return self._in_memory(tenant_id, query, window), lambda: sum(map(self._count, plans))
        entries = self._matches(tenant_id, query, today)
        page = self._in_memory(tenant_id, query, Window(entries, query.offset))
        return page, lambda: len(entries)

    def _in_memory(self, tenant_id: str, query: InvoiceQuery, window: Window) -> list[Invoice]:
        """The page cut from the window once sorted: by its entries when they carry every key,
        else by the invoices themselves."""
        cut = slice(window.skip, window.skip + query.size)
        if entries_suffice(query.sort):
            ids = [entry_id(entry) for entry in ordered(window.entries, query.sort, entry_record)]
            return self._invoices(tenant_id, ids[cut])
        return self._sorted_invoices(tenant_id, query, window.entries)[cut]

    def _sorted_invoices(
        self, tenant_id: str, query: InvoiceQuery, entries: list[Entry]
    ) -> list[Invoice]:
        if len(entries) > sorting.MAX_SORTED_IN_MEMORY:
            raise too_many_to_sort(query)
        invoices = self._invoices(tenant_id, [entry_id(entry) for entry in entries])
        return ordered(invoices, query.sort, invoice_record)

    def _matches(self, tenant_id: str, query: InvoiceQuery, today: date) -> list[Entry]:
        """Every matching entry, in no particular order. Searched: every entry of the tenant's
        invoice-date index is read (linear in its size, by design: decision 0012). Sorted by a
        field without an index: the matches of the narrowest plan, at most
        MAX_SORTED_IN_MEMORY (more is refused once read past)."""
        if query.search:
            earliest, latest = self._index.invoice_date_range(tenant_id)
            if earliest is None or latest is None:
                return []
            segments = search_plans(tenant_id, query, today, earliest, latest)
            with ThreadPoolExecutor(SEGMENTS) as pool:
                parts = list(pool.map(lambda plan: list(self._entries(plan)), segments))
            return [entry for part in parts for entry in part]
        if query.lead.field in INDEXED:
            return list(self._entries_of(plans_for(tenant_id, query, today, query.lead)))
        narrowest = plans_for(tenant_id, query, today, Sort(field=SortField.INVOICE_DATE))
        most = sorting.MAX_SORTED_IN_MEMORY + 1
        entries = list(islice(self._entries_of(narrowest, most), most))
        if len(entries) > sorting.MAX_SORTED_IN_MEMORY:
            raise too_many_to_sort(query)
        return entries

    def _through_last_group(self, plans: list[Plan], query: InvoiceQuery) -> list[Entry]:
        """The entries in the lead key's order up to the page's end, and on to the end of the
        run of equal lead values the page ends in (the further keys may reorder it)."""
        needed, lead = query.offset + query.size, str(query.lead.field)
        taken: list[Entry] = []
        for entry in self._entries_of(plans, needed):
            if len(taken) >= needed:
                last = entry_record(taken[needed - 1]).get(lead)
                if entry_record(entry).get(lead) != last:
                    break
            taken.append(entry)
        return taken

    def _page_of_ids(self, plans: list[Plan], query: InvoiceQuery) -> list[str]:
        needed = query.offset + query.size
        # islice stops at the page's last entry without asking for the next one.
        entries = islice(self._entries_of(plans, needed), query.offset, needed)
        return [entry_id(entry) for entry in entries]

    def _entries_of(self, plans: list[Plan], needed: int | None = None) -> Iterator[Entry]:
        for plan in plans:
            yield from self._entries(plan, needed)

    def _entries(self, plan: Plan, needed: int | None = None) -> Iterator[Entry]:
        """The plan's entries in order. Unfiltered, exactly the `needed` ones are read (in more
        than one call only when a 1 MB page ends first); filtered, reads start at twice that and
        double; read on past them, calls grow; with nothing `needed`, each call reads 1 MB."""
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

    def _invoices(self, tenant_id: str, ids: list[str]) -> list[Invoice]:
        return invoices_in_order(self._client, self._table, tenant_id, ids)

    def _query(self, plan: Plan) -> dict[str, Any]:
        names = {"#h": plan.hash_key[0], "#r": plan.range_name}
        values: dict[str, Any] = {":h": {"S": plan.hash_key[1]}}
        key_condition = "#h = :h" + range_condition(plan.key_range, values)
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


def _limit(plan: Plan, needed: int, read: int, calls: int) -> int:
    """Unfiltered: the entries still needed, then (read on past them) as many again as read.
    Filtered, where matches are unknown until read: twice what is needed to start with,
    doubling with each call (a rare match reads few calls)."""
    if plan.condition is None:
        return needed - read if read < needed else min(_MAX_LIMIT, max(read, 100))
    return min(_MAX_LIMIT, max(2 * needed, 100) << min(calls, 16))
