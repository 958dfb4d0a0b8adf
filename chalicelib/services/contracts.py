"""Contract use cases: create, read, replace, list and delete a contract with one of the
tenant's clients. What a period's invoice says is pure domain (domain/contracts.py)."""

from __future__ import annotations

from chalicelib.domain.contracts import Contract, ContractInput, new_contract, replaced_contract
from chalicelib.domain.errors import ContractNotFoundError, FieldProblem, InvalidInputError
from chalicelib.domain.values import Actor
from chalicelib.services.ports import ClientRepository, Clock, ContractRepository, Page


def create_contract(
    given: ContractInput,
    *,
    actor: Actor,
    repo: ContractRepository,
    clients: ClientRepository,
    clock: Clock,
) -> Contract:
    _ensure_client(given.client_id, actor=actor, clients=clients)
    return repo.add(new_contract(given, actor=actor, now=clock.now()))


def get_contract(contract_id: str, *, actor: Actor, repo: ContractRepository) -> Contract:
    found = repo.get(actor.tenant_id, contract_id)
    if found is None:
        raise ContractNotFoundError(contract_id)
    return found


def list_contracts(
    *, actor: Actor, repo: ContractRepository, limit: int, cursor: str | None
) -> Page[Contract]:
    return repo.list_page(actor.tenant_id, limit=limit, cursor=cursor)


def replace_contract(
    contract_id: str,
    given: ContractInput,
    *,
    actor: Actor,
    repo: ContractRepository,
    clients: ClientRepository,
    clock: Clock,
) -> Contract:
    """Invoices already made for its periods keep what they were made with."""
    current = get_contract(contract_id, actor=actor, repo=repo)
    if given.client_id != current.client_id:
        _ensure_client(given.client_id, actor=actor, clients=clients)
    replaced = replaced_contract(current, given, actor=actor, now=clock.now())
    return repo.save(replaced, previous=current)


def delete_contract(contract_id: str, *, actor: Actor, repo: ContractRepository) -> None:
    repo.delete(get_contract(contract_id, actor=actor, repo=repo))


def _ensure_client(client_id: str, *, actor: Actor, clients: ClientRepository) -> None:
    """The counterparty must be one of the caller's clients; another tenant's is as unknown as
    one that never existed. A check of the input, not a lasting invariant: deleting a client
    does not look at contracts (docs/decisions/0018)."""
    if clients.get(actor.tenant_id, client_id) is None:
        message = f"names no client of yours: {client_id}"
        raise InvalidInputError([FieldProblem("clientId", message)])
