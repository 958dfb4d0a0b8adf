"""Liveness for load balancers and the local stack: answers without credentials."""

from __future__ import annotations

from typing import Literal, TypedDict

from chalice.app import Response

from chalicelib.api.http import json_response
from chalicelib.api.operations import Operation, json_answer
from chalicelib.api.routing import ApiBlueprint

health = ApiBlueprint(__name__)


class HealthAnswer(TypedDict):
    status: Literal["ok"]


@health.route(
    "/health",
    methods=["GET"],
    operation=Operation("getHealth", "Liveness", (json_answer(200, "Alive", HealthAnswer),)),
)
def get_health() -> Response:
    answer: HealthAnswer = {"status": "ok"}
    return json_response(answer)
