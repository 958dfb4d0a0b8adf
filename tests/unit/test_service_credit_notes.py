"""Credit note use cases on the fakes: one read and one write over what was read, numbered in the
tenant's credit note series; a retried request finds the note its first try issued; a race lost
to another writer is tried again from a new read; nothing is written when it is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain import invoicing
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.credit_notes import CreditNote, credit_note_input
from chalicelib.domain.errors import (
    ConcurrentModificationError,
    CreditNoteNotFoundError,
    InvalidInputError,
    InvalidStateError,
    InvoiceNotFoundError,
)
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.services import credit_notes as service
from chalicelib.services import lifecycle
from chalicelib.services.metrics import CREDIT_NOTES_ISSUED
from tests.fakes import FakeWorld

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="gina")
ROWS = [
    {"id": "a", "quantity": 2, "unitPrice": "50.00", "taxRate": 24},
    {"id": "b", "quantity": 1, "unitPrice": "30.00", "taxRate": 24},
]
D = Decimal


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld(NOW)


def sent(world: FakeWorld, actor: Actor = ACME) -> Invoice:
    body = NewInvoice.model_validate({"currency": "EUR", "invoiceDate": "2026-11-21", "rows": ROWS})
    draft = invoicing.new_invoice(body, actor=actor, now=NOW, defaults=world.ports.defaults)
    world.invoices.add(draft)
    return lifecycle.mark_as_sent(draft.id, actor=actor, ports=world.ports)


def credit(world: FakeWorld, invoice: Invoice, actor: Actor = ACME, **body: Any) -> CreditNote:
    request = credit_note_input({"reason": "Returned goods", **body})
    return service.create_credit_note(invoice.id, request, actor=actor, ports=world.ports)


def stored(world: FakeWorld, invoice: Invoice) -> Invoice:
    found = world.invoices.get(invoice.tenant_id, invoice.id)
    assert found is not None
    return found


def test_a_credit_note_is_numbered_in_its_own_series_beside_the_invoices(
    world: FakeWorld,
) -> None:
    first, second = sent(world), sent(world)
    notes = [credit(world, first, rows=[{"rowId": "a", "quantity": 1}]), credit(world, second)]
    assert [note.credit_note_number for note in notes] == ["CN-2026-0001", "CN-2026-0002"]
    assert world.invoices.counter("acme").last == {"2026": 2, "CN:2026": 2}
    assert world.metrics.counts[CREDIT_NOTES_ISSUED] == 2
    assert service.credit_notes_of(first.id, actor=ACME, ports=world.ports) == [
        world.invoices.get_credit_note("acme", notes[0].id)
    ]


def test_the_tenants_own_format_numbers_its_credit_notes(world: FakeWorld) -> None:
    world.invoices.settings["acme"] = TenantSettings(credit_note_numbering_format="G{YY}/{SEQ:03}")
    assert credit(world, sent(world)).credit_note_number == "G26/001"


def test_the_invoice_lists_the_note_and_is_paid_once_credits_and_payments_cover_it(
    world: FakeWorld,
) -> None:
    invoice = sent(world)
    note = credit(world, invoice, rows=[{"rowId": "a", "quantity": 1}])
    credited = stored(world, invoice)
    assert (credited.status, credited.credited.total_with_tax) == (InvoiceStatus.SENT, D("62.00"))
    assert [ref.id for ref in credited.credited.credit_notes] == [note.id]
    event = credited.events[-1]
    assert (event.type, event.description) == (
        "CREDITED",
        "Credit note CN-2026-0001 of 62.00 EUR issued",
    )
    rest = PaymentInput.model_validate({"amount": "99.20"})
    paid = lifecycle.add_payment(invoice.id, rest, actor=ACME, ports=world.ports)
    assert (paid.status, paid.paid) == (InvoiceStatus.PAID, D("99.20"))


def test_a_retried_request_finds_the_note_its_first_try_issued(world: FakeWorld) -> None:
    invoice = sent(world)
    retried = Actor(tenant_id="acme", user_id="alice", request="request-1")
    first = credit(world, invoice, retried, rows=[{"rowId": "b"}])
    again = credit(world, invoice, retried, rows=[{"rowId": "b"}])
    assert again == world.invoices.get_credit_note("acme", first.id)
    assert world.invoices.counter("acme").last["CN:2026"] == 1
    assert len(stored(world, invoice).credited.credit_notes) == 1
    other = credit(world, invoice, Actor(tenant_id="acme", user_id="alice", request="request-2"))
    assert other.id != first.id
    assert other.credit_note_number == "CN-2026-0002"


def test_a_race_lost_to_another_writer_is_tried_again_from_a_new_read(
    world: FakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = sent(world)
    rival = sent(world)
    original = world.invoices.get_for_credit
    raced: list[CreditNote] = []

    def read_then_race(tenant_id: str, invoice_id: str, **kwargs: Any) -> Any:
        context = original(tenant_id, invoice_id, **kwargs)
        if invoice_id == invoice.id and not raced:
            # another credit note takes the next number between this read and its write
            raced.append(credit(world, rival))
        return context

    monkeypatch.setattr(world.invoices, "get_for_credit", read_then_race)
    note = credit(world, invoice)
    assert [raced[0].credit_note_number, note.credit_note_number] == [
        "CN-2026-0001",
        "CN-2026-0002",
    ]


def test_a_race_lost_on_every_try_is_a_conflict_and_writes_nothing(
    world: FakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = sent(world)
    original = world.invoices.get_for_credit

    def stale(tenant_id: str, invoice_id: str, **kwargs: Any) -> Any:
        context = original(tenant_id, invoice_id, **kwargs)
        assert context is not None
        moved = InvoiceCounter(last={}, version=context.counter.version - 1)
        return type(context)(context.invoice, moved, context.settings, made=context.made)

    monkeypatch.setattr(world.invoices, "get_for_credit", stale)
    with pytest.raises(ConcurrentModificationError):
        credit(world, invoice)
    assert world.invoices.credit_notes_of_tenant("acme") == []
    assert stored(world, invoice) == invoice


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rows": [{"rowId": "a", "quantity": 3}]}, "rows[0].quantity"),
        ({"amounts": [{"taxRate": 24, "amount": "161.21"}]}, "amounts[0].amount"),
        ({"rows": [{"rowId": "nope"}]}, "rows[0].rowId"),
    ],
)
def test_a_credit_beyond_the_invoice_is_refused_and_writes_nothing(
    world: FakeWorld, body: dict[str, Any], field: str
) -> None:
    invoice = sent(world)
    counter = world.invoices.counter("acme")
    with pytest.raises(InvalidInputError) as refused:
        credit(world, invoice, **body)
    assert [problem.field for problem in refused.value.problems] == [field]
    assert (world.invoices.counter("acme"), stored(world, invoice)) == (counter, invoice)
    assert world.invoices.credit_notes_of_tenant("acme") == []


def test_a_draft_is_refused_and_another_tenants_invoice_is_not_found(world: FakeWorld) -> None:
    body = NewInvoice.model_validate({"currency": "EUR", "rows": ROWS})
    draft = world.invoices.add(
        invoicing.new_invoice(body, actor=ACME, now=NOW, defaults=world.ports.defaults)
    )
    with pytest.raises(InvalidStateError):
        credit(world, draft)
    invoice = sent(world)
    with pytest.raises(InvoiceNotFoundError):
        credit(world, invoice, GLOBEX)
    note = credit(world, invoice)
    with pytest.raises(CreditNoteNotFoundError):
        service.get_credit_note(note.id, actor=GLOBEX, ports=world.ports)
    with pytest.raises(InvoiceNotFoundError):
        service.credit_notes_of(invoice.id, actor=GLOBEX, ports=world.ports)
    assert world.invoices.credit_notes_of_tenant("globex") == []
