"""Lists that answer a plain JSON array, as documented, one bounded page at a time: `limit` and
`cursor` in, the next page's address in a `Link` header (RFC 8288) and `X-Next-Cursor` out."""

from __future__ import annotations

from urllib.parse import urlencode

from chalice.app import Request, Response

from chalicelib.api.http import json_response, query_int, query_str
from chalicelib.api.representations import invoice_json
from chalicelib.domain.invoice import Invoice
from chalicelib.services.ports import Page

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_params(request: Request) -> tuple[int, str | None]:
    limit = query_int(request, "limit", default=DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE)
    return limit, query_str(request, "cursor")


def page_response(page: Page[Invoice], limit: int, relative_path: str) -> Response:
    """`relative_path` is the list's last path segment: the link resolves against the request."""
    headers = {}
    if page.cursor is not None:
        query = urlencode({"limit": limit, "cursor": page.cursor})
        headers = {"Link": f'<{relative_path}?{query}>; rel="next"', "X-Next-Cursor": page.cursor}
    return json_response([invoice_json(invoice) for invoice in page.items], headers=headers)
