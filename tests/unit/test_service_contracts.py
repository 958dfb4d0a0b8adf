"""Contract use cases on the fakes: a contract names one of the tenant's own clients, keeps its
terms to the cent, and is replaced or deleted only over the version read; another tenant's
contract is as unknown as one that never existed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.clients import Client, ClientInput
from chalicelib.domain.contracts import Contract, ContractInput
from chalicelib.domain.errors import (
    ContractNotFoundError,
    InvalidInputError,
    PreconditionFailedError,
)
from chalicelib.domain.values import Actor
from chalicelib.services import clients, contracts
from tests.fakes import FakeWorld, InMemoryClientRepository, InMemoryContractRepository

ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="gina")
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld(NOW)


def a_client(world: FakeWorld, actor: Actor = ACME) -> Client:
    given = ClientInput(name=f"Client of {actor.tenant_id}")
    return clients.create_client(given, actor=actor, repo=world.clients, clock=world.clock)


def terms(client_id: str, **changes: Any) -> ContractInput:
    body = {
        "clientId": client_id,
        "currency": "eur",
        "isRecurring": True,
        "period": "monthly",
        "activationAt": "2026-01-31",
        "expirationAt": "2027-01-31T09:00:00+01:00",
        "items": [
            {"description": "Retainer", "quantity": 1, "unitPrice": "1500.10", "taxRate": "19"},
            {"description": "Hosting", "quantity": "2.5", "unitPrice": "0.1"},
        ],
        "paymentTermDays": 30,
        "memo": "Retainer for 2026",
    }
    return ContractInput.model_validate({**body, **changes})


def create(world: FakeWorld, client_id: str, actor: Actor = ACME, **changes: Any) -> Contract:
    return contracts.create_contract(
        terms(client_id, **changes),
        actor=actor,
        repo=world.contracts,
        clients=world.clients,
        clock=world.clock,
    )


def replace_with(
    world: FakeWorld, contract_id: str, given: ContractInput, actor: Actor = ACME, **kw: Any
) -> Contract:
    return contracts.replace_contract(
        contract_id,
        given,
        actor=actor,
        repo=world.contracts,
        clients=world.clients,
        clock=world.clock,
        retry=world.retry,
        **kw,
    )


def test_a_contract_keeps_its_terms_to_the_cent_in_canonical_form(world: FakeWorld) -> None:
    client = a_client(world)

    contract = create(world, client.id)

    stored = world.contracts.get("acme", contract.id)
    assert stored == contract and contract.version == 1
    assert (contract.currency, contract.period, contract.client_id) == ("EUR", "MONTHLY", client.id)
    assert [row.unit_price for row in contract.items] == [Decimal("1500.10"), Decimal("0.1")]
    assert [row.quantity for row in contract.items] == [Decimal(1), Decimal("2.5")]
    assert contract.activation_at == datetime(2026, 1, 31, tzinfo=UTC)
    assert contract.expiration_at == datetime(2027, 1, 31, 8, tzinfo=UTC)
    assert (contract.created, contract.created_by) == (NOW, "alice")


def test_a_contract_with_another_tenants_client_is_refused_and_not_stored(
    world: FakeWorld,
) -> None:
    theirs = a_client(world, GLOBEX)

    with pytest.raises(InvalidInputError, match="clientId: names no client of yours"):
        create(world, theirs.id)

    assert world.contracts.list_page("acme", limit=10, cursor=None).items == []


def test_a_retried_create_finds_the_contract_its_first_try_made(world: FakeWorld) -> None:
    client = a_client(world)
    retrying = replace(ACME, request="request-7")

    first = create(world, client.id, retrying)
    again = create(world, client.id, retrying)

    assert again == first
    assert len(world.contracts.list_page("acme", limit=10, cursor=None).items) == 1


def test_another_tenant_cannot_read_list_replace_or_delete_the_contract(
    world: FakeWorld,
) -> None:
    contract = create(world, a_client(world).id)
    theirs = a_client(world, GLOBEX)

    with pytest.raises(ContractNotFoundError):
        contracts.get_contract(contract.id, actor=GLOBEX, repo=world.contracts)
    with pytest.raises(ContractNotFoundError):
        replace_with(world, contract.id, terms(theirs.id), GLOBEX)
    with pytest.raises(ContractNotFoundError):
        contracts.delete_contract(contract.id, actor=GLOBEX, repo=world.contracts)
    listed = contracts.list_contracts(actor=GLOBEX, repo=world.contracts, limit=10, cursor=None)

    assert listed.items == []
    assert world.contracts.get("acme", contract.id) == contract


def test_a_replace_sets_every_term_and_keeps_who_created_it_when(world: FakeWorld) -> None:
    client = a_client(world)
    contract = create(world, client.id)
    world.clock.advance(days=3)
    bob = replace(ACME, user_id="bob")

    audit = [{"description": "Audit", "quantity": 1, "unitPrice": "999.99"}]
    one_off = terms(
        client.id, isRecurring=False, period=None, expirationAt=None, memo=None, items=audit
    )
    replaced = replace_with(world, contract.id, one_off, bob)

    assert replaced.version == 2
    assert (replaced.is_recurring, replaced.period, replaced.memo) == (False, None, None)
    assert [row.unit_price for row in replaced.items] == [Decimal("999.99")]
    assert (replaced.created, replaced.created_by) == (NOW, "alice")
    assert (replaced.updated, replaced.updated_by) == (world.clock.now(), "bob")
    assert world.contracts.get("acme", contract.id) == replaced


def test_a_replace_naming_another_tenants_client_changes_nothing(world: FakeWorld) -> None:
    contract = create(world, a_client(world).id)
    theirs = a_client(world, GLOBEX)

    with pytest.raises(InvalidInputError, match="clientId"):
        replace_with(world, contract.id, terms(theirs.id))

    assert world.contracts.get("acme", contract.id) == contract


def test_a_replace_over_a_stale_if_match_changes_nothing(world: FakeWorld) -> None:
    client = a_client(world)
    contract = create(world, client.id)
    current = replace_with(world, contract.id, terms(client.id, memo="second"))

    with pytest.raises(PreconditionFailedError):
        replace_with(world, contract.id, terms(client.id, memo="third"), expected_version=1)

    assert world.contracts.get("acme", contract.id) == current


class CountingClients(InMemoryClientRepository):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, tenant_id: str, record_id: str) -> Client | None:
        self.reads += 1
        return super().get(tenant_id, record_id)


class RacingContracts(InMemoryContractRepository):
    """Another writer changes the contract just before our first write of it."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    def save(self, record: Contract, *, previous: Contract) -> Contract:
        if not self.raced:
            self.raced = True
            super().save(previous.model_copy(update={"memo": "rival"}), previous=previous)
        return super().save(record, previous=previous)


def test_a_replace_that_loses_a_race_is_written_again_checking_its_new_client_once(
    world: FakeWorld,
) -> None:
    counting, racing = CountingClients(), RacingContracts()
    first = clients.create_client(
        ClientInput(name="A"), actor=ACME, repo=counting, clock=world.clock
    )
    second = clients.create_client(
        ClientInput(name="B"), actor=ACME, repo=counting, clock=world.clock
    )
    contract = contracts.create_contract(
        terms(first.id), actor=ACME, repo=racing, clients=counting, clock=world.clock
    )
    counting.reads = 0

    replaced = contracts.replace_contract(
        contract.id, terms(second.id, memo="ours"), actor=ACME, repo=racing, clients=counting,
        clock=world.clock, retry=world.retry,
    )  # fmt: skip

    assert (replaced.memo, replaced.client_id, replaced.version) == ("ours", second.id, 3)
    assert racing.get("acme", contract.id) == replaced
    assert counting.reads == 1


def test_a_deleted_contract_is_gone(world: FakeWorld) -> None:
    contract = create(world, a_client(world).id)

    contracts.delete_contract(contract.id, actor=ACME, repo=world.contracts)

    assert world.contracts.get("acme", contract.id) is None
    with pytest.raises(ContractNotFoundError):
        contracts.get_contract(contract.id, actor=ACME, repo=world.contracts)
