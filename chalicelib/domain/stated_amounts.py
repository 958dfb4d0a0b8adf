"""Rows that state their amounts, as the native document's examples send them (`total`,
`taxAmount`, `totalWithTax`) and as a client sends an invoice back whole: the tax rate those
amounts imply, and the check that what a row states is what it comes to (decision 0032)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal

from chalicelib.domain.errors import FieldProblem
from chalicelib.domain.money import (
    HUNDRED,
    ZERO,
    difference,
    minor_units,
    plain,
    round_money,
    tax_on,
)

_EXACT = Context(prec=60, rounding=ROUND_HALF_UP)
# Rates are written with at most 4 decimals (commands.TaxRate): searched in steps of 0.0001.
RATE_PLACES = 4
_LARGEST_RATE = 100 * 10**RATE_PLACES


@dataclass(frozen=True)
class StatedAmounts:
    """What a row says it comes to; None where it says nothing."""

    total: Decimal | None = None
    tax_amount: Decimal | None = None
    total_with_tax: Decimal | None = None
    discount_amount: Decimal | None = None

    def named(self) -> list[tuple[str, Decimal]]:
        """Each stated amount with its field name, as the document writes it."""
        given = {
            "total": self.total,
            "taxAmount": self.tax_amount,
            "totalWithTax": self.total_with_tax,
            "discountAmount": self.discount_amount,
        }
        return [(name, value) for name, value in given.items() if value is not None]

    def tax(self, discounted: Decimal, tax_inclusive: bool) -> Decimal | None:
        """The tax these amounts state for a row whose discounted amount is `discounted` (its
        net, or its gross when prices include tax); None when they state none."""
        if self.tax_amount is not None:
            return self.tax_amount
        if not tax_inclusive and self.total_with_tax is not None:
            return difference(self.total_with_tax, discounted)
        if tax_inclusive and self.total is not None:
            return difference(discounted, self.total)
        return None


def over_precise(stated: StatedAmounts, currency: str, at: str) -> list[FieldProblem]:
    """An amount finer than the currency's minor unit states money no invoice can hold."""
    message = f"{currency} amounts have at most {minor_units(currency)} decimal places"
    return [
        FieldProblem(f"{at}{name}", message)
        for name, value in stated.named()
        if round_money(value, currency) != value
    ]


def implied_tax_rate(
    discounted: Decimal,
    tax: Decimal,
    currency: str,
    *,
    tax_inclusive: bool,
    preferred: Decimal | None = None,
) -> Decimal | None:
    """The rate of 0 to 100 % with at most 4 decimals at which the money rule gives `tax` on a
    row whose discounted amount is `discounted`: `preferred` (the rate the row had) when it
    does, else the one with the fewest decimals, nearest the exact quotient (19, not 19.0003);
    None when no such rate gives it to the minor unit."""

    def tax_at(rate: Decimal) -> Decimal:
        return tax_on(discounted, rate, currency, tax_inclusive=tax_inclusive)

    if preferred is not None and tax_at(preferred) == tax:
        return preferred
    # The tax grows with the rate (shrinks, for a credit row): the rates that give `tax` are one
    # run of steps, found by bisection from both ends.
    sign = -1 if discounted < 0 else 1
    low = _first(lambda units: sign * tax_at(_rate(units)) >= sign * tax)
    high = _first(lambda units: sign * tax_at(_rate(units)) > sign * tax) - 1
    if low > high:
        return None
    return _rate(_simplest(low, high, _exact_units(discounted, tax, tax_inclusive)))


def _rate(units: int) -> Decimal:
    return plain(Decimal(units).scaleb(-RATE_PLACES).normalize(_EXACT))


def _first(holds: Callable[[int], bool]) -> int:
    """The first step from 0 to 100 % at which `holds` (false, then true) holds; one past the
    last when it never does."""
    low, high = 0, _LARGEST_RATE + 1
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _exact_units(discounted: Decimal, tax: Decimal, tax_inclusive: bool) -> Decimal:
    """The exact rate in steps: tax / net, or tax / (gross - tax) when prices include tax."""
    base = difference(discounted, tax) if tax_inclusive else discounted
    if not base:
        return ZERO
    return _EXACT.divide(_EXACT.multiply(tax, HUNDRED), base).scaleb(RATE_PLACES, _EXACT)


def _simplest(low: int, high: int, exact: Decimal) -> int:
    """Among the steps from `low` to `high`, those with the fewest decimals, and of them the
    nearest `exact`."""
    for places in range(RATE_PLACES + 1):
        step = Decimal(10) ** (RATE_PLACES - places)
        first = int((Decimal(low) / step).to_integral_value(ROUND_CEILING) * step)
        last = int((Decimal(high) / step).to_integral_value(ROUND_FLOOR) * step)
        if first <= last:
            nearest = int(_EXACT.divide(exact, step).to_integral_value(ROUND_HALF_UP) * step)
            return min(max(nearest, first), last)
    return low  # not reached: step 1 always fits between low and high
