"""Liveness for load balancers and the local stack: answers without credentials."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api.http import json_response
from chalicelib.api.routing import ApiBlueprint

health = ApiBlueprint(__name__)


@health.route("/health", methods=["GET"])
def get_health() -> Response:
    return json_response({"status": "ok"})
