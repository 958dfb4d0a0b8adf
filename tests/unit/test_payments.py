"""Payments: transactions, paid and paidExcludingTax, and PAID exactly when they reach the total."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain import invoicing, payments
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.errors import (
    CreditBalanceError,
    InvalidInputError,
    InvalidStateError,
    PaymentExceedsBalanceError,
    TransactionNotFoundError,
)
from chalicelib.domain.invoice import EventType, Invoice, InvoiceStatus, PaymentMethod
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.values import Actor

CREATED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
PAID_ON = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
# Invoice date 2026-11-01 with 14 days' terms: due 2026-11-15.
BEFORE_DUE = date(2026, 11, 10)
ON_DUE = date(2026, 11, 15)
AFTER_DUE = date(2026, 11, 16)
ALICE = Actor(tenant_id="acme", user_id="alice")
BOB = Actor(tenant_id="acme", user_id="bob")
S = InvoiceStatus


def _issued(
    unit_price: str = "100.00",
    tax_rate: str = "19",
    *,
    quantity: str = "1",
    currency: str = "EUR",
    status: InvoiceStatus = S.SENT,
) -> Invoice:
    """One row: by default 100.00 net plus 19 % tax, 119.00 in all."""
    fields = InvoiceFields.model_validate(
        {
            "currency": currency,
            "invoiceDate": "2026-11-01",
            "paymentTermDays": 14,
            "rows": [{"quantity": quantity, "unitPrice": unit_price, "taxRate": tax_rate}],
        }
    )
    draft = invoicing.new_invoice(fields, actor=ALICE, now=CREATED, defaults=InvoiceDefaults())
    return draft.model_copy(update={"status": status, "invoice_number": "INV-2026-0001"})


def _payment(amount: str, **extra: Any) -> PaymentInput:
    return PaymentInput.model_validate({"amount": amount, **extra})


def _on(today: date) -> datetime:
    """NOW's time of day on `today`: the invoices here are in UTC, so it is their day too."""
    return datetime.combine(today, NOW.timetz())


def _pay(invoice: Invoice, amount: str, *, today: date = BEFORE_DUE, **extra: Any) -> Invoice:
    payment = _payment(amount, **extra)
    return payments.add_payment(invoice, payment, actor=BOB, now=_on(today))


def _remove(invoice: Invoice, transaction_id: str, *, today: date = BEFORE_DUE) -> Invoice:
    return payments.remove_payment(invoice, transaction_id, actor=BOB, now=_on(today))


def _mark_paid(
    invoice: Invoice,
    paid_on: datetime | None = PAID_ON,
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER,
) -> Invoice:
    return payments.mark_as_paid(
        invoice, paid_on=paid_on, method=method, actor=BOB, now=_on(BEFORE_DUE)
    )


def _unmark(invoice: Invoice, *, today: date = BEFORE_DUE) -> Invoice:
    return payments.unmark_as_paid(invoice, actor=BOB, now=_on(today))


def _amounts(invoice: Invoice) -> tuple[str, str]:
    return str(invoice.paid), str(invoice.paid_excluding_tax)


# add_payment


def test_a_payment_is_recorded_as_a_transaction_with_its_details() -> None:
    paid = _pay(_issued(), "50.00", date="2026-11-08T12:00:00Z", paymentMethod="BANK_TRANSFER")

    [transaction] = paid.transactions
    assert transaction.id
    assert str(transaction.amount) == "50.00"
    assert transaction.date == PAID_ON
    assert transaction.payment_method is PaymentMethod.BANK_TRANSFER
    assert (transaction.tenant_id, transaction.created_by, transaction.created) == (
        "acme",
        "bob",
        NOW,
    )


def test_a_payment_without_a_date_is_dated_now_and_its_method_defaults_to_other() -> None:
    [transaction] = _pay(_issued(), "50.00").transactions

    assert (transaction.date, transaction.payment_method) == (NOW, PaymentMethod.OTHER)


def test_a_payment_dated_with_a_day_only_is_taken_at_that_days_midnight_utc() -> None:
    assert _payment("1", date="2026-11-08").date == datetime(2026, 11, 8, tzinfo=UTC)


def test_each_payment_gets_its_own_transaction_id() -> None:
    twice = _pay(_pay(_issued(), "10.00"), "10.00")

    assert len({t.id for t in twice.transactions}) == 2


def test_a_partial_payment_sets_paid_and_its_net_share_and_leaves_the_invoice_open() -> None:
    paid = _pay(_issued(), "59.50")

    assert _amounts(paid) == ("59.50", "50.00")
    assert (paid.status, paid.date_paid) == (S.SENT, None)


@pytest.mark.parametrize(
    ("tax_rate", "amount", "net_share"),
    [
        ("19", "10.00", "8.40"),  # 8.403...
        ("19", "60.00", "50.42"),  # 50.420...
        ("100", "0.25", "0.13"),  # 0.125 rounds half up
        ("100", "0.01", "0.01"),  # 0.005 rounds half up
    ],
)
def test_the_net_share_of_a_partial_payment_is_proportional_and_rounded_half_up(
    tax_rate: str, amount: str, net_share: str
) -> None:
    assert str(_pay(_issued("100.00", tax_rate), amount).paid_excluding_tax) == net_share


def test_the_net_share_of_a_large_payment_is_rounded_once_from_the_exact_value() -> None:
    # 10 x 123456789012.345 = 1234567890123.45 net, plus 100 % tax: the net share is half of
    # what was paid, 664634366966.585, which rounds half up; 28-digit arithmetic lands below it.
    invoice = _issued("123456789012.345", "100", quantity="10")

    assert str(_pay(invoice, "1329268733933.17").paid_excluding_tax) == "664634366966.59"


def test_payments_reaching_the_total_settle_the_invoice_on_the_settling_payments_date() -> None:
    invoice = _pay(_issued(), "33.33", date="2026-11-02")
    invoice = _pay(invoice, "33.33", date="2026-11-03")
    assert invoice.status is S.SENT

    settled = _pay(invoice, "52.34", date="2026-11-08T12:00:00Z")

    assert _amounts(settled) == ("119.00", "100.00")
    assert (settled.status, settled.date_paid) == (S.PAID, PAID_ON)


def test_an_overdue_invoice_accepts_payments_and_stays_overdue_until_settled() -> None:
    overdue = _issued(status=S.OVERDUE)

    partly = _pay(overdue, "19.00", today=AFTER_DUE)
    settled = _pay(partly, "100.00", today=AFTER_DUE)

    assert (partly.status, settled.status) == (S.OVERDUE, S.PAID)


def test_a_payment_over_the_balance_is_refused_and_changes_nothing() -> None:
    invoice = _pay(_issued(), "100.00")
    before = invoice.model_dump()

    with pytest.raises(PaymentExceedsBalanceError, match=r"19\.01 EUR exceeds the 19\.00 EUR"):
        _pay(invoice, "19.01")

    assert invoice.model_dump() == before


def test_a_payment_of_exactly_the_balance_is_accepted() -> None:
    assert _pay(_pay(_issued(), "100.00"), "19.00").status is S.PAID


@pytest.mark.parametrize(
    ("currency", "unit_price", "amount"),
    [("EUR", "100.00", "10.005"), ("JPY", "1000", "1.5"), ("KWD", "100.000", "1.0005")],
)
def test_an_amount_with_more_decimals_than_the_currency_has_is_refused(
    currency: str, unit_price: str, amount: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        _pay(_issued(unit_price, currency=currency), amount)

    assert [p.field for p in refused.value.problems] == ["amount"]


@pytest.mark.parametrize(
    ("currency", "unit_price", "amount", "recorded", "paid"),
    [
        ("EUR", "100.00", "10.5", "10.50", "10.50"),
        ("EUR", "100.00", "10.000", "10.00", "10.00"),
        ("JPY", "1000", "5", "5", "5"),
    ],
)
def test_a_payment_is_recorded_in_the_currencys_minor_units(
    currency: str, unit_price: str, amount: str, recorded: str, paid: str
) -> None:
    invoice = _pay(_issued(unit_price, currency=currency), amount)

    assert (str(invoice.transactions[0].amount), str(invoice.paid)) == (recorded, paid)


@pytest.mark.parametrize("status", [S.DRAFT, S.SCHEDULED, S.PAID, S.CANCELLED])
def test_a_payment_is_refused_unless_the_invoice_is_sent_or_overdue(
    status: InvoiceStatus,
) -> None:
    refusal = f"Cannot add a payment while invoice .* is {status}"
    with pytest.raises(InvalidStateError, match=refusal):
        _pay(_issued(status=status), "10.00")


@pytest.mark.parametrize("amount", ["0", "0.00", "-0.01", "-10"])
def test_zero_and_negative_amounts_are_refused_as_input(amount: str) -> None:
    with pytest.raises(ValidationError):
        _payment(amount)


# remove_payment


def test_removing_an_unknown_payment_is_refused() -> None:
    paid = _pay(_issued(), "10.00")

    with pytest.raises(TransactionNotFoundError, match="no payment nope"):
        _remove(paid, "nope")


@pytest.mark.parametrize(
    ("timezone", "reopened"), [("UTC", S.SENT), ("Pacific/Auckland", S.OVERDUE)]
)
def test_the_due_date_passes_in_the_invoices_own_timezone(
    timezone: str, reopened: InvoiceStatus
) -> None:
    """At 13:00 UTC on the due date it is already the next day in Auckland: no settings are
    read to know which day it is, the invoice says."""
    marked = _mark_paid(_issued()).model_copy(update={"timezone": timezone})
    now = datetime.combine(ON_DUE, time(13), tzinfo=UTC)
    assert payments.unmark_as_paid(marked, actor=BOB, now=now).status is reopened


@pytest.mark.parametrize(
    ("today", "reopened"), [(ON_DUE, S.SENT), (AFTER_DUE, S.OVERDUE)], ids=["on-due", "past-due"]
)
def test_removing_a_payment_reopens_a_paid_invoice_by_its_due_date(
    today: date, reopened: InvoiceStatus
) -> None:
    first = _pay(_issued(), "19.00")
    settled = _pay(first, "100.00")

    after = _remove(settled, settled.transactions[0].id, today=today)

    assert [str(t.amount) for t in after.transactions] == ["100.00"]
    assert _amounts(after) == ("100.00", "84.03")
    assert (after.status, after.date_paid) == (reopened, None)


def test_removing_a_payment_of_a_partly_paid_invoice_keeps_it_sent() -> None:
    partly = _pay(_issued(), "19.00")

    after = _remove(partly, partly.transactions[0].id, today=AFTER_DUE)

    assert (after.status, after.transactions) == (S.SENT, [])
    assert _amounts(after) == ("0.00", "0.00")


# mark_as_paid


def test_marking_as_paid_records_one_payment_for_the_remaining_balance() -> None:
    partly = _pay(_issued(), "19.00")

    marked = _mark_paid(partly, PAID_ON, PaymentMethod.CASH)

    settling = marked.transactions[-1]
    assert len(marked.transactions) == 2
    assert (str(settling.amount), settling.date, settling.payment_method) == (
        "100.00",
        PAID_ON,
        PaymentMethod.CASH,
    )
    assert _amounts(marked) == ("119.00", "100.00")
    assert (marked.status, marked.date_paid) == (S.PAID, PAID_ON)


def test_marking_as_paid_without_a_date_pays_now() -> None:
    marked = _mark_paid(_issued(), paid_on=None)

    assert (marked.transactions[0].date, marked.date_paid) == (NOW, NOW)


def test_marking_an_invoice_with_nothing_to_pay_as_paid_records_no_payment() -> None:
    free = _issued("0.00")

    marked = _mark_paid(free)

    assert (marked.status, marked.date_paid, marked.transactions) == (S.PAID, PAID_ON, [])
    assert _amounts(marked) == ("0.00", "0.00")


def test_marking_a_credit_as_paid_is_refused_a_payment_is_never_negative() -> None:
    credit = _issued(quantity="-1")
    assert str(credit.total) == "-119.00"

    with pytest.raises(CreditBalanceError, match=r"leaves -119\.00 EUR open"):
        _mark_paid(credit)


@pytest.mark.parametrize("status", [S.DRAFT, S.SCHEDULED, S.PAID, S.CANCELLED])
def test_only_a_sent_or_overdue_invoice_can_be_marked_as_paid(status: InvoiceStatus) -> None:
    refusal = f"Cannot mark as paid while invoice .* is {status}"
    with pytest.raises(InvalidStateError, match=refusal):
        _mark_paid(_issued(status=status))


# unmark_as_paid


def test_unmarking_removes_only_the_settling_payment() -> None:
    marked = _mark_paid(_pay(_issued(), "19.00", date="2026-11-02"))

    unmarked = _unmark(marked)

    assert [str(t.amount) for t in unmarked.transactions] == ["19.00"]
    assert _amounts(unmarked) == ("19.00", "15.97")
    assert (unmarked.status, unmarked.date_paid) == (S.SENT, None)


@pytest.mark.parametrize(
    ("today", "reopened"), [(ON_DUE, S.SENT), (AFTER_DUE, S.OVERDUE)], ids=["on-due", "past-due"]
)
def test_unmarking_reopens_the_invoice_by_its_due_date(
    today: date, reopened: InvoiceStatus
) -> None:
    assert _unmark(_mark_paid(_issued()), today=today).status is reopened


def test_unmarking_an_invoice_with_nothing_to_pay_reopens_it_without_payments() -> None:
    unmarked = _unmark(_mark_paid(_issued("0.00")))

    assert (unmarked.status, unmarked.date_paid, unmarked.transactions) == (S.SENT, None, [])


@pytest.mark.parametrize("status", [S.DRAFT, S.SCHEDULED, S.SENT, S.OVERDUE, S.CANCELLED])
def test_only_a_paid_invoice_can_be_unmarked(status: InvoiceStatus) -> None:
    with pytest.raises(InvalidStateError, match="Cannot unmark as paid"):
        _unmark(_pay(_issued(), "19.00").model_copy(update={"status": status}))


# every operation


def _settled() -> Invoice:
    return _pay(_issued(), "119.00")


OPERATIONS: dict[str, tuple[Callable[[], Invoice], Callable[[Invoice], Invoice], EventType]] = {
    "add_payment": (_issued, lambda inv: _pay(inv, "10.00"), EventType.PAYMENT_ADDED),
    "remove_payment": (
        _settled,
        lambda inv: _remove(inv, inv.transactions[0].id),
        EventType.PAYMENT_REMOVED,
    ),
    "mark_as_paid": (_issued, _mark_paid, EventType.MARKED_AS_PAID),
    "unmark_as_paid": (_settled, _unmark, EventType.UNMARKED_AS_PAID),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_payment_operation_appends_its_event_and_stamps_the_change(operation: str) -> None:
    build, act, kind = OPERATIONS[operation]
    invoice = build()

    changed = act(invoice)

    assert changed.events[:-1] == invoice.events
    event = changed.events[-1]
    assert (event.type, event.author_id, event.date) == (kind, "bob", NOW)
    assert (changed.updated, changed.updated_by) == (NOW, "bob")
    assert (changed.created, changed.created_by) == (CREATED, "alice")


def test_balance_is_what_remains_to_be_paid() -> None:
    assert payments.balance(_pay(_issued(), "19.99")) == Decimal("99.01")
