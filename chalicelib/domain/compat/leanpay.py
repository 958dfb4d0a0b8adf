"""Leanpay's invoice import (api-docs/leanpay-import-invoices-batch.txt) in native terms: each
Leanpay invoice was issued elsewhere and brings its totals only, so it becomes one native row whose
amounts give those totals back to the cent, issued under its own reference; an invoice imported
again takes the new figures and keeps its payments; and the native invoice is answered in
Leanpay's shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Annotated, Any

from pydantic import Field, PlainSerializer

from chalicelib.domain.base import DomainModel
from chalicelib.domain.commands import Command, NewInvoice, RowInput
from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.imports import ImportedState, imported
from chalicelib.domain.invoice import EventType, Invoice, InvoiceStatus
from chalicelib.domain.money import (
    HUNDRED,
    ZERO,
    difference,
    line_amounts,
    minor_units,
    plain,
    round_money,
)
from chalicelib.domain.parties import PartyDetails
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.text import InvoiceNumber
from chalicelib.domain.values import Actor, CalendarDate, DateTimeText, PlainDecimal, Reference

MAX_INVOICES = 100  # the document's "Maximum array length"
MAX_TERM_DAYS = 365  # the native paymentTermDays' bound
KEY_PREFIX = "leanpay:"  # Leanpay's externalIds live apart from every other caller's keys
_NATIVE_KEY_LENGTH = 128

Amount = Annotated[PlainDecimal, Field(ge=0, le=10**12, allow_inf_nan=False)]
ExternalId = Annotated[str, Field(min_length=1, max_length=_NATIVE_KEY_LENGTH - len(KEY_PREFIX))]


class LeanpayInvoice(Command):
    """One invoice of the documented body: already issued, totals only. `amount` includes tax;
    `sentDate`, when left out, is the issue date."""

    client_id: Reference
    reference: InvoiceNumber  # the invoice's number: in file names, headers and titles
    amount: Amount
    net_amount: Amount
    issue_date: CalendarDate
    due_date: CalendarDate
    external_id: ExternalId
    sent_date: CalendarDate | None = None


class LeanpayImport(Command):
    """The documented body: `invoices` is not marked required, so a body without it imports
    nothing, as an empty list does."""

    invoices: Annotated[list[LeanpayInvoice], Field(max_length=MAX_INVOICES)] = Field(
        default_factory=list
    )


def key_of(item: LeanpayInvoice) -> str:
    """The native externalId it is stored under (its id is derived_ids.leanpay_invoice_id)."""
    return KEY_PREFIX + item.external_id


# Exact well past 20 places, rounding as the money rules do.
_WIDE = Context(prec=60, rounding=ROUND_HALF_UP)
# The rate as a person writes it (4 places, the native API's), or exact enough for any amount.
_RATE_EXPONENTS = (Decimal("1E-4"), Decimal("1E-20"))


def tax_rate_for(net: Decimal, amount: Decimal, currency: str) -> Decimal | None:
    """The rate at which the native rule, tax = round(net x rate / 100), gives amount - net to
    the cent; None when no rate of 0 to 100 % does."""
    tax = difference(amount, net)
    if tax < ZERO or tax > net:
        return None
    if not net:
        return ZERO
    exact = _WIDE.divide(_WIDE.multiply(tax, HUNDRED), net)
    for exponent in _RATE_EXPONENTS:
        rate = plain(_WIDE.quantize(exact, exponent).normalize(_WIDE))
        if line_amounts(Decimal(1), net, rate, currency).tax_amount == tax:
            return rate
    return None


def native_body(item: LeanpayInvoice, currency: str) -> NewInvoice:
    """The native create body: one row of quantity 1 at netAmount, taxed at the rate that gives
    `amount`. Raises InvalidInputError naming each Leanpay field the native invoice cannot hold."""
    problems = []
    for name, value in (("netAmount", item.net_amount), ("amount", item.amount)):
        if round_money(value, currency) != value:
            message = f"{currency} amounts have at most {minor_units(currency)} decimal places"
            problems.append(FieldProblem(name, message))
    terms = (item.due_date - item.issue_date).days
    if not 0 <= terms <= MAX_TERM_DAYS:
        message = f"must be 0 to {MAX_TERM_DAYS} days after issueDate"
        problems.append(FieldProblem("dueDate", message))
    rate = tax_rate_for(item.net_amount, item.amount, currency)
    if rate is None and not problems:
        message = "must be netAmount plus its tax, at a rate of 0 to 100 %"
        problems.append(FieldProblem("amount", message))
    if problems or rate is None:
        raise InvalidInputError(problems)
    # Built unvalidated: the rate may need more places than a caller of the native API may send.
    row = RowInput.model_construct(quantity=Decimal(1), unit_price=item.net_amount, tax_rate=rate)
    return NewInvoice.model_validate(
        {
            "currency": currency,
            "invoice_date": item.issue_date,
            "payment_term_days": terms,
            "rows": [row],
            "client_id": item.client_id,
            "external_id": key_of(item),
        }
    )


def as_imported(
    draft: Invoice,
    item: LeanpayInvoice,
    *,
    settings: TenantSettings,
    client: PartyDetails,
    actor: Actor,
) -> Invoice:
    """The new draft issued as Leanpay says it was: under its reference, sent on its sentDate
    (that day's start in UTC), OVERDUE if already past due when the draft was made."""
    sent_day = item.sent_date or item.issue_date
    state = ImportedState(number=item.reference, sent_at=datetime.combine(sent_day, time(), UTC))
    now = draft.created
    invoice = imported(draft, state, settings=settings, client=client, actor=actor, now=now)
    # Marking it sent dated the change on its sentDate; it is written now.
    return invoice.model_copy(update={"updated": now, "updated_by": actor.user_id})


def sent_on(invoice: Invoice) -> date | None:
    """The day it was last recorded as sent: what Leanpay calls its sentDate."""
    sent = [e for e in invoice.events if e.type in (EventType.MARKED_AS_SENT, EventType.SENT)]
    return sent[-1].date.astimezone(UTC).date() if sent else None


# Our statuses as Leanpay names them; an imported invoice is never a draft nor scheduled.
LEANPAY_STATUS = {
    InvoiceStatus.SENT: "due",
    InvoiceStatus.OVERDUE: "late",
    InvoiceStatus.PAID: "paid",
    InvoiceStatus.CANCELLED: "cancelled",
}


def _seconds(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Leanpay's date-times: UTC, to the second, as its document writes them.
LeanpayTime = Annotated[datetime, PlainSerializer(_seconds, return_type=DateTimeText)]


class _Answer(DomainModel):
    """A vendor's answer: camelCase, immutable, every field answered, as every domain model."""


class DueDateAnswer(_Answer):
    due_date: CalendarDate
    currency: str
    amount: Decimal
    default_currency_amount: Decimal


class PaymentAnswer(_Answer):
    date: LeanpayTime
    amount: Decimal
    default_currency_amount: Decimal
    external_id: str


class LeanpayInvoiceAnswer(_Answer):
    """Exactly the documented response fields."""

    id: str
    tenant_id: str
    client_id: str | None
    external_id: str
    reference: str | None
    amount: Decimal
    remaining_amount: Decimal
    paid_amount: Decimal
    offset_amount: Decimal
    sent_date: CalendarDate | None
    issue_date: CalendarDate
    due_date: CalendarDate
    status: str
    upcoming_payment_date: CalendarDate | None
    due_dates: list[DueDateAnswer]
    payments: list[PaymentAnswer]
    credit_note_links: list[Any]
    created_at: LeanpayTime
    updated_at: LeanpayTime


def leanpay_answer(invoice: Invoice) -> dict[str, Any]:
    """The invoice as Leanpay answers it. It has one due date, for its whole amount, in its
    currency, which was the tenant's default when it was imported (so defaultCurrencyAmount is
    the amount); a payment's externalId is its native id; there are no credit notes, so nothing
    is offset. Nothing remains to pay on a PAID or CANCELLED invoice. Amounts stay Decimal."""
    currency, total = invoice.currency, invoice.total_with_tax
    closed = invoice.status in (InvoiceStatus.PAID, InvoiceStatus.CANCELLED)
    remaining = round_money(ZERO, currency) if closed else difference(total, invoice.paid)
    answer = LeanpayInvoiceAnswer(
        id=invoice.id,
        tenant_id=invoice.tenant_id,
        client_id=invoice.client_id,
        external_id=(invoice.external_id or "").removeprefix(KEY_PREFIX),
        reference=invoice.invoice_number,
        amount=total,
        remaining_amount=remaining,
        paid_amount=invoice.paid,
        offset_amount=round_money(ZERO, currency),
        sent_date=sent_on(invoice),
        issue_date=invoice.invoice_date,
        due_date=invoice.due_date,
        status=LEANPAY_STATUS.get(invoice.status, str(invoice.status).lower()),
        upcoming_payment_date=invoice.due_date if remaining else None,
        due_dates=[
            DueDateAnswer(
                due_date=invoice.due_date,
                currency=currency,
                amount=total,
                default_currency_amount=total,
            )
        ],
        payments=[
            PaymentAnswer(
                date=t.date, amount=t.amount, default_currency_amount=t.amount, external_id=t.id
            )
            for t in invoice.transactions
        ],
        credit_note_links=[],
        created_at=invoice.created,
        updated_at=invoice.updated,
    )
    return answer.model_dump(mode="python", by_alias=True)
