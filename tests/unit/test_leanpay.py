"""Leanpay's totals as one native row: whatever the pair, the native money rule gives them back to
the minor unit. Pure translation, no HTTP or storage."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.compat.leanpay import LeanpayInvoice, native_body, tax_rate_for
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.money import line_amounts, minor_units


@given(
    currency=st.sampled_from(["EUR", "JPY", "KWD"]),
    net_units=st.integers(min_value=0, max_value=10**14),
    share=st.fractions(min_value=0, max_value=1),
)
def test_the_rate_found_gives_the_tax_back_to_the_minor_unit(
    currency: str, net_units: int, share: Fraction
) -> None:
    unit = Decimal(1).scaleb(-minor_units(currency))
    net = net_units * unit
    tax = int(net_units * share) * unit
    rate = tax_rate_for(net, net + tax, currency)

    assert rate is not None and 0 <= rate <= 100
    assert len(rate.as_tuple().digits) <= 38  # DynamoDB keeps it exactly
    amounts = line_amounts(Decimal(1), net, rate, currency)
    assert (amounts.total, amounts.tax_amount, amounts.total_with_tax) == (net, tax, net + tax)


@pytest.mark.parametrize(
    ("net", "amount", "rate"),
    [
        ("100.00", "119.00", "19"),
        ("0.03", "0.04", "33.3333"),  # 4 places are enough
        ("123456.78", "148148.13", "19.99999513999960147997"),  # they are not
        ("0", "0", "0"),
    ],
)
def test_the_rate_has_4_places_when_they_suffice(net: str, amount: str, rate: str) -> None:
    assert str(tax_rate_for(Decimal(net), Decimal(amount), "EUR")) == rate


@pytest.mark.parametrize(("net", "amount"), [("100", "99.99"), ("100", "200.01"), ("0", "0.01")])
def test_no_rate_of_0_to_100_percent_is_none(net: str, amount: str) -> None:
    assert tax_rate_for(Decimal(net), Decimal(amount), "EUR") is None


def test_the_body_is_one_row_and_names_leanpays_fields_when_refused() -> None:
    item = LeanpayInvoice.model_validate(
        {
            "clientId": "c",
            "reference": "R-1",
            "amount": "148148.13",
            "netAmount": "123456.78",
            "issueDate": "2026-01-01",
            "dueDate": "2026-01-31",
            "externalId": "e",
        }
    )
    body = native_body(item, "EUR")
    [row] = body.rows or []
    assert (row.quantity, row.unit_price, body.payment_term_days) == (
        Decimal(1),
        item.net_amount,
        30,
    )
    assert (body.external_id, body.client_id, body.currency) == ("leanpay:e", "c", "EUR")

    with pytest.raises(InvalidInputError) as refused:
        native_body(item.model_copy(update={"amount": Decimal("1.001")}), "JPY")
    assert [p.field for p in refused.value.problems] == ["netAmount", "amount"]
