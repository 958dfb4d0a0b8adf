"""A Chalice Blueprint whose views answer domain and HTTP errors in the documented error body."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import Blueprint, Response

from chalicelib.api.problems import HttpError, domain_problem, http_problem
from chalicelib.domain.errors import DomainError

View = TypeVar("View", bound=Callable[..., Response])


class ApiBlueprint(Blueprint):
    def route(self, path: str, **kwargs: Any) -> Callable[[View], View]:
        register = super().route(path, **kwargs)

        def decorator(view: View) -> View:
            register(_answering_errors(view))
            return view

        return decorator


def _answering_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    @functools.wraps(view)
    def answer(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            return domain_problem(exc)
        except HttpError as exc:
            return http_problem(exc)

    return answer
