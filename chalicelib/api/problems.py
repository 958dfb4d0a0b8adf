"""Every error leaves in the documented body {title, detail, time}, plus the offending fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from typing import NotRequired, TypedDict

import simplejson
from chalice.app import Response

from chalicelib.api.request_record import current_request_id
from chalicelib.domain.errors import (
    AuthenticationError,
    ConflictError,
    DeliveryFailedError,
    DomainError,
    FieldProblem,
    FileRefusedError,
    FileTooLargeError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    TemporarilyUnavailableError,
)
from chalicelib.domain.values import DateTimeText, format_timestamp

# Most specific first: the first class an error is an instance of decides its status.
STATUS_OF: Sequence[tuple[type[DomainError], int]] = (
    (AuthenticationError, 401),
    (InvalidInputError, 400),
    (FileRefusedError, 400),
    (FileTooLargeError, 413),
    (NotFoundError, 404),
    (ConflictError, 409),
    (PreconditionFailedError, 412),
    (IdempotencyKeyReusedError, 422),
    (DeliveryFailedError, 502),
    (TemporarilyUnavailableError, 503),
)

_HEADERS_OF: Mapping[int, Mapping[str, str]] = {
    401: {"WWW-Authenticate": 'Bearer realm="invoicing"'},
    503: {"Retry-After": "1"},
}


class FieldError(TypedDict):
    field: str  # a path into the request, such as rows[0].quantity, or a header's name
    message: str


class ProblemBody(TypedDict):
    """The documented error body: the status's phrase, what went wrong, and when."""

    title: str
    detail: str
    time: DateTimeText
    errors: NotRequired[list[FieldError]]
    # On a 5xx only: the request's id (X-Request-Id), to quote when reporting it.
    requestId: NotRequired[str]


class ItemProblem(ProblemBody):
    """The error of one item of a batch: the body a request of its own would answer, with its
    status."""

    status: int


class HttpError(Exception):
    """A request the HTTP layer refuses before any use case runs (bad JSON, too large...)."""

    def __init__(self, status: int, detail: str, problems: Sequence[FieldProblem] = ()) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problems = tuple(problems)


def invalid_request(*problems: FieldProblem) -> HttpError:
    """A 400 naming each field at fault, in the detail and in `errors`."""
    listed = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return HttpError(400, f"Invalid request: {listed}", problems)


def problem_body(status: int, detail: str, problems: Sequence[FieldProblem] = ()) -> ProblemBody:
    body: ProblemBody = {
        "title": HTTPStatus(status).phrase,
        "detail": detail,
        "time": format_timestamp(datetime.now(UTC)),
    }
    if problems:
        body["errors"] = [{"field": p.field, "message": p.message} for p in problems]
    request_id = current_request_id() if status >= 500 else None
    if request_id:
        body["requestId"] = request_id
    return body


def problem(status: int, detail: str, problems: Sequence[FieldProblem] = ()) -> Response:
    return Response(
        body=simplejson.dumps(problem_body(status, detail, problems)),
        status_code=status,
        headers={"Content-Type": "application/json", **_HEADERS_OF.get(status, {})},
    )


def status_of(exc: DomainError) -> int:
    return next(code for kind, code in STATUS_OF if isinstance(exc, kind))


def error_body(exc: DomainError) -> ItemProblem:
    """The body a request failing with `exc` answers, with its status: a batch item's error."""
    problems = exc.problems if isinstance(exc, InvalidInputError) else ()
    return {"status": status_of(exc), **problem_body(status_of(exc), str(exc), problems)}


def domain_problem(exc: DomainError) -> Response:
    problems = exc.problems if isinstance(exc, InvalidInputError) else ()
    return problem(status_of(exc), str(exc), problems)


def http_problem(exc: HttpError) -> Response:
    return problem(exc.status, exc.detail, exc.problems)


def chalice_error_as_problem(response: Response) -> Response:
    """Chalice answers some errors itself ({"Code", "Message"}): 405, 415 and unhandled 500s."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    if response.status_code >= 500:
        return problem(500, "An unexpected error occurred; it has been logged")
    shaped = problem(response.status_code, str(body.get("Message", "")))
    shaped.headers.update({k: v for k, v in response.headers.items() if k.lower() == "allow"})
    return shaped
