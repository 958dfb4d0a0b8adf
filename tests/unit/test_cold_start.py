"""What a cold start imports (issue 19, decision 0046), checked without timing anything: importing
the app, or the module Lambda loads for the job functions, loads neither pydantic nor the domain,
the use cases or the store, nor any module that only some requests need. Routes are registered
from the committed route table as stand-ins (chalicelib/api/wiring.py); the table must be what
the modules declare, and every stand-in must reach a view that declares its operation."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from chalicelib.api.route_table import built_table, table_text
from chalicelib.api.routing import ApiBlueprint, declared_operation
from chalicelib.api.wiring import ROUTE_TABLE, resolved_view, route_table
from chalicelib.runtime import snapstart
from invoicing_cli.local import PROJECT_DIR

# Imported by the first request or run that needs them, never by the import Lambda makes.
LOADED_ON_FIRST_USE = (
    # the models and what is built from them; Powertools' logger and metrics
    "pydantic",
    "pydantic_core",
    "chalicelib.domain",
    "chalicelib.services",
    "chalicelib.store",
    "chalicelib.bootstrap",
    "chalicelib.api.routing",
    "aws_lambda_powertools",
    # jwt (and cryptography) to verify a bearer token, email_validator to check an address,
    # fpdf2, fontTools, PIL and jinja2 to render, openapi-pydantic to describe the API,
    # pydantic-settings and uuid6 on first use
    "jwt",
    "cryptography",
    "email_validator",
    "fpdf",
    "fontTools",
    "PIL",
    "jinja2",
    "openapi_pydantic",
    "pydantic_settings",
    "uuid6",
    "aws_xray_sdk",
)

_IMPORTED_BY = """
import json, sys
{statement}
print(json.dumps(sorted(sys.modules)))
"""


def imported_by(statement: str) -> list[str]:
    """The modules a fresh process has loaded once it ran `statement`."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTED_BY.format(statement=statement)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    modules: list[str] = json.loads(done.stdout)
    return modules


def loaded_early(modules: list[str]) -> list[str]:
    return sorted(
        {
            name
            for name in LOADED_ON_FIRST_USE
            for loaded in modules
            if loaded == name or loaded.startswith(f"{name}.")
        }
    )


@pytest.mark.parametrize("module", ["app", "chalicelib.jobs.handlers"])
def test_importing_a_function_loads_nothing_only_its_requests_need(module: str) -> None:
    assert loaded_early(imported_by(f"import {module}")) == []


def test_before_a_snapshot_everything_a_first_request_imports_is_loaded() -> None:
    """SnapStart's hook: a restored environment's first request imports nothing more."""
    loaded = imported_by(
        "import app\nfrom chalicelib.runtime import snapstart\nsnapstart.load_deferred()"
    )
    wanted = [
        *route_table(),
        "chalicelib.api.observability",
        "chalicelib.api.security",
        "chalicelib.api.idempotency",
        *snapstart.DEFERRED_MODULES,
    ]
    assert [name for name in wanted if name not in loaded] == []


def test_the_route_table_is_what_the_api_modules_declare() -> None:
    """After adding, removing or changing a route: `make routes`."""
    assert ROUTE_TABLE.read_text(encoding="utf-8") == table_text(built_table())


def test_every_module_of_the_route_table_is_wired_into_the_app() -> None:
    from app import app

    wired = {entry.view_function.__module__ for by in app.routes.values() for entry in by.values()}
    assert wired == set(route_table())


def test_every_route_reaches_a_view_that_declares_its_operation() -> None:
    from app import app

    undeclared = [
        f"{method} {path}"
        for path, by_method in app.routes.items()
        for method, entry in by_method.items()
        if declared_operation(entry.view_function) is None
    ]
    assert undeclared == []


def test_a_stand_in_binds_its_blueprint_to_the_app_it_serves() -> None:
    from app import app

    entry = app.routes["/health"]["GET"]
    real = resolved_view(entry.view_function)
    module = sys.modules[real.__module__]
    (blueprint,) = [v for v in vars(module).values() if isinstance(v, ApiBlueprint)]
    assert blueprint.views[entry.view_name] is real
    assert blueprint.current_app is app
    assert entry.view_function.__doc__ == real.__doc__
