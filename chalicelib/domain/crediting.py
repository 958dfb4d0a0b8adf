"""What of an invoice its credit notes credited and what is still creditable, and the credit lines
that take from it: each priced as an invoice row is, never more than remains, and the last bit of
a row or of a rate exactly what remains of it, so an invoice's credits add up to it to the cent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from chalicelib.domain.base import DomainModel
from chalicelib.domain.credited import NOTHING as NOTHING
from chalicelib.domain.credited import CreditedSummary as CreditedSummary
from chalicelib.domain.credited import CreditNoteReference as CreditNoteReference
from chalicelib.domain.credited import Part as Part
from chalicelib.domain.credited import Rate as Rate
from chalicelib.domain.credited import RateAmounts as RateAmounts
from chalicelib.domain.credited import RowCredited as RowCredited
from chalicelib.domain.invoice import Invoice, InvoiceRow, QuantityType
from chalicelib.domain.money import (
    ZERO,
    DiscountType,
    allocate,
    difference,
    line_amounts,
    line_amounts_with_tax,
    plain,
    prorate,
    tax_on,
)

# The summary's models are credited.py's: the invoice holds the summary, and this module reads
# the invoice.


class CreditNoteRow(DomainModel):
    """A line of a credit note: what it credits of one invoice row, or, with no invoiceRowId, an
    amount at one tax rate (one at that amount). Its numbers say what is credited, positive for a
    row that charged; the document shows them negated."""

    invoice_row_id: str | None = None
    description: str | None = None
    quantity: Decimal
    quantity_type: QuantityType = QuantityType.AMOUNT
    unit_price: Decimal
    tax_rate: Decimal | None = None
    discount_amount: Decimal = ZERO
    total: Decimal
    tax_amount: Decimal
    total_with_tax: Decimal

    @property
    def part(self) -> Part:
        return Part(self.total, self.tax_amount, self.discount_amount)


@dataclass(frozen=True)
class RowRemaining:
    """What of one invoice row is not yet credited: its quantity (signed as the row's) and money."""

    row: InvoiceRow
    quantity: Decimal
    part: Part

    def is_nothing(self) -> bool:
        return not self.quantity and self.part.is_nothing()


@dataclass(frozen=True)
class Creditable:
    """What of an invoice is not yet credited: per row, per rate (in the invoice's order) and in
    all. A credit must fit each; amounts credited per rate take from the rate, not its rows."""

    rows: Mapping[str, RowRemaining]
    rates: Mapping[Rate, Part]
    total: Part


def creditable(invoice: Invoice, summary: CreditedSummary) -> Creditable:
    credited_rows = {credited.row_id: credited for credited in summary.rows}
    rows = {row.id: _row_remaining(row, credited_rows.get(row.id)) for row in invoice.rows}
    credited_rates = {credited.tax_rate: credited.part for credited in summary.rates}
    invoiced = parts_by_rate((row.tax_rate, _row_part(row)) for row in invoice.rows)
    rates = {
        rate: Part(part.net, part.tax) - credited_rates.get(rate, NOTHING)
        for rate, part in invoiced.items()
    }
    whole = Part(invoice.total_excluding_tax, invoice.total_tax)
    return Creditable(rows, rates, whole - Part(summary.total_excluding_tax, summary.total_tax))


def _row_part(row: InvoiceRow) -> Part:
    return Part(row.total, row.tax_amount, row.discount_amount)


def _row_remaining(row: InvoiceRow, credited: RowCredited | None) -> RowRemaining:
    if credited is None:
        return RowRemaining(row, row.quantity, _row_part(row))
    quantity = difference(row.quantity, credited.quantity)
    return RowRemaining(row, quantity, _row_part(row) - credited.part)


def parts_by_rate(parts: Iterable[tuple[Rate, Part]]) -> dict[Rate, Part]:
    """Parts added up per rate, the rates in the order they first come."""
    totals: dict[Rate, Part] = {}
    for rate, part in parts:
        totals[rate] = totals.get(rate, NOTHING) + part
    return totals


def row_line(
    remaining: RowRemaining, quantity: Decimal | None, currency: str, tax_inclusive: bool
) -> CreditNoteRow:
    """What crediting `quantity` of a row credits (all that remains of it when None): priced as
    the row was, held to what remains, and the last of the row exactly what remains of it."""
    row = remaining.row
    if quantity is None or quantity == abs(remaining.quantity):
        return _row_credit(row, remaining.quantity, remaining.part)
    signed = quantity.copy_sign(row.quantity)
    priced = _priced(row, signed, currency, tax_inclusive)
    return _row_credit(row, signed, bounded(priced, remaining.part, tax_inclusive))


def _priced(row: InvoiceRow, quantity: Decimal, currency: str, tax_inclusive: bool) -> Part:
    """`quantity` of the row by money.line_amounts: quantity x unitPrice rounded, its discount
    pro rata (the same percentage, or that share of a FIXED discount's amount), its tax at its
    rate (or that share of a tax it states without one)."""
    if row.discount_type is DiscountType.PERCENTAGE:
        discount = row.discount
    else:
        discount = prorate(row.discount_amount, quantity, row.quantity, currency)
    if row.tax_rate is None:
        tax = prorate(row.tax_amount, quantity, row.quantity, currency)
        price = partial(line_amounts_with_tax, quantity, row.unit_price, tax, currency)
    else:
        price = partial(line_amounts, quantity, row.unit_price, row.tax_rate, currency)
    amounts = price(discount=discount, discount_type=row.discount_type, tax_inclusive=tax_inclusive)
    return Part(amounts.total, amounts.tax_amount, amounts.discount_amount)


def _row_credit(row: InvoiceRow, quantity: Decimal, part: Part) -> CreditNoteRow:
    return CreditNoteRow(
        invoice_row_id=row.id,
        description=row.description,
        quantity=quantity,
        quantity_type=row.quantity_type,
        unit_price=row.unit_price,
        tax_rate=row.tax_rate,
        discount_amount=part.discount,
        total=part.net,
        tax_amount=part.tax,
        total_with_tax=part.gross,
    )


def rate_line(
    rate: Decimal, remaining: Part, amount: Decimal, currency: str, tax_inclusive: bool
) -> CreditNoteRow:
    """An amount credited at a rate, in the invoice's prices (gross when they include tax), its
    tax split out as an invoice row's at that rate is; all that remains at it, exactly."""
    if amount == remaining.base(tax_inclusive):
        return amount_line(rate, remaining, tax_inclusive)
    tax = tax_on(amount, rate, currency, tax_inclusive=tax_inclusive)
    part = Part(difference(amount, tax) if tax_inclusive else amount, tax)
    return amount_line(rate, bounded(part, remaining, tax_inclusive), tax_inclusive)


def amount_line(rate: Rate, part: Part, tax_inclusive: bool) -> CreditNoteRow:
    """A line of no invoice row: one at its amount, in the invoice's prices."""
    return CreditNoteRow(
        quantity=Decimal(1),
        unit_price=part.base(tax_inclusive),
        tax_rate=rate,
        total=part.net,
        tax_amount=part.tax,
        total_with_tax=part.gross,
    )


def bounded(part: Part, remaining: Part, tax_inclusive: bool) -> Part:
    """`part` held to what remains: each amount between zero and what remains of it, the amount
    the prices are in kept where it can be. Rounding each credit on its own can add up to a minor
    unit more than the whole (three thirds of 0.01 tax); that unit is what it holds back."""
    tax = _toward_zero_within(part.tax, remaining.tax)
    discount = _toward_zero_within(part.discount, remaining.discount)
    if not tax_inclusive:
        return Part(_toward_zero_within(part.net, remaining.net), tax, discount)
    gross = _toward_zero_within(part.gross, remaining.gross)
    net = _toward_zero_within(difference(gross, tax), remaining.net)
    return Part(net, difference(gross, net), discount)


def _toward_zero_within(amount: Decimal, limit: Decimal) -> Decimal:
    low, high = sorted((ZERO, limit))
    return min(max(amount, low), high)


def rest_lines(left: Creditable, tax_inclusive: bool) -> list[CreditNoteRow]:
    """Everything that remains: per rate, each row's remainder where the rate's rows hold all
    that remains at it, else (amounts were credited at it) that remainder as one amount."""
    lines: list[CreditNoteRow] = []
    for rate, remaining in left.rates.items():
        rows = [r for r in left.rows.values() if r.row.tax_rate == rate and not r.is_nothing()]
        held = sum((r.part for r in rows), NOTHING)
        if (held.net, held.tax) == (remaining.net, remaining.tax):
            lines += [_row_credit(r.row, r.quantity, r.part) for r in rows]
        elif not remaining.is_nothing():
            lines.append(amount_line(rate, remaining, tax_inclusive))
    return lines


def share_lines(
    amount: Decimal, left: Creditable, currency: str, tax_inclusive: bool
) -> list[CreditNoteRow]:
    """`amount` (with tax) spread over the rates in proportion to what remains at each, each
    share split into net and tax as what remains at its rate is."""
    rates = list(left.rates.items())
    shares = allocate(amount, [part.gross for _, part in rates], currency)
    lines = []
    for (rate, remaining), share in zip(rates, shares, strict=True):
        if share == remaining.gross:
            part = remaining
        else:
            tax = prorate(remaining.tax, share, remaining.gross, currency)
            part = bounded(Part(difference(share, tax), tax), remaining, tax_inclusive=True)
        if not part.is_nothing():
            lines.append(amount_line(rate, part, tax_inclusive))
    return lines


def excess_problems(lines: Sequence[CreditNoteRow], left: Creditable, currency: str) -> list[str]:
    """What `lines` credit beyond what remains, at a rate or in all; none when they fit."""
    problems = []
    for rate, part in parts_by_rate((line.tax_rate, line.part) for line in lines).items():
        remaining = left.rates.get(rate, NOTHING)
        if _beyond(part, remaining):
            credits, remains = _amounts_text(part, currency), _amounts_text(remaining, currency)
            problems.append(
                f"credits {credits} at {_rate_name(rate)}, more than the {remains} that remain"
            )
    whole = sum((line.part for line in lines), NOTHING)
    if _beyond(whole, left.total):
        problems.append(
            f"credits {whole.gross} {currency} with tax in all, more than the "
            f"{left.total.gross} {currency} of the invoice not yet credited"
        )
    return problems


def _beyond(part: Part, remaining: Part) -> bool:
    pairs = ((part.net, remaining.net), (part.tax, remaining.tax), (part.gross, remaining.gross))
    return any(amount > limit if limit >= 0 else amount < limit for amount, limit in pairs)


def _amounts_text(part: Part, currency: str) -> str:
    return f"{part.net} {currency} net and {part.tax} {currency} tax"


def _rate_name(rate: Rate) -> str:
    return "rows stating their tax without a rate" if rate is None else f"taxRate {plain(rate)}"


def credited_with(
    summary: CreditedSummary, note: CreditNoteReference, lines: Sequence[CreditNoteRow]
) -> CreditedSummary:
    """The summary once the note of `lines` is issued too."""
    rows = {credited.row_id: credited for credited in summary.rows}
    for line in lines:
        if (row_id := line.invoice_row_id) is not None:
            rows[row_id] = _row_credited(row_id, rows.get(row_id), line)
    rates = {credited.tax_rate: credited.part for credited in summary.rates}
    for rate, part in parts_by_rate((line.tax_rate, line.part) for line in lines).items():
        rates[rate] = rates.get(rate, NOTHING) + Part(part.net, part.tax)
    whole = Part(summary.total_excluding_tax, summary.total_tax) + sum(
        (line.part for line in lines), NOTHING
    )
    return CreditedSummary(
        credit_notes=[*summary.credit_notes, note],
        rows=list(rows.values()),
        rates=[RateAmounts.of(rate, part) for rate, part in rates.items()],
        total_excluding_tax=whole.net,
        total_tax=whole.tax,
        total_with_tax=whole.gross,
    )


def _row_credited(row_id: str, before: RowCredited | None, line: CreditNoteRow) -> RowCredited:
    taken = line.part + (NOTHING if before is None else before.part)
    return RowCredited(
        row_id=row_id,
        quantity=line.quantity + (ZERO if before is None else before.quantity),
        discount_amount=taken.discount,
        total=taken.net,
        tax_amount=taken.tax,
        total_with_tax=taken.gross,
    )
