"""Every request is authenticated here, in the app's own code, before any view runs: Chalice's
built-in authorizers are not enforced by `chalice local` or its test client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import TypedDict

from chalice.app import Request, Response

from chalicelib.api.http import if_match
from chalicelib.api.problems import chalice_error_as_problem, domain_problem
from chalicelib.api.request_record import note_tenant
from chalicelib.bootstrap import use_cases
from chalicelib.domain.errors import DomainError
from chalicelib.domain.values import Actor

# Liveness, and the API's own description and the page rendering it: nothing of any tenant.
PUBLIC_PATHS = frozenset({"/health", "/openapi.json", "/docs", "/docs/{asset}"})

_current_actor: ContextVar[Actor] = ContextVar("current_actor")


def current_actor() -> Actor:
    """The verified caller of the request being handled."""
    return _current_actor.get()


@contextmanager
def acting_for_request(request: str) -> Iterator[None]:
    """The caller, for the rest of the request, as the author of the retryable write `request`
    names (Actor.request)."""
    token = _current_actor.set(replace(current_actor(), request=request))
    try:
        yield
    finally:
        _current_actor.reset(token)


class WriteContext(TypedDict):
    actor: Actor
    expected_version: int | None


def write_context(request: Request) -> WriteContext:
    """Who changes an invoice, and the version their If-Match pins (if any)."""
    return {"actor": current_actor(), "expected_version": if_match(request)}


def credentials(request: Request) -> list[str]:
    """Credentials as the documented clients send them: `Authorization: Bearer <token>`,
    `Authorization: <api key>` or `x-api-key: <api key>`."""
    found = []
    authorization = (request.headers.get("authorization") or "").strip()
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() == "bearer":
        found.append(rest.strip())
    elif authorization:
        found.append(authorization)
    api_key = (request.headers.get("x-api-key") or "").strip()
    if api_key:
        found.append(api_key)
    return [credential for credential in found if credential]


def authenticated_requests(
    request: Request, get_response: Callable[[Request], Response]
) -> Response:
    """Chalice HTTP middleware: authenticate, run the view, and keep every error in our body."""
    if request.context.get("resourcePath") in PUBLIC_PATHS:
        return chalice_error_as_problem(get_response(request))
    try:
        actor = use_cases().guards.authenticate(credentials(request))
    except DomainError as exc:
        return domain_problem(exc)
    note_tenant(actor.tenant_id)
    token = _current_actor.set(actor)
    try:
        return chalice_error_as_problem(get_response(request))
    finally:
        _current_actor.reset(token)
