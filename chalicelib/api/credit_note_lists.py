"""The tenant's credit notes under /api/v1 (issue 21): a list by their day, filtered by client,
currency or invoice and paged, and the same as CSV."""

from __future__ import annotations

from typing import Annotated, Any

from chalice.app import Request, Response
from pydantic import Field

from chalicelib.api.credit_notes import credit_note_json
from chalicelib.api.http import validated
from chalicelib.api.operations import Answer, Operation, Param, json_answer
from chalicelib.api.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    export_response,
    page_answer,
    page_params,
)
from chalicelib.api.paging import page_response as paged
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.search import CsvExportLink
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.documents.disposition import content_disposition
from chalicelib.domain.credit_note_query import CreditNoteQuery
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.values import CalendarDate

credit_note_lists = ApiBlueprint(__name__)
PAGING = ("limit", "cursor")
FILTERS = (
    Param("dateFrom", CalendarDate, "Credit notes issued on this day or later"),
    Param("dateTo", CalendarDate, "Credit notes issued on this day or earlier"),
    Param("clientId", str, "Only this client's"),
    Param("currency", str, "Only those in this currency (ISO 4217)"),
    Param("invoiceId", str, "Only those crediting this invoice"),
    Param(
        "search",
        str,
        "Words that must each appear in its number, its invoice's number, the client's name, "
        "the contact email or the reason (case ignored)",
    ),
    Param("newestFirst", bool, "The latest first (default: the oldest first)"),
)
PAGE_QUERY = (
    Param(
        "limit",
        Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)],
        f"At most this many (default {DEFAULT_PAGE_SIZE})",
    ),
    Param("cursor", str, "The page after the one whose X-Next-Cursor this is"),
)
CSV = Answer(
    200,
    "Every match as CSV (RFC 4180): one row per credit note, amounts as it states them",
    {"text/csv": str},
    ("Content-Disposition",),
)
CSV_KEPT = json_answer(
    303, "Larger than a response: kept for a day, linked for 15 minutes", CsvExportLink, "Location"
)


@credit_note_lists.route(
    "/credit-notes",
    methods=["GET"],
    operation=Operation(
        "listAllCreditNotes",
        "The tenant's credit notes by the day they were issued, a page at a time",
        (
            page_answer(
                list[CreditNote],
                "A page of matches; a page may hold fewer than `limit` and still have a next "
                "one (X-Next-Cursor) when filters passed over many credit notes",
            ),
        ),
        refuses=(400,),
        query=(*FILTERS, *PAGE_QUERY),
    ),
)
def list_all_credit_notes() -> Response:
    request = credit_note_lists.current_request
    limit, cursor = page_params(request)
    query, given = _query(request)
    page = use_cases().search.credit_notes(query, limit=limit, cursor=cursor, actor=current_actor())
    return paged(page, limit, "credit-notes", credit_note_json, kept=given)


@credit_note_lists.route(
    "/credit-notes/csv-export",
    methods=["GET"],
    operation=Operation(
        "exportCreditNotes",
        "Every matching credit note as CSV",
        (CSV, CSV_KEPT),
        refuses=(400,),
        query=FILTERS,
    ),
)
def export_credit_notes() -> Response:
    query, _ = _query(credit_note_lists.current_request, paging=False)
    export = use_cases().search.credit_notes_csv(query, actor=current_actor())
    headers = {"Content-Disposition": content_disposition("attachment", export.filename)}
    return export_response(export, headers, counted_as="rows")


def _query(request: Request, *, paging: bool = True) -> tuple[CreditNoteQuery, dict[str, str]]:
    """The filters asked for (an unknown parameter is a 400 naming it), and as sent."""
    given: dict[str, Any] = dict(request.query_params or {})
    filters = {name: value for name, value in given.items() if not paging or name not in PAGING}
    return validated(CreditNoteQuery, filters), filters
