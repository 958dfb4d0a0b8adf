"""What a route takes and answers, declared where the route is (`ApiBlueprint.route(...,
operation=...)`) with the types its handler reads and writes, so GET /openapi.json is built from
them and cannot drift from what is served (chalicelib/api/openapi/, decision 0038).

Plain data that names types: nothing here builds a schema, so declaring costs a cold start
nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

JSON = "application/json"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class Param:
    """A query parameter: its name as sent, and the type its value is read as."""

    name: str
    type: Any
    description: str
    required: bool = False


@dataclass(frozen=True)
class Body:
    """The request body: the type each media type is read as."""

    content: Mapping[str, Any]
    description: str
    required: bool = True


@dataclass(frozen=True)
class Answer:
    """One status an operation answers when it succeeds (refusals answer the error body): the type
    of its body by media type (none: no body), and the headers it always or may carry."""

    status: int
    description: str
    content: Mapping[str, Any] = field(default_factory=dict)
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Operation:
    """`id` is the operationId clients name their functions by: stable once published.
    `refuses` lists the error statuses the handler and its use case answer; those every
    route shares (401, 415, 503, and a write's Idempotency-Key answers) are added by the spec
    itself. `if_match`: the route honours If-Match (and so answers 412)."""

    id: str
    summary: str
    answers: tuple[Answer, ...]
    refuses: tuple[int, ...] = ()
    body: Body | None = None
    query: tuple[Param, ...] = ()
    if_match: bool = False
    description: str | None = None
    module: str = ""  # the blueprint's, whose docstring describes its tag
    tag: str = ""

    def declared_by(self, module: str, tag: str, description: str | None) -> Operation:
        """As a blueprint registers it: under its tag, described by its view's docstring."""
        return replace(self, module=module, tag=tag, description=self.description or description)


def json_request(type_: Any, description: str, *, required: bool = True) -> Body:
    return Body({JSON: type_}, description, required)


def json_answer(status: int, description: str, type_: Any, *headers: str) -> Answer:
    return Answer(status, description, {JSON: type_}, headers)


def no_content_answer(description: str) -> Answer:
    return Answer(204, description)
