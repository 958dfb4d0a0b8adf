"""Paged search endpoints under /api/v1/invoices, answering the documented page shape."""

from __future__ import annotations

import math
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.http import (
    json_response,
    parsed_json,
    query_int,
    query_list,
    query_str,
    query_values,
    validated,
)
from chalicelib.api.representations import invoice_json
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import get_deps
from chalicelib.domain.search import DEFAULT_PAGE_SIZE, InvoiceQuery
from chalicelib.domain.values import format_timestamp
from chalicelib.services.exports import export_csv
from chalicelib.services.ports import SearchResult
from chalicelib.services.search import search_invoices

search = ApiBlueprint(__name__)
_DIRECTIONS = {"ASC": True, "DESC": False}


@search.route("/invoices/page", methods=["GET"])
def invoice_page() -> Response:
    """`pageNumber`, `pageSize`, `sortBy`, `direction` (ASC or DESC) and free-text `search`."""
    request = search.current_request
    data: dict[str, Any] = {
        "page": query_int(request, "pageNumber", default=0, low=0, high=100_000),
        "size": query_int(request, "pageSize", default=DEFAULT_PAGE_SIZE, low=1, high=10**6),
        "search": (query_str(request, "search") or "").split(),
    }
    sort: dict[str, Any] = {}
    if query_str(request, "sortBy"):
        sort["field"] = query_str(request, "sortBy")
    if query_str(request, "direction"):
        direction = str(query_str(request, "direction")).upper()
        sort["ascending"] = _DIRECTIONS.get(direction, direction)
    return _page(validated(InvoiceQuery, {**data, "sort": sort}))


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
    disposition = f'attachment; filename="{export.filename}"'
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
    filters: dict[str, Any] = {}
    for given in query_values(request, "filters"):
        name, _, value = given.partition(":")
        filters[name.strip()] = value.strip()
    data: dict[str, Any] = {"search": query_list(request, "search"), "filters": filters}
    for name in ("page", "size"):
        if query_str(request, name) is not None:
            data[name] = query_str(request, name)
    sort = query_str(request, "sort")
    if sort:
        field, _, direction = sort.partition(",")
        data["sort"] = {"field": field.strip(), "ascending": direction.strip().lower() != "desc"}
    return data


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
