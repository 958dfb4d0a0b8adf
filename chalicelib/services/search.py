"""Search use case: a page of a tenant's invoices by search terms, filters and one sort field."""

from __future__ import annotations

from chalicelib.domain import aggregates
from chalicelib.domain.search import InvoiceQuery
from chalicelib.domain.values import Actor
from chalicelib.ports import InvoicePorts, InvoiceSearch, SearchResult

# Filters whose matches the tenant's figures count (kept by status and currency).
_COUNTED_FILTERS = frozenset({"status", "currency"})


def search_invoices(
    query: InvoiceQuery, *, actor: Actor, ports: InvoicePorts, search: InvoiceSearch
) -> SearchResult:
    today = ports.today(actor.tenant_id)
    total = None
    if not query.search and query.filters.given <= _COUNTED_FILTERS:
        # The total then comes from the figures: one small read instead of counting entries.
        figures = ports.repo.figures(actor.tenant_id)
        filters = query.filters
        total = aggregates.count_matching(figures, filters.status, filters.currency)
    return search.search(actor.tenant_id, query, today=today, total=total)
