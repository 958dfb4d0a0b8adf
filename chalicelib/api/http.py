"""Reading requests and writing JSON responses, with amounts kept exact both ways."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, TypeVar

import simplejson
from chalice.app import Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.api.problems import HttpError, invalid_request
from chalicelib.domain.errors import FieldProblem, problems_of
from chalicelib.domain.values import LARGEST_EXPONENT

# Far above any valid body (250 rows), far below API Gateway's and Lambda's own limits.
MAX_BODY_BYTES = 256 * 1024

M = TypeVar("M", bound=BaseModel)
_DIGITS = re.compile(r"[0-9]{1,9}")


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Decimals leave as exact JSON numbers (Chalice's own encoder would make them floats)."""
    return Response(
        body=simplejson.dumps(payload, use_decimal=True),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def no_content() -> Response:
    return Response(body="", status_code=204)


def json_body(request: Request, model: type[M]) -> M:
    return validated(model, parsed_json(request))


def body_bytes(request: Request, *, limit: int = MAX_BODY_BYTES) -> bytes:
    raw = request.raw_body or b""
    raw = raw.encode() if isinstance(raw, str) else raw
    if len(raw) > limit:
        raise HttpError(413, f"The body is larger than {limit} bytes")
    return raw


def parsed_json(request: Request, *, limit: int = MAX_BODY_BYTES) -> Any:
    raw = body_bytes(request, limit=limit)
    if not raw.strip():
        raise HttpError(400, "A JSON body is required")
    try:
        return json.loads(raw, parse_float=_json_number, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise HttpError(400, f"The body is not valid JSON: {exc}") from None


def _json_number(text: str) -> Decimal:
    """Exact, and within reach: no amount, quantity or count we take comes near 1e100, while a
    Decimal with an exponent in the millions costs seconds to compare or convert further on."""
    number = Decimal(text)
    if abs(number.adjusted()) > LARGEST_EXPONENT:
        raise ValueError(f"the number {text[:24]} is out of range")
    return number


def validated(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_request(*problems_of(exc)) from None


def query_list(request: Request, name: str) -> list[str]:
    """Values of a repeated or comma-separated query parameter: ?ids=a&ids=b or ?ids=a,b."""
    return [part.strip() for raw in query_values(request, name) for part in raw.split(",")
            if part.strip()]  # fmt: skip


def query_values(request: Request, name: str) -> list[str]:
    """Every value of a repeated query parameter, as sent: ?filters=a&filters=b."""
    params = request.query_params
    if params is None or name not in params:
        return []
    return list(params.getlist(name))


def query_int(request: Request, name: str, *, default: int, low: int, high: int) -> int:
    raw = _query_value(request, name)
    if raw is None or raw == "":
        return default
    # Only ASCII digits: str.isdigit() also accepts characters such as "²" that int() refuses.
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        message = f"must be a whole number from {low} to {high}"
        raise invalid_request(FieldProblem(name, message))
    return int(raw)


def query_flag(request: Request, name: str) -> bool:
    """A true/false query parameter; absent is false, and anything else is refused."""
    raw = (_query_value(request, name) or "false").lower()
    if raw not in ("true", "false"):
        raise invalid_request(FieldProblem(name, "must be true or false"))
    return raw == "true"


def query_str(request: Request, name: str) -> str | None:
    return _query_value(request, name) or None


def _query_value(request: Request, name: str) -> str | None:
    params = request.query_params
    if params is None or name not in params:
        return None
    return str(params[name])


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


_STRONG_ETAG = re.compile(r'"?([0-9]{1,12})"?')


def if_match(request: Request) -> int | None:
    """The version an `If-Match` header pins (`"3"` as sent in ETag), or None for none or `*`."""
    header = (request.headers.get("if-match") or "").strip()
    if header in ("", "*"):
        return None
    matched = _STRONG_ETAG.fullmatch(header)
    if matched is None:
        message = 'must be the ETag of the invoice, such as "3" (weak ETags cannot match)'
        raise invalid_request(FieldProblem("If-Match", message))
    return int(matched.group(1))
