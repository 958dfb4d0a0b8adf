"""The Queries that read a search's matches in one key's order: the index ordered by that key,
narrowed by its partition (a status, a client, an opportunity) and key range where the filters
allow, the other filters applied to the index's small entries."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.domain.invoice import InvoiceStatus
from chalicelib.domain.search import InvoiceQuery, Sort, SortField
from chalicelib.store import keys
from chalicelib.store.search_filters import Condition, filter_condition

INDEX_OF_SORT = {
    SortField.CREATED: (keys.BY_CREATED, "byCreated"),
    SortField.INVOICE_DATE: (keys.BY_INVOICE_DATE, "byInvoiceDate"),
    SortField.DUE_DATE: (keys.BY_DUE_DATE, "byDueDate"),
    SortField.UPDATED: (keys.BY_UPDATED, "byUpdated"),
    SortField.INVOICE_NUMBER: (keys.BY_NUMBER, "byNumber"),
    SortField.TOTAL: (keys.BY_TOTAL, "byTotal"),
}
# The fields an index orders by: status through its partitions of ByStatus, in status order.
INDEXED = (*INDEX_OF_SORT, SortField.STATUS)
SEGMENTS = 8  # a search reads the tenant's entries as this many date ranges, in parallel


@dataclass(frozen=True)
class Plan:
    """One Query shape: an index partition read in order, narrowed by key, then filtered."""

    index: str
    hash_key: tuple[str, str]
    range_name: str
    ascending: bool
    key_range: tuple[str | None, str | None] = (None, None)
    condition: Condition | None = None


def plans_for(tenant_id: str, query: InvoiceQuery, today: date, sort: Sort) -> list[Plan]:
    """The Queries that read the matches in `sort`'s order (a field with an index): one, or
    one per status when sorting by status."""
    if sort.field == SortField.STATUS:
        return _status_plans(tenant_id, query, today, sort.ascending)
    filters, field = query.filters, sort.field
    index, range_name = INDEX_OF_SORT[field]
    hash_key = ("PK", keys.tenant_pk(tenant_id))
    narrowed: set[str] = set()
    if field == SortField.INVOICE_DATE:
        index, hash_key, narrowed = _partition_for(tenant_id, query)
    key_range, ranged = _key_range(field, query)
    condition = filter_condition(filters, today, skip=narrowed | ranged)
    return [Plan(index, hash_key, range_name, sort.ascending, key_range, condition)]


def search_plans(
    tenant_id: str, query: InvoiceQuery, today: date, earliest: date, latest: date
) -> list[Plan]:
    """Free text matches anywhere in a text, which no key can narrow: every entry of the
    tenant's invoice-date index, in date segments read in parallel, filtered by the terms."""
    base = Plan(
        keys.BY_INVOICE_DATE,
        ("PK", keys.tenant_pk(tenant_id)),
        "byInvoiceDate",
        True,
        condition=filter_condition(query.filters, today, terms=query.search),
    )
    return [replace(base, key_range=span) for span in _date_spans(earliest, latest)]


def _date_spans(earliest: date, latest: date) -> list[tuple[str | None, str | None]]:
    """The days from `earliest` to `latest` cut into up to 8 contiguous key ranges, one per
    parallel read."""
    days = (latest - earliest).days + 1
    cuts = min(SEGMENTS, days)
    edges = [earliest + timedelta(days=days * n // cuts) for n in range(cuts + 1)]
    return [_bounds(_day(edges[n]), _day(edges[n + 1] - timedelta(days=1))) for n in range(cuts)]


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


def _status_plans(tenant_id: str, query: InvoiceQuery, today: date, ascending: bool) -> list[Plan]:
    """Status order is the statuses' names in order, each status's invoices by invoice date."""
    statuses = query.filters.status or list(InvoiceStatus)
    ordered = sorted(statuses, key=str, reverse=not ascending)
    condition = filter_condition(query.filters, today, skip={"status"})
    base = Plan(keys.BY_STATUS, ("statusPK", ""), "byInvoiceDate", ascending)
    return [
        replace(base, hash_key=("statusPK", keys.status_pk(tenant_id, s)), condition=condition)
        for s in ordered
    ]


def range_condition(key_range: tuple[str | None, str | None], values: dict[str, Any]) -> str:
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
