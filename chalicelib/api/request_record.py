"""The request being handled, as its log line will tell it: its id and, once authenticated, its
tenant. Kept apart so that problems.py (the 5xx body) and security.py read and note it without
importing the middleware that logs it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RequestRecord:
    request_id: str
    tenant: str | None = None


_current: ContextVar[RequestRecord] = ContextVar("current_request")


@contextmanager
def recording(request_id: str) -> Iterator[RequestRecord]:
    record = RequestRecord(request_id)
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)


def current_request_id() -> str | None:
    """The id of the request being handled (None outside one: a job, a test calling a view)."""
    record = _current.get(None)
    return record.request_id if record else None


def note_tenant(tenant_id: str) -> None:
    """The request acts for this tenant (security.authenticated_requests notes it)."""
    record = _current.get(None)
    if record is not None:
        record.tenant = tenant_id
