"""Lists that answer a plain JSON array, as documented, one bounded page at a time: `limit` and
`cursor` in, the next page's address in a `Link` header (RFC 8288) and `X-Next-Cursor` out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from chalice.app import Request, Response

from chalicelib.api.http import json_response, query_int, query_str
from chalicelib.api.representations import invoice_json
from chalicelib.services.ports import Page

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_params(request: Request) -> tuple[int, str | None]:
    limit = query_int(request, "limit", default=DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE)
    return limit, query_str(request, "cursor")


def page_response(
    page: Page[T],
    limit: int,
    relative_path: str,
    as_json: Callable[[T], dict[str, Any]] = invoice_json,  # type: ignore[assignment]
) -> Response:
    """`relative_path` is the list's last path segment: the link resolves against the request."""
    headers = {}
    if page.cursor is not None:
        query = urlencode({"limit": limit, "cursor": page.cursor})
        headers = {"Link": f'<{relative_path}?{query}>; rel="next"', "X-Next-Cursor": page.cursor}
    return json_response([as_json(item) for item in page.items], headers=headers)
