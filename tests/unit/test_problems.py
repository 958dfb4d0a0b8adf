"""Every domain error a use case can raise has an HTTP status and leaves in the documented body."""

from __future__ import annotations

import json

import pytest

from chalicelib.api.problems import STATUS_OF, domain_problem
from chalicelib.domain import errors
from chalicelib.domain.errors import DomainError


def _all_subclasses(kind: type[DomainError]) -> list[type[DomainError]]:
    return [sub for direct in kind.__subclasses__() for sub in (direct, *_all_subclasses(direct))]


@pytest.mark.parametrize("kind", _all_subclasses(DomainError), ids=lambda k: k.__name__)
def test_every_domain_error_maps_to_a_status(kind: type[DomainError]) -> None:
    assert any(issubclass(kind, mapped) for mapped, _ in STATUS_OF), kind


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.PreconditionFailedError("inv-1", 1, 2), 412),
        (errors.IdempotencyKeyReusedError(), 422),
        (errors.RequestInProgressError(), 409),
        (errors.InvoiceNotFoundError(["inv-1"]), 404),
        (errors.TemporarilyUnavailableError("busy"), 503),
    ],
)
def test_a_domain_error_answers_its_status_in_the_documented_body(
    error: DomainError, status: int
) -> None:
    response = domain_problem(error)
    body = json.loads(response.body)
    assert response.status_code == status
    assert set(body) == {"title", "detail", "time"}
    assert body["detail"] == str(error)
