"""What every operation of the API shares, as the code that serves it does: how a caller
authenticates (security.credentials), the headers (idempotency.py, http.if_match, paging.py),
and what each error status means (problems.STATUS_OF)."""

from __future__ import annotations

from typing import Any

from chalicelib.api.idempotency import KEY_PATTERN, REPLAYED_HEADER
from chalicelib.api.observability import REQUEST_ID_HEADER

# security.credentials: a bearer JWT, or an API key in x-api-key or alone in Authorization.
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearerJwt": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "`Authorization: Bearer <jwt>` naming the user and the tenant (an API key"
        " is taken as a bearer token too)",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "One of the tenant's API keys (POST /api/v1/api-keys)",
    },
    "apiKeyInAuthorization": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The API key alone in Authorization, as Leanpay's clients send it",
    },
}
ANY_CREDENTIAL: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]

_STRING = {"type": "string"}
# Each header by name; `required` where every answer that declares it carries it.
HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": 'Its version, such as "3": send it back in If-Match to change it only as'
        " read",
        "required": True,
        "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
    },
    "Location": {
        "description": "Where it is, relative to the request's URL",
        "required": True,
        "schema": _STRING,
    },
    "Link": {
        "description": 'The next page, `<...?limit=&cursor=>; rel="next"` (RFC 8288); none on'
        " the last page",
        "schema": _STRING,
    },
    "X-Next-Cursor": {"description": "The next page's cursor; none on the last", "schema": _STRING},
    "Content-Disposition": {
        "description": "The file's name: an ASCII `filename` and the exact one in `filename*`",
        "schema": _STRING,
    },
    REPLAYED_HEADER: {
        "description": "`true` on the stored answer of a retried request (same Idempotency-Key)",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {"description": "The scheme to use", "required": True, "schema": _STRING},
    # api/observability.py: API Gateway's request id, or one made where there is none.
    REQUEST_ID_HEADER: {
        "description": "The request's id, as its log line names it (and a 5xx body's"
        " `requestId`): quote it when reporting a problem",
        "required": True,
        "schema": _STRING,
    },
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "description": "Makes the write safe to retry: the same key and request within 24 hours"
    " answer the first answer again (with Idempotent-Replayed), and do nothing twice",
    "schema": {"type": "string", "pattern": f"^{KEY_PATTERN}$"},
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "description": 'The ETag read (such as "3"): changes it only at that version, else 412; `*` or'
    " none: whatever its version",
    "schema": {"type": "string"},
}

# Each error status by what it means, as problems.STATUS_OF maps the errors to them.
REFUSALS: dict[int, str] = {
    400: "The request breaks a rule: `detail` says which, `errors` names each field at fault",
    401: "No credential, or one that does not verify",
    404: "The tenant has nothing of that id (another tenant's is not found either)",
    409: "It conflicts with the state: a status that forbids it, a change made meanwhile, an"
    " Idempotency-Key still in progress; `detail` says which",
    412: "If-Match names a version it has moved on from: read it again",
    413: "The body, or a file in it, is larger than allowed",
    415: "The body's Content-Type is not one this operation takes",
    422: "The Idempotency-Key came with another request before: use a new key",
    502: "The mail service refused the email: nothing changed",
    503: "A store is unavailable or throttling: retry after Retry-After seconds",
}
REFUSAL_HEADERS: dict[int, tuple[str, ...]] = {401: ("WWW-Authenticate",), 503: ("Retry-After",)}
