"""Money rules: Decimal amounts, rounded half away from zero to the currency's minor unit."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

import pytest

from chalicelib.domain.money import (
    invoice_totals,
    line_amounts,
    minor_units,
    plain,
    round_money,
)


@dataclass(frozen=True)
class Line:
    total: Decimal
    tax_amount: Decimal
    total_with_tax: Decimal


def _row(quantity: str, unit_price: str, tax_rate: str, currency: str = "EUR") -> Line:
    amounts = line_amounts(Decimal(quantity), Decimal(unit_price), Decimal(tax_rate), currency)
    return Line(amounts.total, amounts.tax_amount, amounts.total_with_tax)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),
        ("2.675", "2.68"),
        ("1.005", "1.01"),
        ("0.0049999", "0.00"),
        ("-0.005", "-0.01"),
        ("-2.675", "-2.68"),
        ("-0.0049", "0.00"),
    ],
)
def test_euro_amounts_round_half_away_from_zero_to_the_cent(amount: str, expected: str) -> None:
    rounded = round_money(Decimal(amount), "EUR")

    assert rounded == Decimal(expected)
    assert str(rounded) == expected


def test_decimal_rounding_differs_from_float_where_float_drifts() -> None:
    assert round(2.675, 2) == 2.67  # the binary float is just below 2.675
    assert str(round_money(Decimal("2.675"), "EUR")) == "2.68"


@pytest.mark.parametrize("amount", ["-0.004", "-0.001", "-0", "-0.00", "-0.0000001"])
def test_negative_zero_is_never_returned(amount: str) -> None:
    rounded = round_money(Decimal(amount), "EUR")

    assert str(rounded) == "0.00"
    assert not rounded.is_signed()


def test_rounding_a_whole_number_gives_the_currency_exponent() -> None:
    assert str(round_money(Decimal("1E+2"), "EUR")) == "100.00"
    assert str(round_money(Decimal(7), "KWD")) == "7.000"
    assert str(round_money(Decimal("7.00"), "JPY")) == "7"


def test_minor_units_come_from_the_currency() -> None:
    assert (minor_units("EUR"), minor_units("JPY"), minor_units("KWD")) == (2, 0, 3)


def test_jpy_rounds_to_whole_yen_half_away_from_zero() -> None:
    assert str(round_money(Decimal("100.5"), "JPY")) == "101"
    assert str(round_money(Decimal("-100.5"), "JPY")) == "-101"
    assert str(round_money(Decimal("-0.4"), "JPY")) == "0"


def test_jpy_row_rounds_the_total_then_the_tax_on_it() -> None:
    row = _row("3", "33.5", "10", "JPY")  # 100.5 -> 101; 10.1 -> 10

    assert (str(row.total), str(row.tax_amount), str(row.total_with_tax)) == ("101", "10", "111")


def test_kwd_rounds_to_three_decimals() -> None:
    assert str(round_money(Decimal("1.0005"), "KWD")) == "1.001"
    assert str(round_money(Decimal("1.0004999"), "KWD")) == "1.000"
    assert str(_row("3", "0.3335", "0", "KWD").total) == "1.001"


def test_row_tax_is_computed_on_the_rounded_row_total() -> None:
    row = _row("1", "0.125", "20")  # total 0.13 (not 0.125), tax 0.026 -> 0.03

    assert (row.total, row.tax_amount, row.total_with_tax) == (
        Decimal("0.13"),
        Decimal("0.03"),
        Decimal("0.16"),
    )


def test_zero_quantity_costs_nothing_in_the_currency_exponent() -> None:
    row = _row("0", "19.99", "24")

    assert (str(row.total), str(row.tax_amount), str(row.total_with_tax)) == (
        "0.00",
        "0.00",
        "0.00",
    )


def test_negative_quantity_makes_a_credit_line_rounded_away_from_zero() -> None:
    row = _row("-2", "10.005", "19")  # -20.010 -> -20.01; -3.8019 -> -3.80

    assert (str(row.total), str(row.tax_amount), str(row.total_with_tax)) == (
        "-20.01",
        "-3.80",
        "-23.81",
    )
    assert str(_row("-1", "0.125", "20").total_with_tax) == "-0.16"


def test_tiny_credit_line_rounds_to_plain_zero() -> None:
    row = _row("-1", "0.004", "19")

    assert str(row.total) == "0.00"
    assert not row.total.is_signed()
    assert not row.total_with_tax.is_signed()


def test_largest_allowed_row_is_exact_to_the_cent() -> None:
    # 999999999.999999 x 999999999999.999999 = 999999999999998999000.000000000001
    row = _row("999999999.999999", "999999999999.999999", "19")

    assert str(row.total) == "999999999999998999000.00"
    assert str(row.tax_amount) == "189999999999999809810.00"
    assert str(row.total_with_tax) == "1189999999999998808810.00"


def test_a_product_just_below_half_a_cent_is_not_rounded_up_on_the_way() -> None:
    # = 999999994999999001000.004999999999: 34 digits, rounded early it would reach .005
    row = _row("999999999.999999", "999999995000.000001", "19")

    assert str(row.total) == "999999994999999001000.00"
    assert str(row.tax_amount) == "189999999049999810190.00"


def test_largest_allowed_credit_line_is_exact() -> None:
    row = _row("-1000000000", "1000000000000", "100", "KWD")

    assert str(row.total) == "-1000000000000000000000.000"
    assert str(row.total_with_tax) == "-2000000000000000000000.000"


def test_largest_allowed_invoice_sums_exactly() -> None:
    rows = [_row("1000000000", "999999999999.999999", "100", "KWD")] * 250

    totals = invoice_totals(rows, "KWD")

    assert str(totals.total_excluding_tax) == "249999999999999999750000.000"
    assert str(totals.total_with_tax) == "499999999999999999500000.000"


def test_invoice_total_is_the_sum_of_rounded_rows_not_the_rounded_sum() -> None:
    rows = [_row("0.1", "0.1", "19")] * 100  # each row: 0.01 net, 0.0019 -> 0.00 tax

    totals = invoice_totals(rows, "EUR")

    assert str(totals.total_excluding_tax) == "1.00"
    assert str(totals.total_tax) == "0.00"  # rounding the sum would give 0.19
    assert str(totals.total_with_tax) == "1.00"


def test_invoice_totals_add_net_and_tax_of_every_row() -> None:
    rows = [_row("2", "10", "24"), _row("1", "0.125", "20"), _row("-1", "5", "24")]

    totals = invoice_totals(rows, "EUR")

    assert str(totals.total_excluding_tax) == "15.13"  # 20.00 + 0.13 - 5.00
    assert str(totals.total_tax) == "3.63"  # 4.80 + 0.03 - 1.20
    assert str(totals.total_with_tax) == "18.76"


def test_invoice_without_rows_totals_zero_in_the_currency_exponent() -> None:
    assert str(invoice_totals([], "EUR").total_with_tax) == "0.00"
    assert str(invoice_totals([], "JPY").total_with_tax) == "0"
    assert str(invoice_totals([], "KWD").total_tax) == "0.000"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("1E+2", "100"),
        ("-3E+1", "-30"),
        ("1.2E+3", "1200"),
        ("-0", "0"),
        ("1.50", "1.50"),
        ("0E-7", "0"),
        ("0.000001", "0.000001"),
    ],
)
def test_plain_writes_the_number_without_an_exponent(number: str, expected: str) -> None:
    written = plain(Decimal(number))

    assert written == Decimal(number)
    assert str(written) == expected


def test_every_thousandth_rounds_half_away_from_zero_to_the_cent() -> None:
    for thousandths in range(-3000, 3001):
        rounded = round_money(Decimal(thousandths).scaleb(-3), "EUR")
        cents, rest = divmod(abs(thousandths), 10)
        expected_cents = (cents + (rest >= 5)) * (1 if thousandths >= 0 else -1)
        assert rounded == Decimal(expected_cents).scaleb(-2), thousandths
        assert rounded.as_tuple().exponent == -2
        assert not (rounded.is_zero() and rounded.is_signed())


def _half_away_from_zero(scaled: int, drop_digits: int) -> int:
    """Integer reference rounding: drop `drop_digits` decimal digits, half away from zero."""
    unit: int = 10**drop_digits
    whole, rest = divmod(abs(scaled), unit)
    whole += 2 * rest >= unit
    return whole if scaled >= 0 else -whole


def test_rows_match_an_integer_reference_for_random_bounded_inputs() -> None:
    rng = random.Random(20261121)
    for _ in range(300):
        quantity = rng.randint(-(10**15), 10**15)  # millionths, |q| <= 1e9
        unit_price = rng.randint(-(10**18), 10**18)  # millionths, |p| <= 1e12
        tax_rate = rng.randint(0, 10**6)  # ten-thousandths, 0..100
        for currency, places in (("EUR", 2), ("JPY", 0), ("KWD", 3)):
            row = line_amounts(
                Decimal(quantity).scaleb(-6),
                Decimal(unit_price).scaleb(-6),
                Decimal(tax_rate).scaleb(-4),
                currency,
            )
            total = _half_away_from_zero(quantity * unit_price, 12 - places)
            tax = _half_away_from_zero(total * tax_rate, 6)  # x rate/10^4 /100
            assert row.total == Decimal(total).scaleb(-places)
            assert row.tax_amount == Decimal(tax).scaleb(-places)
            assert row.total_with_tax == Decimal(total + tax).scaleb(-places)
            for amount in (row.total, row.tax_amount, row.total_with_tax):
                assert amount.as_tuple().exponent == -places
