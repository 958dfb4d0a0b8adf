"""Every request leaves a trace: its id in the answer (X-Request-Id, and in a 5xx body), one JSON
log line (tenant, route, status, latency, DynamoDB calls), and its metrics flushed as one EMF
line (decision 0045). The outermost middleware, so it sees refusals of authentication too."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from chalice.app import Request, Response

from chalicelib.api.problems import problem
from chalicelib.api.request_record import RequestRecord, recording
from chalicelib.services.metrics import SERVER_ERRORS
from chalicelib.telemetry import dynamodb_calls, emf_metrics, logger

REQUEST_ID_HEADER = "X-Request-Id"


def observed_requests(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice HTTP middleware: id, time and count the request, then log it and its metrics."""
    with recording(_request_id(request)) as record:
        started, calls_before = time.perf_counter(), dynamodb_calls.count
        response = _answer(request, get_response)
        response.headers[REQUEST_ID_HEADER] = record.request_id
        calls = dynamodb_calls.count - calls_before
        _log(request, response.status_code, record, started, calls)
        return response


def _answer(request: Request, get_response: Callable[[Request], Response]) -> Response:
    try:
        response = get_response(request)
    except Exception:  # noqa: BLE001 - whatever the middleware inside let through: our body
        logger.exception("request failed")
        response = problem(500, "An unexpected error occurred; it has been logged")
    if response.status_code >= 500:
        emf_metrics().count(SERVER_ERRORS)
    return response


def _log(request: Request, status: int, record: RequestRecord, started: float, calls: int) -> None:
    logger.info(
        "request",
        extra={
            "requestId": record.request_id,
            "tenant": record.tenant,
            "route": request.context.get("resourcePath"),
            "method": request.method,
            "status": status,
            "latencyMs": round((time.perf_counter() - started) * 1000, 1),
            "dynamodbCalls": calls,
        },
    )
    metadata = {"requestId": record.request_id}
    if record.tenant:
        metadata["tenant"] = record.tenant
    emf_metrics().flush(**metadata)


def _request_id(request: Request) -> str:
    """API Gateway's id for the request, so a log line and its access log entry match; made
    here where there is none (chalice local, the test client)."""
    given = request.context.get("requestId")
    return given if isinstance(given, str) and given else uuid.uuid4().hex
