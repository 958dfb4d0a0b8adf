"""Money rules: amounts are Decimal, rounded half away from zero to the currency's minor unit."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
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
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return _EXACT.add(_EXACT.quantize(amount, exponent), ZERO)


def prorate(amount: Decimal, part: Decimal, whole: Decimal, currency: str) -> Decimal:
    """amount x part / whole, computed in the wide context and rounded once to the currency."""
    return round_money(_EXACT.divide(_EXACT.multiply(amount, part), whole), currency)


def plain(number: Decimal) -> Decimal:
    """The same number written without an exponent (1E+2 becomes 100), so JSON shows it plainly."""
    if number.is_zero():
        return ZERO  # zero with many decimals would otherwise print as 0E-7
    return _EXACT.add(Decimal(format(number, "f")), ZERO)


@dataclass(frozen=True)
class LineAmounts:
    """What one invoice row costs, each part already rounded to the currency."""

    total: Decimal
    tax_amount: Decimal
    total_with_tax: Decimal


def line_amounts(
    quantity: Decimal, unit_price: Decimal, tax_rate: Decimal, currency: str
) -> LineAmounts:
    """total = round(quantity x unitPrice); taxAmount = round(total x taxRate / 100)."""
    total = round_money(_EXACT.multiply(quantity, unit_price), currency)
    tax_amount = round_money(_EXACT.divide(_EXACT.multiply(total, tax_rate), HUNDRED), currency)
    return LineAmounts(
        total=total, tax_amount=tax_amount, total_with_tax=_EXACT.add(total, tax_amount)
    )


class PricedLine(Protocol):
    """Anything that carries a row's rounded amounts."""

    @property
    def total(self) -> Decimal: ...
    @property
    def tax_amount(self) -> Decimal: ...
    @property
    def total_with_tax(self) -> Decimal: ...


@dataclass(frozen=True)
class InvoiceTotals:
    """Invoice totals: sums of the rounded rows, so they always add up to the cent."""

    total_excluding_tax: Decimal
    total_tax: Decimal
    total_with_tax: Decimal


def invoice_totals(lines: Iterable[PricedLine], currency: str) -> InvoiceTotals:
    lines = list(lines)
    zero = round_money(ZERO, currency)
    net = functools.reduce(_EXACT.add, (line.total for line in lines), zero)
    tax = functools.reduce(_EXACT.add, (line.tax_amount for line in lines), zero)
    return InvoiceTotals(
        total_excluding_tax=net, total_tax=tax, total_with_tax=_EXACT.add(net, tax)
    )
