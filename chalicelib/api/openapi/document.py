"""The OpenAPI document: one operation for each route of Chalice's route table (the table that
serves requests), from the operation the route declares (operations.py), with the schemas of the
models its handler validates and answers with. Written with openapi-pydantic's object model."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from chalice.app import Chalice
from openapi_pydantic import (
    Components,
    Example,
    Header,
    Info,
    MediaType,
    OpenAPI,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Response,
    Schema,
    SecurityScheme,
    Server,
    Tag,
)

from chalicelib.api import operations
from chalicelib.api.idempotency import (
    READ_ONLY_ROUTES,
    REPLAYED_HEADER,
    UNKEPT_ROUTES,
    WRITE_METHODS,
)
from chalicelib.api.observability import REQUEST_ID_HEADER
from chalicelib.api.openapi import examples, parts
from chalicelib.api.openapi.links import LinkTable
from chalicelib.api.openapi.schemas import Mode, SchemaSet
from chalicelib.api.problems import ProblemBody
from chalicelib.api.routing import declared_operation
from chalicelib.api.security import PUBLIC_PATHS

TITLE = "Invoicing API"
VERSION = "v1"
DESCRIPTION = (
    "A multi-tenant invoicing API: the native invoice API under /api/v1, and other invoicing"
    " products' endpoints under /compat/<vendor>, each as that product documents it. Every"
    " error answers `{title, detail, time}`, and `errors` for the fields at fault. Amounts are"
    " exact JSON numbers."
)

# Relative to where the document is read (RFC 3986): under a stage prefix (/prod/openapi.json)
# or behind a proxy, every path is the deployment's own, so the reference page's "Try it out"
# calls the API that served it.
SERVED_HERE = Server(url=".", description="The deployment that serves this document")


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    operation: operations.Operation

    @property
    def public(self) -> bool:
        return self.path in PUBLIC_PATHS

    @property
    def idempotent(self) -> bool:
        """A write that an Idempotency-Key makes safe to retry (idempotency.idempotent_writes)."""
        return (
            self.method in WRITE_METHODS and not self.public and self.path not in READ_ONLY_ROUTES
        )


def declared_routes(app: Chalice) -> Iterator[Route]:
    """Each route of the app with the operation it declares; those that declare none are left
    out (tests/integration/test_openapi.py fails on them)."""
    for path, by_method in app.routes.items():
        for method, entry in by_method.items():
            declared = declared_operation(entry.view_function)
            if declared is not None:
                yield Route(path, method, declared)


def openapi_document(app: Chalice) -> dict[str, Any]:
    routes = list(declared_routes(app))
    schemas = SchemaSet()
    schemas.add([(ProblemBody, "serialization")])
    for route in routes:
        schemas.add(_types_of(route.operation))
    schemas.build()
    links = LinkTable(routes)
    paths: dict[str, PathItem] = {}
    for route in routes:
        item = paths.setdefault(route.path, PathItem())
        setattr(item, route.method.lower(), _operation(route, schemas, links))
    document = OpenAPI(
        openapi="3.1.0",
        info=Info(title=TITLE, version=VERSION, description=DESCRIPTION),
        servers=[SERVED_HERE],
        paths=paths,
        components=_components(schemas, links),
        security=parts.ANY_CREDENTIAL,
        tags=_tags(routes),
    )
    return document.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)


def _components(schemas: SchemaSet, links: LinkTable) -> Components:
    return Components(
        schemas={
            name: Schema.model_validate(schema) for name, schema in schemas.components.items()
        },
        responses=_problem_responses(schemas),
        headers={name: Header.model_validate(spec) for name, spec in parts.HEADERS.items()},
        securitySchemes={
            name: SecurityScheme.model_validate(scheme)
            for name, scheme in parts.SECURITY_SCHEMES.items()
        },
        links=links.components(),
    )


def _types_of(operation: operations.Operation) -> Iterator[tuple[Any, Mode]]:
    for param in operation.query:
        yield param.type, "validation"
    if operation.body is not None:
        for type_ in operation.body.content.values():
            yield type_, "validation"
    for answer in operation.answers:
        for type_ in answer.content.values():
            yield type_, "serialization"


def _operation(route: Route, schemas: SchemaSet, links: LinkTable) -> Operation:
    declared = route.operation
    responses: dict[str, Response | Reference] = {
        str(answer.status): _answer(route, answer, schemas, links) for answer in declared.answers
    }
    for status in sorted(_refusals(route)):
        responses[str(status)] = _ref(f"#/components/responses/{status}")
    return Operation(
        tags=[declared.tag],
        summary=declared.summary,
        description=declared.description,
        operationId=declared.id,
        parameters=[
            *_path_parameters(route.path),
            *_query_parameters(declared, schemas),
            *_header_parameters(route),
        ],
        requestBody=_request_body(declared, schemas),
        responses=dict(sorted(responses.items())),
        security=[] if route.public else None,
    )


def _refusals(route: Route) -> set[int]:
    """What the operation refuses with: its own refusals, and those the route table and the
    middleware answer (a Content-Type it does not take; a credential; a store that is down;
    a malformed If-Match or Idempotency-Key, a key in progress or reused)."""
    statuses = {*route.operation.refuses, 415}
    if not route.public:
        statuses |= {401, 503}
    if route.operation.if_match:
        statuses |= {400, 412}
    if route.idempotent:
        statuses |= {400, 409} if route.path in UNKEPT_ROUTES else {400, 409, 422}
    return statuses


def _answer(
    route: Route, answer: operations.Answer, schemas: SchemaSet, links: LinkTable
) -> Response:
    names = list(answer.headers)
    if route.idempotent:
        names.append(REPLAYED_HEADER)
    names.append(REQUEST_ID_HEADER)  # every answer carries it (api/observability.py)
    return Response(
        description=answer.description,
        headers={name: _ref(f"#/components/headers/{name}") for name in names} or None,
        content=_content(
            answer.content,
            schemas,
            "serialization",
            examples.answered(route.operation.id, answer.status),
        )
        or None,
        links=links.from_answer(route.operation.id, answer) or None,
    )


def _content(
    content: Mapping[str, Any],
    schemas: SchemaSet,
    mode: Mode,
    found: dict[str, dict[str, Example]],
) -> dict[str, MediaType]:
    return {
        media_type: MediaType.model_validate(
            {"schema": _schema(schemas.schema(type_, mode)), "examples": found.get(media_type)}
        )
        for media_type, type_ in content.items()
    }


def _request_body(declared: operations.Operation, schemas: SchemaSet) -> RequestBody | None:
    if declared.body is None:
        return None
    return RequestBody(
        description=declared.body.description,
        content=_content(
            declared.body.content, schemas, "validation", examples.requested(declared.id)
        ),
        required=declared.body.required,
    )


def _path_parameters(path: str) -> list[Parameter]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        Parameter.model_validate(
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        )
        for name in names
    ]


def _query_parameters(declared: operations.Operation, schemas: SchemaSet) -> list[Parameter]:
    return [
        Parameter.model_validate(
            {
                "name": param.name,
                "in": "query",
                "description": param.description,
                "required": param.required,
                "schema": schemas.schema(param.type, "validation"),
            }
        )
        for param in declared.query
    ]


def _header_parameters(route: Route) -> list[Parameter]:
    headers = []
    if route.idempotent:
        headers.append(parts.IDEMPOTENCY_KEY)
    if route.operation.if_match:
        headers.append(parts.IF_MATCH)
    return [Parameter.model_validate(header) for header in headers]


def _problem_responses(schemas: SchemaSet) -> dict[str, Response | Reference]:
    problem = schemas.schema(ProblemBody, "serialization")
    return {
        str(status): Response(
            description=meaning,
            headers={
                name: _ref(f"#/components/headers/{name}")
                for name in (*parts.REFUSAL_HEADERS.get(status, ()), REQUEST_ID_HEADER)
            },
            content={
                "application/json": MediaType.model_validate(
                    {"schema": _schema(problem), "examples": examples.problem()}
                )
            },
        )
        for status, meaning in parts.REFUSALS.items()
    }


def _tags(routes: list[Route]) -> list[Tag]:
    """One tag per blueprint, in the order the app registers them, described by its module's
    docstring."""
    described: dict[str, str | None] = {}
    for route in routes:
        module = sys.modules.get(route.operation.module)
        doc = (module.__doc__ or "") if module is not None else ""
        described.setdefault(route.operation.tag, " ".join(doc.split()) or None)
    return [Tag(name=name, description=doc) for name, doc in described.items()]


def _schema(schema: dict[str, Any]) -> Schema | Reference:
    if set(schema) == {"$ref"}:
        return _ref(schema["$ref"])
    return Schema.model_validate(schema)


def _ref(target: str) -> Reference:
    return Reference.model_validate({"$ref": target})
