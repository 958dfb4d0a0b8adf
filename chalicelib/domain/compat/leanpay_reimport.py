"""A Leanpay invoice imported again: Leanpay's import is an upsert by externalId, so the invoice
takes the new reference, client, dates and amounts, while what happened to it here (payments,
comments, attachments, reminders, its history) stays. The figures it moves follow from the
write (InvoiceRepository.save)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from chalicelib.domain import due, payments
from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.events import record
from chalicelib.domain.invoice import EventType, Invoice, InvoiceStatus
from chalicelib.domain.pricing import TOTAL_FIELDS
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor


def sent_on(invoice: Invoice) -> date | None:
    """The day it was last recorded as sent: what Leanpay calls its sentDate."""
    sent = [e for e in invoice.events if e.type in (EventType.MARKED_AS_SENT, EventType.SENT)]
    return sent[-1].date.astimezone(UTC).date() if sent else None


def ensure_imported(invoice: Invoice, fresh: Invoice) -> None:
    """An id derived from a Leanpay key names only an invoice imported from Leanpay under that
    key; checked all the same, so no other invoice is ever overwritten."""
    issued = invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.SCHEDULED)
    if invoice.external_id != fresh.external_id or not issued:
        message = "names an invoice that was not imported from Leanpay"
        raise InvalidInputError([FieldProblem("externalId", message)])


# What Leanpay's fields are on the native invoice.
_CONTENT = (
    "invoice_number",
    "invoice_date",
    "payment_term_days",
    "due_date",
    "rows",
    *TOTAL_FIELDS,
)


def reimported(
    existing: Invoice,
    fresh: Invoice,
    *,
    settings: TenantSettings,
    actor: Actor,
    now: datetime,
) -> Invoice:
    """`existing` as Leanpay now describes it, `fresh` being that description imported as new:
    its payments, comments, attachments and history kept. Unchanged, it is returned as it is. A
    CANCELLED invoice, or one paid beyond the new amount, is refused."""
    ensure_imported(existing, fresh)
    changed = _changed(existing, fresh)
    if not changed:
        return existing
    if existing.status == InvoiceStatus.CANCELLED:
        message = "names a CANCELLED invoice, which can no longer change"
        raise InvalidInputError([FieldProblem("externalId", message)])
    if existing.paid > fresh.total:
        message = f"must not be below the {existing.paid} {existing.currency} already paid"
        raise InvalidInputError([FieldProblem("amount", message)])
    content: dict[str, Any] = {name: getattr(fresh, name) for name in _CONTENT}
    if fresh.client_id != existing.client_id:
        content |= {"client_id": fresh.client_id, "client": fresh.client}
    invoice = existing.model_copy(update={**content, "pdf": None})  # a PDF of what it said
    invoice = invoice.model_copy(update=_standing(invoice, fresh))
    sent_at = next(e.date for e in reversed(fresh.events) if e.type == EventType.MARKED_AS_SENT)
    plan = due.next_reminder_at(invoice, settings.reminder_policy, sent_at)
    invoice = invoice.model_copy(update={"next_reminder_at": plan})
    if "sentDate" in changed:
        description = f"Sent as {invoice.invoice_number} (imported again from Leanpay)"
        invoice = record(invoice, EventType.MARKED_AS_SENT, description, actor=actor, now=sent_at)
    description = f"Imported again from Leanpay: changed {', '.join(changed)}"
    return record(invoice, EventType.UPDATE, description, actor=actor, now=now)


def _changed(existing: Invoice, fresh: Invoice) -> list[str]:
    """Leanpay's fields whose value differs, by Leanpay's names."""
    pairs = {
        "clientId": (existing.client_id, fresh.client_id),
        "reference": (existing.invoice_number, fresh.invoice_number),
        "amount": (existing.total_with_tax, fresh.total_with_tax),
        "netAmount": (existing.total_excluding_tax, fresh.total_excluding_tax),
        "issueDate": (existing.invoice_date, fresh.invoice_date),
        "dueDate": (existing.due_date, fresh.due_date),
        "sentDate": (sent_on(existing), sent_on(fresh)),
    }
    return [name for name, (old, new) in pairs.items() if old != new]


def _standing(invoice: Invoice, fresh: Invoice) -> dict[str, Any]:
    """Where the payments kept leave the new amounts: PAID when they settle them, else open as a
    new import would be (OVERDUE once past due)."""
    paid = invoice.paid
    settled = paid == invoice.total and (
        bool(invoice.transactions) or invoice.status == InvoiceStatus.PAID
    )
    if settled:
        last = invoice.transactions[-1].date if invoice.transactions else fresh.updated
        status, date_paid = InvoiceStatus.PAID, invoice.date_paid or last
    else:
        status, date_paid = fresh.status, None
    overdue = status == InvoiceStatus.OVERDUE
    return {
        "status": status,
        "date_paid": date_paid,
        "paid_excluding_tax": payments.paid_excluding_tax(invoice, paid),
        "overdue_notified_at": (
            (invoice.overdue_notified_at or fresh.overdue_notified_at) if overdue else None
        ),
    }
