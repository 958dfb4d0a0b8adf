"""Client use cases on the fakes: what a tenant's client is once created, replaced or deleted,
what is refused and what is left as it was, and that another tenant can do none of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib.domain.clients import Client, ClientInput
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.errors import (
    ClientInUseError,
    ClientNotFoundError,
    PreconditionFailedError,
    UnknownClientError,
)
from chalicelib.domain.values import Actor
from chalicelib.services import clients as service
from chalicelib.services import invoices
from tests.fakes import FakeWorld, InMemoryClientRepository

ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="gina")
CREATED_AT = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
DETAILS = {
    "name": "Zoë Müller GmbH",
    "email": "ap@mueller.example",
    "address": {"street": "Hauptstraße 1", "city": "Berlin", "postalCode": "10115",
                "country": "de"},
    "vatId": "PL 526-104-08-28",
    "locale": "de-DE",
}  # fmt: skip


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld(CREATED_AT)


def stored(world: FakeWorld, tenant_id: str, client_id: str) -> object:
    """The client as a read gives it back, in its wire form (an address entered is read back as
    the plain postal address it is stored as)."""
    found = world.clients.get(tenant_id, client_id)
    return None if found is None else (found.version, found.model_dump(mode="json"))


def answered(client: Client) -> object:
    return (client.version, client.model_dump(mode="json"))


def create(world: FakeWorld, actor: Actor = ACME, **details: object) -> Client:
    given = ClientInput.model_validate({**DETAILS, **details})
    return service.create_client(given, actor=actor, repo=world.clients, clock=world.clock)


def replace_with(
    world: FakeWorld,
    client_id: str,
    actor: Actor = ACME,
    version: int | None = None,
    **body: object,
) -> Client:
    return service.replace_client(
        client_id,
        ClientInput.model_validate(body),
        actor=actor,
        repo=world.clients,
        clock=world.clock,
        expected_version=version,
        retry=world.retry,
    )


def test_a_created_client_is_stored_with_its_details_author_and_time(world: FakeWorld) -> None:
    client = create(world)

    assert stored(world, "acme", client.id) == answered(client)
    assert client.version == 1
    assert (client.name, client.email, client.vat_id) == (
        "Zoë Müller GmbH",
        "ap@mueller.example",
        "PL5261040828",
    )
    assert client.address is not None and client.address.country == "DE"
    assert (client.created, client.created_by) == (CREATED_AT, "alice")
    assert (client.updated, client.updated_by) == (CREATED_AT, "alice")


def test_a_retried_create_finds_the_client_its_first_try_made(world: FakeWorld) -> None:
    retrying = replace(ACME, request="request-1")

    first = create(world, retrying)
    world.clock.advance(seconds=5)
    again = create(world, retrying)

    assert answered(again) == answered(first)
    assert [c.id for c in world.clients.list_page("acme", limit=10, cursor=None).items] == [
        first.id
    ]


def test_the_same_request_of_another_tenant_makes_its_own_client(world: FakeWorld) -> None:
    mine = create(world, replace(ACME, request="request-1"))
    theirs = create(world, replace(GLOBEX, request="request-1"))

    assert mine.id != theirs.id
    assert world.clients.get("globex", mine.id) is None


def test_another_tenants_client_is_not_found_nor_listed(world: FakeWorld) -> None:
    client = create(world)

    with pytest.raises(ClientNotFoundError):
        service.get_client(client.id, actor=GLOBEX, repo=world.clients)
    listed = service.list_clients(actor=GLOBEX, repo=world.clients, limit=10, cursor=None)
    assert listed.items == []


def test_a_replace_sets_every_detail_clears_what_it_leaves_out_and_keeps_creation(
    world: FakeWorld,
) -> None:
    client = create(world)
    world.clock.advance(hours=2)
    bob = replace(ACME, user_id="bob")

    replaced = replace_with(
        world, client.id, bob, name="Müller & Söhne AG", email="billing@ms.example"
    )

    assert replaced.version == 2
    assert (replaced.name, replaced.email) == ("Müller & Söhne AG", "billing@ms.example")
    assert (replaced.address, replaced.vat_id, replaced.locale) == (None, None, None)
    assert (replaced.created, replaced.created_by) == (CREATED_AT, "alice")
    assert (replaced.updated, replaced.updated_by) == (world.clock.now(), "bob")
    assert stored(world, "acme", client.id) == answered(replaced)


def test_a_replace_over_a_stale_if_match_changes_nothing(world: FakeWorld) -> None:
    client = create(world)
    current = replace_with(world, client.id, name="Second")

    with pytest.raises(PreconditionFailedError, match="at version 2, not 1"):
        replace_with(world, client.id, version=1, name="Third")

    assert stored(world, "acme", client.id) == answered(current)


def test_another_tenant_cannot_replace_or_delete_the_client(world: FakeWorld) -> None:
    client = create(world)

    with pytest.raises(ClientNotFoundError):
        replace_with(world, client.id, GLOBEX, name="Hijacked")
    with pytest.raises(ClientNotFoundError):
        service.delete_client(client.id, actor=GLOBEX, repo=world.clients)

    assert stored(world, "acme", client.id) == answered(client)


class RacingClients(InMemoryClientRepository):
    """Another writer replaces the client just before our first write of it."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    def save(self, record: Client, *, previous: Client) -> Client:
        if not self.raced:
            self.raced = True
            super().save(
                previous.model_copy(update={"email": "rival@example.com"}), previous=previous
            )
        return super().save(record, previous=previous)


def test_a_replace_that_loses_a_race_is_written_over_the_newer_version(world: FakeWorld) -> None:
    racing = RacingClients()
    given = ClientInput.model_validate(DETAILS)
    client = service.create_client(given, actor=ACME, repo=racing, clock=world.clock)

    replaced = service.replace_client(
        client.id,
        ClientInput(name="Final Name"),
        actor=ACME,
        repo=racing,
        clock=world.clock,
        retry=world.retry,
    )

    assert replaced.version == 3  # over the rival's write, not lost to it
    assert racing.get("acme", client.id) == replaced
    assert (replaced.name, replaced.email) == ("Final Name", None)


def test_a_client_no_invoice_names_is_deleted(world: FakeWorld) -> None:
    client = create(world)

    service.delete_client(client.id, actor=ACME, repo=world.clients)

    assert world.clients.get("acme", client.id) is None
    with pytest.raises(ClientNotFoundError):
        service.delete_client(client.id, actor=ACME, repo=world.clients)


def test_a_client_an_invoice_names_is_kept_until_that_invoice_is_gone(world: FakeWorld) -> None:
    client = create(world)
    body = NewInvoice.model_validate({"clientId": client.id, "rows": [{"description": "Work",
                                      "quantity": 2, "unitPrice": "49.95"}]})  # fmt: skip
    invoice = invoices.create_invoice(body, actor=ACME, ports=world.ports).invoice

    with pytest.raises(ClientInUseError):
        service.delete_client(client.id, actor=ACME, repo=world.clients)
    assert stored(world, "acme", client.id) == answered(client)
    assert str(invoice.total) == "99.90"

    invoices.delete_invoice(invoice.id, actor=ACME, ports=world.ports)
    service.delete_client(client.id, actor=ACME, repo=world.clients)
    assert world.clients.get("acme", client.id) is None


def test_an_invoice_cannot_name_another_tenants_client(world: FakeWorld) -> None:
    theirs = create(world, GLOBEX)
    body = NewInvoice.model_validate({"clientId": theirs.id})

    with pytest.raises(UnknownClientError):
        invoices.create_invoice(body, actor=ACME, ports=world.ports)

    assert world.invoices.invoices_of("acme") == []
    assert world.clients.references("globex", theirs.id) == 0


def test_the_list_pages_through_the_tenants_clients_in_creation_order(world: FakeWorld) -> None:
    made = []
    for n in range(5):
        made.append(create(world, name=f"Client {n}").id)
    create(world, GLOBEX)

    seen, cursor = [], None
    while True:
        page = service.list_clients(actor=ACME, repo=world.clients, limit=2, cursor=cursor)
        seen += [client.id for client in page.items]
        if page.cursor is None:
            break
        cursor = page.cursor

    assert seen == made
