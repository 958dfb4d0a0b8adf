"""How app.py wires the API without importing it (decision 0046): each blueprint's routes are
registered from the committed route table (route_table.json, written by route_table.py from the
modules' own `route(...)` declarations) with a stand-in view that loads the module holding the real
one on its first call, and each middleware as a stand-in that loads its module likewise. So a cold
start imports chalice and this module; a request imports what it uses.

Light on purpose: the standard library and chalice only."""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from chalice.app import Blueprint, Chalice, Request, Response

if TYPE_CHECKING:
    from chalicelib.api.routing import ApiBlueprint

ROUTE_TABLE = Path(__file__).with_name("route_table.json")

Middleware = Callable[[Request, Callable[[Request], Response]], Response]


class RouteDeclaration(NamedTuple):
    """A route as its module declares it: the path within its blueprint, its view's name, the
    keywords Chalice's `route()` takes (methods, content_types), and the view's docstring, which
    `chalice package` puts in the API Gateway definition."""

    path: str
    view: str
    kwargs: Mapping[str, Any]
    doc: str | None


class BlueprintEntry(NamedTuple):
    """One module's blueprint in the route table: the name it is bound to, and its routes."""

    blueprint: str
    routes: tuple[RouteDeclaration, ...]


# Each stand-in registered with an app, with what loads the real view it stands for.
_STAND_INS: dict[Callable[..., Any], Callable[[], Callable[..., Response]]] = {}
_MIDDLEWARE: list[Callable[[], Middleware]] = []


@functools.cache
def route_table() -> dict[str, BlueprintEntry]:
    """The committed table, by module name."""
    table: dict[str, Any] = json.loads(ROUTE_TABLE.read_text(encoding="utf-8"))
    return {module: entry_from_json(entry) for module, entry in table.items()}


def entry_from_json(entry: Mapping[str, Any]) -> BlueprintEntry:
    routes = tuple(
        RouteDeclaration(r["path"], r["view"], r["kwargs"], r["doc"]) for r in entry["routes"]
    )
    return BlueprintEntry(entry["blueprint"], routes)


def register_routes(app: Chalice, module: str, url_prefix: str | None = None) -> None:
    """Register `module`'s routes with `app` as its blueprint would, with stand-in views:
    the same paths, methods, content types, view names and docstrings."""
    try:
        entry = route_table()[module]
    except KeyError:
        raise LookupError(f"{module} is not in {ROUTE_TABLE.name}: run `make routes`") from None
    stand_ins = Blueprint(module)
    for route in entry.routes:
        view = _stand_in(stand_ins, module, entry.blueprint, route)
        stand_ins.route(route.path, **route.kwargs)(view)
    app.register_blueprint(stand_ins, url_prefix=url_prefix)


def _stand_in(
    stand_ins: Blueprint, module: str, blueprint: str, route: RouteDeclaration
) -> Callable[..., Response]:
    @functools.cache
    def load() -> Callable[..., Response]:
        real: ApiBlueprint = getattr(importlib.import_module(module), blueprint)
        real.bind(stand_ins.current_app)
        return real.views[route.view]

    def view(*args: Any, **kwargs: Any) -> Response:
        return load()(*args, **kwargs)

    view.__name__ = view.__qualname__ = route.view
    view.__module__ = module
    view.__doc__ = route.doc
    _STAND_INS[view] = load
    return view


def resolved_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """The real view a stand-in stands for (loading its module), or `view` itself."""
    load = _STAND_INS.get(view)
    return view if load is None else load()


def lazy_middleware(module: str, name: str) -> Middleware:
    """Middleware that imports `module` on its first request and hands each request to `name`
    there; it keeps the real one's name (app.middleware_handlers reads the same)."""

    @functools.cache
    def load() -> Middleware:
        real: Middleware = getattr(importlib.import_module(module), name)
        return real

    def middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
        return load()(request, get_response)

    middleware.__name__ = middleware.__qualname__ = name
    middleware.__module__ = module
    _MIDDLEWARE.append(load)
    return middleware


def load_all() -> set[str]:
    """Load every module the stand-ins registered so far defer (SnapStart's before-snapshot hook,
    so a restored environment's first request imports nothing); their names."""
    return {load().__module__ for load in [*_MIDDLEWARE, *_STAND_INS.values()]}
