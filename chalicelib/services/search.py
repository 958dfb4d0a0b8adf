"""Search use case: a page of a tenant's invoices by search terms, filters and one sort field."""

from __future__ import annotations

from chalicelib.domain import aggregates
from chalicelib.domain.search import InvoiceQuery
from chalicelib.domain.values import Actor
from chalicelib.services.ports import InvoicePorts, InvoiceSearch, SearchResult


def search_invoices(
    query: InvoiceQuery, *, actor: Actor, ports: InvoicePorts, search: InvoiceSearch
) -> SearchResult:
    today = ports.defaults.today(ports.clock.now())
    counts = None
    if not query.search and _filters_only_by_status(query):
        # The total then comes from the tenant's figures: one small read instead of a count.
        counts = aggregates.count_by_status(ports.repo.figures(actor.tenant_id))
    return search.search(actor.tenant_id, query, today=today, counts=counts)


def _filters_only_by_status(query: InvoiceQuery) -> bool:
    given = {
        name for name in query.filters.model_fields_set if getattr(query.filters, name) is not None
    }
    return given <= {"status"}
