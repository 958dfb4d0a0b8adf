"""Moving an invoice through its lifecycle: issuing it (with its number and copies of who sells
and who buys), scheduling and unscheduling it, emailing it, and cancelling it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain import due
from chalicelib.domain.credited import CreditedSummary, CreditNoteReference
from chalicelib.domain.events import record
from chalicelib.domain.invoice import Blob, EventType, Invoice, InvoiceStatus, Reminder
from chalicelib.domain.numbering import InvoiceCounter, next_number
from chalicelib.domain.parties import PartyDetails
from chalicelib.domain.settings import ReminderPolicy, TenantSettings
from chalicelib.domain.state_machine import Action, ensure_allowed
from chalicelib.domain.values import Actor


@dataclass(frozen=True)
class Issuing:
    """What an invoice leaving DRAFT takes: the next number of its tenant's series, and copies
    of the seller (from the settings) and of its client as they are now."""

    counter: InvoiceCounter
    settings: TenantSettings
    client: PartyDetails | None = None


def number_for_issue(
    invoice: Invoice, counter: InvoiceCounter, number_format: str
) -> tuple[str, InvoiceCounter | None]:
    """An invoice keeps the number it has; one leaving DRAFT for the first time takes the next."""
    if invoice.invoice_number is not None:
        return invoice.invoice_number, None
    return next_number(counter, number_format, invoice.invoice_date)


def _issued(invoice: Invoice, issuing: Issuing) -> tuple[dict[str, Any], InvoiceCounter | None]:
    """The fields an invoice takes when issued. Leaving DRAFT copies the parties, so a later edit
    of either never changes it, and drops a PDF rendered of the draft."""
    number, advanced = number_for_issue(invoice, issuing.counter, issuing.settings.numbering_format)
    fields: dict[str, Any] = {"invoice_number": number}
    if invoice.status == InvoiceStatus.DRAFT:
        seller = issuing.settings.seller_details()
        fields |= {"seller": seller, "client": issuing.client, "pdf": None}
        fields["timezone"] = issuing.settings.timezone
    return fields, advanced


def _first_sent(
    invoice: Invoice, fields: dict[str, Any], issuing: Issuing, now: datetime
) -> dict[str, Any]:
    """The reminder plan an invoice takes when it is first sent: its first step still to come."""
    if invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.SCHEDULED):
        return fields
    sent = invoice.model_copy(update=fields)
    plan = due.next_reminder_at(sent, issuing.settings.reminder_policy, now)
    return {**fields, "next_reminder_at": plan}


def as_issued(invoice: Invoice, issuing: Issuing) -> Invoice:
    """The invoice as issuing it would make it (its number, its parties), to render it before
    it is stored as such."""
    fields, _ = _issued(invoice, issuing)
    return invoice.model_copy(update=fields)


def mark_as_sent(
    invoice: Invoice, issuing: Issuing, *, actor: Actor, now: datetime
) -> tuple[Invoice, InvoiceCounter | None]:
    """SENT without emailing it (it went out another way); returns the advanced counter, if any."""
    ensure_allowed(invoice, Action.MARK_AS_SENT)
    fields, advanced = _issued(invoice, issuing)
    fields = _first_sent(invoice, fields, issuing, now)
    sent = record(
        invoice,
        EventType.MARKED_AS_SENT,
        f"Marked as sent as {fields['invoice_number']}",
        actor=actor,
        now=now,
        status=InvoiceStatus.SENT,
        send_at=None,
        **fields,
    )
    return sent, advanced


def schedule(
    invoice: Invoice,
    issuing: Issuing,
    *,
    send_at: datetime,
    pdf: Blob | None,
    actor: Actor,
    now: datetime,
) -> tuple[Invoice, InvoiceCounter | None]:
    """SCHEDULED, numbered, to be emailed at `send_at` (with `pdf` if the caller gave one)."""
    ensure_allowed(invoice, Action.SCHEDULE)
    fields, advanced = _issued(invoice, issuing)
    if pdf is not None:
        fields["pdf"] = pdf
    scheduled = record(
        invoice,
        EventType.SCHEDULED,
        f"Scheduled as {fields['invoice_number']} for {send_at.isoformat()}",
        actor=actor,
        now=now,
        status=InvoiceStatus.SCHEDULED,
        send_at=send_at,
        **fields,
    )
    return scheduled, advanced


def unschedule(invoice: Invoice, *, actor: Actor, now: datetime) -> Invoice:
    """Back to DRAFT, keeping its number so the series keeps no gap; editable again."""
    ensure_allowed(invoice, Action.UNSCHEDULE)
    return record(
        invoice,
        EventType.UNSCHEDULED,
        "Unscheduled",
        actor=actor,
        now=now,
        status=InvoiceStatus.DRAFT,
        send_at=None,
    )


@dataclass(frozen=True)
class Delivery:
    """An email that went out: to whom, with which text, and which PDF it carried."""

    recipient: str
    body: str
    pdf: Blob


def sent_by_mail(
    invoice: Invoice, issuing: Issuing, delivery: Delivery, *, actor: Actor, now: datetime
) -> tuple[Invoice, InvoiceCounter | None]:
    """Emailed: SENT (an OVERDUE invoice sent again stays OVERDUE), the mail recorded."""
    ensure_allowed(invoice, Action.SEND)
    fields, advanced = _issued(invoice, issuing)
    fields = _first_sent(invoice, fields, issuing, now) | {"pdf": delivery.pdf}
    status = (
        InvoiceStatus.OVERDUE if invoice.status == InvoiceStatus.OVERDUE else InvoiceStatus.SENT
    )
    sent = record(
        invoice,
        EventType.SENT,
        f"Sent as {fields['invoice_number']} to {delivery.recipient}",
        actor=actor,
        now=now,
        status=status,
        send_at=None,
        **fields,
        mail_body=delivery.body,
        sent_mails=[*invoice.sent_mails, delivery.recipient],
    )
    return sent, advanced


def reminded(
    invoice: Invoice,
    *,
    recipient: str,
    body: str,
    step: int | None = None,
    policy: ReminderPolicy | None = None,
    actor: Actor,
    now: datetime,
) -> Invoice:
    """A reminder emailed: on request (no step), or the policy's `step` by the reminder job,
    which then plans the next one."""
    ensure_allowed(invoice, Action.SEND_REMINDER)
    reminder = Reminder(created_by=actor.user_id, sent_on=now, step=step)
    reminders = [*invoice.reminders, reminder]
    plan: dict[str, Any] = {}
    if policy is not None:
        planned = invoice.model_copy(update={"reminders": reminders})
        plan["next_reminder_at"] = due.next_reminder_at(planned, policy, now)
    description = f"Reminder sent to {recipient}" + ("" if step is None else f" (day {step:+d})")
    return record(
        invoice,
        EventType.REMINDER_SENT,
        description,
        actor=actor,
        now=now,
        reminder_body=body,
        reminders=reminders,
        **plan,
    )


def replanned_reminders(
    invoice: Invoice,
    *,
    policy: ReminderPolicy,
    actor: Actor,  # noqa: ARG001 - a Change takes one
    now: datetime,
) -> Invoice:
    """The reminder plan again, from its next step still to come (when the policy changed, or
    a step could not be sent): no event, as nothing was sent."""
    plan = due.next_reminder_at(invoice, policy, now)
    if plan == invoice.next_reminder_at:
        return invoice
    return invoice.model_copy(update={"next_reminder_at": plan})


def flag_overdue(invoice: Invoice, *, actor: Actor, now: datetime) -> Invoice:
    """SENT becomes OVERDUE once its due date has passed in its timezone; once only."""
    if not due.is_overdue(invoice, now):
        return invoice
    ensure_allowed(invoice, Action.FLAG_OVERDUE)
    return record(
        invoice,
        EventType.MARKED_AS_OVERDUE,
        f"Overdue: due on {invoice.due_date.isoformat()}",
        actor=actor,
        now=now,
        status=InvoiceStatus.OVERDUE,
        overdue_notified_at=now,
    )


def cancel(invoice: Invoice, *, actor: Actor, now: datetime) -> Invoice:
    """CANCELLED is final; an issued invoice keeps its number, so the series shows no gap."""
    ensure_allowed(invoice, Action.CANCEL)
    return record(
        invoice,
        EventType.CANCELLED,
        "Cancelled",
        actor=actor,
        now=now,
        status=InvoiceStatus.CANCELLED,
    )


def cancel_by_credit_note(
    invoice: Invoice,
    note: CreditNoteReference,
    summary: CreditedSummary,
    *,
    actor: Actor,
    now: datetime,
) -> Invoice:
    """An issued invoice cancelled: the credit note `note` credits all it had open (`summary`
    its credits since), and it is CANCELLED, keeping its number and what was paid on it."""
    ensure_allowed(invoice, Action.CANCEL)
    credited = record(
        invoice,
        EventType.CREDITED,
        note.issued(invoice.currency),
        actor=actor,
        now=now,
        credited=summary,
    )
    return record(
        credited,
        EventType.CANCELLED,
        f"Cancelled by credit note {note.credit_note_number}",
        actor=actor,
        now=now,
        status=InvoiceStatus.CANCELLED,
    )
