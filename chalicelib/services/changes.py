"""The one way a use case changes a stored invoice: read it, apply a pure domain operation, write it
back only at the version read, and start again when another writer got there first. A retryable
request's change carries its name, so a retry finds it made rather than making it twice."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.domain.errors import (
    ConcurrentModificationError,
    InvoiceNotFoundError,
    PreconditionFailedError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import Actor
from chalicelib.ports import InvoicePorts


class Change(Protocol):
    """A domain operation with its own arguments bound: invoice in, next invoice out."""

    def __call__(self, invoice: Invoice, *, actor: Actor, now: datetime) -> Invoice: ...


def read(invoice_id: str, *, actor: Actor, ports: InvoicePorts) -> Invoice:
    invoice = ports.repo.get(actor.tenant_id, invoice_id)
    if invoice is None:
        raise InvoiceNotFoundError([invoice_id])
    return invoice


def check_precondition(invoice: Invoice, expected_version: int | None) -> None:
    """If-Match: a caller that names a version changes only that version, never a later one."""
    if expected_version is not None and invoice.version != expected_version:
        raise PreconditionFailedError(invoice.id, expected_version, invoice.version)


def modify(
    invoice_id: str,
    change: Change,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    invoice, _ = apply(
        invoice_id, change, actor=actor, ports=ports, expected_version=expected_version
    )
    return invoice


def apply(
    invoice_id: str,
    change: Change,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> tuple[Invoice, bool]:
    """`modify`, also telling whether anything was written: a change that returns the invoice
    it was given writes nothing, and so does a retried request that finds its change made."""
    for _ in ports.retry.tries():
        current = read(invoice_id, actor=actor, ports=ports)
        if current.is_written_by(actor.request):
            return current, False
        check_precondition(current, expected_version)
        changed = change(current, actor=actor, now=ports.clock.now())
        if changed is current:
            return current, False
        try:
            return ports.repo.save(changed.as_written_by(actor.request), previous=current), True
        except ConcurrentModificationError:
            continue
    raise ConcurrentModificationError(invoice_id)
