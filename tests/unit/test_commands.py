"""Input validation: what a caller may send, within the bounds that keep an invoice small."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from chalicelib.domain.commands import InvoiceFields, RecurringAgreementInput, RowInput

ROW = {"quantity": "1", "unitPrice": "1"}
AGREEMENT = {"intervalMonths": 1, "nextInvoiceDate": "2026-12-01"}


def _locations(model: type[BaseModel], data: dict[str, Any]) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data)
    return [tuple(error["loc"]) for error in refused.value.errors()]


def test_camel_case_and_snake_case_names_are_both_accepted() -> None:
    camel = RowInput.model_validate({"quantity": "2", "unitPrice": "3.5", "taxRate": "24"})
    snake = RowInput.model_validate({"quantity": "2", "unit_price": "3.5", "tax_rate": "24"})

    assert camel == snake
    assert (snake.unit_price, snake.tax_rate) == (Decimal("3.5"), Decimal(24))
    assert InvoiceFields.model_validate({"payment_term_days": 7}).payment_term_days == 7
    assert InvoiceFields.model_validate({"paymentTermDays": 7}).payment_term_days == 7


def test_totals_sent_by_the_client_are_ignored() -> None:
    fields = InvoiceFields.model_validate(
        {"note": "x", "total": 1, "totalWithTax": 1, "totalTax": 0, "dueDate": "2030-01-01"}
    )
    row = RowInput.model_validate({**ROW, "total": "999", "taxAmount": "9"})

    assert fields.model_fields_set == {"note"}
    assert row.model_fields_set == {"quantity", "unit_price"}


def test_unknown_fields_are_ignored() -> None:
    assert InvoiceFields.model_validate({"colour": "red"}).model_fields_set == set()


def test_row_defaults_to_no_tax() -> None:
    row = RowInput.model_validate(ROW)

    assert row.tax_rate == Decimal(0)


def test_numbers_arrive_without_exponents() -> None:
    row = RowInput.model_validate({"quantity": "1E+3", "unitPrice": "2.50E+1"})

    assert (str(row.quantity), str(row.unit_price)) == ("1000", "25.0")


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"quantity": "1000000000.000001", "unitPrice": "1"}, "quantity"),
        ({"quantity": "-1000000000.000001", "unitPrice": "1"}, "quantity"),
        ({"quantity": "0.0000001", "unitPrice": "1"}, "quantity"),
        ({"quantity": "1", "unitPrice": "1000000000000.000001"}, "unitPrice"),
        ({"quantity": "1", "unitPrice": "-1000000000000.000001"}, "unitPrice"),
        ({"quantity": "1", "unitPrice": "0.0000001"}, "unitPrice"),
        ({**ROW, "taxRate": "-0.0001"}, "taxRate"),
        ({**ROW, "taxRate": "100.0001"}, "taxRate"),
        ({**ROW, "taxRate": "19.00001"}, "taxRate"),
        ({**ROW, "description": "x" * 1001}, "description"),
        ({**ROW, "id": ""}, "id"),
        ({**ROW, "quantityType": "LIGHTYEARS"}, "quantityType"),
        ({"unitPrice": "1"}, "quantity"),
        ({"quantity": "1"}, "unitPrice"),
    ],
)
def test_row_outside_the_limits_is_refused_naming_the_field(
    row: dict[str, Any], field: str
) -> None:
    assert _locations(RowInput, row) == [(field,)]


@pytest.mark.parametrize(
    "row",
    [
        {"quantity": "1000000000", "unitPrice": "1000000000000", "taxRate": "100"},
        {"quantity": "-1000000000", "unitPrice": "-1000000000000", "taxRate": "0"},
        {"quantity": "0.000001", "unitPrice": "0.000001", "taxRate": "0.0001"},
        {"quantity": "999999999.999999", "unitPrice": "999999999999.999999", "taxRate": "99.9999"},
    ],
)
def test_row_at_the_limits_is_accepted(row: dict[str, str]) -> None:
    parsed = RowInput.model_validate(row)

    assert parsed.quantity == Decimal(row["quantity"])
    assert parsed.unit_price == Decimal(row["unitPrice"])


@pytest.mark.parametrize("days", [-1, 366])
def test_payment_terms_outside_a_year_are_refused(days: int) -> None:
    assert _locations(InvoiceFields, {"paymentTermDays": days}) == [("paymentTermDays",)]


@pytest.mark.parametrize("days", [0, 365])
def test_payment_terms_from_zero_to_a_year_are_accepted(days: int) -> None:
    assert InvoiceFields.model_validate({"paymentTermDays": days}).payment_term_days == days


def test_at_most_250_rows_are_accepted() -> None:
    assert len(InvoiceFields.model_validate({"rows": [ROW] * 250}).rows or ()) == 250
    assert _locations(InvoiceFields, {"rows": [ROW] * 251}) == [("rows",)]


def test_a_bad_row_is_located_by_its_position() -> None:
    bad = {"quantity": "1", "unitPrice": "1", "taxRate": "101"}

    assert _locations(InvoiceFields, {"rows": [ROW, bad]}) == [("rows", 1, "taxRate")]


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (RowInput, {"quantity": True, "unitPrice": "1"}, "quantity"),
        (RowInput, {"quantity": "1", "unitPrice": False}, "unitPrice"),
        (RowInput, {**ROW, "taxRate": True}, "taxRate"),
        (InvoiceFields, {"paymentTermDays": True}, "paymentTermDays"),
        (InvoiceFields, {"paymentTermDays": False}, "paymentTermDays"),
        (RecurringAgreementInput, {**AGREEMENT, "intervalMonths": True}, "intervalMonths"),
    ],
)
def test_booleans_are_refused_where_numbers_are_expected(
    model: type[BaseModel], data: dict[str, Any], field: str
) -> None:
    assert _locations(model, data) == [(field,)]


@pytest.mark.parametrize(
    "value", ["NaN", "Infinity", "-Infinity", "sNaN", float("nan"), float("inf")]
)
@pytest.mark.parametrize("field", ["quantity", "unitPrice", "taxRate"])
def test_not_a_number_and_infinity_are_refused(value: object, field: str) -> None:
    assert _locations(RowInput, {**ROW, field: value}) == [(field,)]


@pytest.mark.parametrize(("given", "stored"), [("eur", "EUR"), (" jpy ", "JPY"), ("KwD", "KWD")])
def test_currency_is_accepted_in_any_case_and_upper_cased(given: str, stored: str) -> None:
    assert InvoiceFields.model_validate({"currency": given}).currency == stored


@pytest.mark.parametrize(
    "currency",
    # DEM and HRK are no longer tender; XXX, XTS and XAU are ISO codes but not money to invoice in.
    ["XYZ", "EURO", "EU", "", "€", 978, "DEM", "HRK", "XXX", "XTS", "XAU"],
)
def test_unknown_currency_is_refused(currency: object) -> None:
    assert _locations(InvoiceFields, {"currency": currency}) == [("currency",)]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2026-11-21", date(2026, 11, 21)),
        ("2026-11-21T23:30:00-08:00", date(2026, 11, 21)),
        ("2026-11-21T00:30:00+14:00", date(2026, 11, 21)),
        ("2026-11-21T00:00:00Z", date(2026, 11, 21)),
        ("2026-11-21T23:59:59.999", date(2026, 11, 21)),
    ],
)
def test_a_date_time_keeps_its_date_as_written(given: str, expected: date) -> None:
    assert InvoiceFields.model_validate({"invoiceDate": given}).invoice_date == expected


@pytest.mark.parametrize("given", ["1900-01-01", "2999-12-31"])
def test_dates_at_the_ends_of_the_supported_range_are_accepted(given: str) -> None:
    parsed = InvoiceFields.model_validate({"invoiceDate": given})

    assert parsed.invoice_date == date.fromisoformat(given)


@pytest.mark.parametrize(
    "given",
    ["1899-12-31", "3000-01-01", "1899-12-31T23:59:59Z", "2026-02-30", "tomorrow", 20261121],
)
def test_dates_outside_the_range_or_not_dates_are_refused(given: object) -> None:
    assert _locations(InvoiceFields, {"invoiceDate": given}) == [("invoiceDate",)]


def test_recurring_agreement_with_one_interval_is_accepted() -> None:
    by_days = RecurringAgreementInput.model_validate(
        {"intervalDays": 30, "nextInvoiceDate": "2026-12-01"}
    )
    by_months = RecurringAgreementInput.model_validate(AGREEMENT)

    assert (by_days.interval_days, by_days.interval_months) == (30, None)
    assert (by_months.interval_days, by_months.interval_months) == (None, 1)


@pytest.mark.parametrize(
    "intervals", [{}, {"intervalDays": 30, "intervalMonths": 1}, {"intervalDays": None}]
)
def test_recurring_agreement_needs_exactly_one_interval(intervals: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="exactly one of intervalDays and intervalMonths"):
        RecurringAgreementInput.model_validate({"nextInvoiceDate": "2026-12-01", **intervals})


@pytest.mark.parametrize(
    ("interval", "value"),
    [("intervalDays", 0), ("intervalDays", 3651), ("intervalMonths", 0), ("intervalMonths", 121)],
)
def test_recurring_interval_outside_its_limits_is_refused(interval: str, value: int) -> None:
    data = {"nextInvoiceDate": "2026-12-01", interval: value}

    assert _locations(RecurringAgreementInput, data) == [(interval,)]


def test_recurring_agreement_may_not_end_before_its_next_date() -> None:
    with pytest.raises(ValidationError, match="endDate must not be before nextInvoiceDate"):
        RecurringAgreementInput.model_validate({**AGREEMENT, "endDate": "2026-11-30"})

    same_day = RecurringAgreementInput.model_validate({**AGREEMENT, "endDate": "2026-12-01"})
    assert same_day.end_date == date(2026, 12, 1)


def test_recurring_agreement_problem_is_located_on_the_agreement() -> None:
    data = {"recurringAgreement": {"nextInvoiceDate": "2026-12-01"}}

    assert _locations(InvoiceFields, data) == [("recurringAgreement",)]


def test_rows_without_ids_do_not_clash() -> None:
    rows = [ROW, ROW, {**ROW, "id": "r1"}]

    assert len(InvoiceFields.model_validate({"rows": rows}).rows or ()) == 3


def test_contact_email_must_be_an_address() -> None:
    assert _locations(InvoiceFields, {"contactEmail": "not-an-address"}) == [("contactEmail",)]
