"""The rate a row's stated tax implies (decision 0032): one of 4 decimals that gives that tax by
the money rule whenever one exists, the simplest of them, and none when none does."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.money import minor_units, tax_on
from chalicelib.domain.stated_amounts import implied_tax_rate

currencies = st.sampled_from(["EUR", "JPY", "KWD"])
rates = st.decimals(min_value=0, max_value=100, places=4)


def discounted_amounts(currency: str) -> st.SearchStrategy[Decimal]:
    unit = Decimal(1).scaleb(-minor_units(currency))
    return st.integers(-(10**12), 10**12).map(lambda units: units * unit)


@settings(max_examples=1000, deadline=None)
@given(data=st.data(), currency=currencies, rate=rates, inclusive=st.booleans())
def test_a_tax_some_rate_gives_implies_a_rate_that_gives_it(
    data: st.DataObject, currency: str, rate: Decimal, inclusive: bool
) -> None:
    discounted = data.draw(discounted_amounts(currency))
    tax = tax_on(discounted, rate, currency, tax_inclusive=inclusive)

    implied = implied_tax_rate(discounted, tax, currency, tax_inclusive=inclusive)

    assert implied is not None
    assert 0 <= implied <= 100 and implied.quantize(Decimal("1E-4")) == implied
    assert tax_on(discounted, implied, currency, tax_inclusive=inclusive) == tax


@settings(max_examples=1000, deadline=None)
@given(data=st.data(), currency=currencies, inclusive=st.booleans())
def test_any_tax_implies_a_rate_that_gives_it_or_none(
    data: st.DataObject, currency: str, inclusive: bool
) -> None:
    discounted = data.draw(discounted_amounts(currency))
    tax = data.draw(discounted_amounts(currency))

    implied = implied_tax_rate(discounted, tax, currency, tax_inclusive=inclusive)

    if implied is not None:
        assert tax_on(discounted, implied, currency, tax_inclusive=inclusive) == tax
    else:
        nearest = _nearest_steps(discounted, tax, inclusive)
        assert all(tax_on(discounted, r, currency, tax_inclusive=inclusive) != tax for r in nearest)


def _nearest_steps(discounted: Decimal, tax: Decimal, inclusive: bool) -> set[Decimal]:
    """The rates that give `tax` are a run around the exact quotient (the tax grows with the
    rate): when neither step of 0.0001 next to it gives it (nor 0 % or 100 %), none does."""
    base = discounted - tax if inclusive else discounted
    candidates = {Decimal(0), Decimal(100)}
    if base:
        exact = tax * 100 / base
        for rounding in (ROUND_FLOOR, ROUND_CEILING):
            candidates.add(exact.quantize(Decimal("0.0001"), rounding=rounding))
    return {rate for rate in candidates if 0 <= rate <= 100}


@pytest.mark.parametrize(
    ("discounted", "tax", "inclusive", "expected"),
    [
        ("100.00", "19.00", False, "19"),
        ("123.45", "9.51", False, "7.7"),  # 7.6995 % to 7.7076 %: one decimal is enough
        ("0.10", "0.02", False, "20"),  # 15 % to 24.99.. %: the whole one nearest 20 %
        ("0.01", "0.01", False, "100"),
        ("119.00", "19.00", True, "19"),
        ("-100.00", "-19.00", False, "19"),
        ("1000000.00", "0.01", False, None),  # 0.000001 %
        ("0.00", "5.00", False, None),  # tax on nothing
        ("100.00", "-19.00", False, None),  # tax against the row's sign
        ("0.01", "0.02", False, None),  # 150 %
    ],
)
def test_the_simplest_rate_or_none(
    discounted: str, tax: str, inclusive: bool, expected: str | None
) -> None:
    implied = implied_tax_rate(Decimal(discounted), Decimal(tax), "EUR", tax_inclusive=inclusive)
    assert implied == (None if expected is None else Decimal(expected))


def test_the_rate_a_row_had_is_kept_when_it_gives_the_tax_too() -> None:
    # 0.195 rounds to 0.20, as 0.20 does: 19.5 % stays 19.5 %, where 20 % would be simplest.
    args = (Decimal("1.00"), Decimal("0.20"), "EUR")
    assert implied_tax_rate(*args, tax_inclusive=False) == 20
    assert implied_tax_rate(*args, tax_inclusive=False, preferred=Decimal("19.5")) == Decimal(
        "19.5"
    )
    assert implied_tax_rate(*args, tax_inclusive=False, preferred=Decimal("7")) == 20
