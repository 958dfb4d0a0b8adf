"""Safe retries: a POST, PATCH or DELETE that carries an Idempotency-Key runs once per tenant and
key; a retry within 24 hours gets the first response (status, headers, body) again. A write whose
first answer was lost (a 5xx, a record never completed) is recognised by the work itself: the
request's name (Actor.request) is in what it made and on what it changed (decision 0031)."""

from __future__ import annotations

import base64
import hashlib
import re
import zlib
from collections.abc import Callable
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.problems import (
    chalice_error_as_problem,
    domain_problem,
    http_problem,
    invalid_request,
)
from chalicelib.api.security import PUBLIC_PATHS, acting_for_request, current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.domain.errors import DomainError, FieldProblem
from chalicelib.time_limits import API_FUNCTION, context_or_time_left

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A search sent as a POST body changes nothing: a retry is safe as it is, and a replayed page
# would be stale, so its key is ignored.
READ_ONLY_ROUTES = frozenset({"/api/v1/invoices/dynamic-search"})
# A response holding a secret (a new API key or webhook secret, answered once) is never stored to
# be replayed: a retry is recognised by the work (decisions 0031, 0063).
UNKEPT_ROUTES = frozenset({"/api/v1/api-keys", "/api/v1/webhooks"})
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"[\x21-\x7e]{1,255}"  # visible ASCII, as Stripe and the IETF draft allow
_KEY = re.compile(KEY_PATTERN)
_COMPRESS_ABOVE = 64 * 1024  # keeps a large invoice's stored response inside one item


class _NotKept(Exception):  # noqa: N818 - control flow, not an error
    """A response that must not be replayed (a server error): Powertools then drops the record."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def idempotent_writes(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice HTTP middleware, registered after authentication (it needs the tenant)."""
    key = request.headers.get("idempotency-key")
    if (
        key is None
        or request.method not in WRITE_METHODS
        or request.context.get("resourcePath") in PUBLIC_PATHS | READ_ONLY_ROUTES
    ):
        return get_response(request)
    if not _KEY.fullmatch(key):
        message = "must be 1 to 255 visible ASCII characters, such as a UUID"
        return http_problem(invalid_request(FieldProblem("Idempotency-Key", message)))
    printed = fingerprint(request)
    with acting_for_request(request_name(key, printed)):
        if request.context.get("resourcePath") in UNKEPT_ROUTES:
            return get_response(request)
        return _once(request, key, printed, get_response)


def _once(
    request: Request, key: str, printed: str, get_response: Callable[[Request], Response]
) -> Response:
    try:
        stored, replayed = use_cases().guards.run_once(
            current_actor().tenant_id,
            key,
            printed,
            lambda: _kept(chalice_error_as_problem(get_response(request))),
            lambda_context=context_or_time_left(request.lambda_context, API_FUNCTION),
        )
    except _NotKept as not_kept:
        return not_kept.response
    except DomainError as exc:
        return domain_problem(exc)
    return _replay(stored, replayed=replayed)


def request_name(key: str, printed: str) -> str:
    """The request's name for the work (Actor.request): the same key and the same request give
    the same name; another request under a reused key, another name. Not the key itself, which
    is the caller's and is never stored."""
    digest = hashlib.sha256(f"{key}\n{printed}".encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def fingerprint(request: Request) -> str:
    """What makes two requests the same: route, path values, query and body."""
    raw = request.raw_body or b""
    query = request.query_params
    parts = [
        request.method,
        request.path,
        repr(sorted((request.uri_params or {}).items())),
        repr(sorted((name, query.getlist(name)) for name in query) if query else []),
    ]
    digest = hashlib.sha256("\n".join(parts).encode())
    digest.update(raw if isinstance(raw, bytes) else raw.encode())
    return digest.hexdigest()


def _kept(response: Response) -> dict[str, Any]:
    if response.status_code >= 500:
        raise _NotKept(response)
    body = response.body if isinstance(response.body, str) else ""
    kept: dict[str, Any] = {
        "status": response.status_code,
        "headers": dict(response.headers),
    }
    if len(body) > _COMPRESS_ABOVE:
        kept["bodyZ"] = base64.b64encode(zlib.compress(body.encode())).decode()
    else:
        kept["body"] = body
    return kept


def _replay(kept: dict[str, Any], *, replayed: bool) -> Response:
    body = kept.get("body")
    if body is None:
        body = zlib.decompress(base64.b64decode(kept["bodyZ"])).decode()
    headers = dict(kept["headers"])
    if replayed:
        headers[REPLAYED_HEADER] = "true"
    return Response(body=body, status_code=int(kept["status"]), headers=headers)
