"""Heffl's create body as a native invoice: pure translation, no HTTP or storage."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.compat.heffl import HefflInvoiceInput, heffl_problems, native_fields
from chalicelib.domain.compat.heffl_answer import documented_id
from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.money import DiscountType
from chalicelib.domain.settings import TenantSettings

SETTINGS = TenantSettings.model_validate({"taxRates": [{"id": "vat", "name": "VAT", "rate": 19}]})
BODY: dict[str, Any] = {
    "clientId": "client-1",
    "date": "2026-11-21T23:30:00-08:00",
    "dueDate": "2026-12-21T00:00:00Z",
    "lineItems": [
        {"name": "Beratung", "description": "November", "quantity": 2, "price": "10.5",
         "taxRateId": "vat", "discount": 10, "discountType": "percentage", "productId": 7},
        {"quantity": 1, "price": 3},
    ],
    "subject": "Projekt Ω",
    "notes": "Danke",
    "isInclusiveTax": True,
}  # fmt: skip


def _body(**changes: Any) -> HefflInvoiceInput:
    return HefflInvoiceInput.model_validate({**BODY, **changes})


def test_the_body_becomes_the_native_fields_it_describes() -> None:
    fields = native_fields(_body(), SETTINGS)

    assert (str(fields.invoice_date), fields.payment_term_days) == ("2026-11-21", 30)
    assert (fields.client_id, fields.tax_inclusive) == ("client-1", True)
    assert fields.note == "Projekt Ω\n\nDanke"
    first, second = fields.rows or []
    assert (first.description, first.product_id, first.unit_price) == (
        "Beratung\nNovember",
        "7",
        Decimal("10.5"),
    )
    assert (first.tax_rate, first.discount, first.discount_type) == (
        Decimal(19),
        Decimal(10),
        DiscountType.PERCENTAGE,
    )
    assert (second.description, str(second.tax_rate), second.discount_type) == (
        None,
        "0",
        DiscountType.FIXED,
    )
    assert fields.custom_fields is None


def test_unknown_keys_and_a_custom_fields_object_are_kept_as_custom_fields() -> None:
    body = _body(customFields={"a": 1, "b": 2}, b=3, costCenter={"id": None})

    assert body.custom_fields == {"a": 1, "b": 3, "costCenter": {"id": None}}
    assert native_fields(body, SETTINGS).custom_fields == body.custom_fields


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"dueDate": "2026-11-20"}, ["dueDate"]),
        ({"dueDate": "2027-11-22"}, ["dueDate"]),
        (
            {"lineItems": [{"quantity": 1, "price": 1, "taxRateId": "nope"}] * 2},
            ["lineItems[0].taxRateId", "lineItems[1].taxRateId"],
        ),
    ],
)
def test_what_the_settings_or_dates_refuse_is_named_in_heffls_terms(
    changes: dict[str, Any], fields: list[str]
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        native_fields(_body(**changes), SETTINGS)
    assert [problem.field for problem in refused.value.problems] == fields


def test_native_refusals_are_renamed_to_heffls_fields() -> None:
    problems = [
        FieldProblem("rows[3].unitPrice", "x"),
        FieldProblem("rows[0].discount", "y"),
        FieldProblem("paymentTermDays", "z"),
        FieldProblem("customFields", "w"),
    ]

    assert [p.field for p in heffl_problems(problems)] == [
        "lineItems[3].price",
        "lineItems[0].discount",
        "dueDate",
        "customFields",
    ]


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        ("7", 7),
        (7, 7),
        ("-7", -7),
        ("0", 0),
        ("-0", "-0"),
        ("07", "07"),
        ("7.0", "7.0"),
        ("1e3", "1e3"),
        (" 7", " 7"),  # the body's own strings arrive stripped; this one is kept as it is
        ("9007199254740991", 2**53 - 1),
        ("-9007199254740991", -(2**53) + 1),
        ("9007199254740992", "9007199254740992"),
        (2**64, 2**64),  # sent as a number, answered as one
        ("prd_1", "prd_1"),
        (None, None),
    ],
)
def test_an_id_heffl_answers_as_a_number_is_one_only_when_nothing_is_lost(
    sent: str | int | None, answered: str | int | None
) -> None:
    assert documented_id(sent) == answered
    assert type(documented_id(sent)) is type(answered)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [(" 42 ", "42"), (42, 42), (Decimal("42.0"), 42), (Decimal("42"), 42)],
)
def test_an_id_is_a_string_or_a_whole_number(sent: object, kept: object) -> None:
    body = _body(salesPersonId=sent)
    assert body.sales_person_id == kept
    assert type(body.sales_person_id) is type(kept)


@pytest.mark.parametrize("sent", [True, False, Decimal("4.5"), Decimal("NaN"), "", "x" * 129, [1]])
def test_anything_else_as_an_id_is_refused_naming_the_field(sent: object) -> None:
    with pytest.raises(ValidationError) as refused:
        _body(salesPersonId=sent)
    assert [error["loc"] for error in refused.value.errors()] == [("salesPersonId",)]
