"""Leanpay's invoice import (api-docs/leanpay-import-invoices-batch.txt) in native terms: each
Leanpay invoice was issued elsewhere and brings its totals only, so it becomes one native row whose
amounts give those totals back to the cent, issued under its own reference; an invoice imported
again takes the new figures and keeps its payments (leanpay_reimport.py); and the native invoice
is answered in Leanpay's shape (leanpay_answer.py). The request is imported whole
(services/imports.import_all): Leanpay validates an import before it imports it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import partial
from typing import Annotated

from pydantic import Field

from chalicelib.domain.commands import Command, NewInvoice, RowInput
from chalicelib.domain.compat.leanpay_reimport import reimported
from chalicelib.domain.derived_ids import leanpay_invoice_id
from chalicelib.domain.errors import NUMBER_FIELD, FieldProblem, InvalidInputError
from chalicelib.domain.imports import (
    Found,
    ImportCommand,
    ImportContext,
    ImportedState,
    ImportItem,
    Sender,
)
from chalicelib.domain.money import (
    HUNDRED,
    ZERO,
    difference,
    line_amounts,
    minor_units,
    plain,
    round_money,
)
from chalicelib.domain.text import InvoiceNumber
from chalicelib.domain.values import CalendarDate, PlainDecimal, Reference

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


def import_item(item: LeanpayInvoice, tenant_id: str) -> ImportItem:
    """The invoice to import for the client it names, under the id its externalId derives."""
    invoice_id = leanpay_invoice_id(tenant_id, item.external_id)
    return ImportItem(item.client_id, partial(command, item), invoice_id)


def command(item: LeanpayInvoice, context: ImportContext) -> ImportCommand:
    """Its native body (in the currency of the invoice it imported before, if any), issued as
    Leanpay says it was: under its reference, sent on its sentDate (that day's start in UTC),
    OVERDUE if already past due."""
    sent_day = item.sent_date or item.issue_date
    state = ImportedState(number=item.reference, sent_at=datetime.combine(sent_day, time(), UTC))
    return ImportCommand(native_body(item, context.currency), issue=state)


def leanpay_problems(problems: Iterable[FieldProblem]) -> list[FieldProblem]:
    """A native refusal in Leanpay's field names: the native ones, but for the number, which
    Leanpay calls its reference."""
    return [
        FieldProblem("reference", p.message) if p.field == NUMBER_FIELD else p for p in problems
    ]


# Leanpay's import is an upsert by externalId, checked whole; its field names are the native ones
# but for the number (its reference).
LEANPAY = Sender(
    unknown_client=lambda _: FieldProblem("clientId", "names no client of yours"),
    terms=leanpay_problems,
    found=Found.REPLACED,
    reimport=reimported,
)
