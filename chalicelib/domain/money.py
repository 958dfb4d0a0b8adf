"""Money rules: amounts are Decimal, rounded half away from zero to the currency's minor unit."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal
from enum import StrEnum
from typing import Protocol

ZERO = Decimal(0)
HUNDRED = Decimal(100)

# Wide enough that no product of bounded inputs is rounded before we round it on purpose.
_EXACT = Context(prec=60, rounding=ROUND_HALF_UP)


@functools.cache
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes that are legal tender somewhere today (CLDR): no obsolete codes such as DEM,
    no special ones such as XXX or XAU."""
    # Babel is imported here, not at module level, so a cold start does not pay for its data.
    from babel.core import get_global
    from babel.numbers import get_territory_currencies

    territories = get_global("territory_currencies")
    return frozenset(
        code for territory in territories for code in get_territory_currencies(territory)
    )


@functools.cache
def minor_units(currency: str) -> int:
    """Digits after the decimal point for a currency: 2 for EUR, 0 for JPY, 3 for KWD. CLDR's
    digits, which follow what documents show where ISO 4217 differs (IQD: 0, not 3)."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half away from zero to the currency's minor unit; never returns a negative zero."""
    return _EXACT.add(_EXACT.quantize(amount, _minor_unit(currency)), ZERO)


@functools.cache
def _minor_unit(currency: str) -> Decimal:
    """The currency's smallest amount: 0.01 for EUR, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-minor_units(currency))


def prorate(amount: Decimal, part: Decimal, whole: Decimal, currency: str) -> Decimal:
    """amount x part / whole, computed in the wide context and rounded once to the currency."""
    return round_money(_EXACT.divide(_EXACT.multiply(amount, part), whole), currency)


def allocate(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """`amount` (in the currency's minor units) split in proportion to `weights`, adding up to
    it exactly: each share rounded down, then the minor units left over given one each to the
    largest remainders (the first of equal ones). With weights in minor units too and `amount`
    at most their sum, no share is above its weight."""
    whole = sum(weights, ZERO)
    if not whole:
        return [ZERO for _ in weights]
    unit = Decimal(1).scaleb(-minor_units(currency))
    exact = [_EXACT.divide(_EXACT.multiply(amount, weight), whole) for weight in weights]
    shares = [share.quantize(unit, rounding=ROUND_FLOOR, context=_EXACT) for share in exact]
    left = int(_EXACT.divide(amount - sum(shares, ZERO), unit))
    largest = sorted(range(len(shares)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in largest[:left]:
        shares[i] += unit
    return [_EXACT.add(share, ZERO) for share in shares]


def plain(number: Decimal) -> Decimal:
    """The same number written without an exponent (1E+2 becomes 100), so JSON shows it plainly."""
    if number.is_zero():
        return ZERO  # zero with many decimals would otherwise print as 0E-7
    return _EXACT.add(Decimal(format(number, "f")), ZERO)


class DiscountType(StrEnum):
    FIXED = "FIXED"  # an amount off the row, in the invoice's currency
    PERCENTAGE = "PERCENTAGE"  # a percentage of the row's amount


@dataclass(frozen=True)
class LineAmounts:
    """What one invoice row costs, each part already rounded to the currency."""

    amount: Decimal  # quantity x unitPrice: the row as entered, before its discount
    discount_amount: Decimal
    total: Decimal  # net
    tax_amount: Decimal
    total_with_tax: Decimal


def line_amounts(
    quantity: Decimal,
    unit_price: Decimal,
    tax_rate: Decimal,
    currency: str,
    *,
    discount: Decimal = ZERO,
    discount_type: DiscountType = DiscountType.FIXED,
    tax_inclusive: bool = False,
) -> LineAmounts:
    """amount = round(quantity x unitPrice), less its rounded discount. Exclusive prices:
    taxAmount = round(net x taxRate / 100) on top. Inclusive prices: the discounted amount is
    the gross, and taxAmount = round(gross x taxRate / (100 + taxRate)) is split out of it."""
    amount = round_money(_EXACT.multiply(quantity, unit_price), currency)
    discount_amount = discount_of(amount, discount, discount_type, currency)
    discounted = _EXACT.subtract(amount, discount_amount)
    tax_amount = tax_on(discounted, tax_rate, currency, tax_inclusive=tax_inclusive)
    return _with_tax(amount, discount_amount, tax_amount, tax_inclusive)


def line_amounts_with_tax(
    quantity: Decimal,
    unit_price: Decimal,
    tax_amount: Decimal,
    currency: str,
    *,
    discount: Decimal = ZERO,
    discount_type: DiscountType = DiscountType.FIXED,
    tax_inclusive: bool = False,
) -> LineAmounts:
    """A row whose tax was stated as an amount that no rate reproduces: the same rule as
    line_amounts, with `tax_amount` (already in the currency's minor units) as its tax."""
    amount = round_money(_EXACT.multiply(quantity, unit_price), currency)
    discount_amount = discount_of(amount, discount, discount_type, currency)
    return _with_tax(amount, discount_amount, tax_amount, tax_inclusive)


def _with_tax(
    amount: Decimal, discount_amount: Decimal, tax_amount: Decimal, tax_inclusive: bool
) -> LineAmounts:
    """The discounted amount is the net, with the tax on top; or, when prices include tax, the
    gross, with the tax split out of it."""
    discounted = _EXACT.subtract(amount, discount_amount)
    total = _EXACT.subtract(discounted, tax_amount) if tax_inclusive else discounted
    return LineAmounts(
        amount=amount,
        discount_amount=discount_amount,
        total=_EXACT.add(total, ZERO),
        tax_amount=_EXACT.add(tax_amount, ZERO),
        total_with_tax=_EXACT.add(total, tax_amount),
    )


def tax_on(
    discounted: Decimal, tax_rate: Decimal, currency: str, *, tax_inclusive: bool
) -> Decimal:
    """A row's tax from its discounted amount: round(net x rate / 100) on top of it, or, when
    prices include tax, round(gross x rate / (100 + rate)) out of it."""
    if tax_inclusive:
        share = _EXACT.divide(_EXACT.multiply(discounted, tax_rate), _EXACT.add(HUNDRED, tax_rate))
    else:
        share = _EXACT.divide(_EXACT.multiply(discounted, tax_rate), HUNDRED)
    return round_money(share, currency)


def discount_of(
    amount: Decimal, discount: Decimal, discount_type: DiscountType, currency: str
) -> Decimal:
    """The rounded amount a discount takes off a row, with the row's sign (a credit row's
    discount reduces the credit). A FIXED discount may exceed the row: see exceeds_row."""
    if discount_type is DiscountType.PERCENTAGE:
        return round_money(_EXACT.divide(_EXACT.multiply(amount, discount), HUNDRED), currency)
    return round_money(_EXACT.copy_sign(discount, amount) if amount else discount, currency)


def exceeds_row(amounts: LineAmounts) -> bool:
    """A discount larger than the row it is taken off, which would turn the row's sign."""
    return _EXACT.abs(amounts.discount_amount) > _EXACT.abs(amounts.amount)


class PricedLine(Protocol):
    """Anything that carries a row's rounded amounts."""

    @property
    def discount_amount(self) -> Decimal: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def tax_amount(self) -> Decimal: ...
    @property
    def total_with_tax(self) -> Decimal: ...


def amount_before_discount(line: PricedLine, tax_inclusive: bool) -> Decimal:
    """A priced row's amount as entered (quantity x unitPrice rounded), from its parts: the
    net (or, when prices include tax, the gross) plus its discount."""
    base = line.total_with_tax if tax_inclusive else line.total
    return _EXACT.add(base, line.discount_amount)


def difference(minuend: Decimal, subtrahend: Decimal) -> Decimal:
    """Exact, and never a negative zero."""
    return _EXACT.add(_EXACT.subtract(minuend, subtrahend), ZERO)


def sum_of(amounts: Iterable[Decimal], currency: str) -> Decimal:
    """Rounded amounts added exactly, in the currency's exponent even when there are none."""
    return functools.reduce(_EXACT.add, amounts, round_money(ZERO, currency))


@dataclass(frozen=True)
class InvoiceTotals:
    """Invoice totals: sums of the rounded rows, so they always add up to the cent."""

    total_excluding_tax: Decimal
    total_tax: Decimal
    total_with_tax: Decimal
    total_discount: Decimal


def invoice_totals(lines: Iterable[PricedLine], currency: str) -> InvoiceTotals:
    lines = list(lines)
    net = sum_of((line.total for line in lines), currency)
    tax = sum_of((line.tax_amount for line in lines), currency)
    discount = sum_of((line.discount_amount for line in lines), currency)
    return InvoiceTotals(
        total_excluding_tax=net,
        total_tax=tax,
        total_with_tax=_EXACT.add(net, tax),
        total_discount=discount,
    )
