"""Report endpoints under /api/v1/invoices: counts and totals (one read each), the date range,
and lists served from secondary indexes."""

from __future__ import annotations

from datetime import date
from typing import TypedDict
from urllib.parse import quote

from chalice.app import Response

from chalicelib.api.http import json_response
from chalicelib.api.operations import Operation, json_answer
from chalicelib.api.paging import (
    PAGE_QUERY,
    export_response,
    invoices_text,
    page_params,
    page_response,
    pages_asked,
    whole_list_answers,
)
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.domain.aggregates import InvoiceStats
from chalicelib.domain.invoice import InvoiceStatus
from chalicelib.domain.values import DateTimeText

reports = ApiBlueprint(__name__)


class DateRange(TypedDict):
    """The earliest and latest invoice date; null without invoices."""

    min: DateTimeText | None
    max: DateTimeText | None


@reports.route(
    "/invoices/count-by-status",
    methods=["GET"],
    operation=Operation(
        "countByStatus",
        "Count the invoices in each status",
        (json_answer(200, "Every status with its count, zeros too", dict[InvoiceStatus, int]),),
    ),
)
def count_by_status() -> Response:
    return json_response(use_cases().reports.count_by_status(actor=current_actor()))


@reports.route(
    "/invoices/stats",
    methods=["GET"],
    operation=Operation(
        "invoiceStats",
        "Counts by status and totals invoiced, outstanding, overdue and paid",
        (json_answer(200, "The figures; byCurrency when in several currencies", InvoiceStats),),
    ),
)
def invoice_stats() -> Response:
    stats = use_cases().reports.stats(actor=current_actor())
    return json_response(stats.model_dump(mode="python", by_alias=True, exclude_none=True))


@reports.route(
    "/invoices/date-range",
    methods=["GET"],
    operation=Operation(
        "invoiceDateRange",
        "The earliest and latest invoice date",
        (json_answer(200, "The range, null for a tenant without invoices", DateRange),),
    ),
)
def invoice_date_range() -> Response:
    earliest, latest = use_cases().reports.date_range(actor=current_actor())
    answer: DateRange = {"min": _wire_date(earliest), "max": _wire_date(latest)}
    return json_response(answer)


@reports.route(
    "/invoices/by-opportunity/{opportunityId}",
    methods=["GET"],
    operation=Operation(
        "invoicesByOpportunity",
        "List an opportunity's invoices",
        whole_list_answers("Its invoices by invoice date (or the page asked)"),
        refuses=(400,),
        query=PAGE_QUERY,
    ),
)
def invoices_by_opportunity(opportunityId: str) -> Response:
    """The opportunity's invoices by invoice date, all of them; a page with `limit`/`cursor`."""
    request, cases = reports.current_request, use_cases().reports
    if not pages_asked(request):
        every = cases.every_by_opportunity(
            opportunityId, render=invoices_text, actor=current_actor()
        )
        return export_response(every)
    limit, cursor = page_params(request)
    page = cases.by_opportunity(opportunityId, actor=current_actor(), limit=limit, cursor=cursor)
    return page_response(page, limit, f"{quote(opportunityId, safe='')}")


@reports.route(
    "/invoices/with-recurring-drafts",
    methods=["GET"],
    operation=Operation(
        "invoicesWithRecurringAgreements",
        "List the invoices that carry a recurring agreement",
        whole_list_answers("Those invoices, next due first (or the page asked)"),
        refuses=(400,),
        query=PAGE_QUERY,
    ),
)
def invoices_with_recurring_agreements() -> Response:
    """Invoices that carry a recurring agreement, next due first: all of them, or a page."""
    request, cases = reports.current_request, use_cases().reports
    if not pages_asked(request):
        every = cases.every_with_recurring_agreement(render=invoices_text, actor=current_actor())
        return export_response(every)
    limit, cursor = page_params(request)
    page = cases.with_recurring_agreements(actor=current_actor(), limit=limit, cursor=cursor)
    return page_response(page, limit, "with-recurring-drafts")


def _wire_date(value: date | None) -> str | None:
    return None if value is None else f"{value.isoformat()}T00:00:00Z"
