"""The tenant's settings under /api/v1/settings, and their logo; answered with their version as
the ETag, and changed only over the version an If-Match names, when it names one."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api.documents import MULTIPART, uploads_in
from chalicelib.api.http import if_match, json_body, json_response
from chalicelib.api.multipart import parse_form
from chalicelib.api.problems import invalid_request
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import get_deps
from chalicelib.domain.errors import FieldProblem
from chalicelib.domain.settings import TenantSettings
from chalicelib.services import settings as service
from chalicelib.services.ports import StoredSettings

settings = ApiBlueprint(__name__)


def settings_response(stored: StoredSettings) -> Response:
    body = stored.settings.model_dump(mode="python", by_alias=True)
    return json_response(body, headers={"ETag": f'"{stored.version}"'})


@settings.route("/settings", methods=["GET"])
def get_settings() -> Response:
    found = service.get_settings(actor=current_actor(), repo=get_deps().tenant_settings)
    return settings_response(found)


@settings.route("/settings", methods=["PUT"])
def replace_settings() -> Response:
    request = settings.current_request
    given = json_body(request, TenantSettings)
    saved = service.replace_settings(
        given,
        actor=current_actor(),
        repo=get_deps().tenant_settings,
        expected_version=if_match(request),
    )
    return settings_response(saved)


@settings.route("/settings/logo", methods=["PUT"], content_types=MULTIPART)
def put_logo() -> Response:
    request = settings.current_request
    form = parse_form(request, max_files=1, max_bytes=service.MAX_LOGO_BYTES)
    files = uploads_in(form, "file")
    if len(files) != 1:
        raise invalid_request(FieldProblem("file", "send the logo as one file part named file"))
    saved = service.set_logo(
        files[0],
        actor=current_actor(),
        ports=get_deps().document_ports,
        expected_version=if_match(request),
    )
    return settings_response(saved)


@settings.route("/settings/logo", methods=["DELETE"])
def delete_logo() -> Response:
    saved = service.remove_logo(
        actor=current_actor(),
        repo=get_deps().tenant_settings,
        expected_version=if_match(settings.current_request),
    )
    return settings_response(saved)
