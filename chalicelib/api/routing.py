"""A Chalice Blueprint whose views answer domain and HTTP errors in the documented error body, and
whose routes declare what they take and answer (operations.py), for the spec built from them."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import Blueprint, Response

from chalicelib.api.operations import Operation
from chalicelib.api.problems import HttpError, domain_problem, http_problem
from chalicelib.domain.errors import DomainError

View = TypeVar("View", bound=Callable[..., Response])

# Each registered view (as Chalice's route table holds it) by the operation its route declares.
_OPERATIONS: dict[Callable[..., Any], Operation] = {}


def declared_operation(view: Callable[..., Any]) -> Operation | None:
    """The operation the route serving `view` declared; None for a route declared without one."""
    return _OPERATIONS.get(view)


class ApiBlueprint(Blueprint):
    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self.import_name = import_name
        # The spec groups operations by blueprint: chalicelib.api.api_keys is "api-keys".
        self.tag = import_name.rsplit(".", 1)[-1].replace("_", "-")

    def route(
        self, path: str, *, operation: Operation | None = None, **kwargs: Any
    ) -> Callable[[View], View]:
        register = super().route(path, **kwargs)

        def decorator(view: View) -> View:
            registered = _answering_errors(view)
            if operation is not None:
                _OPERATIONS[registered] = operation.declared_by(
                    self.import_name, self.tag, inspect.getdoc(view)
                )
            register(registered)
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
