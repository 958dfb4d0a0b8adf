"""Writes route_table.json, what app.py registers its routes from (wiring.py), from the routes the
API modules declare (`ApiBlueprint.route`), the one place each route is declared. The table is
committed like a lock: tests/unit/test_cold_start.py fails when it differs from what the modules
declare, and `make routes` (`invoicing routes`) writes it again."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import chalicelib.api
import chalicelib.api.compat
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.wiring import ROUTE_TABLE, RouteDeclaration

PACKAGES = (chalicelib.api, chalicelib.api.compat)


def built_table() -> dict[str, Any]:
    """Each module of PACKAGES that declares an ApiBlueprint: the blueprint's name there and its
    routes, in the order declared (the app registers them in that order)."""
    table: dict[str, Any] = {}
    for package in PACKAGES:
        for found in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if found.ispkg:
                continue
            name = f"{package.__name__}.{found.name}"
            module = importlib.import_module(name)
            owned = [
                (attr, value)
                for attr, value in vars(module).items()
                if isinstance(value, ApiBlueprint) and value.import_name == name
            ]
            if not owned:
                continue
            ((attr, blueprint),) = owned
            table[name] = {"blueprint": attr, "routes": [_route(r) for r in blueprint.declared]}
    return table


def _route(route: RouteDeclaration) -> dict[str, Any]:
    as_json = {**route._asdict(), "kwargs": dict(route.kwargs)}
    if json.loads(json.dumps(as_json)) != as_json:  # a CORSConfig or an authorizer, say
        raise TypeError(f"{route.view}: route() keywords the table cannot hold: {route.kwargs}")
    return as_json


def table_text(table: dict[str, Any]) -> str:
    """JSON with a line per route, so a diff shows the routes that changed."""
    modules = []
    for name, entry in table.items():
        routes = ",\n".join(f"    {json.dumps(r, ensure_ascii=False)}" for r in entry["routes"])
        head = f'  {json.dumps(name)}: {{"blueprint": {json.dumps(entry["blueprint"])}, "routes": ['
        modules.append(f"{head}\n{routes}\n  ]}}")
    return "{\n" + ",\n".join(modules) + "\n}\n"


def write() -> bool:
    """Write the table; whether it changed."""
    text = table_text(built_table())
    if ROUTE_TABLE.exists() and ROUTE_TABLE.read_text(encoding="utf-8") == text:
        return False
    ROUTE_TABLE.write_text(text, encoding="utf-8")
    return True
