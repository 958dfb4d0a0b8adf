"""The client's credit in the pure domain (issue 21, part 5; decision 0056): what a payment or a
credit note brings beyond an invoice's total is kept on the invoice as clientCredit, what is
open never goes below zero for an invoice that names a client, a CREDIT payment draws at most
what is open, and each write's move of the client's balance follows from before and after."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain import payments
from chalicelib.domain.customer_credit import MovementKind, held, movement_of, movements_of
from chalicelib.domain.errors import CreditWithoutClientError, PaymentExceedsBalanceError
from chalicelib.domain.invoice import Invoice, PaymentMethod
from tests.unit.test_credit_notes import SIMPLE, credit, issued
from tests.unit.test_payments import BOB, NOW, _issued, _pay, _remove

CLIENT = "01935c1e-0000-7000-8000-0000000000c1"


def with_client(invoice: Invoice) -> Invoice:
    return invoice.model_copy(update={"client_id": CLIENT})


def test_a_payment_beyond_what_is_open_settles_it_and_keeps_the_rest_as_credit() -> None:
    paid = _pay(with_client(_issued()), "150.00")  # of 119.00

    assert (str(paid.paid), str(paid.client_credit), str(payments.balance(paid))) == (
        "150.00",
        "31.00",
        "0.00",
    )
    assert str(paid.paid_excluding_tax) == "100.00"  # what it paid of the invoice
    assert paid.status == "PAID"
    assert paid.events[-1].description is not None
    assert paid.events[-1].description.endswith(
        "31.00 EUR beyond what was open kept as the client's credit"
    )


def test_without_a_client_the_excess_has_nowhere_to_go_and_is_refused() -> None:
    with pytest.raises(PaymentExceedsBalanceError):
        _pay(_issued(), "119.01")


def test_a_credit_payment_needs_a_client_and_pays_at_most_what_is_open() -> None:
    with pytest.raises(CreditWithoutClientError):
        _pay(_issued(), "1.00", paymentMethod="CREDIT")
    with pytest.raises(PaymentExceedsBalanceError):
        _pay(with_client(_issued()), "119.01", paymentMethod="CREDIT")
    drawn = _pay(with_client(_issued()), "119.00", paymentMethod="CREDIT")
    assert (drawn.status, str(drawn.client_credit), held(drawn)) == (
        "PAID",
        "0.00",
        Decimal("-119.00"),
    )


def test_each_write_moves_the_balance_by_what_it_changed_and_says_why() -> None:
    invoice = with_client(_issued())
    overpaid = _pay(invoice, "150.00")
    [payment] = overpaid.transactions

    move = movement_of(invoice, overpaid)
    assert move is not None
    assert (move.kind, str(move.amount), move.transaction_id, move.client_id) == (
        MovementKind.OVERPAYMENT,
        "31.00",
        payment.id,
        CLIENT,
    )
    removed = _remove(overpaid, payment.id)
    back = movement_of(overpaid, removed)
    assert back is not None and (back.kind, str(back.amount)) == (
        MovementKind.PAYMENT_REMOVED,
        "-31.00",
    )
    assert movement_of(invoice, _pay(invoice, "10.00")) is None  # nothing beyond: no move
    assert movements_of([(None, overpaid)])[0].amount == Decimal("31.00")  # imported so


def test_a_credit_note_beyond_what_a_paid_invoice_owes_is_its_clients_credit() -> None:
    invoice = with_client(issued(SIMPLE))  # 161.20
    paid = payments.mark_as_paid(
        invoice, paid_on=None, method=PaymentMethod.OTHER, actor=BOB, now=NOW
    )
    note, summary = credit(paid, {"rows": [{"rowId": "b"}]})  # 37.20

    credited = payments.credited(paid, note.reference(), summary, actor=BOB, now=NOW)

    assert (str(credited.client_credit), str(payments.balance(credited))) == ("37.20", "0.00")
    move = movement_of(paid, credited)
    assert move is not None
    assert (move.kind, move.credit_note_id, str(move.amount)) == (
        MovementKind.CREDIT_NOTE,
        note.id,
        "37.20",
    )
