"""The tenant's API keys under /api/v1/api-keys: list them (never a key nor its hash), create one
(the key is answered this once) and revoke one, which answers 401 from that moment on."""

from __future__ import annotations

from typing import Annotated, Any

from chalice.app import Response
from pydantic import Field

from chalicelib.api.http import body_bytes, json_body, json_response, no_content
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import get_deps
from chalicelib.domain.commands import Command
from chalicelib.domain.values import format_timestamp
from chalicelib.services import authentication as service
from chalicelib.services.ports import ApiKeyRecord

api_keys = ApiBlueprint(__name__)


class ApiKeyInput(Command):
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None


def api_key_json(record: ApiKeyRecord) -> dict[str, Any]:
    last_used = record.last_used_at
    return {
        "id": record.key_id,
        "name": record.name,
        "hint": record.hint,
        "created": format_timestamp(record.created),
        "createdBy": record.created_by,
        "lastUsedAt": format_timestamp(last_used) if last_used else None,
    }


@api_keys.route("/api-keys", methods=["GET"])
def list_api_keys() -> Response:
    found = service.list_api_keys(actor=current_actor(), repo=get_deps().api_keys)
    return json_response([api_key_json(record) for record in found])


@api_keys.route("/api-keys", methods=["POST"])
def create_api_key() -> Response:
    request = api_keys.current_request
    given = json_body(request, ApiKeyInput) if body_bytes(request).strip() else ApiKeyInput()
    deps, actor = get_deps(), current_actor()
    key, record = service.new_api_key(
        actor.tenant_id,
        created_by=actor.user_id,
        repo=deps.api_keys,
        clock=deps.ports.clock,
        name=given.name,
        request=actor.request,
    )
    return json_response({**api_key_json(record), "key": key}, status=201)


@api_keys.route("/api-keys/{keyId}", methods=["DELETE"])
def revoke_api_key(keyId: str) -> Response:
    service.revoke_api_key(keyId, actor=current_actor(), repo=get_deps().api_keys)
    return no_content()
