"""Invoice use cases: create, read, edit and delete a tenant's invoices."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from chalicelib.domain import invoicing
from chalicelib.domain.commands import InvoiceFields, NewInvoice, RowInput
from chalicelib.domain.errors import DomainError, InvoiceNotFoundError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import Actor
from chalicelib.ports import Added, InvoicePorts, Page
from chalicelib.services.changes import apply, check_precondition, read
from chalicelib.services.creating import create_invoices
from chalicelib.services.optimistic import until_written


def create_invoice(fields: NewInvoice, *, actor: Actor, ports: InvoicePorts) -> Added:
    """The new invoice; or, when its externalId names one already stored, that one."""
    (outcome,) = create_invoices([fields], atomic=True, actor=actor, ports=ports)
    if isinstance(outcome, DomainError):  # an atomic write raises rather than answers errors
        raise outcome
    return outcome


def get_invoice(invoice_id: str, *, actor: Actor, ports: InvoicePorts) -> Invoice:
    return read(invoice_id, actor=actor, ports=ports)


def find_invoices(
    invoice_ids: Sequence[str], *, actor: Actor, ports: InvoicePorts
) -> list[Invoice]:
    """The tenant's invoices among `invoice_ids`, in the order asked; unknown ids are left out."""
    wanted = list(dict.fromkeys(invoice_ids))
    found = {invoice.id: invoice for invoice in ports.repo.get_many(actor.tenant_id, wanted)}
    return [found[invoice_id] for invoice_id in wanted if invoice_id in found]


def list_invoices(
    *, actor: Actor, ports: InvoicePorts, limit: int, cursor: str | None
) -> Page[Invoice]:
    return ports.repo.list_page(actor.tenant_id, limit=limit, cursor=cursor)


def update_invoice(
    invoice_id: str,
    fields: InvoiceFields,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    change = partial(invoicing.apply_changes, fields=fields)
    return apply(
        invoice_id, change, actor=actor, ports=ports, expected_version=expected_version
    ).invoice


def add_row(
    invoice_id: str,
    row: RowInput,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    change = partial(invoicing.add_row, row=row)
    return apply(
        invoice_id, change, actor=actor, ports=ports, expected_version=expected_version
    ).invoice


def remove_row(
    invoice_id: str,
    row_id: str,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    change = partial(invoicing.remove_row, row_id=row_id)
    return apply(
        invoice_id, change, actor=actor, ports=ports, expected_version=expected_version
    ).invoice


def add_comment(
    invoice_id: str,
    text: str,
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    change = partial(invoicing.add_comment, text=text)
    return apply(
        invoice_id, change, actor=actor, ports=ports, expected_version=expected_version
    ).invoice


def delete_invoice(
    invoice_id: str, *, actor: Actor, ports: InvoicePorts, expected_version: int | None = None
) -> None:
    delete_invoices([invoice_id], actor=actor, ports=ports, expected_version=expected_version)


def delete_invoices(
    invoice_ids: Sequence[str],
    *,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> None:
    """Delete all the given invoices or, if any is missing or may not be deleted, none. None
    given, none is deleted, and nothing is read."""
    wanted = list(dict.fromkeys(invoice_ids))
    if not wanted:
        return

    def attempt() -> None:
        invoices = find_invoices(wanted, actor=actor, ports=ports)
        found = {invoice.id for invoice in invoices}
        missing = [invoice_id for invoice_id in wanted if invoice_id not in found]
        if missing:
            raise InvoiceNotFoundError(missing)
        for invoice in invoices:
            check_precondition(invoice, expected_version)
            invoicing.ensure_deletable(invoice)
        _delete(invoices, ports)

    until_written(attempt, retry=ports.retry, name=("Invoice", ", ".join(wanted)))


def _delete(invoices: Sequence[Invoice], ports: InvoicePorts) -> None:
    if not invoices:
        return
    if len(invoices) == 1:
        ports.repo.delete(invoices[0])
    else:
        ports.repo.delete_all(invoices)
