"""Contract use cases: create, read, replace, list and delete a contract with one of the
tenant's clients, each change over the version read (and the one an If-Match names). What a
period's invoice says is pure domain (domain/contracts.py)."""

from __future__ import annotations

from chalicelib.domain.contracts import Contract, ContractInput, new_contract, replaced_contract
from chalicelib.domain.derived_ids import made_by_request
from chalicelib.domain.errors import (
    ConcurrentModificationError,
    ContractNotFoundError,
    FieldProblem,
    InvalidInputError,
)
from chalicelib.domain.values import Actor
from chalicelib.ports import ClientRepository, Clock, ContractRepository, Page
from chalicelib.retry import RetryPolicy
from chalicelib.services.optimistic import write_over


def create_contract(
    given: ContractInput,
    *,
    actor: Actor,
    repo: ContractRepository,
    clients: ClientRepository,
    clock: Clock,
) -> Contract:
    _ensure_client(given.client_id, actor=actor, clients=clients)
    contract_id = made_by_request(actor, "contract")
    made = new_contract(given, actor=actor, now=clock.now(), contract_id=contract_id)
    try:
        return repo.add(made)
    except ConcurrentModificationError:  # a retry whose first try made it
        found = repo.get(actor.tenant_id, made.id) if contract_id else None
        if found is None:
            raise
        return found


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
    expected_version: int | None = None,
    retry: RetryPolicy | None = None,
) -> Contract:
    """Invoices already made for its periods keep what they were made with. Written over the
    version read, again over a newer one when another writer came first (its client checked
    once: a retry writes the same terms)."""
    checked: set[str] = set()

    def replace(current: Contract) -> Contract:
        if given.client_id != current.client_id and given.client_id not in checked:
            _ensure_client(given.client_id, actor=actor, clients=clients)
            checked.add(given.client_id)
        replaced = replaced_contract(current, given, actor=actor, now=clock.now())
        return repo.save(replaced, previous=current)

    return write_over(
        lambda: get_contract(contract_id, actor=actor, repo=repo),
        replace,
        name=("Contract", contract_id),
        expected_version=expected_version,
        retry=retry,
    )


def delete_contract(
    contract_id: str,
    *,
    actor: Actor,
    repo: ContractRepository,
    expected_version: int | None = None,
    retry: RetryPolicy | None = None,
) -> None:
    write_over(
        lambda: get_contract(contract_id, actor=actor, repo=repo),
        repo.delete,
        name=("Contract", contract_id),
        expected_version=expected_version,
        retry=retry,
    )


def _ensure_client(client_id: str, *, actor: Actor, clients: ClientRepository) -> None:
    """The counterparty must be one of the caller's clients; another tenant's is as unknown as
    one that never existed. A check of the input, not a lasting invariant: deleting a client
    does not look at contracts (docs/decisions/0018)."""
    if clients.get(actor.tenant_id, client_id) is None:
        message = f"names no client of yours: {client_id}"
        raise InvalidInputError([FieldProblem("clientId", message)])
