"""When the jobs have work: month-end recurrence, end dates, the latest reminder step only, and
days that begin at midnight in the invoice's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from chalicelib.domain import due
from chalicelib.domain.invoice import Invoice, InvoiceStatus, RecurringAgreement, Reminder
from chalicelib.domain.settings import ReminderPolicy

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


def monthly(anchor: date, **fields: object) -> RecurringAgreement:
    return RecurringAgreement.model_validate(
        {"interval_months": 1, "next_invoice_date": anchor, "anchor_date": anchor, **fields}
    )


def sent(due_date: date, *steps: int, timezone: str = "UTC") -> Invoice:
    zero = Decimal(0)
    return Invoice(
        id="inv-1", tenant_id="acme", status=InvoiceStatus.SENT, currency="EUR",
        invoice_date=due_date, payment_term_days=0, due_date=due_date, total=zero,
        total_excluding_tax=zero, total_tax=zero, total_with_tax=zero, paid=zero,
        paid_excluding_tax=zero, created=NOW, created_by="u", updated=NOW, updated_by="u",
        timezone=timezone,
        reminders=[Reminder(created_by="job", sent_on=NOW, step=step) for step in steps],
    )  # fmt: skip


class TestRecurrence:
    def test_a_month_end_anchor_keeps_its_day_where_the_month_has_it(self) -> None:
        agreement = monthly(date(2026, 1, 31))
        days = [due.period_date(agreement, n) for n in range(4)]
        assert days == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
        assert due.period_date(monthly(date(2028, 1, 31)), 1) == date(2028, 2, 29)

    def test_advancing_walks_the_same_days_and_stops_after_the_end_date(self) -> None:
        agreement = monthly(date(2026, 1, 31), end_date=date(2026, 3, 31))
        seen = []
        while agreement.next_invoice_date is not None:
            seen.append(agreement.next_invoice_date)
            agreement = due.advanced(agreement)
        assert seen == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
        assert agreement.periods_invoiced == 3

    def test_missed_periods_all_come_due_in_order_up_to_today_and_the_end_date(self) -> None:
        daily = RecurringAgreement(interval_days=1, next_invoice_date=date(2026, 11, 18))
        assert due.due_periods(daily, date(2026, 11, 20)) == [
            date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20),
        ]  # fmt: skip
        ended = daily.model_copy(update={"end_date": date(2026, 11, 19)})
        assert due.due_periods(ended, date(2026, 11, 30)) == [
            date(2026, 11, 18),
            date(2026, 11, 19),
        ]
        far_behind = daily.model_copy(update={"next_invoice_date": date(2020, 1, 1)})
        assert len(due.due_periods(far_behind, date(2026, 11, 30))) == due.MAX_PERIODS_PER_RUN


class TestDays:
    @pytest.mark.parametrize(
        ("timezone", "day", "midnight"),
        [
            ("Pacific/Auckland", date(2026, 9, 27), datetime(2026, 9, 26, 12, tzinfo=UTC)),
            ("Pacific/Auckland", date(2026, 9, 28), datetime(2026, 9, 27, 11, tzinfo=UTC)),
            ("America/Los_Angeles", date(2026, 3, 8), datetime(2026, 3, 8, 8, tzinfo=UTC)),
            ("America/Los_Angeles", date(2026, 3, 9), datetime(2026, 3, 9, 7, tzinfo=UTC)),
        ],
    )
    def test_a_day_starts_at_local_midnight_on_either_side_of_a_clock_change(
        self, timezone: str, day: date, midnight: datetime
    ) -> None:
        assert due.start_of_day(day, timezone) == midnight
        invoice = sent(date.fromordinal(day.toordinal() - 1), timezone=timezone)
        assert due.overdue_from(invoice) == midnight


class TestReminders:
    POLICY = ReminderPolicy(steps=[-3, 1, 7, 14], maximum=4)

    def test_only_the_latest_step_whose_day_has_come_is_due(self) -> None:
        invoice = sent(date(2026, 11, 1))
        assert due.due_reminder_step(invoice, self.POLICY, NOW) == 14
        assert due.due_reminder_step(sent(date(2026, 11, 1), 14), self.POLICY, NOW) is None
        assert due.due_reminder_step(sent(date(2026, 11, 15), -3), self.POLICY, NOW) == 1
        assert due.due_reminder_step(sent(date(2026, 11, 15), 1), self.POLICY, NOW) is None

    def test_the_maximum_and_a_paid_invoice_stop_them(self) -> None:
        capped = ReminderPolicy(steps=[-3, 1, 7, 14], maximum=1)
        assert due.due_reminder_step(sent(date(2026, 11, 1), -3), capped, NOW) is None
        paid = sent(date(2026, 11, 1)).model_copy(update={"status": InvoiceStatus.PAID})
        assert due.due_reminder_step(paid, self.POLICY, NOW) is None
        assert due.next_reminder_at(sent(date(2026, 11, 1), -3), capped, NOW) is None

    def test_the_next_reminder_skips_steps_whose_day_has_passed(self) -> None:
        invoice = sent(date(2026, 11, 22), timezone="Europe/Berlin")  # -3 was the 19th
        assert due.next_reminder_at(invoice, self.POLICY, NOW) == datetime(
            2026, 11, 22, 23, tzinfo=UTC
        )  # the 23rd (+1), midnight in Berlin
