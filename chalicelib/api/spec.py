"""The API's own description: GET /openapi.json answers its OpenAPI 3.1 document, built from the
route table and the operations its routes declare on the first request (never at import, so a
cold start does not pay for it), and kept for the life of the process."""

from __future__ import annotations

import functools
import json
from typing import Any

from chalice.app import Chalice, Response

from chalicelib.api.operations import Operation, json_answer
from chalicelib.api.routing import ApiBlueprint

spec = ApiBlueprint(__name__)


@spec.route(
    "/openapi.json",
    methods=["GET"],
    operation=Operation(
        "getOpenApi",
        "This API's OpenAPI 3.1 document",
        (json_answer(200, "The document; no credential needed", dict[str, Any]),),
    ),
)
def get_openapi() -> Response:
    return Response(
        body=openapi_text(spec.current_app),
        status_code=200,
        headers={"Content-Type": "application/json"},
    )


@functools.cache
def openapi_text(app: Chalice) -> str:
    """The document as JSON text, the same for every caller: it holds nothing of any tenant."""
    from chalicelib.api.openapi.document import openapi_document

    return json.dumps(openapi_document(app), indent=2) + "\n"
