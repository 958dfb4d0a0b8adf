"""Issuing an invoice with its number, and cancelling it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain import invoicing, transitions
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.errors import InvalidStateError
from chalicelib.domain.invoice import EventType, Invoice, InvoiceStatus
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.numbering import DEFAULT_FORMAT, InvoiceCounter
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor

CREATED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
ALICE = Actor(tenant_id="acme", user_id="alice")
BOB = Actor(tenant_id="acme", user_id="bob")
S = InvoiceStatus


def _invoice(
    status: InvoiceStatus = S.DRAFT, number: str | None = None, invoice_date: str = "2026-11-01"
) -> Invoice:
    fields = InvoiceFields.model_validate(
        {"invoiceDate": invoice_date, "rows": [{"quantity": "1", "unitPrice": "10"}]}
    )
    draft = invoicing.new_invoice(fields, actor=ALICE, now=CREATED, defaults=InvoiceDefaults())
    return draft.model_copy(update={"status": status, "invoice_number": number})


def _send(
    invoice: Invoice, counter: InvoiceCounter, number_format: str = DEFAULT_FORMAT
) -> tuple[Invoice, InvoiceCounter | None]:
    issuing = transitions.Issuing(counter, TenantSettings(numbering_format=number_format))
    return transitions.mark_as_sent(invoice, issuing, actor=BOB, now=NOW)


def test_marking_a_draft_as_sent_gives_it_the_next_number_and_advances_the_counter() -> None:
    sent, advanced = _send(_invoice(), InvoiceCounter(last={"2026": 6}))

    assert (sent.status, sent.invoice_number) == (S.SENT, "INV-2026-0007")
    assert advanced is not None
    assert advanced.last == {"2026": 7}


def test_the_number_follows_the_tenants_format_and_the_invoice_date() -> None:
    draft = _invoice(invoice_date="2025-12-31")

    sent, advanced = _send(draft, InvoiceCounter(last={"2026": 6}), "RE-{YY}{MM}-{SEQ:03}")

    assert sent.invoice_number == "RE-2512-001"
    assert advanced is not None
    assert advanced.last == {"2025": 1, "2026": 6}


def test_drafts_sent_one_after_another_take_consecutive_numbers() -> None:
    counter = InvoiceCounter()
    numbers = []
    for _ in range(3):
        sent, advanced = _send(_invoice(), counter)
        assert advanced is not None
        numbers.append(sent.invoice_number)
        counter = advanced

    assert numbers == ["INV-2026-0001", "INV-2026-0002", "INV-2026-0003"]


def test_marking_as_sent_changes_neither_the_draft_nor_the_counter_passed_in() -> None:
    draft = _invoice()
    counter = InvoiceCounter(last={"2026": 6})
    before = draft.model_dump()

    _send(draft, counter)

    assert draft.model_dump() == before
    assert counter.last == {"2026": 6}


def test_a_scheduled_invoice_keeps_its_number_and_takes_no_new_one() -> None:
    scheduled = _invoice(S.SCHEDULED, number="INV-2026-0003")

    sent, advanced = _send(scheduled, InvoiceCounter(last={"2026": 9}))

    assert (sent.status, sent.invoice_number, advanced) == (S.SENT, "INV-2026-0003", None)


def test_a_scheduled_invoice_without_a_number_takes_the_next_one() -> None:
    sent, advanced = _send(_invoice(S.SCHEDULED), InvoiceCounter(last={"2026": 9}))

    assert sent.invoice_number == "INV-2026-0010"
    assert advanced is not None
    assert advanced.last == {"2026": 10}


@pytest.mark.parametrize("status", [S.SENT, S.OVERDUE, S.PAID, S.CANCELLED])
def test_an_invoice_already_issued_or_cancelled_cannot_be_marked_as_sent(
    status: InvoiceStatus,
) -> None:
    issued = _invoice(status, number="INV-2026-0003")

    with pytest.raises(InvalidStateError) as refused:
        _send(issued, InvoiceCounter(last={"2026": 9}))

    assert refused.value.status == status
    assert f"Cannot mark as sent while invoice {issued.id} is {status.value}" in str(refused.value)


def test_marking_as_sent_appends_an_event_naming_the_number() -> None:
    draft = _invoice()

    sent, _ = _send(draft, InvoiceCounter())

    assert sent.events[:-1] == draft.events
    event = sent.events[-1]
    assert (event.type, event.author_id, event.date) == (EventType.MARKED_AS_SENT, "bob", NOW)
    assert event.description is not None
    assert "INV-2026-0001" in event.description
    assert (sent.updated, sent.updated_by) == (NOW, "bob")


@pytest.mark.parametrize(
    ("status", "number"),
    [
        (S.DRAFT, None),
        (S.SCHEDULED, "INV-2026-0004"),
        (S.SENT, "INV-2026-0004"),
        (S.OVERDUE, "INV-2026-0004"),
    ],
)
def test_cancelling_keeps_the_number_and_records_the_event(
    status: InvoiceStatus, number: str | None
) -> None:
    invoice = _invoice(status, number=number)

    cancelled = transitions.cancel(invoice, actor=BOB, now=NOW)

    assert (cancelled.status, cancelled.invoice_number) == (S.CANCELLED, number)
    assert cancelled.events[:-1] == invoice.events
    event = cancelled.events[-1]
    assert (event.type, event.author_id, event.date) == (EventType.CANCELLED, "bob", NOW)
    assert (cancelled.updated, cancelled.updated_by) == (NOW, "bob")


@pytest.mark.parametrize("status", [S.PAID, S.CANCELLED])
def test_a_paid_or_cancelled_invoice_cannot_be_cancelled(status: InvoiceStatus) -> None:
    invoice = _invoice(status, number="INV-2026-0004")

    with pytest.raises(InvalidStateError, match=f"Cannot cancel while invoice .* is {status}"):
        transitions.cancel(invoice, actor=BOB, now=NOW)
