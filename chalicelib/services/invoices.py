"""Invoice use cases: read, create, change and delete a tenant's invoices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Protocol

from chalicelib.domain import invoicing
from chalicelib.domain.commands import InvoiceFields, RowInput
from chalicelib.domain.errors import ConcurrentModificationError, InvoiceNotFoundError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.values import Actor
from chalicelib.services.ports import Clock, InvoiceRepository, Page

# A change re-reads and re-applies itself this often when another writer got there first.
MAX_ATTEMPTS = 3


def create_invoice(
    fields: InvoiceFields,
    *,
    actor: Actor,
    repo: InvoiceRepository,
    clock: Clock,
    defaults: InvoiceDefaults,
) -> Invoice:
    invoice = invoicing.new_invoice(fields, actor=actor, now=clock.now(), defaults=defaults)
    return repo.add(invoice)


def get_invoice(invoice_id: str, *, actor: Actor, repo: InvoiceRepository) -> Invoice:
    invoice = repo.get(actor.tenant_id, invoice_id)
    if invoice is None:
        raise InvoiceNotFoundError([invoice_id])
    return invoice


def find_invoices(
    invoice_ids: Sequence[str], *, actor: Actor, repo: InvoiceRepository
) -> list[Invoice]:
    """The tenant's invoices among `invoice_ids`, in the order asked; unknown ids are left out."""
    wanted = list(dict.fromkeys(invoice_ids))
    found = {invoice.id: invoice for invoice in repo.get_many(actor.tenant_id, wanted)}
    return [found[invoice_id] for invoice_id in wanted if invoice_id in found]


def list_invoices(
    *, actor: Actor, repo: InvoiceRepository, limit: int, cursor: str | None
) -> Page[Invoice]:
    return repo.list_page(actor.tenant_id, limit=limit, cursor=cursor)


def update_invoice(
    invoice_id: str, fields: InvoiceFields, *, actor: Actor, repo: InvoiceRepository, clock: Clock
) -> Invoice:
    change = partial(invoicing.apply_changes, fields=fields)
    return _modify(invoice_id, change, actor=actor, repo=repo, clock=clock)


def add_row(
    invoice_id: str, row: RowInput, *, actor: Actor, repo: InvoiceRepository, clock: Clock
) -> Invoice:
    change = partial(invoicing.add_row, row=row)
    return _modify(invoice_id, change, actor=actor, repo=repo, clock=clock)


def remove_row(
    invoice_id: str, row_id: str, *, actor: Actor, repo: InvoiceRepository, clock: Clock
) -> Invoice:
    change = partial(invoicing.remove_row, row_id=row_id)
    return _modify(invoice_id, change, actor=actor, repo=repo, clock=clock)


def add_comment(
    invoice_id: str, text: str, *, actor: Actor, repo: InvoiceRepository, clock: Clock
) -> Invoice:
    change = partial(invoicing.add_comment, text=text)
    return _modify(invoice_id, change, actor=actor, repo=repo, clock=clock)


def delete_invoice(invoice_id: str, *, actor: Actor, repo: InvoiceRepository) -> None:
    delete_invoices([invoice_id], actor=actor, repo=repo)


def delete_invoices(invoice_ids: Sequence[str], *, actor: Actor, repo: InvoiceRepository) -> None:
    """Delete all the given invoices or, if any is missing or may not be deleted, none."""
    wanted = list(dict.fromkeys(invoice_ids))
    for _ in range(MAX_ATTEMPTS):
        invoices = find_invoices(wanted, actor=actor, repo=repo)
        found = {invoice.id for invoice in invoices}
        missing = [invoice_id for invoice_id in wanted if invoice_id not in found]
        if missing:
            raise InvoiceNotFoundError(missing)
        for invoice in invoices:
            invoicing.ensure_deletable(invoice)
        try:
            _delete(invoices, repo)
            return
        except ConcurrentModificationError:
            continue
    raise ConcurrentModificationError(", ".join(wanted))


def _delete(invoices: Sequence[Invoice], repo: InvoiceRepository) -> None:
    if not invoices:
        return
    if len(invoices) == 1:
        repo.delete(invoices[0])
    else:
        repo.delete_all(invoices)


class Change(Protocol):
    """A domain operation with its own arguments bound: invoice in, next invoice out."""

    def __call__(self, invoice: Invoice, *, actor: Actor, now: datetime) -> Invoice: ...


def _modify(
    invoice_id: str, change: Change, *, actor: Actor, repo: InvoiceRepository, clock: Clock
) -> Invoice:
    """Read, change and write back on the version read; on a lost race, start again."""
    for _ in range(MAX_ATTEMPTS):
        current = get_invoice(invoice_id, actor=actor, repo=repo)
        changed = change(current, actor=actor, now=clock.now())
        if changed is current:
            return current
        try:
            return repo.save(changed, expected_version=current.version)
        except ConcurrentModificationError:
            continue
    raise ConcurrentModificationError(invoice_id)
