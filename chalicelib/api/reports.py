"""Report endpoints under /api/v1/invoices: counts and totals (one read each), the date range,
and lists served from secondary indexes."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from chalice.app import Response

from chalicelib.api.http import json_response
from chalicelib.api.paging import page_params, page_response
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import get_deps
from chalicelib.services import reports as service

reports = ApiBlueprint(__name__)


@reports.route("/invoices/count-by-status", methods=["GET"])
def count_by_status() -> Response:
    return json_response(service.count_by_status(actor=current_actor(), ports=get_deps().ports))


@reports.route("/invoices/stats", methods=["GET"])
def invoice_stats() -> Response:
    stats = service.invoice_stats(actor=current_actor(), ports=get_deps().ports)
    return json_response(stats.model_dump(mode="python", by_alias=True, exclude_none=True))


@reports.route("/invoices/date-range", methods=["GET"])
def invoice_date_range() -> Response:
    earliest, latest = service.invoice_date_range(actor=current_actor(), index=get_deps().index)
    return json_response({"min": _wire_date(earliest), "max": _wire_date(latest)})


@reports.route("/invoices/by-opportunity/{opportunityId}", methods=["GET"])
def invoices_by_opportunity(opportunityId: str) -> Response:
    limit, cursor = page_params(reports.current_request)
    page = service.by_opportunity(
        opportunityId, actor=current_actor(), index=get_deps().index, limit=limit, cursor=cursor
    )
    return page_response(page, limit, f"{quote(opportunityId, safe='')}")


@reports.route("/invoices/with-recurring-drafts", methods=["GET"])
def invoices_with_recurring_agreements() -> Response:
    limit, cursor = page_params(reports.current_request)
    page = service.with_recurring_agreements(
        actor=current_actor(), index=get_deps().index, limit=limit, cursor=cursor
    )
    return page_response(page, limit, "with-recurring-drafts")


def _wire_date(value: date | None) -> str | None:
    return None if value is None else f"{value.isoformat()}T00:00:00Z"
