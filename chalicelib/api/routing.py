"""A Chalice Blueprint whose views answer domain and HTTP errors in the documented error body, and
whose routes declare what they take and answer (operations.py), for the spec built from them.

The app does not register these blueprints: it registers stand-ins built from the route table
(wiring.py, route_table.py) and binds the real one to itself when a route first needs it."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import Blueprint, Chalice, Response

from chalicelib.api import wiring
from chalicelib.api.operations import Operation
from chalicelib.api.problems import HttpError, domain_problem, http_problem
from chalicelib.domain.errors import DomainError

View = TypeVar("View", bound=Callable[..., Response])

# Each registered view (as Chalice's route table holds it) by the operation its route declares.
_OPERATIONS: dict[Callable[..., Any], Operation] = {}


def declared_operation(view: Callable[..., Any]) -> Operation | None:
    """The operation the route serving `view` declared; None for a route declared without one.
    `view` may be the app's stand-in for it (wiring.py): the real one is loaded to be asked."""
    return _OPERATIONS.get(wiring.resolved_view(view))


class ApiBlueprint(Blueprint):
    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self.import_name = import_name
        # The spec groups operations by blueprint: chalicelib.api.api_keys is "api-keys".
        self.tag = import_name.rsplit(".", 1)[-1].replace("_", "-")
        # What route_table.py writes down: each route as declared, in order, and its view as
        # the app's stand-in calls it (answering errors), by the view's name.
        self.declared: list[wiring.RouteDeclaration] = []
        self.views: dict[str, Callable[..., Response]] = {}

    def bind(self, app: Chalice) -> None:
        """Serve `app`'s requests (current_request, current_app) without registering routes
        with it: the app already holds the stand-ins the route table declared."""
        self._current_app = app

    def route(
        self, path: str, *, operation: Operation | None = None, **kwargs: Any
    ) -> Callable[[View], View]:
        register = super().route(path, **kwargs)

        def decorator(view: View) -> View:
            if view.__name__ in self.views:  # the route table finds a view by its name
                raise ValueError(f"{self.import_name}: a second view named {view.__name__}")
            registered = _answering_errors(view)
            if operation is not None:
                _OPERATIONS[registered] = operation.declared_by(
                    self.import_name, self.tag, inspect.getdoc(view)
                )
            register(registered)
            self.declared.append(
                wiring.RouteDeclaration(path, registered.__name__, kwargs, inspect.getdoc(view))
            )
            self.views[registered.__name__] = registered
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
