"""The tenant's settings under /api/v1/settings; numbering today, the rest with the documents."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api.http import json_body, json_response
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import get_deps
from chalicelib.domain.settings import TenantSettings
from chalicelib.services import settings as service

settings = ApiBlueprint(__name__)


@settings.route("/settings", methods=["GET"])
def get_settings() -> Response:
    found = service.get_settings(actor=current_actor(), repo=get_deps().tenant_settings)
    return json_response(found.model_dump(mode="python", by_alias=True))


@settings.route("/settings", methods=["PUT"])
def replace_settings() -> Response:
    given = json_body(settings.current_request, TenantSettings)
    saved = service.replace_settings(given, actor=current_actor(), repo=get_deps().tenant_settings)
    return json_response(saved.model_dump(mode="python", by_alias=True))
