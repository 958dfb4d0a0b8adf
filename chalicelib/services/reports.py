"""Report use cases: a tenant's counts and totals (from figures kept in step with writes) and
the lists read from secondary indexes, a page or the whole list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from chalicelib.domain import aggregates
from chalicelib.domain.aggregates import InvoiceStats
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import Actor
from chalicelib.ports import DocumentStore, InvoiceIndex, InvoicePorts, Page
from chalicelib.services.exports import Export, export_list

Render = Callable[[list[Invoice]], str]


def count_by_status(*, actor: Actor, ports: InvoicePorts) -> dict[str, int]:
    return aggregates.count_by_status(ports.repo.figures(actor.tenant_id))


def invoice_stats(*, actor: Actor, ports: InvoicePorts) -> InvoiceStats:
    figures = ports.repo.figures(actor.tenant_id)
    return aggregates.stats(figures, default_currency=ports.defaults_for(actor.tenant_id).currency)


def invoice_date_range(*, actor: Actor, index: InvoiceIndex) -> tuple[date | None, date | None]:
    return index.invoice_date_range(actor.tenant_id)


def by_opportunity(
    opportunity_id: str, *, actor: Actor, index: InvoiceIndex, limit: int, cursor: str | None
) -> Page[Invoice]:
    return index.by_opportunity(actor.tenant_id, opportunity_id, limit=limit, cursor=cursor)


def with_recurring_agreements(
    *, actor: Actor, index: InvoiceIndex, limit: int, cursor: str | None
) -> Page[Invoice]:
    return index.recurring(actor.tenant_id, limit=limit, cursor=cursor)


def every_by_opportunity(
    opportunity_id: str,
    *,
    render: Render,
    actor: Actor,
    ports: InvoicePorts,
    index: InvoiceIndex,
    documents: DocumentStore,
) -> Export:
    chunks = index.every_by_opportunity(actor.tenant_id, opportunity_id)
    return export_list(chunks, render=render, actor=actor, ports=ports, documents=documents)


def every_with_recurring_agreement(
    *,
    render: Render,
    actor: Actor,
    ports: InvoicePorts,
    index: InvoiceIndex,
    documents: DocumentStore,
) -> Export:
    chunks = index.every_recurring(actor.tenant_id)
    return export_list(chunks, render=render, actor=actor, ports=ports, documents=documents)
