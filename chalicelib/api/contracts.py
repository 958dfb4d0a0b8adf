"""The tenant's contracts under /api/v1/contracts: create, read, replace, list and delete the
terms each period of a client's work is invoiced with; a replace or delete honours If-Match."""

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
from chalicelib.domain.contracts import Contract, ContractInput

contracts = ApiBlueprint(__name__)

CONTRACT = json_answer(200, "The contract", Contract, "ETag")


def contract_json(contract: Contract) -> dict[str, Any]:
    """Amounts stay Decimals here, so json_response writes them exactly."""
    return contract.model_dump(mode="python", by_alias=True)


def _contract_response(contract: Contract, status: int = 200) -> Response:
    headers = {"ETag": f'"{contract.version}"'}
    if status == 201:
        headers["Location"] = f"contracts/{contract.id}"
    return json_response(contract_json(contract), status=status, headers=headers)


@contracts.route(
    "/contracts",
    methods=["POST"],
    operation=Operation(
        "createContract",
        "Create a contract",
        (json_answer(201, "The new contract", Contract, "ETag", "Location"),),
        refuses=(400, 413),
        body=json_request(ContractInput, "The contract"),
    ),
)
def create_contract() -> Response:
    given = json_body(contracts.current_request, ContractInput)
    created = use_cases().contracts.create(given, actor=current_actor())
    return _contract_response(created, status=201)


@contracts.route(
    "/contracts",
    methods=["GET"],
    operation=Operation(
        "listContracts",
        "List the tenant's contracts",
        (page_answer(list[Contract], "A page of contracts, in creation order"),),
        refuses=(400,),
        query=PAGE_QUERY,
    ),
)
def list_contracts() -> Response:
    limit, cursor = page_params(contracts.current_request)
    page = use_cases().contracts.list(actor=current_actor(), limit=limit, cursor=cursor)
    return page_response(page, limit, "contracts", contract_json)


@contracts.route(
    "/contracts/{contractId}",
    methods=["GET"],
    operation=Operation("getContract", "Read a contract", (CONTRACT,), refuses=(404,)),
)
def get_contract(contractId: str) -> Response:
    found = use_cases().contracts.get(contractId, actor=current_actor())
    return _contract_response(found)


@contracts.route(
    "/contracts/{contractId}",
    methods=["PUT"],
    operation=Operation(
        "replaceContract",
        "Replace a contract: every field",
        (CONTRACT,),
        refuses=(400, 404, 409, 413),
        body=json_request(ContractInput, "The contract; a field left out is cleared"),
        if_match=True,
    ),
)
def replace_contract(contractId: str) -> Response:
    request = contracts.current_request
    given = json_body(request, ContractInput)
    replaced = use_cases().contracts.replace(
        contractId, given, actor=current_actor(), expected_version=if_match(request)
    )
    return _contract_response(replaced)


@contracts.route(
    "/contracts/{contractId}",
    methods=["DELETE"],
    operation=Operation(
        "deleteContract",
        "Delete a contract",
        (no_content_answer("Deleted"),),
        refuses=(404, 409),
        if_match=True,
    ),
)
def delete_contract(contractId: str) -> Response:
    use_cases().contracts.delete(
        contractId, actor=current_actor(), expected_version=if_match(contracts.current_request)
    )
    return no_content()
