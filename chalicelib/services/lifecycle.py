"""Lifecycle use cases: issue an invoice with its number, cancel it, and record its payments."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Protocol

from chalicelib.domain import invoicing, payments, transitions
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.errors import InvoiceNotFoundError
from chalicelib.domain.invoice import Invoice, PaymentMethod
from chalicelib.domain.invoicing import defaults_with
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.parties import PartyDetails
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.values import Actor
from chalicelib.ports import Added, InvoicePorts, IssueContext
from chalicelib.services.changes import apply, check_precondition
from chalicelib.services.creating import request_invoice_id
from chalicelib.services.metrics import INVOICES_ISSUED, PAYMENTS_RECORDED
from chalicelib.services.optimistic import until_written


def mark_as_sent(
    invoice_id: str, *, actor: Actor, ports: InvoicePorts, expected_version: int | None = None
) -> Invoice:
    return issue(
        invoice_id,
        transitions.mark_as_sent,
        actor=actor,
        ports=ports,
        expected_version=expected_version,
    )


class IssuingChange(Protocol):
    def __call__(
        self, invoice: Invoice, issuing: transitions.Issuing, *, actor: Actor, now: datetime
    ) -> tuple[Invoice, InvoiceCounter | None]: ...


def issuing_read(invoice_id: str, *, actor: Actor, ports: InvoicePorts) -> IssueContext:
    """The invoice with what issuing it needs (its counter, the settings, its client), in one
    read; InvoiceNotFoundError when the tenant has no such invoice."""
    context = ports.repo.get_for_issue(actor.tenant_id, invoice_id)
    if context is None:
        raise InvoiceNotFoundError([invoice_id])
    return context


def issue(
    invoice_id: str,
    change: IssuingChange,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
    read: IssueContext | None = None,
) -> Invoice:
    """A change that may issue the invoice: the first time it leaves DRAFT it takes the next
    number of its series, in the same transaction as the counter, so numbers never repeat and
    never skip, and copies of the seller and client as they are now. `read` is what the caller
    read already: the first try starts from it, a try after a lost race reads again."""
    given = iter([read] if read else [])

    def attempt() -> Invoice:
        context = next(given, None) or issuing_read(invoice_id, actor=actor, ports=ports)
        current = context.invoice
        if current.is_written_by(actor.request):  # a retry whose first try issued it
            return current
        check_precondition(current, expected_version)
        changed, counter = change(current, issuing_of(context), actor=actor, now=ports.clock.now())
        changed = changed.as_written_by(actor.request)
        if counter is None:
            return ports.repo.save(changed, previous=current)
        issued = ports.repo.save_issued(changed, previous=current, counter=counter)
        ports.metrics.count(INVOICES_ISSUED)
        return issued

    return until_written(attempt, retry=ports.retry, name=("Invoice", invoice_id))


def create_issued(
    body: NewInvoice,
    change: IssuingChange,
    *,
    actor: Actor,
    ports: InvoicePorts,
    client: PartyDetails | None,
    invoice_id: str | None = None,
) -> Added:
    """A new invoice issued as `change` issues it (marked as sent, or as imported), written in
    one transaction with the counter that numbers it: it never exists as a draft, and its number
    is never skipped nor used twice. One stored under `invoice_id` already is answered as found.
    `client` is the copy it takes of the client it names (read by the caller). Without an id or
    an externalId, a retryable request names it, so a retry finds it made."""
    by_request = invoice_id is None and body.external_id is None and actor.request is not None
    if by_request:
        invoice_id = request_invoice_id(actor)

    def attempt() -> Added:
        counter, settings = ports.repo.get_for_new_issue(actor.tenant_id)
        now = ports.clock.now()
        draft = invoicing.new_invoice(
            body,
            actor=actor,
            now=now,
            defaults=defaults_with(settings, ports.defaults),
            invoice_id=invoice_id,
        )
        issuing = transitions.Issuing(counter, settings, client)
        issued, advanced = change(draft, issuing, actor=actor, now=now)
        added = ports.repo.add_issued(issued, counter=advanced)  # a conflict: the counter moved
        # Found under the request's name: made by an earlier try of this very request.
        answered = Added(added.invoice, created=True) if by_request else added
        if answered.created:
            ports.metrics.count(INVOICES_ISSUED)
        return answered

    return until_written(attempt, retry=ports.retry, name=("Invoice", invoice_id or "new invoice"))


def issuing_of(context: IssueContext) -> transitions.Issuing:
    client = context.client.details() if context.client else None
    return transitions.Issuing(context.counter, context.settings, client)


def unschedule(
    invoice_id: str, *, actor: Actor, ports: InvoicePorts, expected_version: int | None = None
) -> Invoice:
    return apply(
        invoice_id,
        transitions.unschedule,
        actor=actor,
        ports=ports,
        expected_version=expected_version,
    ).invoice


def add_payment(
    invoice_id: str,
    payment: PaymentInput,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    change = partial(payments.add_payment, payment=payment)
    paid, written = apply(
        invoice_id, change, actor=actor, ports=ports, expected_version=expected_version
    )
    if written:
        ports.metrics.count(PAYMENTS_RECORDED)
    return paid


def remove_payment(
    invoice_id: str,
    transaction_id: str,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    change = partial(payments.remove_payment, transaction_id=transaction_id)
    return apply(
        invoice_id, change, actor=actor, ports=ports, expected_version=expected_version
    ).invoice


def mark_as_paid(
    invoice_id: str,
    *,
    paid_on: datetime | None,
    method: PaymentMethod,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    change = partial(payments.mark_as_paid, paid_on=paid_on, method=method)
    return apply(
        invoice_id, change, actor=actor, ports=ports, expected_version=expected_version
    ).invoice


def unmark_as_paid(
    invoice_id: str, *, actor: Actor, ports: InvoicePorts, expected_version: int | None = None
) -> Invoice:
    change = partial(payments.unmark_as_paid)
    return apply(
        invoice_id, change, actor=actor, ports=ports, expected_version=expected_version
    ).invoice
