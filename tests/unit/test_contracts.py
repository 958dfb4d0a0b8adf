"""Contracts as pure domain: what a contract accepts, the days each period covers (month ends,
weeks, quarters, years, leap days, the expiration boundary, one-off contracts) and the native
create body of a period's invoice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.commands import RowInput
from chalicelib.domain.contracts import (
    Contract,
    ContractInput,
    ContractPeriod,
    invoice_fields_for_period,
    new_contract,
    period_dates,
    replaced_contract,
)
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.values import Actor

ALICE = Actor(tenant_id="acme", user_id="alice")
BOB = Actor(tenant_id="acme", user_id="bob")
NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
LATER = datetime(2026, 11, 22, 12, tzinfo=UTC)
ITEM = {"description": "Retainer", "quantity": 1, "unitPrice": "1500.00", "taxRate": 19}
TERMS: dict[str, Any] = {
    "clientId": "client-1",
    "currency": "eur",
    "isRecurring": True,
    "period": "monthly",
    "activationAt": "2026-01-31T09:00:00Z",
    "items": [ITEM],
    "paymentMethods": [
        {
            "iban": "DE89 3704 0044 0532 0130 00",
            "bic": "COBADEFFXXX",
            "bankName": "Commerzbank",
            "beneficiaryName": "Acme GmbH",
            "paymentReference": "ACME-RETAINER",
        }
    ],
    "paymentTermDays": 30,
}


def contract(**changes: Any) -> Contract:
    return new_contract(ContractInput.model_validate({**TERMS, **changes}), actor=ALICE, now=NOW)


def starts(subject: Contract, numbers: range) -> list[date]:
    return [period_dates(subject, n)[0] for n in numbers]


def period_problem(subject: Contract, number: int) -> str:
    with pytest.raises(InvalidInputError) as raised:
        period_dates(subject, number)
    [problem] = raised.value.problems
    assert problem.field == "period"
    return problem.message


class TestInput:
    def test_a_contract_takes_every_term_in_canonical_form(self) -> None:
        made = contract(memo="Monthly retainer", description="Consulting, 2026")
        assert (made.tenant_id, made.created_by, made.updated_by) == ("acme", "alice", "alice")
        assert (made.currency, made.period, made.is_recurring) == ("EUR", "MONTHLY", True)
        assert made.activation_at == datetime(2026, 1, 31, 9, tzinfo=UTC)
        assert made.items[0].unit_price == Decimal("1500.00")
        [account] = made.payment_methods
        assert (account.iban, account.bic) == ("DE89370400440532013000", "COBADEFFXXX")
        assert (account.bank_name, account.beneficiary_name) == ("Commerzbank", "Acme GmbH")
        assert (made.payment_term_days, made.memo) == (30, "Monthly retainer")

    def test_a_bare_day_is_midnight_utc(self) -> None:
        made = contract(activationAt="2026-03-01", expirationAt="2027-03-01")
        assert made.activation_at == datetime(2026, 3, 1, tzinfo=UTC)
        assert made.expiration_at == datetime(2027, 3, 1, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"clientId": None}, "clientId"),
            ({"period": None}, "period"),
            ({"period": "FORTNIGHTLY"}, "period"),
            ({"isRecurring": False}, "period"),
            ({"expirationAt": "2026-01-31T09:00:00Z"}, "expirationAt"),
            ({"expirationAt": "2025-12-31T00:00:00Z"}, "expirationAt"),
            ({"activationAt": "2026-01-31T09:00:00"}, "activationAt"),
            ({"items": []}, "items"),
            ({"items": [{**ITEM, "id": "a"}, {**ITEM, "id": "a"}]}, "items"),
            ({"items": [ITEM] * 251}, "items"),
            ({"paymentMethods": [{"iban": "DE00 0000 0000 0000 0000 00"}]}, "paymentMethods"),
            ({"paymentMethods": [{"iban": "DE89370400440532013000", "bic": "BNPAFRPP"}]},
             "paymentMethods"),
            ({"paymentMethods": [{"iban": "DE89370400440532013000"}] * 6}, "paymentMethods"),
            ({"currency": "EURO"}, "currency"),
            ({"paymentTermDays": 366}, "paymentTermDays"),
        ],
    )  # fmt: skip
    def test_a_term_that_breaks_its_rule_is_refused_naming_it(
        self, changes: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(ValidationError) as raised:
            ContractInput.model_validate({**TERMS, **changes})
        assert [error["loc"][0] for error in raised.value.errors()] == [field]

    def test_a_replacement_keeps_identity_and_creation_and_clears_what_is_left_out(self) -> None:
        made = contract(memo="old").model_copy(update={"version": 3})
        given = ContractInput.model_validate({**TERMS, "isRecurring": False, "period": None})
        replaced = replaced_contract(made, given, actor=BOB, now=LATER)
        assert (replaced.id, replaced.tenant_id, replaced.version) == (made.id, "acme", 3)
        assert (replaced.created, replaced.created_by) == (NOW, "alice")
        assert (replaced.updated, replaced.updated_by) == (LATER, "bob")
        assert (replaced.is_recurring, replaced.period, replaced.memo) == (False, None, None)


class TestPeriods:
    def test_month_ends_are_kept_counting_from_the_activation_never_chained(self) -> None:
        monthly = contract(activationAt="2026-01-31T09:00:00Z")
        assert starts(monthly, range(5)) == [
            date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
            date(2026, 5, 31),
        ]  # fmt: skip
        assert period_dates(monthly, 0) == (date(2026, 1, 31), date(2026, 2, 27))
        assert period_dates(monthly, 1) == (date(2026, 2, 28), date(2026, 3, 30))
        assert period_dates(monthly, 12) == (date(2027, 1, 31), date(2027, 2, 27))

    def test_a_leap_year_february_has_its_29th(self) -> None:
        monthly = contract(activationAt="2028-01-31T00:00:00Z")
        assert period_dates(monthly, 1) == (date(2028, 2, 29), date(2028, 3, 30))

    def test_a_leap_day_anchor_falls_on_february_28_in_other_years(self) -> None:
        yearly = contract(period="YEARLY", activationAt="2028-02-29T00:00:00Z")
        assert starts(yearly, range(5)) == [
            date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28), date(2031, 2, 28),
            date(2032, 2, 29),
        ]  # fmt: skip
        assert period_dates(yearly, 0) == (date(2028, 2, 29), date(2029, 2, 27))

    def test_weeks_are_seven_days(self) -> None:
        weekly = contract(period="WEEKLY", activationAt="2026-12-28T00:00:00Z")
        assert period_dates(weekly, 0) == (date(2026, 12, 28), date(2027, 1, 3))
        assert period_dates(weekly, 1) == (date(2027, 1, 4), date(2027, 1, 10))
        assert period_dates(weekly, 52)[0] == date(2027, 12, 27)

    def test_quarters_are_three_months_from_the_anchor(self) -> None:
        quarterly = contract(period="QUARTERLY", activationAt="2026-11-30T00:00:00Z")
        assert starts(quarterly, range(4)) == [
            date(2026, 11, 30), date(2027, 2, 28), date(2027, 5, 30), date(2027, 8, 30),
        ]  # fmt: skip
        assert period_dates(quarterly, 1) == (date(2027, 2, 28), date(2027, 5, 29))

    def test_the_activation_day_is_taken_in_the_timezone_asked(self) -> None:
        monthly = contract(activationAt="2026-01-31T23:30:00-08:00")  # Feb 1, 07:30 UTC
        assert period_dates(monthly, 0)[0] == date(2026, 2, 1)
        in_la = period_dates(monthly, 1, timezone="America/Los_Angeles")
        assert in_la == (date(2026, 2, 28), date(2026, 3, 30))

    def test_a_period_starting_at_or_after_the_expiration_is_refused(self) -> None:
        monthly = contract(activationAt="2026-01-01T00:00:00Z", expirationAt="2026-04-01T00:00:00Z")
        assert period_dates(monthly, 2) == (date(2026, 3, 1), date(2026, 3, 31))
        message = period_problem(monthly, 3)
        assert "2026-04-01" in message and "expired" in message
        assert "expired" in period_problem(monthly, 40)

    def test_a_contract_expiring_mid_period_ends_its_last_period_early(self) -> None:
        monthly = contract(activationAt="2026-01-01T00:00:00Z", expirationAt="2026-03-15T12:00:00Z")
        assert period_dates(monthly, 2) == (date(2026, 3, 1), date(2026, 3, 15))
        one_minute_in = contract(
            activationAt="2026-01-01T00:00:00Z", expirationAt="2026-03-01T00:01:00Z"
        )
        assert period_dates(one_minute_in, 2) == (date(2026, 3, 1), date(2026, 3, 1))

    def test_a_one_off_contract_has_only_period_0(self) -> None:
        one_off = contract(isRecurring=False, period=None, activationAt="2026-05-04T10:00:00Z")
        assert period_dates(one_off, 0) == (date(2026, 5, 4), date(2026, 5, 4))
        assert "only period 0" in period_problem(one_off, 1)
        until = contract(
            isRecurring=False, period=None, activationAt="2026-05-04", expirationAt="2026-06-01"
        )
        assert period_dates(until, 0) == (date(2026, 5, 4), date(2026, 5, 31))

    def test_negative_and_unreachable_periods_are_refused(self) -> None:
        monthly = contract()
        assert "0 or more" in period_problem(monthly, -1)
        assert "after 2999-12-31" in period_problem(monthly, 12 * 1000)
        assert "after 2999-12-31" in period_problem(monthly, 10**30)


class TestInvoiceFields:
    def test_a_periods_invoice_is_the_contracts_terms_dated_on_its_first_day(self) -> None:
        monthly = contract()
        fields = invoice_fields_for_period(monthly, 1, memo="February retainer")
        assert fields.client_id == "client-1"
        assert (fields.currency, fields.invoice_date) == ("EUR", date(2026, 2, 28))
        assert (fields.payment_term_days, fields.note) == (30, "February retainer")
        assert fields.payment_reference == "ACME-RETAINER"
        assert fields.rows == monthly.items

    def test_without_payment_references_or_terms_the_invoice_takes_the_tenants_defaults(
        self,
    ) -> None:
        plain = contract(paymentMethods=[], paymentTermDays=None)
        fields = invoice_fields_for_period(plain, 0, memo=None)
        assert (fields.payment_reference, fields.payment_term_days, fields.note) == (
            None,
            None,
            None,
        )

    def test_other_items_may_be_invoiced_for_a_period(self) -> None:
        extra = [RowInput(description="Extra hours", quantity=Decimal(3), unit_price=Decimal(90))]
        fields = invoice_fields_for_period(contract(), 0, memo=None, items=extra)
        assert fields.rows == extra

    def test_a_memo_too_long_for_a_note_is_refused_naming_memo(self) -> None:
        with pytest.raises(InvalidInputError) as raised:
            invoice_fields_for_period(contract(), 0, memo="x" * 5001)
        assert [problem.field for problem in raised.value.problems] == ["memo"]

    def test_an_expired_period_makes_no_invoice(self) -> None:
        ended = contract(activationAt="2026-01-01", expirationAt="2026-02-01")
        with pytest.raises(InvalidInputError) as raised:
            invoice_fields_for_period(ended, 1, memo=None)
        assert [problem.field for problem in raised.value.problems] == ["period"]


def test_the_periods_are_the_documented_four() -> None:
    assert [str(p) for p in ContractPeriod] == ["WEEKLY", "MONTHLY", "QUARTERLY", "YEARLY"]
