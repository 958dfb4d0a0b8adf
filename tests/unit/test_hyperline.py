"""Hyperline's invoice in native terms: minor units, rates and coupons to the cent in any
currency, and what each status asks for. Pure translation, no HTTP or storage."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.domain.compat.hyperline import (
    HyperlineInvoice,
    body_fingerprint,
    imported_state,
    native_body,
)
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.money import allocate, minor_units

NOW = datetime(2026, 11, 21, 10, tzinfo=UTC)
TODAY = date(2026, 11, 21)


def item(**fields: Any) -> HyperlineInvoice:
    line = {"name": "Seats", "unit_amount": 10000}
    return HyperlineInvoice.model_validate({"customer_id": "c-1", "line_items": [line], **fields})


def body_of(invoice: HyperlineInvoice, currency: str = "EUR") -> Any:
    return native_body(invoice, currency=currency, timezone="Europe/Berlin", today=TODAY)


@given(
    currency=st.sampled_from(["EUR", "JPY", "KWD"]),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=20),
    share=st.fractions(min_value=0, max_value=1),
)
def test_allocate_adds_up_exactly_and_no_share_passes_its_weight(
    currency: str, weights: list[int], share: Any
) -> None:
    unit = Decimal(1).scaleb(-minor_units(currency))
    amounts = [weight * unit for weight in weights]
    amount = int(sum(weights) * share) * unit

    shares = allocate(amount, amounts, currency)

    assert sum(shares) == amount
    assert all(Decimal(0) <= s <= a for s, a in zip(shares, amounts, strict=True))
    assert all(s == s.quantize(unit) for s in shares)


def test_allocate_gives_the_left_over_cents_to_the_largest_remainders() -> None:
    # 5 cents over 2, 2, 2 and 1: 1.43 each and 0.71, rounded down to 1, 1, 1, 0 with 2 left.
    shares = allocate(Decimal("0.05"), [Decimal("0.02")] * 3 + [Decimal("0.01")], "EUR")
    assert shares == [Decimal("0.02"), Decimal("0.01"), Decimal("0.01"), Decimal("0.01")]


@pytest.mark.parametrize(
    ("currency", "minor", "major"),
    [("EUR", 24000, "240.00"), ("JPY", 24000, "24000"), ("KWD", 24000, "24.000"),
     ("EUR", -150, "-1.50")],
)  # fmt: skip
def test_unit_amounts_are_minor_units_of_the_currency(
    currency: str, minor: int, major: str
) -> None:
    [row] = body_of(item(line_items=[{"unit_amount": minor}]), currency).rows
    assert row.unit_price == Decimal(major)
    assert str(row.unit_price) == major


def test_a_line_items_rate_wins_over_the_invoices_and_none_is_zero() -> None:
    lines = [{"unit_amount": 1, "tax_rate": 7}, {"unit_amount": 1}]
    assert [r.tax_rate for r in body_of(item(line_items=lines, tax_rate=19)).rows] == [7, 19]
    assert [r.tax_rate for r in body_of(item(line_items=lines)).rows] == [7, 0]


def test_dates_are_days_in_the_tenants_timezone_and_due_at_sets_the_term() -> None:
    late_evening = "2026-10-31T23:30:00Z"  # already November 1st in Berlin
    body = body_of(item(emitted_at=late_evening, due_at="2026-12-01T08:00:00Z"))
    assert (body.invoice_date, body.payment_term_days) == (date(2026, 11, 1), 30)
    assert (body_of(item()).invoice_date, body_of(item()).payment_term_days) == (TODAY, None)


@pytest.mark.parametrize("due_at", ["2026-10-30T00:00:00Z", "2027-11-30T00:00:00Z"])
def test_a_due_date_before_emission_or_past_a_year_is_refused(due_at: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        body_of(item(emitted_at="2026-11-01T00:00:00Z", due_at=due_at))
    assert [p.field for p in refused.value.problems] == ["due_at"]


def test_a_coupon_above_its_line_items_or_naming_none_is_refused() -> None:
    coupons = [
        {"discount_amount": 10001},
        {"discount_amount": 1, "line_item_indexes": [3]},
    ]
    with pytest.raises(InvalidInputError) as refused:
        body_of(item(coupons=coupons))
    assert [p.field for p in refused.value.problems] == [
        "coupons[0].discount_amount",
        "coupons[1].line_item_indexes",
    ]


def test_coupons_take_what_the_earlier_ones_left() -> None:
    lines = [{"unit_amount": 1000}, {"unit_amount": 3000}]
    coupons = [{"discount_amount": 1000, "line_item_indexes": [0]}, {"discount_amount": 3000}]
    body = body_of(item(line_items=lines, coupons=coupons))
    assert [r.discount for r in body.rows] == [Decimal("10.00"), Decimal("30.00")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": "INV-1"}, "a draft has no number"),
        ({"transactions": [{"amount": 1, "process_at": "2026-01-01T00:00:00Z"}]}, "a draft"),
        ({"status": "to_pay", "settled_at": "2026-01-01T00:00:00Z"}, "settled_at is for"),
    ],
)
def test_each_status_takes_only_what_it_can_hold(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        item(**fields)


def test_paid_settles_on_settled_at_else_its_last_transaction_else_its_emission() -> None:
    def paid_at(**fields: Any) -> datetime | None:
        state = imported_state(item(status="paid", **fields), currency="EUR", now=NOW)
        assert state is not None
        return state.paid_at

    early, late = "2026-10-02T00:00:00Z", "2026-10-09T00:00:00Z"
    payments = [{"amount": 1, "process_at": late}, {"amount": 1, "process_at": early}]
    assert paid_at(settled_at=early, transactions=payments) == datetime(2026, 10, 2, tzinfo=UTC)
    assert paid_at(transactions=payments) == datetime(2026, 10, 9, tzinfo=UTC)
    assert paid_at(emitted_at=early) == datetime(2026, 10, 2, tzinfo=UTC)
    assert paid_at() == NOW
    assert imported_state(item(), currency="EUR", now=NOW) is None


BATCH: dict[str, Any] = {
    "invoices": [{"customer_id": "c-1", "line_items": [{"unit_amount": 24000, "tax_rate": 20}]}],
    "batch_id": "b-1",
}


def test_a_body_fingerprint_is_what_was_said_not_how_it_was_written() -> None:
    reordered = {"batch_id": "b-1", "invoices": [
        {"line_items": [{"tax_rate": 20, "unit_amount": 24000}], "customer_id": "c-1"},
    ]}  # fmt: skip

    assert body_fingerprint(reordered) == body_fingerprint(BATCH)
    assert len(body_fingerprint(BATCH)) == 64


@pytest.mark.parametrize(
    "other",
    [
        {**BATCH, "batch_id": "b-2"},
        {**BATCH, "invoices": BATCH["invoices"] * 2},
        {**BATCH, "invoices": [{**BATCH["invoices"][0], "display": True}]},  # not kept: said
        {**BATCH, "invoices": [{"customer_id": "c-1",
                                "line_items": [{"unit_amount": Decimal("24000.0"),
                                                "tax_rate": 20}]}]},
        {**BATCH, "extra": None},
    ],
)  # fmt: skip
def test_any_other_body_has_another_fingerprint(other: dict[str, Any]) -> None:
    assert body_fingerprint(other) != body_fingerprint(BATCH)
