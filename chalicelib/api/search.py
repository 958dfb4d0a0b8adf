"""Paged search endpoints under /api/v1/invoices, answering the documented page shape."""

from __future__ import annotations

import math
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.http import (
    json_response,
    parsed_json,
    query_list,
    query_str,
    query_values,
    validated,
)
from chalicelib.api.problems import HttpError, invalid_request
from chalicelib.api.representations import invoice_json
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import get_deps
from chalicelib.documents.disposition import content_disposition
from chalicelib.domain.errors import FieldProblem
from chalicelib.domain.search import InvoiceQuery
from chalicelib.domain.values import format_timestamp
from chalicelib.services.exports import export_csv
from chalicelib.services.ports import SearchResult
from chalicelib.services.search import search_invoices

search = ApiBlueprint(__name__)
_DIRECTIONS = {"ASC": True, "DESC": False}
# /page's parameters, by the query field each one fills.
_PAGE_PARAMETERS = {"page": "pageNumber", "size": "pageSize", "sort.field": "sortBy"}


@search.route("/invoices/page", methods=["GET"])
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
    try:
        return _page(validated(InvoiceQuery, data))
    except HttpError as exc:
        raise _named_as_asked(exc, _PAGE_PARAMETERS) from None


@search.route("/invoices/dynamic-search", methods=["GET"])
def dynamic_search() -> Response:
    """`search` terms, `filters` as `name:value` (repeated), `page`, `size`, `sort=field,desc`."""
    request = search.current_request
    return _page(validated(InvoiceQuery, _query_from_parameters(request)))


@search.route("/invoices/dynamic-search", methods=["POST"])
def dynamic_search_by_body() -> Response:
    return _page(validated(InvoiceQuery, parsed_json(search.current_request)))


@search.route("/invoices/csv-export", methods=["GET"])
def csv_export() -> Response:
    """The dynamic search's parameters; every match unless `page` or `size` is given."""
    query = validated(InvoiceQuery, _query_from_parameters(search.current_request))
    deps = get_deps()
    export = export_csv(
        query,
        actor=current_actor(),
        ports=deps.ports,
        search=deps.search,
        documents=deps.documents,
    )
    disposition = content_disposition("attachment", export.filename)
    if export.text is not None:
        headers: dict[str, str | list[str]] = {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": disposition,
        }
        return Response(body=export.text, status_code=200, headers=headers)
    assert export.link is not None and export.expires_at is not None
    kept = {
        "url": export.link,
        "expiresAt": format_timestamp(export.expires_at),
        "rows": export.rows,
    }
    # See Other: clients that follow redirects fetch the file itself (without our credential).
    return json_response(kept, status=303, headers={"Location": export.link})


def _query_from_parameters(request: Request) -> dict[str, Any]:
    data: dict[str, Any] = {
        "search": query_list(request, "search"),
        "filters": _filters(query_values(request, "filters")),
    }
    for name in ("page", "size"):
        if query_str(request, name) is not None:
            data[name] = query_str(request, name)
    sort = query_str(request, "sort")
    if sort:
        field, _, direction = sort.partition(",")
        ascending = _ascending("sort", direction) if direction.strip() else True
        data["sort"] = {"field": field.strip(), "ascending": ascending}
    return data


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


def _named_as_asked(exc: HttpError, names: dict[str, str]) -> HttpError:
    """The error names the query parameters the caller sent, not the query's own fields."""
    return invalid_request(
        *(FieldProblem(names.get(p.field, p.field), p.message) for p in exc.problems)
    )


def _page(query: InvoiceQuery) -> Response:
    deps = get_deps()
    result = search_invoices(query, actor=current_actor(), ports=deps.ports, search=deps.search)
    return json_response(spring_page(result, query))


def spring_page(result: SearchResult, query: InvoiceQuery) -> dict[str, Any]:
    """The page shape the documented API answers (Spring Data's), field for field."""
    content = [invoice_json(invoice) for invoice in result.invoices]
    total_pages = math.ceil(result.total / query.size)
    sort = {"empty": False, "sorted": True, "unsorted": False}
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
