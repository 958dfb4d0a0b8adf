"""Payments: each one recorded as a transaction; `paid` follows, and the invoice is PAID exactly
when its payments and its credit notes together cover its total (a credit note issued may be what
settles it). What they bring beyond its total is its client's credit (domain/customer_credit),
which a payment of method CREDIT draws on and a refund pays back."""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field

from chalicelib.domain.commands import Command
from chalicelib.domain.credit_notes import fully_covered, open_amount
from chalicelib.domain.credited import CreditedSummary, CreditNoteReference
from chalicelib.domain.customer_credit import excess
from chalicelib.domain.due import local_date
from chalicelib.domain.errors import (
    CreditBalanceError,
    CreditWithoutClientError,
    FieldProblem,
    InvalidInputError,
    PaymentExceedsBalanceError,
    SettledByCreditNotesError,
    TransactionNotFoundError,
)
from chalicelib.domain.events import record
from chalicelib.domain.invoice import (
    EventType,
    Invoice,
    InvoiceStatus,
    PaymentMethod,
    Transaction,
)
from chalicelib.domain.money import ZERO, difference, minor_units, prorate, round_money
from chalicelib.domain.state_machine import Action, ensure_allowed, open_status
from chalicelib.domain.values import (
    AcceptedTimestamp,
    Actor,
    CurrencyCode,
    PlainDecimal,
    Reference,
    ShortText,
    new_id,
)

PaymentAmount = Annotated[PlainDecimal, Field(gt=0, le=10**15, allow_inf_nan=False)]


def _midnight_utc_for_a_date(value: object) -> object:
    # A payment date may be a day ("2026-11-21"); it is stored as that day's start in UTC.
    return f"{value}T00:00:00Z" if isinstance(value, str) and len(value.strip()) == 10 else value


PaymentDate = Annotated[
    AcceptedTimestamp,
    BeforeValidator(_midnight_utc_for_a_date, json_schema_input_type=date | datetime),
]


class PaymentInput(Command):
    amount: PaymentAmount
    date: PaymentDate | None = None
    payment_method: PaymentMethod = PaymentMethod.OTHER
    description: ShortText | None = None
    # The caller's own name for the account the money went to, kept and answered as sent.
    account_id: Reference | None = None


class RefundInput(Command):
    """POST /clients/{clientId}/balance/refunds: credit paid back to the client."""

    amount: PaymentAmount
    currency: CurrencyCode
    date: PaymentDate | None = None  # when it was paid back (default: now)
    description: ShortText | None = None


def balance(invoice: Invoice) -> Decimal:
    """What is open: the total less what was paid and what credit notes credited, and what of
    that went beyond the total to the client's credit."""
    total, credited = invoice.total_with_tax, invoice.credited.total_with_tax
    return open_amount(total, invoice.paid, credited) + invoice.client_credit


def still_due(invoice: Invoice) -> Decimal:
    """What the client is still to pay: the balance, and nothing once payments and credit notes
    cover the invoice (a refund owed is not due)."""
    return max(balance(invoice), ZERO)


def credited(
    invoice: Invoice,
    note: CreditNoteReference,
    summary: CreditedSummary,
    *,
    actor: Actor,
    now: datetime,
) -> Invoice:
    """The invoice once the credit note `note` is issued on it, `summary` its credits since:
    PAID (as of now) when its payments and credit notes now cover it."""
    currency = invoice.currency
    beyond = excess(invoice, invoice.paid, summary.total_with_tax)
    changes: dict[str, object] = {"credited": summary, "client_credit": beyond}
    covered = fully_covered(invoice.total_with_tax, invoice.paid, summary.total_with_tax)
    if covered and invoice.status != InvoiceStatus.PAID:
        changes |= {"status": InvoiceStatus.PAID, "date_paid": now}
    return record(
        invoice,
        EventType.CREDITED,
        note.issued(currency) + _kept(difference(beyond, invoice.client_credit), currency),
        actor=actor,
        now=now,
        **changes,
    )


def add_payment(invoice: Invoice, payment: PaymentInput, *, actor: Actor, now: datetime) -> Invoice:
    ensure_allowed(invoice, Action.ADD_PAYMENT)
    # Written in the currency's minor units (10.5 EUR as 10.50), as every other amount is.
    amount = round_money(payment.amount, invoice.currency)
    if amount != payment.amount:
        message = (
            f"{invoice.currency} amounts have at most "
            f"{minor_units(invoice.currency)} decimal places"
        )
        raise InvalidInputError([FieldProblem("amount", message)])
    _ensure_payable(invoice, amount, payment.payment_method)
    transaction = _transaction(
        invoice, amount, payment.date or now, payment.payment_method, actor, now
    ).model_copy(update={"description": payment.description, "account_id": payment.account_id})
    transactions = [*invoice.transactions, transaction]
    state = _payment_state(invoice, transactions, now)
    added = f"Payment {transaction.id} of {amount} {invoice.currency} added"
    if payment.payment_method == PaymentMethod.CREDIT:
        added += " from the client's credit"
    paid, credited = invoice.paid + amount, invoice.credited.total_with_tax
    beyond = difference(excess(invoice, paid, credited), invoice.client_credit)
    return record(
        invoice,
        EventType.PAYMENT_ADDED,
        added + _kept(beyond, invoice.currency),
        actor=actor,
        now=now,
        **state,
    )


def _ensure_payable(invoice: Invoice, amount: Decimal, method: PaymentMethod) -> None:
    """A payment may go beyond what is open only where the excess has somewhere to go, its
    client's credit; a CREDIT payment needs a client to draw on and never goes beyond (whether
    the balance holds it is the store's condition, in the invoice's own write)."""
    open_now = balance(invoice)
    if method == PaymentMethod.CREDIT and invoice.client_id is None:
        raise CreditWithoutClientError(invoice.id)
    if amount <= open_now:
        return
    if method == PaymentMethod.CREDIT or invoice.client_id is None:
        raise PaymentExceedsBalanceError(invoice.id, amount, open_now, invoice.currency)


def _kept(beyond: Decimal, currency: str) -> str:
    """What an event says of the credit a change gave the client."""
    if beyond <= 0:
        return ""
    return f"; {beyond} {currency} beyond what was open kept as the client's credit"


def mark_as_paid(
    invoice: Invoice,
    *,
    paid_on: datetime | None,
    method: PaymentMethod,
    actor: Actor,
    now: datetime,
) -> Invoice:
    """Record one payment for whatever is still open, then PAID. A negative balance (a credit
    owed to the client) is refused: a payment is never negative."""
    ensure_allowed(invoice, Action.MARK_AS_PAID)
    if method == PaymentMethod.CREDIT and invoice.client_id is None:
        raise CreditWithoutClientError(invoice.id)
    unpaid = balance(invoice)
    if unpaid < 0:
        raise CreditBalanceError(invoice.id, unpaid, invoice.currency)
    if not unpaid:
        return record(
            invoice,
            EventType.MARKED_AS_PAID,
            "Marked as paid",
            actor=actor,
            now=now,
            status=InvoiceStatus.PAID,
            date_paid=paid_on or now,
        )
    settling = _transaction(invoice, unpaid, paid_on or now, method, actor, now)
    transactions = [*invoice.transactions, settling]
    return record(
        invoice,
        EventType.MARKED_AS_PAID,
        f"Marked as paid with payment {settling.id} of {unpaid} {invoice.currency}",
        actor=actor,
        now=now,
        **_payment_state(invoice, transactions, now),
    )


def remove_payment(
    invoice: Invoice, transaction_id: str, *, actor: Actor, now: datetime
) -> Invoice:
    ensure_allowed(invoice, Action.REMOVE_PAYMENT)
    kept = [t for t in invoice.transactions if t.id != transaction_id]
    if len(kept) == len(invoice.transactions):
        raise TransactionNotFoundError(invoice.id, transaction_id)
    return record(
        invoice,
        EventType.PAYMENT_REMOVED,
        f"Payment {transaction_id} removed",
        actor=actor,
        now=now,
        **_payment_state(invoice, kept, now),
    )


def unmark_as_paid(invoice: Invoice, *, actor: Actor, now: datetime) -> Invoice:
    """Undo the payment that settled the invoice (its latest); earlier payments stay recorded.
    Refused when its credit notes still cover it without that payment: it would stay PAID."""
    ensure_allowed(invoice, Action.UNMARK_AS_PAID)
    state = _payment_state(invoice, invoice.transactions[:-1], now)
    if state["status"] == InvoiceStatus.PAID:
        raise SettledByCreditNotesError(invoice.id)
    return record(
        invoice, EventType.UNMARKED_AS_PAID, "Unmarked as paid", actor=actor, now=now, **state
    )


def paid_excluding_tax(invoice: Invoice, paid: Decimal) -> Decimal:
    """The net share of what was paid: exact when settled, proportional (rounded) before."""
    if paid == invoice.total:
        return invoice.total_excluding_tax
    if invoice.total == 0:
        return round_money(ZERO, invoice.currency)
    return prorate(paid, invoice.total_excluding_tax, invoice.total, invoice.currency)


def _payment_state(
    invoice: Invoice, transactions: list[Transaction], now: datetime
) -> dict[str, object]:
    """What follows from a set of payments: paid, status and datePaid. Settled means payments
    and credit notes exist and cover the total; an invoice with neither is PAID only when marked
    so. A reopened invoice is OVERDUE when its due date has passed in its own timezone."""
    paid = functools.reduce(
        lambda total, t: total + t.amount, transactions, round_money(ZERO, invoice.currency)
    )
    credited = invoice.credited.total_with_tax
    settled = fully_covered(invoice.total_with_tax, paid, credited)
    if settled:
        status = InvoiceStatus.PAID
    elif invoice.status == InvoiceStatus.PAID:
        status = open_status(invoice.due_date, local_date(now, invoice.timezone))
    else:
        status = invoice.status
    return {
        "transactions": transactions,
        "paid": paid,
        "paid_excluding_tax": paid_excluding_tax(invoice, min(paid, invoice.total)),
        "client_credit": excess(invoice, paid, credited),
        "status": status,
        "date_paid": _settled_on(invoice, transactions, now) if settled else None,
    }


def _settled_on(invoice: Invoice, transactions: list[Transaction], now: datetime) -> datetime:
    """When it came to be paid: its last payment's date; with none, covered by credit notes
    alone, the day it was first found so."""
    if transactions:
        return transactions[-1].date
    return invoice.date_paid or now


def _transaction(
    invoice: Invoice,
    amount: Decimal,
    paid_on: datetime,
    method: PaymentMethod,
    actor: Actor,
    now: datetime,
) -> Transaction:
    return Transaction(
        id=new_id(),
        tenant_id=invoice.tenant_id,
        amount=amount,
        date=paid_on,
        payment_method=method,
        created=now,
        created_by=actor.user_id,
        updated=now,
        updated_by=actor.user_id,
    )
