"""Lists that answer a plain JSON array, as documented: the whole list (inline, or kept in the
documents bucket and answered `303 See Other` when larger than a response), or, for a client that
pages, one bounded page at a time: `limit` and `cursor` in, the next page's address in a `Link`
header (RFC 8288) and `X-Next-Cursor` out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypedDict, TypeVar
from urllib.parse import urlencode

import msgspec
from chalice.app import Request, Response
from pydantic import Field

from chalicelib.api.http import json_response, query_int, query_str
from chalicelib.api.operations import Answer, Param, json_answer
from chalicelib.api.representations import invoice_json
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import DateTimeText, format_timestamp
from chalicelib.ports import Page
from chalicelib.services.exports import Export

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

PAGE_QUERY = (
    Param(
        "limit",
        Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)],
        f"Asks for a page of at most this many (default {DEFAULT_PAGE_SIZE}) instead of the list",
    ),
    Param("cursor", str, "Asks for the page after the one whose X-Next-Cursor this is"),
)


class ExportLink(TypedDict):
    url: str
    expiresAt: DateTimeText
    count: int


def page_answer(type_: Any, description: str) -> Answer:
    """A list, or one page of it: the next page's address in Link and X-Next-Cursor."""
    return json_answer(200, description, type_, "Link", "X-Next-Cursor")


def whole_list_answers(description: str) -> tuple[Answer, ...]:
    """A list of invoices answered whole, inline or kept (303) when larger than a response; one
    page of it with `limit` or `cursor`."""
    kept = "The list is larger than a response: kept as JSON for a day, linked for 15 minutes"
    return (
        page_answer(list[Invoice], description),
        json_answer(303, kept, ExportLink, "Location"),
    )


def pages_asked(request: Request) -> bool:
    """Whether the client pages (`limit` or `cursor`); without either, a list answers whole."""
    params = request.query_params
    return params is not None and ("limit" in params or "cursor" in params)


def page_params(request: Request) -> tuple[int, str | None]:
    limit = query_int(request, "limit", default=DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE)
    return limit, query_str(request, "cursor")


def page_response(
    page: Page[T],
    limit: int,
    relative_path: str,
    as_json: Callable[[T], dict[str, Any]] = invoice_json,  # type: ignore[assignment]
    *,
    kept: Mapping[str, str] | None = None,
) -> Response:
    """`relative_path` is the list's last path segment: the link resolves against the request,
    and carries the `kept` query parameters (the list's filters) on."""
    headers = {}
    if page.cursor is not None:
        query = urlencode({**(kept or {}), "limit": limit, "cursor": page.cursor})
        headers = {"Link": f'<{relative_path}?{query}>; rel="next"', "X-Next-Cursor": page.cursor}
    return json_response([as_json(item) for item in page.items], headers=headers)


def invoices_text(invoices: list[Invoice]) -> str:
    """The invoices as the elements of a JSON array, without its brackets, with the values every
    answer writes (amounts exact, as their Decimal reads). msgspec writes them a third of the
    time simplejson takes, which a whole list of 100,000 feels (docs/benchmarks.md, issue 17);
    only the spacing differs from a single answer's."""
    return _LIST_WRITER.encode([invoice_json(i) for i in invoices]).decode()[1:-1]


# Decimals as JSON numbers written as str() writes them: 10.00 stays 10.00.
_LIST_WRITER = msgspec.json.Encoder(decimal_format="number")


def export_response(
    export: Export, headers: dict[str, str] | None = None, *, counted_as: str = "count"
) -> Response:
    """The export inline, or `303 See Other` to where it is kept: a client that follows redirects
    gets it from there (without our credential); `{"url", "expiresAt", "count"}` says where (a
    CSV export counts its `rows`)."""
    if export.body is not None:
        answered: dict[str, str | list[str]] = {"Content-Type": export.media_type}
        answered.update(headers or {})
        return Response(body=export.body, status_code=200, headers=answered)
    assert export.link is not None and export.expires_at is not None
    kept = {"url": export.link, "expiresAt": format_timestamp(export.expires_at)}
    return json_response(
        {**kept, counted_as: export.count}, status=303, headers={"Location": export.link}
    )
