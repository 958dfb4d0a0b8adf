"""Paged search endpoints under /api/v1/invoices, answering the documented page shape."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, TypedDict

from chalice.app import Request, Response
from pydantic import Field

from chalicelib.api.http import (
    json_response,
    parsed_json,
    query_list,
    query_str,
    query_values,
    validated,
)
from chalicelib.api.negotiation import prefers
from chalicelib.api.operations import JSON, Answer, Operation, Param, json_answer, json_request
from chalicelib.api.paging import export_response
from chalicelib.api.problems import HttpError, invalid_request
from chalicelib.api.representations import InvoiceJson, invoice_json
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.documents.disposition import content_disposition
from chalicelib.domain.errors import FieldProblem
from chalicelib.domain.search import MAX_PAGE, InvoiceQuery, SortField
from chalicelib.domain.values import DateTimeText
from chalicelib.ports import SearchResult

search = ApiBlueprint(__name__)
_DIRECTIONS = {"ASC": True, "DESC": False}
# /page's parameters, by the query field each one fills.
_PAGE_PARAMETERS = {"page": "pageNumber", "size": "pageSize", "sort": "sortBy"}


class SortState(TypedDict):
    empty: bool
    sorted: bool
    unsorted: bool


class Pageable(TypedDict):
    offset: int
    pageNumber: int
    pageSize: int
    paged: bool
    unpaged: bool
    sort: SortState


class SpringPage(TypedDict):
    """The page shape the documented API answers (Spring Data's), field for field."""

    content: list[InvoiceJson]
    pageable: Pageable
    totalElements: int
    totalPages: int
    number: int
    size: int
    numberOfElements: int
    first: bool
    last: bool
    empty: bool
    sort: SortState


class CsvExportLink(TypedDict):
    url: str
    expiresAt: DateTimeText
    rows: int


PAGE = json_answer(200, "The page: at most 100 invoices", SpringPage)
PAGE_NUMBER = Annotated[int, Field(ge=0, le=MAX_PAGE)]
# 0 is the default size, and a size above 100 is served at 100 (the page's size says so).
PAGE_SIZE = Annotated[int, Field(ge=0)]
SEARCH_QUERY = (
    Param("search", list[str], "Terms that must all match (repeated or comma-separated)"),
    Param(
        "filters",
        list[str],
        "Filters as name:value, repeated: status (one or several, comma-separated), clientId,"
        " currency, opportunityId, invoiceDateFrom, invoiceDateTo, dueDateFrom, dueDateTo,"
        " overdue, minTotal, maxTotal",
    ),
    Param("page", PAGE_NUMBER, "The page, from 0"),
    Param("size", PAGE_SIZE, "Invoices per page (default 20, at most 100)"),
    Param("sort", list[str], "Sort keys as Spring takes them: sort=total,desc (repeated)"),
)
CSV = Answer(
    200,
    "The CSV: as a JSON string, as documented, or the file itself for `Accept: text/csv`",
    {JSON: str, "text/csv": str},
    ("Content-Disposition",),
)
CSV_KEPT = json_answer(
    303, "Larger than a response: kept for a day, linked for 15 minutes", CsvExportLink, "Location"
)


@search.route(
    "/invoices/page",
    methods=["GET"],
    operation=Operation(
        "invoicePage",
        "A sorted page of invoices",
        (PAGE,),
        refuses=(400,),
        query=(
            Param("pageNumber", PAGE_NUMBER, "The page, from 0"),
            Param("pageSize", PAGE_SIZE, "Invoices per page (default 20, at most 100)"),
            Param("sortBy", SortField, "The field to sort by (default created)"),
            # Read in any case, but named once: a client generator makes one constant a value.
            Param("direction", Literal["ASC", "DESC"], "ASC (default) or DESC, in any case"),
            Param("search", str, "Terms that must all match, separated by spaces"),
        ),
    ),
)
def invoice_page() -> Response:
    """`pageNumber`, `pageSize`, `sortBy`, `direction` (ASC or DESC) and free-text `search`."""
    request = search.current_request
    data: dict[str, Any] = {"search": (query_str(request, "search") or "").split(), "sort": {}}
    for name, parameter in (("page", "pageNumber"), ("size", "pageSize")):
        if query_str(request, parameter):
            data[name] = query_str(request, parameter)
    if query_str(request, "sortBy"):
        data["sort"]["field"] = query_str(request, "sortBy")
    if query_str(request, "direction"):
        data["sort"]["ascending"] = _ascending("direction", str(query_str(request, "direction")))
    return _page(_as_asked(data, _PAGE_PARAMETERS))


@search.route(
    "/invoices/dynamic-search",
    methods=["GET"],
    operation=Operation(
        "dynamicSearch",
        "Search, filter and sort invoices",
        (PAGE,),
        refuses=(400,),
        query=SEARCH_QUERY,
    ),
)
def dynamic_search() -> Response:
    """`search` terms, `filters` as `name:value` (repeated), `page`, `size`, and `sort` as Spring
    takes it: `sort=field,desc`, repeated for further keys (or `sort=a,b,desc`)."""
    request = search.current_request
    return _page(_as_asked(_query_from_parameters(request)))


@search.route(
    "/invoices/dynamic-search",
    methods=["POST"],
    operation=Operation(
        "dynamicSearchByBody",
        "Search, filter and sort invoices, asked in a body",
        (PAGE,),
        refuses=(400, 413),
        body=json_request(InvoiceQuery, "Terms, filters, sort keys and the page"),
    ),
)
def dynamic_search_by_body() -> Response:
    return _page(validated(InvoiceQuery, parsed_json(search.current_request)))


@search.route(
    "/invoices/csv-export",
    methods=["GET"],
    operation=Operation(
        "csvExport",
        "Export the matching invoices as CSV",
        (CSV, CSV_KEPT),
        refuses=(400,),
        query=SEARCH_QUERY,
    ),
)
def csv_export() -> Response:
    """The dynamic search's parameters; every match unless `page` or `size` is given. The CSV's
    text as a JSON string, as documented, or the CSV itself for `Accept: text/csv`."""
    request = search.current_request
    query = _as_asked(_query_from_parameters(request))
    as_csv = prefers(request, "text/csv", over="application/json")
    export = use_cases().search.export_csv(query, as_json=not as_csv, actor=current_actor())
    headers = {"Content-Disposition": content_disposition("attachment", export.filename)}
    return export_response(export, headers if as_csv else None, counted_as="rows")


def _query_from_parameters(request: Request) -> dict[str, Any]:
    data: dict[str, Any] = {
        "search": query_list(request, "search"),
        "filters": _filters(query_values(request, "filters")),
    }
    for name in ("page", "size"):
        if query_str(request, name) is not None:
            data[name] = query_str(request, name)
    sorts = [sort for value in query_values(request, "sort") for sort in _sorts(value)]
    if sorts:
        data["sort"] = sorts
    return data


def _sorts(value: str) -> list[dict[str, Any]]:
    """One `sort` parameter as Spring reads it: fields, then optionally ASC or DESC for them
    all (`total,desc`, `status,total,desc`, `total`)."""
    parts = [part.strip() for part in value.split(",")]
    direction = parts[-1].upper() if len(parts) > 1 else ""
    ascending = _DIRECTIONS.get(direction, True)
    fields = parts[:-1] if direction in _DIRECTIONS else parts
    if value.strip() and not all(fields):
        message = "name a field, then ASC or DESC if you like: sort=total,desc"
        raise invalid_request(FieldProblem("sort", message))
    return [{"field": field, "ascending": ascending} for field in fields if field]


def _filters(given: list[str]) -> dict[str, Any]:
    """`name:value` pairs. Status may repeat (the statuses add up); any other filter once."""
    filters: dict[str, Any] = {}
    for pair in given:
        name, _, value = (part.strip() for part in pair.partition(":"))
        if name == "status" and name in filters:
            filters[name] = f"{filters[name]},{value}"
        elif name in filters:
            message = "given twice; each filter but status takes one value"
            raise invalid_request(FieldProblem(f"filters.{name}", message))
        else:
            filters[name] = value
    return filters


def _ascending(parameter: str, direction: str) -> bool:
    try:
        return _DIRECTIONS[direction.strip().upper()]
    except KeyError:
        raise invalid_request(
            FieldProblem(parameter, "the direction must be ASC or DESC")
        ) from None


def _as_asked(data: dict[str, Any], names: dict[str, str] | None = None) -> InvoiceQuery:
    """The query; an error names the query parameters the caller sent (`sort`, not `sort[1].field`;
    /page's own names), not the query's own fields."""
    try:
        return validated(InvoiceQuery, data)
    except HttpError as exc:
        problems = (FieldProblem(_parameter(p.field, names or {}), p.message) for p in exc.problems)
        raise invalid_request(*problems) from None


def _parameter(field: str, names: dict[str, str]) -> str:
    parameter = "sort" if field == "sort" or field.startswith(("sort[", "sort.")) else field
    return names.get(parameter, parameter)


def _page(query: InvoiceQuery) -> Response:
    result = use_cases().search.page(query, actor=current_actor())
    return json_response(spring_page(result, query))


def spring_page(result: SearchResult, query: InvoiceQuery) -> SpringPage:
    content = [invoice_json(invoice) for invoice in result.invoices]
    total_pages = math.ceil(result.total / query.size)
    sort: SortState = {"empty": False, "sorted": True, "unsorted": False}
    return {
        "content": content,
        "pageable": {
            "offset": query.offset,
            "pageNumber": query.page,
            "pageSize": query.size,
            "paged": True,
            "unpaged": False,
            "sort": sort,
        },
        "totalElements": result.total,
        "totalPages": total_pages,
        "number": query.page,
        "size": query.size,
        "numberOfElements": len(content),
        "first": query.page == 0,
        "last": query.page >= total_pages - 1,
        "empty": not content,
        "sort": sort,
    }
