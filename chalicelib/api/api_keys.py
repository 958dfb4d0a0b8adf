"""The tenant's API keys under /api/v1/api-keys: list them (never a key nor its hash), create one
(the key is answered this once) and revoke one, which answers 401 from that moment on."""

from __future__ import annotations

from typing import Annotated, TypedDict

from chalice.app import Response
from pydantic import Field

from chalicelib.api.http import body_bytes, json_body, json_response, no_content
from chalicelib.api.operations import (
    Operation,
    json_answer,
    json_request,
    no_content_answer,
)
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.domain.commands import Command
from chalicelib.domain.values import DateTimeText, format_timestamp
from chalicelib.ports import ApiKeyRecord

api_keys = ApiBlueprint(__name__)


class ApiKeyInput(Command):
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class ApiKeyAnswer(TypedDict):
    """A key as listed: never the key itself nor its hash."""

    id: str
    name: str | None
    hint: str | None  # the last characters of the key; none for keys made before it was kept
    created: DateTimeText
    createdBy: str
    lastUsedAt: DateTimeText | None


class NewApiKeyAnswer(ApiKeyAnswer):
    key: str  # answered this once


def api_key_json(record: ApiKeyRecord) -> ApiKeyAnswer:
    last_used = record.last_used_at
    return {
        "id": record.key_id,
        "name": record.name,
        "hint": record.hint,
        "created": format_timestamp(record.created),
        "createdBy": record.created_by,
        "lastUsedAt": format_timestamp(last_used) if last_used else None,
    }


@api_keys.route(
    "/api-keys",
    methods=["GET"],
    operation=Operation(
        "listApiKeys",
        "List the tenant's API keys",
        (json_answer(200, "Every key of the tenant", list[ApiKeyAnswer]),),
    ),
)
def list_api_keys() -> Response:
    found = use_cases().api_keys.list(actor=current_actor())
    return json_response([api_key_json(record) for record in found])


@api_keys.route(
    "/api-keys",
    methods=["POST"],
    operation=Operation(
        "createApiKey",
        "Create an API key",
        (
            json_answer(
                201, "The new key, with the key itself, answered this once", NewApiKeyAnswer
            ),
        ),
        refuses=(400, 413),
        body=json_request(ApiKeyInput, "Its name (optional, as is the body)", required=False),
    ),
)
def create_api_key() -> Response:
    request = api_keys.current_request
    given = json_body(request, ApiKeyInput) if body_bytes(request).strip() else ApiKeyInput()
    actor = current_actor()
    key, record = use_cases().api_keys.create(
        actor.tenant_id, created_by=actor.user_id, name=given.name, request=actor.request
    )
    answer: NewApiKeyAnswer = {**api_key_json(record), "key": key}
    return json_response(answer, status=201)


@api_keys.route(
    "/api-keys/{keyId}",
    methods=["DELETE"],
    operation=Operation(
        "revokeApiKey",
        "Revoke an API key",
        (no_content_answer("Revoked: the key answers 401 from now on"),),
        refuses=(404,),
    ),
)
def revoke_api_key(keyId: str) -> Response:
    use_cases().api_keys.revoke(keyId, actor=current_actor())
    return no_content()
