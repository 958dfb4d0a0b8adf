"""What GET /openapi.json promises of an answer, checked on a real one: its status is one the
operation documents, its Content-Type one that status documents, its body valid against that
media type's schema, and every header the document says is required is there. The checks a
contract fuzzer makes (Schemathesis' status, content-type, header and schema conformance)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.support import Api, Reply


def spec_of(api: Api) -> dict[str, Any]:
    """The OpenAPI document the app serves."""
    reply = api.get("/openapi.json")
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"] == "application/json"
    document: dict[str, Any] = reply.json()
    return document


def checked_tenant(tenant: str, user: str) -> Any:
    """A fixture named `tenant`: the app as that tenant's `user`, every answer checked against
    the OpenAPI document (read once per test, and shared by its tenants: conftest's
    `conformance`)."""

    @pytest.fixture(name=tenant)
    def checked(api: Api, conformance: Conformance) -> CheckedApi:
        return CheckedApi(api.as_tenant(tenant, user=user), conformance)

    return checked


def _pattern(template: str) -> re.Pattern[str]:
    parts = ("[^/]+" if part.startswith("{") else re.escape(part) for part in template.split("/"))
    return re.compile("^" + "/".join(parts) + "$")


class Conformance:
    """The document, and a way to find the operation a request reaches."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._routes = [(_pattern(path), path) for path in spec["paths"]]

    def operation(self, method: str, path: str) -> dict[str, Any]:
        """The operation serving `path` (a concrete path, its query left out): of the routes
        that match, the one with most literal segments, as API Gateway picks."""
        bare = path.split("?", 1)[0]
        matches = [
            template
            for pattern, template in self._routes
            if pattern.match(bare) and method.lower() in self.spec["paths"][template]
        ]
        assert matches, f"no operation documents {method} {bare}"
        best = max(matches, key=lambda t: sum(1 for p in t.split("/") if not p.startswith("{")))
        operation: dict[str, Any] = self.spec["paths"][best][method.lower()]
        return operation

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def check(self, method: str, path: str, reply: Reply) -> None:
        operation = self.operation(method, path)
        where = f"{method} {path} answered {reply.status}"
        responses = operation["responses"]
        assert str(reply.status) in responses, f"{where}, which it does not document"
        response = self.resolve(responses[str(reply.status)])
        for name, header in (response.get("headers") or {}).items():
            if self.resolve(header).get("required"):
                assert _header(reply, name) is not None, f"{where} without its {name} header"
        content = response.get("content") or {}
        if not reply.body:
            assert not content or reply.status == 204, f"{where} with no body"
            return
        media_type = (_header(reply, "Content-Type") or "").split(";")[0].strip()
        assert media_type in content, f"{where} as {media_type}, which it does not document"
        if media_type == "application/json" or media_type.startswith("text/"):
            body = _parsed(reply.body, media_type)
            schema = {**content[media_type]["schema"], "components": self.spec["components"]}
            errors = sorted(
                Draft202012Validator(
                    schema, format_checker=Draft202012Validator.FORMAT_CHECKER
                ).iter_errors(body),
                key=lambda e: list(e.absolute_path),
            )
            assert not errors, f"{where}: " + "; ".join(
                f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5]
            )


def _parsed(body: bytes, media_type: str) -> Any:
    if media_type == "application/json":
        return json.loads(body, parse_float=Decimal)
    return body.decode()


def _header(reply: Reply, name: str) -> str | None:
    return next((v for k, v in reply.headers.items() if k.lower() == name.lower()), None)


class CheckedApi:
    """Calls the app as `api` does, and checks each answer against the document."""

    def __init__(self, api: Api, conformance: Conformance) -> None:
        self.api = api
        self.conformance = conformance

    def request(self, method: str, path: str, json_body: Any = None, **kwargs: Any) -> Reply:
        reply = self.api.request(method, path, json_body, **kwargs)
        self.conformance.check(method, path, reply)
        return reply

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, json_body, **kwargs)

    def put(self, path: str, json_body: Any = None, **kwargs: Any) -> Reply:
        return self.request("PUT", path, json_body, **kwargs)

    def patch(self, path: str, json_body: Any = None, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, json_body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)
