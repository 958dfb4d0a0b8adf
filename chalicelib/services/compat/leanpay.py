"""Leanpay's import use case, carried out by the native ones. The request is checked whole
against what is stored before anything is written (Leanpay validates an import before it imports
it). New invoices are then created as a native batch creates them, each issued under its own
reference before it is first stored; invoices imported before are replaced at the version read.
Nothing is stored apart from the native invoices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from chalicelib.domain import invoicing
from chalicelib.domain.clients import Client
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.compat import leanpay
from chalicelib.domain.compat.leanpay import LeanpayInvoice
from chalicelib.domain.compat.leanpay_reimport import ensure_imported, reimported
from chalicelib.domain.derived_ids import leanpay_invoice_id
from chalicelib.domain.errors import (
    ConcurrentModificationError,
    DomainError,
    FieldProblem,
    InvalidInputError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.ports import ClientRepository, InvoicePorts
from chalicelib.services.changes import read
from chalicelib.services.creating import Finish, create_invoices


@dataclass(frozen=True)
class _Context:
    actor: Actor
    ports: InvoicePorts
    settings: TenantSettings
    now: datetime


@dataclass(frozen=True)
class _Import:
    """One item ready to write: its native body, how its new draft is issued, and the invoice
    its externalId names already, if any."""

    item: LeanpayInvoice
    body: NewInvoice
    finish: Finish
    stored: Invoice | None


def import_invoices(
    items: Sequence[LeanpayInvoice],
    *,
    actor: Actor,
    ports: InvoicePorts,
    clients: ClientRepository,
) -> list[Invoice]:
    """Each item's invoice as stored, in order. Refuses the whole request, writing nothing, when
    an item names a client that is not the tenant's, repeats an externalId, or says what the
    native invoice cannot hold or may not become: each fault named as invoices[i].<field>."""
    if not items:
        return []
    tenant = actor.tenant_id
    context = _Context(actor, ports, ports.settings.recent(tenant), ports.clock.now())
    named = clients.get_many(tenant, (item.client_id for item in items))
    ids = [leanpay_invoice_id(tenant, item.external_id) for item in items]
    stored = {invoice.id: invoice for invoice in ports.repo.get_many(tenant, ids)}
    planned = [
        _planned(item, named.get(item.client_id), stored.get(ids[index]), context, index=index)
        for index, item in enumerate(items)
    ]
    problems = [p for plan in planned if isinstance(plan, InvalidInputError) for p in plan.problems]
    problems += _repeated_keys(items)
    if problems:
        raise InvalidInputError(problems)
    return _written([plan for plan in planned if isinstance(plan, _Import)], context)


def _planned(
    item: LeanpayInvoice,
    client: Client | None,
    stored: Invoice | None,
    context: _Context,
    *,
    index: int,
) -> _Import | InvalidInputError:
    """The item ready to write, or its problems. One imported before is replaced here already,
    so that whatever refuses the replacement refuses the request before anything is written."""
    try:
        if client is None:
            raise InvalidInputError([FieldProblem("clientId", "names no client of yours")])
        tenant_currency = context.ports.defaults_for(context.actor.tenant_id).currency
        currency = tenant_currency if stored is None else stored.currency
        finish = partial(
            leanpay.as_imported,
            item=item,
            settings=context.settings,
            client=client.details(),
            actor=context.actor,
        )
        plan = _Import(item, leanpay.native_body(item, currency), finish, stored)
        if stored is not None:
            _replacement(stored, plan, context)
    except InvalidInputError as exc:
        where = f"invoices[{index}]"
        return InvalidInputError(
            [FieldProblem(f"{where}.{p.field}", p.message) for p in exc.problems]
        )
    return plan


def _written(imports: Sequence[_Import], context: _Context) -> list[Invoice]:
    new = [(index, plan) for index, plan in enumerate(imports) if plan.stored is None]
    outcomes = create_invoices(
        [plan.body for _, plan in new],
        atomic=False,
        actor=context.actor,
        ports=context.ports,
        ids=[leanpay_invoice_id(context.actor.tenant_id, p.item.external_id) for _, p in new],
        finish=[plan.finish for _, plan in new],
        read_first=False,  # read a moment ago, and none was stored
    )
    written: dict[int, Invoice] = {}
    for (index, plan), outcome in zip(new, outcomes, strict=True):
        if isinstance(outcome, DomainError):
            raise outcome  # a retry is safe: what was written is found and replaced
        if outcome.created:
            written[index] = outcome.invoice
        else:  # imported by another request since it was read: replaced as any other
            raced = _Import(plan.item, plan.body, plan.finish, outcome.invoice)
            written[index] = _saved(raced, context)
    for index, plan in enumerate(imports):
        if plan.stored is not None:
            written[index] = _saved(plan, context)
    return [written[index] for index in range(len(imports))]


def _replacement(current: Invoice, plan: _Import, context: _Context) -> Invoice:
    """`current` as the item describes it (`current` itself when nothing changes)."""
    ensure_imported(current, plan.item)
    draft = invoicing.new_invoice(
        plan.body,
        actor=context.actor,
        now=context.now,
        defaults=context.ports.defaults_for(context.actor.tenant_id),
        invoice_id=current.id,
    )
    return reimported(
        current,
        plan.finish(draft),
        settings=context.settings,
        actor=context.actor,
        now=context.now,
    )


def _saved(plan: _Import, context: _Context) -> Invoice:
    """Replace the stored invoice only at the version read, reading it again after a lost race."""
    assert plan.stored is not None
    current = plan.stored
    for _ in context.ports.retry.tries():
        replacement = _replacement(current, plan, context)
        if replacement is current:
            return current
        try:
            return context.ports.repo.save(replacement, previous=current)
        except ConcurrentModificationError:
            current = read(current.id, actor=context.actor, ports=context.ports)
    raise ConcurrentModificationError(current.id)


def _repeated_keys(items: Sequence[LeanpayInvoice]) -> list[FieldProblem]:
    """An invoice once per request: which of two bodies for it should win, no one said."""
    first: dict[str, int] = {}
    problems = []
    for index, item in enumerate(items):
        seen = first.setdefault(item.external_id, index)
        if seen != index:
            message = f"repeats the externalId of invoices[{seen}]"
            problems.append(FieldProblem(f"invoices[{index}].externalId", message))
    return problems
