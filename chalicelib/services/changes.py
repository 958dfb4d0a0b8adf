"""The one way a use case changes a stored invoice: read it, apply a pure domain operation, write it
back only at the version read, and start again when another writer got there first. A retryable
request's change carries its name, so a retry finds it made rather than making it twice."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol

from chalicelib.domain.errors import InvoiceNotFoundError, PreconditionFailedError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import Actor
from chalicelib.ports import InvoicePorts
from chalicelib.services.optimistic import until_written


class Change(Protocol):
    """A domain operation with its own arguments bound: invoice in, next invoice out."""

    def __call__(self, invoice: Invoice, *, actor: Actor, now: datetime) -> Invoice: ...


def find(invoice_id: str, *, actor: Actor, ports: InvoicePorts) -> Invoice | None:
    return ports.repo.get(actor.tenant_id, invoice_id)


def read(invoice_id: str, *, actor: Actor, ports: InvoicePorts) -> Invoice:
    invoice = find(invoice_id, actor=actor, ports=ports)
    if invoice is None:
        raise InvoiceNotFoundError([invoice_id])
    return invoice


def check_precondition(invoice: Invoice, expected_version: int | None) -> None:
    """If-Match: a caller that names a version changes only that version, never a later one."""
    if expected_version is not None and invoice.version != expected_version:
        raise PreconditionFailedError(invoice.id, expected_version, invoice.version)


class Applied(NamedTuple):
    invoice: Invoice
    written: bool  # False: the change left it as it was, or a retried request found it made


def apply(
    invoice_id: str,
    change: Change,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Applied:
    """`change` written over the invoice as stored now: a change that returns the invoice it was
    given writes nothing, and so does a retried request that finds its change made."""

    def attempt() -> Applied:
        current = read(invoice_id, actor=actor, ports=ports)
        if current.is_written_by(actor.request):
            return Applied(current, written=False)
        check_precondition(current, expected_version)
        changed = change(current, actor=actor, now=ports.clock.now())
        if changed is current:
            return Applied(current, written=False)
        saved = ports.repo.save(changed.as_written_by(actor.request), previous=current)
        return Applied(saved, written=True)

    return until_written(attempt, retry=ports.retry, name=("Invoice", invoice_id))
