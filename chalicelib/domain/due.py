"""When the scheduled jobs have work on an invoice. Days begin at midnight in the invoice's
timezone, so a due date passes, a reminder's day comes and a recurring period starts at the same
local moment in Auckland as in Los Angeles, across daylight-saving changes; a scheduled invoice
goes out at its sendAt.

Each function here is pure: a job passes the time it runs for, and nothing reads a clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from chalicelib.domain.invoice import Invoice, InvoiceStatus, RecurringAgreement
from chalicelib.domain.settings import ReminderPolicy
from chalicelib.domain.values import LATEST_DATE

MAX_PERIODS_PER_RUN = 50  # a template far behind catches up over several runs
_COLLECTING = frozenset({InvoiceStatus.SENT, InvoiceStatus.OVERDUE})


class Job(StrEnum):
    RECURRING = "recurring"
    SCHEDULED = "scheduled"
    REMINDERS = "reminders"
    OVERDUE = "overdue"
    # Not scheduled: a batch of invoices the API queued, taken by the same worker.
    BATCH = "batch"


def start_of_day(day: date, timezone: str) -> datetime:
    """Midnight of `day` in `timezone`, in UTC."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def due_moments(invoice: Invoice) -> dict[Job, datetime]:
    """When each job next has work on this invoice; a job absent from the answer has none."""
    moments: dict[Job, datetime] = {}
    next_period = _next_period(invoice)
    if next_period is not None:
        moments[Job.RECURRING] = start_of_day(next_period, invoice.timezone)
    if invoice.status == InvoiceStatus.SCHEDULED and invoice.send_at is not None:
        moments[Job.SCHEDULED] = invoice.send_at
    if invoice.status in _COLLECTING and invoice.next_reminder_at is not None:
        moments[Job.REMINDERS] = invoice.next_reminder_at
    if invoice.status == InvoiceStatus.SENT:
        moments[Job.OVERDUE] = overdue_from(invoice)
    return moments


# Overdue


def overdue_from(invoice: Invoice) -> datetime:
    """An invoice is overdue once its due date has passed: from the next midnight, its time."""
    return start_of_day(invoice.due_date + timedelta(days=1), invoice.timezone)


def is_overdue(invoice: Invoice, now: datetime) -> bool:
    return invoice.status == InvoiceStatus.SENT and now >= overdue_from(invoice)


# Reminders


def reminder_day(invoice: Invoice, step: int) -> date:
    return invoice.due_date + timedelta(days=step)


def sent_steps(invoice: Invoice) -> list[int]:
    return [reminder.step for reminder in invoice.reminders if reminder.step is not None]


def due_reminder_step(invoice: Invoice, policy: ReminderPolicy, now: datetime) -> int | None:
    """The step to email now: the latest whose day has come, if it is later than every step
    already sent and the policy's maximum is not reached. Earlier steps missed meanwhile are
    never sent: a client gets one reminder, not a burst of old ones."""
    if invoice.status not in _COLLECTING:
        return None
    today = local_date(now, invoice.timezone)
    come = [step for step in policy.steps if reminder_day(invoice, step) <= today]
    sent = sent_steps(invoice)
    if not come or len(sent) >= policy.maximum or (sent and come[-1] <= max(sent)):
        return None
    return come[-1]


def next_reminder_at(invoice: Invoice, policy: ReminderPolicy, now: datetime) -> datetime | None:
    """When the reminder job should next look: the first step after every step sent whose day
    is still to come (a step whose day passed before the invoice was sent is skipped), or None
    when the policy has nothing more to send."""
    sent = sent_steps(invoice)
    if len(sent) >= policy.maximum:
        return None
    today = local_date(now, invoice.timezone)
    later = (
        step
        for step in policy.steps
        if reminder_day(invoice, step) > today and (not sent or step > max(sent))
    )
    step = next(later, None)
    return None if step is None else start_of_day(reminder_day(invoice, step), invoice.timezone)


# Recurring invoices


def period_date(agreement: RecurringAgreement, period: int) -> date:
    """The date of period `period` (0 is the first): the anchor plus that many intervals, so a
    month-end anchor keeps its day where the month has it (Jan 31, Feb 28, Mar 31)."""
    anchor = agreement.anchor_date or agreement.next_invoice_date
    assert anchor is not None, "an agreement without a date has no periods"
    if agreement.interval_months is not None:
        return anchor + relativedelta(months=agreement.interval_months * period)
    return anchor + timedelta(days=(agreement.interval_days or 1) * period)


def due_periods(agreement: RecurringAgreement, today: date) -> list[date]:
    """The periods that have come by `today` and are not invoiced yet, in order, up to the end
    date and at most MAX_PERIODS_PER_RUN of them."""
    periods: list[date] = []
    number = agreement.periods_invoiced
    while len(periods) < MAX_PERIODS_PER_RUN and agreement.next_invoice_date is not None:
        day = period_date(agreement, number)
        if day > today or _after_end(agreement, day):
            break
        periods.append(day)
        number += 1
    return periods


def advanced(agreement: RecurringAgreement) -> RecurringAgreement:
    """The agreement once its next period is invoiced: the one after it is next, or none when
    that falls after the end date."""
    number = agreement.periods_invoiced + 1
    following = period_date(agreement, number)
    ended = _after_end(agreement, following)
    return agreement.model_copy(
        update={
            "anchor_date": agreement.anchor_date or agreement.next_invoice_date,
            "periods_invoiced": number,
            "next_invoice_date": None if ended else following,
        }
    )


def _next_period(invoice: Invoice) -> date | None:
    agreement = invoice.recurring_agreement
    if agreement is None or invoice.status == InvoiceStatus.CANCELLED:
        return None
    day = agreement.next_invoice_date
    return None if day is None or _after_end(agreement, day) else day


def _after_end(agreement: RecurringAgreement, day: date) -> bool:
    """Nothing is invoiced for a period after the agreement's end date, nor after the last day
    an invoice may have: a series reaching it ends there, as at its end date."""
    if day > LATEST_DATE:
        return True
    return agreement.end_date is not None and day > agreement.end_date
