"""The tenant's settings under /api/v1/settings, and their logo; answered with their version as
the ETag, and changed only over the version an If-Match names, when it names one."""

from __future__ import annotations

from typing import TypedDict

from chalice.app import Response

from chalicelib.api.documents import MULTIPART_ONLY, FilePart, uploads_in
from chalicelib.api.http import if_match, json_body, json_response
from chalicelib.api.multipart import parse_form
from chalicelib.api.operations import MULTIPART, Body, Operation, json_answer, json_request
from chalicelib.api.problems import invalid_request
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.domain.errors import FieldProblem
from chalicelib.domain.settings import TenantSettings
from chalicelib.ports import StoredSettings
from chalicelib.services import settings as service

settings = ApiBlueprint(__name__)

SETTINGS = json_answer(200, "The settings, their version as the ETag", TenantSettings, "ETag")


class LogoForm(TypedDict):
    file: FilePart  # PNG or JPEG


def settings_response(stored: StoredSettings) -> Response:
    body = stored.settings.model_dump(mode="python", by_alias=True)
    return json_response(body, headers={"ETag": f'"{stored.version}"'})


@settings.route(
    "/settings",
    methods=["GET"],
    operation=Operation("getSettings", "Read the tenant's settings", (SETTINGS,)),
)
def get_settings() -> Response:
    found = use_cases().settings.get(actor=current_actor())
    return settings_response(found)


@settings.route(
    "/settings",
    methods=["PUT"],
    operation=Operation(
        "replaceSettings",
        "Replace the tenant's settings (the logo stays)",
        (SETTINGS,),
        refuses=(400, 409, 413),
        body=json_request(TenantSettings, "Every setting; one left out takes its default"),
        if_match=True,
    ),
)
def replace_settings() -> Response:
    request = settings.current_request
    given = json_body(request, TenantSettings)
    saved = use_cases().settings.replace(
        given, actor=current_actor(), expected_version=if_match(request)
    )
    return settings_response(saved)


@settings.route(
    "/settings/logo",
    methods=["PUT"],
    content_types=MULTIPART_ONLY,
    operation=Operation(
        "putLogo",
        "Set the seller's logo",
        (SETTINGS,),
        refuses=(400, 409, 413),
        body=Body({MULTIPART: LogoForm}, "The logo as one file part named file"),
        if_match=True,
    ),
)
def put_logo() -> Response:
    request = settings.current_request
    form = parse_form(request, max_files=1, max_bytes=service.MAX_LOGO_BYTES)
    files = uploads_in(form, "file")
    if len(files) != 1:
        raise invalid_request(FieldProblem("file", "send the logo as one file part named file"))
    saved = use_cases().settings.set_logo(
        files[0], actor=current_actor(), expected_version=if_match(request)
    )
    return settings_response(saved)


@settings.route(
    "/settings/logo",
    methods=["DELETE"],
    operation=Operation(
        "deleteLogo", "Remove the seller's logo", (SETTINGS,), refuses=(409,), if_match=True
    ),
)
def delete_logo() -> Response:
    saved = use_cases().settings.remove_logo(
        actor=current_actor(), expected_version=if_match(settings.current_request)
    )
    return settings_response(saved)
