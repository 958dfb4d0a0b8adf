"""A client's credit (issue 21, part 5): what payments and credit notes brought beyond what was
open on an invoice is kept as the client's credit balance in the invoice's currency, to be
applied to another invoice (a payment of method CREDIT) or refunded. What one invoice holds of
its client's credit is read from the invoice itself, so every write of it knows how far it moves
the balance (movement_of), as it knows how far it moves the tenant's figures. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from chalicelib.domain.base import DomainModel
from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.invoice import Invoice, PaymentMethod, Transaction
from chalicelib.domain.money import ZERO, difference, minor_units, round_money
from chalicelib.domain.values import Actor, Timestamp, new_id

if TYPE_CHECKING:
    from chalicelib.domain.payments import RefundInput


class MovementKind(StrEnum):
    OVERPAYMENT = "OVERPAYMENT"  # a payment beyond what was open on the invoice
    CREDIT_NOTE = "CREDIT_NOTE"  # a credit note beyond what was open on the invoice
    APPLIED = "APPLIED"  # drawn by a payment of method CREDIT
    PAYMENT_REMOVED = "PAYMENT_REMOVED"  # a payment removed: what it brought or drew, undone
    REFUND = "REFUND"  # paid back to the client
    ADJUSTED = "ADJUSTED"  # an invoice credited before customer credit existed, caught up


class CreditMovement(DomainModel):
    """One move of a client's balance in one currency: positive into it, negative out of it;
    what moved it (the invoice, its payment or credit note), and when."""

    id: str
    tenant_id: str
    client_id: str
    currency: str
    amount: Decimal
    kind: MovementKind
    date: Timestamp  # when the money moved: the write's moment, or the refund's stated date
    invoice_id: str | None = None
    invoice_number: str | None = None
    transaction_id: str | None = None
    credit_note_id: str | None = None
    description: str | None = None
    created: Timestamp
    created_by: str


class CurrencyBalance(DomainModel):
    currency: str
    amount: Decimal
    updated: Timestamp | None = None  # its last move


class ClientCredit(DomainModel):
    """GET /clients/{clientId}/balance: each currency's balance, and a page of the moves that
    made it, oldest first."""

    client_id: str
    balances: list[CurrencyBalance]
    movements: list[CreditMovement]


def excess(invoice: Invoice, paid: Decimal, credited: Decimal) -> Decimal:
    """What payments and credit notes bring beyond the invoice's total: its client's credit. An
    invoice that names no client of the tenant's keeps it as a negative balance, as before."""
    if invoice.client_id is None:
        return round_money(ZERO, invoice.currency)
    beyond = difference(paid + credited, invoice.total_with_tax)
    return max(beyond, round_money(ZERO, invoice.currency))


def drawn(invoice: Invoice) -> Decimal:
    """What its payments of method CREDIT took from its client's balance."""
    used = (t.amount for t in invoice.transactions if t.payment_method == PaymentMethod.CREDIT)
    return sum(used, round_money(ZERO, invoice.currency))


def held(invoice: Invoice | None) -> Decimal:
    """How far the invoice moved its client's balance: what it brought, less what it drew."""
    if invoice is None or invoice.client_id is None:
        return ZERO
    return difference(invoice.client_credit, drawn(invoice))


def movement_of(before: Invoice | None, after: Invoice | None) -> CreditMovement | None:
    """What a write of the invoice moves in its client's balance: None when nothing."""
    if after is None or after.client_id is None:
        return None
    amount = difference(held(after), held(before))
    if not amount:
        return None
    kind, transaction, note = _cause(before, after)
    event = after.events[-1] if after.events else None
    return CreditMovement(
        id=new_id(),
        tenant_id=after.tenant_id,
        client_id=after.client_id,
        currency=after.currency,
        amount=amount,
        kind=kind,
        date=after.updated,
        invoice_id=after.id,
        invoice_number=after.invoice_number,
        transaction_id=transaction.id if transaction else None,
        credit_note_id=note,
        description=event.description if event else None,
        created=after.updated,
        created_by=after.updated_by,
    )


def _cause(
    before: Invoice | None, after: Invoice
) -> tuple[MovementKind, Transaction | None, str | None]:
    """What a write did that moved the balance: a credit note issued, a payment added (of method
    CREDIT: applied) or removed; else a catch-up."""
    old = {t.id: t for t in before.transactions} if before else {}
    new = {t.id: t for t in after.transactions}
    added = [t for i, t in new.items() if i not in old]
    removed = [t for i, t in old.items() if i not in new]
    noted = {n.id for n in before.credited.credit_notes} if before else set()
    notes = [n.id for n in after.credited.credit_notes if n.id not in noted]
    if notes:
        return MovementKind.CREDIT_NOTE, None, notes[-1]
    if added:
        applied = added[-1].payment_method == PaymentMethod.CREDIT
        return MovementKind.APPLIED if applied else MovementKind.OVERPAYMENT, added[-1], None
    if removed:
        return MovementKind.PAYMENT_REMOVED, removed[-1], None
    return MovementKind.ADJUSTED, None, None


def refund(client_id: str, request: RefundInput, *, actor: Actor, now: datetime) -> CreditMovement:
    """The move out of the client's balance that paying `request.amount` back records; the
    store refuses it when the balance is short."""
    amount = round_money(request.amount, request.currency)
    if amount != request.amount:
        message = f"{request.currency} amounts have at most {minor_units(request.currency)} places"
        raise InvalidInputError([FieldProblem("amount", message)])
    return CreditMovement(
        id=new_id(),
        tenant_id=actor.tenant_id,
        client_id=client_id,
        currency=request.currency,
        amount=-amount,
        kind=MovementKind.REFUND,
        date=request.date or now,
        description=request.description,
        created=now,
        created_by=actor.user_id,
    )


def movements_of(changes: Iterable[tuple[Invoice | None, Invoice | None]]) -> list[CreditMovement]:
    """What writing each (before, after) pair moves in clients' balances, one move per invoice."""
    return [moved for before, after in changes if (moved := movement_of(before, after))]
