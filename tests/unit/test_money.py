"""Money rules: Decimal amounts, rounded half away from zero to the currency's minor unit."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import invoicing
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.money import (
    DiscountType,
    LineAmounts,
    exceeds_row,
    invoice_totals,
    line_amounts,
    minor_units,
    plain,
    round_money,
)
from chalicelib.domain.values import Actor

FIXED, PERCENTAGE = DiscountType.FIXED, DiscountType.PERCENTAGE


@dataclass(frozen=True)
class Line:
    discount_amount: Decimal
    total: Decimal
    tax_amount: Decimal
    total_with_tax: Decimal


def _row(quantity: str, unit_price: str, tax_rate: str, currency: str = "EUR") -> Line:
    amounts = line_amounts(Decimal(quantity), Decimal(unit_price), Decimal(tax_rate), currency)
    return Line(amounts.discount_amount, amounts.total, amounts.tax_amount, amounts.total_with_tax)


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
    return _half_away_from_zero_of(scaled, 10**drop_digits)


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


# Discounts and tax-inclusive prices. Each case, worked by hand, as
# "currency quantity unitPrice taxRate discount prices" (a discount ending in % is a PERCENTAGE,
# else FIXED; prices excl or incl of tax) -> "amount discountAmount total taxAmount totalWithTax".
GOLDEN = [
    # 59.97; 10 % = 5.997 -> 6.00; net 53.97; 19 % = 10.2543 -> 10.25
    ("EUR 3 19.99 19 10% excl", "59.97 6.00 53.97 10.25 64.22"),
    # 100.00 less 15.50; 20 % of 84.50
    ("EUR 2 50 20 15.5 excl", "100.00 15.50 84.50 16.90 101.40"),
    # gross 119.00 less 11.90 = 107.10; tax 107.10 x 19 / 119 = 17.10 exactly
    ("EUR 1 119 19 10% incl", "119.00 11.90 90.00 17.10 107.10"),
    # gross 90.00; tax 90 x 7 / 107 = 5.8878... -> 5.89
    ("EUR 4 25 7 10 incl", "100.00 10.00 84.11 5.89 90.00"),
    # JPY: 999; 15 % = 149.85 -> 150; net 849; 84.9 -> 85
    ("JPY 3 333 10 15% excl", "999 150 849 85 934"),
    # JPY: a fixed 100.4 is 100 yen off; gross 1000; 1000 x 10 / 110 = 90.909... -> 91
    ("JPY 1 1100 10 100.4 incl", "1100 100 909 91 1000"),
    # JPY: 50 % of 101 = 50.5 -> 51
    ("JPY 1 101 10 50% excl", "101 51 50 5 55"),
    # KWD: 10.125; 2.5 % = 0.253125 -> 0.253; net 9.872; 5 % = 0.4936 -> 0.494
    ("KWD 1 10.125 5 2.5% excl", "10.125 0.253 9.872 0.494 10.366"),
    # KWD: 11.111 less round(1.0005) = 1.001; gross 10.110 x 15 / 115 = 1.31869... -> 1.319
    ("KWD 2 5.5555 15 1.0005 incl", "11.111 1.001 8.791 1.319 10.110"),
    # KWD: 50 % of 1.001 = 0.5005 -> 0.501
    ("KWD 1 1.001 0 50% excl", "1.001 0.501 0.500 0.000 0.500"),
    # A credit row: -20.01; 10 % = -2.001 -> -2.00; -18.01 x 19 % = -3.4219 -> -3.42
    ("EUR -2 10.005 19 10% excl", "-20.01 -2.00 -18.01 -3.42 -21.43"),
    # A credit row's fixed discount takes the row's sign: it reduces the credit
    ("EUR -1 50 20 5 excl", "-50.00 -5.00 -45.00 -9.00 -54.00"),
    # Half a cent at each step, rounded away from zero: the amount (0.125 -> 0.13) ...
    ("EUR 1 0.125 0 0 excl", "0.13 0.00 0.13 0.00 0.13"),
    # ... a percentage discount (5 % of 10.10 = 0.505 -> 0.51) ...
    ("EUR 1 10.10 0 5% excl", "10.10 0.51 9.59 0.00 9.59"),
    # ... a fixed discount (0.125 -> 0.13) ...
    ("EUR 1 1 0 0.125 excl", "1.00 0.13 0.87 0.00 0.87"),
    # ... exclusive tax (1 % of 0.50 = 0.005 -> 0.01) ...
    ("EUR 1 0.5 1 0 excl", "0.50 0.00 0.50 0.01 0.51"),
    # ... inclusive tax (2.01 x 100 / 200 = 1.005 -> 1.01), and on a credit row (-1.005 -> -1.01)
    ("EUR 1 2.01 100 0 incl", "2.01 0.00 1.00 1.01 2.01"),
    ("EUR -1 2.01 100 0 incl", "-2.01 0.00 -1.00 -1.01 -2.01"),
    # A 100 % discount, and a fixed one equal to the row, leave nothing, with or without tax
    ("EUR 3 19.99 19 100% excl", "59.97 59.97 0.00 0.00 0.00"),
    ("EUR 3 19.99 19 100% incl", "59.97 59.97 0.00 0.00 0.00"),
    ("EUR 1 10 19 10 incl", "10.00 10.00 0.00 0.00 0.00"),
]


def _priced(
    currency: str,
    quantity: str,
    unit_price: str,
    tax_rate: str,
    discount: str,
    discount_type: DiscountType,
    inclusive: bool,
) -> LineAmounts:
    return line_amounts(
        Decimal(quantity),
        Decimal(unit_price),
        Decimal(tax_rate),
        currency,
        discount=Decimal(discount),
        discount_type=discount_type,
        tax_inclusive=inclusive,
    )


def _golden(case: str) -> LineAmounts:
    currency, quantity, unit_price, tax_rate, discount, prices = case.split()
    kind = PERCENTAGE if discount.endswith("%") else FIXED
    return _priced(
        currency, quantity, unit_price, tax_rate, discount.rstrip("%"), kind, prices == "incl"
    )


@pytest.mark.parametrize(("case", "expected"), GOLDEN)
def test_discounted_and_tax_inclusive_rows_round_each_step_to_the_minor_unit(
    case: str, expected: str
) -> None:
    row = _golden(case)

    written = (row.amount, row.discount_amount, row.total, row.tax_amount, row.total_with_tax)
    assert " ".join(str(amount) for amount in written) == expected
    assert not any(amount.is_zero() and amount.is_signed() for amount in written)


def test_without_a_discount_exclusive_rows_keep_the_rule_they_had() -> None:
    before = _row("3", "33.5", "10", "JPY")
    after = _priced("JPY", "3", "33.5", "10", "0", PERCENTAGE, False)

    assert (after.total, after.tax_amount, after.total_with_tax) == (
        before.total,
        before.tax_amount,
        before.total_with_tax,
    )


@pytest.mark.parametrize(
    ("currency", "quantity", "unit_price", "discount", "exceeds"),
    [
        ("EUR", "1", "10", "10.01", True),
        ("EUR", "1", "10", "10.004", False),  # 10.00 off 10.00: what is taken off is rounded
        ("EUR", "1", "10", "10.005", True),
        ("EUR", "0", "10", "0.01", True),  # nothing to take it off
        ("EUR", "-1", "10", "10", False),
        ("EUR", "-1", "10", "10.01", True),
        ("JPY", "1", "100", "100.4", False),
        ("JPY", "1", "100", "100.5", True),
    ],
)
def test_a_fixed_discount_may_not_exceed_the_row(
    currency: str, quantity: str, unit_price: str, discount: str, exceeds: bool
) -> None:
    row = _priced(currency, quantity, unit_price, "19", discount, FIXED, False)

    assert exceeds_row(row) is exceeds


def test_invoice_totals_sum_the_rows_rounded_discounts() -> None:
    rows = [_golden(case) for case, _ in GOLDEN if case.startswith("EUR")]

    totals = invoice_totals(rows, "EUR")

    # 6.00 + 15.50 + 11.90 + 10.00 - 2.00 - 5.00 + 0.51 + 0.13 + 59.97 + 59.97 + 10.00
    assert str(totals.total_discount) == "166.98"
    assert str(invoice_totals([], "KWD").total_discount) == "0.000"


def _half_away_from_zero_of(numerator: int, denominator: int) -> int:
    """Integer reference rounding of numerator / denominator (denominator > 0)."""
    whole, rest = divmod(abs(numerator), denominator)
    whole += 2 * rest >= denominator
    return whole if numerator >= 0 else -whole


def test_discounted_rows_match_an_integer_reference_for_random_bounded_inputs() -> None:
    rng = random.Random(20261122)
    for _ in range(300):
        quantity = rng.randint(-(10**15), 10**15)  # millionths
        unit_price = rng.randint(-(10**18), 10**18)  # millionths
        tax_rate = rng.randint(0, 10**6)  # ten-thousandths
        percent = rng.randint(0, 10**8)  # millionths, 0..100
        inclusive = rng.random() < 0.5
        for currency, places in (("EUR", 2), ("JPY", 0), ("KWD", 3)):
            row = line_amounts(
                Decimal(quantity).scaleb(-6),
                Decimal(unit_price).scaleb(-6),
                Decimal(tax_rate).scaleb(-4),
                currency,
                discount=Decimal(percent).scaleb(-6),
                discount_type=PERCENTAGE,
                tax_inclusive=inclusive,
            )
            amount = _half_away_from_zero(quantity * unit_price, 12 - places)
            discount = _half_away_from_zero_of(amount * percent, 10**8)
            if inclusive:
                gross = amount - discount
                tax = _half_away_from_zero_of(gross * tax_rate, 10**6 + tax_rate)
                net = gross - tax
            else:
                net = amount - discount
                tax = _half_away_from_zero(net * tax_rate, 6)
            expected = (amount, discount, net, tax, net + tax)
            written = (
                row.amount,
                row.discount_amount,
                row.total,
                row.tax_amount,
                row.total_with_tax,
            )
            assert written == tuple(Decimal(n).scaleb(-places) for n in expected)
            assert all(amount.as_tuple().exponent == -places for amount in written)


def _third(amount: Decimal) -> Decimal:
    """A fixed discount within the row: rounding keeps it within it in any currency."""
    return (abs(amount) / 3).quantize(Decimal("0.000001"), rounding=ROUND_DOWN)


_CURRENCIES = st.sampled_from(["EUR", "JPY", "KWD"])
_ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "quantity": st.decimals(-1000, 1000, places=3),
            "unitPrice": st.decimals(-100_000, 100_000, places=4),
            "taxRate": st.decimals(0, 100, places=2),
            "discount": st.decimals(0, 100, places=3),
            "discountType": st.just("PERCENTAGE"),
        }
    )
    | st.builds(
        lambda q, p, r: {"quantity": q, "unitPrice": p, "taxRate": r, "discount": _third(q * p)},
        st.decimals(-1000, 1000, places=3),
        st.decimals(-100_000, 100_000, places=4),
        st.decimals(0, 100, places=2),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(currency=_CURRENCIES, rows=_ROWS, inclusive=st.booleans())
def test_an_invoices_totals_are_the_sums_of_its_rounded_rows(
    currency: str, rows: list[dict[str, Decimal]], inclusive: bool
) -> None:
    fields = {"currency": currency, "taxInclusive": inclusive, "rows": rows}
    invoice = invoicing.new_invoice(
        InvoiceFields.model_validate(fields),
        actor=Actor("acme", "alice"),
        now=datetime(2026, 11, 21, tzinfo=UTC),
        defaults=InvoiceDefaults(),
    )
    priced = invoice.rows
    assert invoice.total_excluding_tax == sum(row.total for row in priced)
    assert invoice.total_tax == sum(row.tax_amount for row in priced)
    assert invoice.total_discount == sum(row.discount_amount for row in priced)
    assert invoice.total_with_tax == invoice.total_excluding_tax + invoice.total_tax
    assert invoice.total_with_tax == sum(row.total_with_tax for row in priced)
    after_discount = invoice.subtotal() - invoice.total_discount
    assert after_discount == (invoice.total_with_tax if inclusive else invoice.total_excluding_tax)
    for row in priced:
        assert row.total + row.tax_amount == row.total_with_tax
        assert abs(row.discount_amount) <= abs(row.amount(inclusive))
