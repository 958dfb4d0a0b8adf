"""Lifecycle use cases: issue an invoice with its number, cancel it, and record its payments."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial

from chalicelib.domain import payments, transitions
from chalicelib.domain.errors import ConcurrentModificationError, InvoiceNotFoundError
from chalicelib.domain.invoice import Invoice, PaymentMethod
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.values import Actor
from chalicelib.services.changes import check_precondition, modify
from chalicelib.services.ports import InvoicePorts


def mark_as_sent(
    invoice_id: str, *, actor: Actor, ports: InvoicePorts, expected_version: int | None = None
) -> Invoice:
    """Issue the invoice: the first time it leaves DRAFT it takes the next number of its series,
    in the same transaction as the counter, so numbers never repeat and never skip."""
    for _ in ports.retry.tries():
        context = ports.repo.get_for_issue(actor.tenant_id, invoice_id)
        if context is None:
            raise InvoiceNotFoundError([invoice_id])
        current = context.invoice
        check_precondition(current, expected_version)
        sent, counter = transitions.mark_as_sent(
            current,
            context.counter,
            context.settings.numbering_format,
            actor=actor,
            now=ports.clock.now(),
        )
        try:
            if counter is None:
                return ports.repo.save(sent, previous=current)
            return ports.repo.save_issued(sent, previous=current, counter=counter)
        except ConcurrentModificationError:
            continue
    raise ConcurrentModificationError(invoice_id)


def cancel(
    invoice_id: str, *, actor: Actor, ports: InvoicePorts, expected_version: int | None = None
) -> Invoice:
    return modify(
        invoice_id, transitions.cancel, actor=actor, ports=ports, expected_version=expected_version
    )


def add_payment(
    invoice_id: str,
    payment: PaymentInput,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    change = partial(payments.add_payment, payment=payment, today=_today(ports))
    return modify(invoice_id, change, actor=actor, ports=ports, expected_version=expected_version)


def remove_payment(
    invoice_id: str,
    transaction_id: str,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    change = partial(payments.remove_payment, transaction_id=transaction_id, today=_today(ports))
    return modify(invoice_id, change, actor=actor, ports=ports, expected_version=expected_version)


def mark_as_paid(
    invoice_id: str,
    *,
    paid_on: datetime | None,
    method: PaymentMethod,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    change = partial(payments.mark_as_paid, paid_on=paid_on, method=method, today=_today(ports))
    return modify(invoice_id, change, actor=actor, ports=ports, expected_version=expected_version)


def unmark_as_paid(
    invoice_id: str, *, actor: Actor, ports: InvoicePorts, expected_version: int | None = None
) -> Invoice:
    change = partial(payments.unmark_as_paid, today=_today(ports))
    return modify(invoice_id, change, actor=actor, ports=ports, expected_version=expected_version)


def _today(ports: InvoicePorts) -> date:
    return ports.defaults.today(ports.clock.now())
