"""A tenant's figures: what each invoice contributes, what each write changes, and the counts and
totals read back from them (decision 0012)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from chalicelib.domain import invoicing, payments, transitions
from chalicelib.domain.aggregates import (
    Figures,
    combined,
    contribution,
    count_by_status,
    count_matching,
    delta,
    stats,
)
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.credit_notes import CreditNote, full_credit_for_cancellation
from chalicelib.domain.credited import CreditedSummary
from chalicelib.domain.invoice import Invoice, InvoiceStatus, PaymentMethod
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.numbering import DEFAULT_FORMAT, InvoiceCounter
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor

ALICE = Actor(tenant_id="acme", user_id="alice")
NOW = datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
# Invoice date 2026-11-01 with 14 days' terms: due 2026-11-15.
BEFORE_DUE = date(2026, 11, 10)
AFTER_DUE = date(2026, 11, 16)
S = InvoiceStatus
D = Decimal


def draft(unit_price: str = "100.00", tax_rate: str = "19", currency: str = "EUR") -> Invoice:
    """One row: by default 100.00 net plus 19 % tax, 119.00 in all."""
    fields = InvoiceFields.model_validate(
        {
            "currency": currency,
            "invoiceDate": "2026-11-01",
            "paymentTermDays": 14,
            "rows": [{"quantity": "1", "unitPrice": unit_price, "taxRate": tax_rate}],
        }
    )
    return invoicing.new_invoice(fields, actor=ALICE, now=NOW, defaults=InvoiceDefaults())


def with_status(status: InvoiceStatus, paid: str = "0", **kwargs: str) -> Invoice:
    return draft(**kwargs).model_copy(update={"status": status, "paid": D(paid)})


def issued(invoice: Invoice) -> Invoice:
    issuing = transitions.Issuing(InvoiceCounter(), TenantSettings(numbering_format=DEFAULT_FORMAT))
    sent, _ = transitions.mark_as_sent(invoice, issuing, actor=ALICE, now=NOW)
    return sent


def pay(invoice: Invoice, amount: str, today: date = BEFORE_DUE) -> Invoice:
    payment = PaymentInput.model_validate({"amount": amount})
    return payments.add_payment(invoice, payment, actor=ALICE, now=on(today))


def cancellation_note(invoice: Invoice) -> tuple[CreditNote, CreditedSummary]:
    credit = full_credit_for_cancellation(
        invoice, invoice.credited, number="CN-2026-0001", note_id="cn-1", actor=ALICE, now=NOW
    )
    assert credit is not None
    return credit


def on(today: date) -> datetime:
    """NOW's time of day on `today` (the invoices here are in UTC)."""
    return datetime.combine(today, NOW.timetz())


def flagged_overdue(invoice: Invoice) -> Invoice:
    """What the overdue job will write: the same invoice, OVERDUE."""
    return invoice.model_copy(update={"status": S.OVERDUE})


class TestContribution:
    @pytest.mark.parametrize(
        ("invoice", "expected"),
        [
            (with_status(S.DRAFT), {"count#DRAFT#EUR": 1}),
            (with_status(S.SCHEDULED), {"count#SCHEDULED#EUR": 1}),
            (
                with_status(S.SENT, "19.00"),
                {
                    "count#SENT#EUR": 1,
                    "invoiced#EUR": D("119.00"),
                    "outstanding#EUR": D("100.00"),
                    "paid#EUR": D("19.00"),
                },
            ),
            (
                with_status(S.OVERDUE, "19.00"),
                {
                    "count#OVERDUE#EUR": 1,
                    "invoiced#EUR": D("119.00"),
                    "outstanding#EUR": D("100.00"),
                    "overdue#EUR": D("100.00"),
                    "paid#EUR": D("19.00"),
                },
            ),
            (
                with_status(S.PAID, "119.00"),
                {"count#PAID#EUR": 1, "invoiced#EUR": D("119.00"), "paid#EUR": D("119.00")},
            ),
            (with_status(S.CANCELLED, "19.00"), {"count#CANCELLED#EUR": 1, "paid#EUR": D("19.00")}),
        ],
        ids=lambda value: value.status if isinstance(value, Invoice) else "",
    )
    def test_each_status_contributes_its_count_and_its_amounts(
        self, invoice: Invoice, expected: Figures
    ) -> None:
        assert contribution(invoice) == expected

    def test_a_draft_counts_and_adds_no_amount_whatever_its_total(self) -> None:
        assert contribution(draft(unit_price="999999.99")) == {"count#DRAFT#EUR": 1}

    def test_amounts_that_are_zero_are_left_out(self) -> None:
        assert contribution(with_status(S.SENT)) == {
            "count#SENT#EUR": 1,
            "invoiced#EUR": D("119.00"),
            "outstanding#EUR": D("119.00"),
        }
        assert contribution(with_status(S.CANCELLED)) == {"count#CANCELLED#EUR": 1}
        nothing_to_pay = with_status(S.PAID, unit_price="0")
        assert contribution(nothing_to_pay) == {"count#PAID#EUR": 1}

    def test_amounts_are_named_by_the_invoices_currency(self) -> None:
        assert contribution(with_status(S.SENT, "500", unit_price="1000", currency="JPY")) == {
            "count#SENT#JPY": 1,
            "invoiced#JPY": D(1190),
            "outstanding#JPY": D(690),
            "paid#JPY": D(500),
        }

    def test_no_invoice_contributes_nothing(self) -> None:
        assert contribution(None) == {}


class TestDelta:
    def test_creating_a_draft_counts_one_draft(self) -> None:
        assert delta(None, draft()) == {"count#DRAFT#EUR": 1}

    def test_issuing_moves_the_count_and_invoices_the_total(self) -> None:
        before = draft()
        assert delta(before, issued(before)) == {
            "count#DRAFT#EUR": -1,
            "count#SENT#EUR": 1,
            "invoiced#EUR": D("119.00"),
            "outstanding#EUR": D("119.00"),
        }

    def test_a_partial_payment_moves_money_from_outstanding_to_paid(self) -> None:
        before = issued(draft())
        assert delta(before, pay(before, "19.00")) == {
            "outstanding#EUR": D("-19.00"),
            "paid#EUR": D("19.00"),
        }

    def test_settling_moves_the_count_to_paid_and_clears_outstanding(self) -> None:
        before = pay(issued(draft()), "19.00")
        assert delta(before, pay(before, "100.00")) == {
            "count#SENT#EUR": -1,
            "count#PAID#EUR": 1,
            "outstanding#EUR": D("-100.00"),
            "paid#EUR": D("100.00"),
        }

    def test_settling_an_overdue_invoice_also_clears_overdue(self) -> None:
        before = flagged_overdue(pay(issued(draft()), "19.00"))
        assert delta(before, pay(before, "100.00", AFTER_DUE)) == {
            "count#OVERDUE#EUR": -1,
            "count#PAID#EUR": 1,
            "outstanding#EUR": D("-100.00"),
            "overdue#EUR": D("-100.00"),
            "paid#EUR": D("100.00"),
        }

    def test_the_overdue_job_moves_the_open_balance_into_overdue(self) -> None:
        before = pay(issued(draft()), "19.00")
        assert delta(before, flagged_overdue(before)) == {
            "count#SENT#EUR": -1,
            "count#OVERDUE#EUR": 1,
            "overdue#EUR": D("100.00"),
        }

    def test_unmarking_as_paid_after_the_due_date_reopens_it_as_overdue(self) -> None:
        before = payments.mark_as_paid(
            pay(issued(draft()), "19.00"),
            paid_on=None,
            method=PaymentMethod.CASH,
            actor=ALICE,
            now=on(BEFORE_DUE),
        )
        after = payments.unmark_as_paid(before, actor=ALICE, now=on(AFTER_DUE))
        assert delta(before, after) == {
            "count#PAID#EUR": -1,
            "count#OVERDUE#EUR": 1,
            "outstanding#EUR": D("100.00"),
            "overdue#EUR": D("100.00"),
            "paid#EUR": D("-100.00"),
        }

    def test_removing_a_payment_gives_it_back_to_outstanding(self) -> None:
        before = pay(issued(draft()), "19.00")
        transaction = before.transactions[0].id
        after = payments.remove_payment(before, transaction, actor=ALICE, now=on(BEFORE_DUE))
        assert delta(before, after) == {"outstanding#EUR": D("19.00"), "paid#EUR": D("-19.00")}

    def test_cancelling_an_issued_invoice_keeps_what_was_paid(self) -> None:
        before = pay(issued(draft()), "19.00")
        after = transitions.cancel(before, actor=ALICE, now=NOW)
        assert delta(before, after) == {
            "count#SENT#EUR": -1,
            "count#CANCELLED#EUR": 1,
            "invoiced#EUR": D("-119.00"),
            "outstanding#EUR": D("-100.00"),
        }

    def test_cancelling_by_credit_note_keeps_it_invoiced_and_credits_what_was_open(self) -> None:
        before = pay(issued(draft()), "19.00")
        note, summary = cancellation_note(before)
        after = transitions.cancel_by_credit_note(
            before, note.reference(), summary, actor=ALICE, now=NOW
        )
        assert delta(before, after) == {
            "count#SENT#EUR": -1,
            "count#CANCELLED#EUR": 1,
            "outstanding#EUR": D("-100.00"),
            "credited#EUR": D("100.00"),
        }  # net invoiced: the 19.00 paid
        assert (after.status, after.invoice_number) == (S.CANCELLED, before.invoice_number)

    def test_cancelling_a_draft_only_moves_the_count(self) -> None:
        before = draft()
        after = transitions.cancel(before, actor=ALICE, now=NOW)
        assert delta(before, after) == {"count#DRAFT#EUR": -1, "count#CANCELLED#EUR": 1}

    def test_deleting_a_draft_uncounts_it(self) -> None:
        assert delta(draft(), None) == {"count#DRAFT#EUR": -1}

    def test_a_note_or_a_comment_changes_no_figure(self) -> None:
        before = pay(issued(draft()), "19.00")
        noted = invoicing.apply_changes(
            before, InvoiceFields(note="Paid by phone"), actor=ALICE, now=NOW
        )
        commented = invoicing.add_comment(before, "called", actor=ALICE, now=NOW)
        assert noted.note == "Paid by phone"
        assert delta(before, noted) == {}
        assert delta(before, commented) == {}

    def test_new_rows_on_a_draft_change_no_figure(self) -> None:
        before = draft()
        rows = InvoiceFields.model_validate({"rows": [{"quantity": 3, "unitPrice": "7.50"}]})
        after = invoicing.apply_changes(before, rows, actor=ALICE, now=NOW)
        assert (before.total, after.total) == (D("119.00"), D("22.50"))
        assert delta(before, after) == {}

    def test_the_deltas_of_a_whole_life_add_up_to_what_the_invoice_contributes_at_its_end(
        self,
    ) -> None:
        created = draft()
        sent = issued(created)
        part_paid = pay(sent, "19.00")
        overdue = flagged_overdue(part_paid)
        more_paid = pay(overdue, "40.00", AFTER_DUE)
        cancelled = transitions.cancel(more_paid, actor=ALICE, now=NOW)
        states = [None, created, sent, part_paid, overdue, more_paid, cancelled]
        changes = [delta(before, after) for before, after in itertools.pairwise(states)]
        assert (
            combined(changes)
            == contribution(cancelled)
            == {
                "count#CANCELLED#EUR": 1,
                "paid#EUR": D("59.00"),
            }
        )


class TestCombined:
    def test_sums_each_figure_and_drops_those_that_come_to_zero(self) -> None:
        assert combined(
            [
                {"count#DRAFT#EUR": D(1), "paid#EUR": D("10.00")},
                {"count#DRAFT#EUR": D(-1), "paid#EUR": D("2.50"), "paid#USD": D("1.00")},
            ]
        ) == {"paid#EUR": D("12.50"), "paid#USD": D("1.00")}

    def test_nothing_combines_to_nothing(self) -> None:
        assert combined([]) == {}

    def test_a_write_and_its_undoing_cancel_out(self) -> None:
        before = issued(draft())
        after = pay(before, "19.00")
        assert combined([delta(before, after), delta(after, before)]) == {}

    def test_leaves_its_inputs_as_they_were(self) -> None:
        first: Figures = {"count#SENT#EUR": D(1)}
        combined([first, {"count#SENT#EUR": D(2)}])
        assert first == {"count#SENT#EUR": D(1)}


class TestCountByStatus:
    def test_every_status_is_answered_with_zeros_included(self) -> None:
        assert count_by_status({"count#SENT#EUR": D(3), "paid#EUR": D("5.00")}) == {
            "DRAFT": 0,
            "SCHEDULED": 0,
            "SENT": 3,
            "OVERDUE": 0,
            "PAID": 0,
            "CANCELLED": 0,
        }

    def test_counts_are_whole_numbers(self) -> None:
        counts = count_by_status({"count#PAID#EUR": D("2")})
        assert [type(count) for count in counts.values()] == [int] * 6


def figures_of(*invoices: Invoice) -> Figures:
    return combined(contribution(invoice) for invoice in invoices)


def credited_by(invoice: Invoice, amount: str) -> Invoice:
    """The invoice once credit notes credited `amount` of it (domain/credit_notes.py)."""
    summary = CreditedSummary(total_with_tax=D(amount))
    return invoice.model_copy(update={"credited": summary})


class TestCredited:
    """Issue 21: credited counts where invoiced does, so net invoiced is invoiced - credited; what
    credit notes credited is no longer outstanding."""

    def test_a_credited_open_invoice_is_outstanding_by_what_neither_payments_nor_credits_cover(
        self,
    ) -> None:
        invoice = credited_by(with_status(S.OVERDUE, "19.00"), "30.00")  # of 119.00
        assert contribution(invoice) == {
            "count#OVERDUE#EUR": 1,
            "invoiced#EUR": D("119.00"),
            "outstanding#EUR": D("70.00"),
            "overdue#EUR": D("70.00"),
            "paid#EUR": D("19.00"),
            "credited#EUR": D("30.00"),
        }

    def test_a_paid_invoice_credited_after_counts_its_credit(self) -> None:
        invoice = credited_by(with_status(S.PAID, "119.00"), "19.00")
        result = stats(figures_of(invoice), default_currency="EUR")
        assert (result.total_invoiced, result.total_credited) == (D("119.00"), D("19.00"))
        assert (result.total_outstanding, result.total_paid) == (D("0.00"), D("119.00"))

    def test_a_cancelled_invoice_drops_its_credit_with_its_total(self) -> None:
        invoice = credited_by(with_status(S.CANCELLED, "0"), "19.00")
        assert contribution(invoice) == {"count#CANCELLED#EUR": 1}

    def test_a_credit_moves_credited_and_outstanding_in_the_write_that_makes_it(self) -> None:
        before = with_status(S.SENT)
        assert delta(before, credited_by(before, "19.00")) == {
            "credited#EUR": D("19.00"),
            "outstanding#EUR": D("-19.00"),
        }


class TestStats:
    def test_a_tenant_with_one_currency_is_answered_in_it(self) -> None:
        figures = figures_of(
            with_status(S.SENT, "19.00", currency="USD"),
            with_status(S.OVERDUE, "9.00", currency="USD"),
            with_status(S.PAID, "119.00", currency="USD"),
            with_status(S.CANCELLED, "5.00", currency="USD"),
            with_status(S.DRAFT, currency="GBP"),  # a draft invoices nothing yet
        )
        result = stats(figures, default_currency="EUR")
        assert result.currency == "USD"
        assert result.by_currency is None
        assert result.count_by_status == {
            "DRAFT": 1, "SCHEDULED": 0, "SENT": 1, "OVERDUE": 1, "PAID": 1, "CANCELLED": 1,
        }  # fmt: skip
        assert [
            str(amount)
            for amount in (
                result.total_invoiced,
                result.total_outstanding,
                result.total_overdue,
                result.total_paid,
            )
        ] == ["357.00", "210.00", "110.00", "152.00"]

    def test_a_tenant_with_several_currencies_gets_its_default_one_and_a_breakdown(
        self,
    ) -> None:
        figures = figures_of(
            with_status(S.SENT, "19.00"),
            with_status(S.OVERDUE, unit_price="200", tax_rate="0", currency="USD"),
        )
        result = stats(figures, default_currency="EUR")
        assert result.currency == "EUR"
        assert (result.total_invoiced, result.total_outstanding) == (D("119.00"), D("100.00"))
        assert (result.total_overdue, result.total_paid) == (D("0.00"), D("19.00"))
        assert result.by_currency is not None
        assert {
            currency: [str(v) for v in totals.model_dump().values()]
            for currency, totals in result.by_currency.items()
        } == {
            "EUR": ["119.00", "100.00", "0.00", "19.00", "0.00"],
            "USD": ["200.00", "200.00", "200.00", "0.00", "0.00"],
        }

    def test_several_currencies_none_of_them_the_default_give_zero_top_level_totals(
        self,
    ) -> None:
        figures = figures_of(
            with_status(S.SENT, currency="USD"), with_status(S.SENT, currency="GBP")
        )
        result = stats(figures, default_currency="EUR")
        assert (result.currency, str(result.total_invoiced)) == ("EUR", "0.00")
        assert result.by_currency is not None
        assert sorted(result.by_currency) == ["GBP", "USD"]

    def test_a_tenant_with_nothing_has_zeros_in_the_default_currency(self) -> None:
        result = stats({}, default_currency="EUR")
        assert result.currency == "EUR"
        assert result.by_currency is None
        assert result.count_by_status == dict.fromkeys(
            ["DRAFT", "SCHEDULED", "SENT", "OVERDUE", "PAID", "CANCELLED"], 0
        )
        totals = [
            result.total_invoiced,
            result.total_outstanding,
            result.total_overdue,
            result.total_paid,
        ]
        assert [str(amount) for amount in totals] == ["0.00"] * 4

    @pytest.mark.parametrize(
        ("currency", "amount", "written", "zero"),
        [
            ("JPY", "1190", "1190", "0"),
            ("KWD", "1.25", "1.250", "0.000"),
            ("EUR", "1E+2", "100.00", "0.00"),  # DynamoDB keeps a number's value, not its scale
        ],
    )
    def test_amounts_are_written_with_the_currencys_minor_units(
        self, currency: str, amount: str, written: str, zero: str
    ) -> None:
        result = stats({"count#SENT#EUR": D(1), f"invoiced#{currency}": D(amount)}, "EUR")
        assert result.currency == currency
        assert (str(result.total_invoiced), str(result.total_paid)) == (written, zero)


FIGURES_BY_STATUS_AND_CURRENCY = {
    "count#SENT#EUR": D(3),
    "count#SENT#USD": D(2),
    "count#PAID#EUR": D(5),
    "count#DRAFT#JPY": D(1),
    "invoiced#EUR": D("10.00"),
}


class TestCountsByStatusAndCurrency:
    def test_a_status_counts_in_every_currency(self) -> None:
        counts = count_by_status(FIGURES_BY_STATUS_AND_CURRENCY)
        assert (counts["SENT"], counts["PAID"], counts["DRAFT"], counts["OVERDUE"]) == (5, 5, 1, 0)

    @pytest.mark.parametrize(
        ("statuses", "currency", "expected"),
        [
            (None, None, 11),
            (["SENT"], None, 5),
            (["SENT"], "EUR", 3),
            (["SENT", "PAID"], "EUR", 8),
            (None, "USD", 2),
            (["OVERDUE"], "EUR", 0),
            (["SENT"], "GBP", 0),
        ],
    )
    def test_a_tab_of_statuses_and_a_currency_is_counted_from_the_figures(
        self, statuses: list[str] | None, currency: str | None, expected: int
    ) -> None:
        assert count_matching(FIGURES_BY_STATUS_AND_CURRENCY, statuses, currency) == expected
