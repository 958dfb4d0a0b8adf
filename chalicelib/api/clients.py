"""The tenant's clients under /api/v1/clients: create, read, replace, list, and delete one that
no invoice names; a replace or delete honours If-Match (the ETag a read answered)."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.api.http import if_match, json_body, json_response, no_content
from chalicelib.api.operations import (
    Operation,
    json_answer,
    json_request,
    no_content_answer,
)
from chalicelib.api.paging import PAGE_QUERY, page_answer, page_params, page_response
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.domain.clients import Client, ClientInput

clients = ApiBlueprint(__name__)

CLIENT = json_answer(200, "The client", Client, "ETag")


def client_json(client: Client) -> dict[str, Any]:
    return client.model_dump(mode="python", by_alias=True)


def _client_response(client: Client, status: int = 200) -> Response:
    headers = {"ETag": f'"{client.version}"'}
    if status == 201:
        headers["Location"] = f"clients/{client.id}"
    return json_response(client_json(client), status=status, headers=headers)


@clients.route(
    "/clients",
    methods=["POST"],
    operation=Operation(
        "createClient",
        "Create a client",
        (json_answer(201, "The new client", Client, "ETag", "Location"),),
        refuses=(400, 413),
        body=json_request(ClientInput, "The client"),
    ),
)
def create_client() -> Response:
    given = json_body(clients.current_request, ClientInput)
    created = use_cases().clients.create(given, actor=current_actor())
    return _client_response(created, status=201)


@clients.route(
    "/clients",
    methods=["GET"],
    operation=Operation(
        "listClients",
        "List the tenant's clients",
        (page_answer(list[Client], "A page of clients, in creation order"),),
        refuses=(400,),
        query=PAGE_QUERY,
    ),
)
def list_clients() -> Response:
    limit, cursor = page_params(clients.current_request)
    page = use_cases().clients.list(actor=current_actor(), limit=limit, cursor=cursor)
    return page_response(page, limit, "clients", client_json)


@clients.route(
    "/clients/{clientId}",
    methods=["GET"],
    operation=Operation("getClient", "Read a client", (CLIENT,), refuses=(404,)),
)
def get_client(clientId: str) -> Response:
    found = use_cases().clients.get(clientId, actor=current_actor())
    return _client_response(found)


@clients.route(
    "/clients/{clientId}",
    methods=["PUT"],
    operation=Operation(
        "replaceClient",
        "Replace a client: every field",
        (CLIENT,),
        refuses=(400, 404, 409, 413),
        body=json_request(ClientInput, "The client; a field left out is cleared"),
        if_match=True,
    ),
)
def replace_client(clientId: str) -> Response:
    request = clients.current_request
    given = json_body(request, ClientInput)
    replaced = use_cases().clients.replace(
        clientId, given, actor=current_actor(), expected_version=if_match(request)
    )
    return _client_response(replaced)


@clients.route(
    "/clients/{clientId}",
    methods=["DELETE"],
    operation=Operation(
        "deleteClient",
        "Delete a client",
        (no_content_answer("Deleted"),),
        refuses=(404, 409),
        if_match=True,
    ),
)
def delete_client(clientId: str) -> Response:
    use_cases().clients.delete(
        clientId, actor=current_actor(), expected_version=if_match(clients.current_request)
    )
    return no_content()
