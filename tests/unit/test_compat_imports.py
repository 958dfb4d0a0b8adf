"""The import use case every vendor dialect calls, on the in-memory ports, with a sender of its
own: each item alone or the request whole, what a key finds stored, and refusals in the sender's
terms. The vendors' own suites (tests/integration/test_compat_*.py) drive it over HTTP."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.clients import ClientInput, new_client
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.errors import ContractNotFoundError, FieldProblem, InvalidInputError
from chalicelib.domain.imports import (
    AS_SENT,
    Found,
    ImportCommand,
    ImportContext,
    ImportedState,
    ImportItem,
    Issue,
    Sender,
)
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.services.imports import import_all, import_each, import_one
from tests.fakes import FakeWorld

ACME = Actor(tenant_id="acme", user_id="alice")
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
ROW = {"description": "Seat", "quantity": 1, "unitPrice": "100.00", "taxRate": 20}


def renamed(problems: Iterable[FieldProblem]) -> list[FieldProblem]:
    """The test sender's field names: the native rows are its `lines`."""
    return [FieldProblem(p.field.replace("rows", "lines"), p.message) for p in problems]


SENDER = Sender(
    unknown_client=lambda client_id: FieldProblem("buyer", f"{client_id} is no buyer of yours"),
    terms=renamed,
)


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld(NOW)


@pytest.fixture
def client_id(world: FakeWorld) -> str:
    client = new_client(ClientInput(name="Zoë Müller GmbH"), actor=ACME, now=NOW)
    return world.clients.add(client).id


def item(
    client_id: str,
    invoice_id: str | None = None,
    issue: Issue = None,
    fault: FieldProblem | None = None,
    **body: Any,
) -> ImportItem:
    def command(context: ImportContext) -> ImportCommand:
        if fault is not None:
            raise InvalidInputError([fault])
        fields = {"clientId": client_id, "rows": [ROW], "currency": context.currency, **body}
        return ImportCommand(NewInvoice.model_validate(fields), issue=issue)

    return ImportItem(client_id, command, invoice_id)


def each(world: FakeWorld, items: list[Any], sender: Sender = SENDER, **kwargs: Any) -> list[Any]:
    return import_each(
        items, sender=sender, actor=ACME, ports=world.ports, clients=world.clients, **kwargs
    )


def test_each_item_stands_alone_a_draft_an_issued_one_and_two_refused(
    world: FakeWorld, client_id: str
) -> None:
    refused_before = ContractNotFoundError("c-1")
    items = [
        item(client_id),
        item("nobody"),
        item(client_id, issue=AS_SENT),
        refused_before,
        item(client_id, fault=FieldProblem("due", "too late")),
    ]

    draft, unknown, sent, before, faulty = each(world, items)

    assert (draft.created, draft.issued_now, draft.invoice.status) == (True, False, "DRAFT")
    assert unknown.invoice is None
    assert unknown.error.problems == (FieldProblem("buyer", "nobody is no buyer of yours"),)
    assert (sent.created, sent.issued_now, sent.invoice.status) == (True, True, "SENT")
    assert sent.invoice.invoice_number == "INV-2026-0001"
    assert before.error is refused_before
    assert faulty.error.problems == (FieldProblem("due", "too late"),)
    assert [len(chunk) for chunk in world.invoices.every_invoice("acme")] == [2]


def test_a_batch_sender_names_what_it_refused_from_the_batch_and_native_rules_in_its_terms(
    world: FakeWorld, client_id: str
) -> None:
    placed = replace(SENDER, placed=True)
    discounted = {**ROW, "discount": 500}  # above the row's 100.00
    parsed_already = InvalidInputError([FieldProblem("invoices[7].x", "named by the sender")])

    outcomes = each(
        world,
        [item("nobody"), item(client_id, rows=[discounted]), parsed_already],
        sender=placed,
        start=5,
    )

    assert [o.error.problems[0].field for o in outcomes] == [
        "invoices[5].buyer",
        "invoices[6].lines[0].discount",
        "invoices[7].x",
    ]


def test_a_key_that_finds_a_draft_issues_it_when_asked_and_both_items_answer_it_issued(
    world: FakeWorld, client_id: str
) -> None:
    first, second = each(world, [item(client_id, "k-1"), item(client_id, "k-1", issue=AS_SENT)])

    assert (first.created, first.issued_now, second.created, second.issued_now) == (
        True,
        False,
        False,
        True,
    )
    assert first.invoice == second.invoice
    assert second.invoice.status == InvoiceStatus.SENT

    (again,) = each(world, [item(client_id, "k-1", issue=AS_SENT)])
    assert (again.created, again.issued_now, again.invoice) == (False, False, second.invoice)


def test_an_id_naming_this_works_own_place_found_again_was_made_by_it(
    world: FakeWorld, client_id: str
) -> None:
    by_place = replace(SENDER, found=Found.MADE_EARLIER)
    (made,) = each(world, [item(client_id, "place-1")], sender=by_place)

    (again,) = each(world, [item(client_id, "place-1")], sender=by_place)

    assert (again.created, again.invoice) == (True, made.invoice)


def test_issued_as_it_stands_under_its_own_number_or_the_series_and_paid(
    world: FakeWorld, client_id: str
) -> None:
    paid = PaymentInput(amount=Decimal("120.00"), date=NOW)
    own = ImportedState(sent_at=NOW, number="EXT-1", payments=[paid])
    series = ImportedState(sent_at=NOW, paid_at=NOW)

    mine, numbered = each(world, [item(client_id, "a", own), item(client_id, "b", series)])

    assert (mine.invoice.invoice_number, mine.invoice.status) == ("EXT-1", InvoiceStatus.PAID)
    assert (numbered.invoice.invoice_number, numbered.invoice.status) == (
        "INV-2026-0001",
        InvoiceStatus.PAID,
    )
    assert mine.invoice.created == mine.invoice.updated == NOW


def test_payments_beyond_the_total_pay_it_and_become_the_clients_credit(
    world: FakeWorld, client_id: str
) -> None:
    """Decision 0056: an imported invoice is paid as it was elsewhere, and what its payments
    brought beyond its total (121.00 of 120.00) is its client's credit, written with it."""
    too_much = PaymentInput(amount=Decimal("121.00"), date=NOW)

    (paid,) = each(
        world,
        [item(client_id, issue=ImportedState(sent_at=NOW, number="X", payments=[too_much]))],
    )

    assert paid.error is None
    invoice = paid.invoice
    assert (invoice.status, str(invoice.paid), str(invoice.client_credit)) == (
        InvoiceStatus.PAID,
        "121.00",
        "1.00",
    )
    found = world.invoices.client_credit("acme", client_id, limit=10, cursor=None)
    assert found is not None
    credit, _ = found
    assert [(b.currency, str(b.amount)) for b in credit.balances] == [("EUR", "1.00")]
    [move] = credit.movements
    assert (move.kind, str(move.amount), move.invoice_id) == ("OVERPAYMENT", "1.00", invoice.id)


def reimported(
    stored: Invoice, fresh: Invoice, /, *, settings: TenantSettings, actor: Actor, now: datetime
) -> Invoice:
    """The test sender's upsert: the new note, else nothing changes."""
    if fresh.note == stored.note:
        return stored
    return stored.model_copy(update={"note": fresh.note, "updated": now})


UPSERT = replace(SENDER, found=Found.REPLACED, reimport=reimported)


def test_checked_whole_a_fault_anywhere_or_a_key_twice_writes_nothing(
    world: FakeWorld, client_id: str
) -> None:
    items = [item(client_id, "a"), item("nobody", "b"), item(client_id, "a")]

    with pytest.raises(InvalidInputError) as refused:
        import_all(items, sender=UPSERT, actor=ACME, ports=world.ports, clients=world.clients)

    assert [(p.field, p.message) for p in refused.value.problems] == [
        ("invoices[1].buyer", "nobody is no buyer of yours"),
        ("invoices[2].externalId", "repeats the externalId of invoices[0]"),
    ]
    assert world.invoices.get("acme", "a") is None


def test_an_upsert_replaces_what_its_key_finds_and_leaves_it_when_nothing_changed(
    world: FakeWorld, client_id: str
) -> None:
    def upsert(note: str) -> Invoice:
        (invoice,) = import_all(
            [item(client_id, "a", note=note)],
            sender=UPSERT,
            actor=ACME,
            ports=world.ports,
            clients=world.clients,
        )
        return invoice

    first = upsert("one")
    same = upsert("one")
    changed = upsert("two")

    assert same == first
    assert (changed.id, changed.note, changed.version) == (first.id, "two", first.version + 1)


def test_one_invoice_names_an_unknown_client_and_its_own_faults_together(
    world: FakeWorld,
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        import_one(
            item("nobody", fault=FieldProblem("due", "too late")),
            sender=SENDER,
            actor=ACME,
            ports=world.ports,
            clients=world.clients,
        )

    assert [p.field for p in refused.value.problems] == ["buyer", "due"]


def test_one_invoice_refused_by_a_native_rule_is_named_in_the_senders_terms(
    world: FakeWorld, client_id: str
) -> None:
    discounted = {**ROW, "discount": 500}

    with pytest.raises(InvalidInputError) as refused:
        import_one(
            item(client_id, rows=[discounted]),
            sender=SENDER,
            actor=ACME,
            ports=world.ports,
            clients=world.clients,
        )

    assert [p.field for p in refused.value.problems] == ["lines[0].discount"]


def test_one_invoice_issued_as_sent_takes_the_next_number(world: FakeWorld, client_id: str) -> None:
    invoice = import_one(
        item(client_id, issue=AS_SENT),
        sender=SENDER,
        actor=ACME,
        ports=world.ports,
        clients=world.clients,
    )

    assert (invoice.status, invoice.invoice_number) == (InvoiceStatus.SENT, "INV-2026-0001")
