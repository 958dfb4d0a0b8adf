"""Invoices issued elsewhere and brought here as they stand: their own number, when they were
sent, the payments they received. Each step is the native one (mark as sent, add a payment,
mark as paid), applied to the new draft before it is first stored, so the imported invoice is
written once, its figures and reminder plan following from its state as for any other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain import due, payments, transitions
from chalicelib.domain.invoice import Invoice, InvoiceStatus, PaymentMethod
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.parties import PartyDetails
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor


@dataclass(frozen=True)
class ImportedState:
    """Where an invoice issued elsewhere stands. Its number is its own, or None for the next of
    the tenant's series; `paid_at` settles whatever the payments leave open."""

    sent_at: datetime
    number: str | None = None
    payments: Sequence[PaymentInput] = field(default_factory=tuple)
    paid_at: datetime | None = None


def imported(
    draft: Invoice,
    state: ImportedState,
    *,
    settings: TenantSettings,
    client: PartyDetails | None,
    actor: Actor,
    now: datetime,
) -> Invoice:
    """The new draft as the invoice stands elsewhere: SENT under its own number, then paid."""
    if state.number is None:
        raise ValueError("an invoice imported before it is stored brings its own number")
    issuing = transitions.Issuing(InvoiceCounter(), settings, client)
    invoice, _ = issued_as(draft, issuing, state=state, actor=actor, now=now)
    return invoice


def issued_as(
    invoice: Invoice,
    issuing: transitions.Issuing,
    *,
    state: ImportedState,
    actor: Actor,
    now: datetime,
) -> tuple[Invoice, InvoiceCounter | None]:
    """A draft issued as `state` says (under its number, or the series' next one, which the
    returned counter gives), OVERDUE if already past due, then its payments recorded."""
    if state.number is not None:
        invoice = invoice.model_copy(update={"invoice_number": state.number})
    sent, counter = transitions.mark_as_sent(invoice, issuing, actor=actor, now=state.sent_at)
    # Its event is dated when it was sent; the invoice itself changed now, as it is brought in,
    # and its reminders start from now: a step whose day passed elsewhere is not caught up here
    # (a historic import would otherwise remind every late customer at the next run).
    plan = due.next_reminder_at(sent, issuing.settings.reminder_policy, now)
    invoice = sent.model_copy(update={"updated": now, "next_reminder_at": plan})
    invoice = transitions.flag_overdue(invoice, actor=actor, now=now)  # if already past due
    for payment in state.payments:
        invoice = payments.add_payment(invoice, payment, actor=actor, now=now)
    if state.paid_at is not None and invoice.status != InvoiceStatus.PAID:
        invoice = payments.mark_as_paid(
            invoice,
            paid_on=state.paid_at,
            method=PaymentMethod.OTHER,
            actor=actor,
            now=now,
        )
    return invoice, counter
