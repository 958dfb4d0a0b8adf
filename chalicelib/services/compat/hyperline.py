"""Hyperline's asynchronous batch carried out by the native queued batch: the request is checked
whole and queued as a batch of source `hyperline`; the jobs' worker creates its invoices, each
under an id fixed by the batch and its place (so a chunk taken twice creates nothing twice),
issued and paid as Hyperline says before it is first stored. An item issued without a number of
its own takes the tenant's next one in a second step, as mark-as-sent gives it. Nothing is
stored apart from the native invoices and the batch's progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from pydantic import ValidationError

from chalicelib.domain.batches import Batch, BatchSource
from chalicelib.domain.clients import Client
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.compat import hyperline
from chalicelib.domain.compat.hyperline import HyperlineBatch, HyperlineInvoice
from chalicelib.domain.errors import DomainError, FieldProblem, InvalidInputError, problems_of
from chalicelib.domain.imports import ImportedState, issued_as
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.parties import PartyDetails
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.transitions import Issuing
from chalicelib.domain.values import Actor
from chalicelib.services import lifecycle
from chalicelib.services.batches import (
    BatchPorts,
    ItemOutcome,
    get_batch,
    item_id,
    made_earlier,
    queue_invoices,
)
from chalicelib.services.creating import Outcome, create_invoices
from chalicelib.services.ports import Added


def queue_batch(body: HyperlineBatch, *, actor: Actor, ports: BatchPorts) -> Batch:
    """Queue the checked batch under its batch_id (or a new one). The same batch_id sent again
    answers the batch recorded the first time and queues nothing."""
    items = [item.model_dump(mode="json", exclude_none=True) for item in body.invoices]
    batch, _ = queue_invoices(
        items,
        atomic=False,
        actor=actor,
        ports=ports,
        batch_id=body.batch_id,
        source=BatchSource.HYPERLINE,
    )
    return batch


def read_batch(
    batch_id: str, *, actor: Actor, ports: BatchPorts
) -> tuple[Batch, dict[str, Invoice]]:
    """The caller's Hyperline batch and, in one read, the invoices it made as they are now."""
    batch = get_batch(batch_id, actor=actor, ports=ports, source=BatchSource.HYPERLINE)
    ids = [result.invoice_id for result in batch.results if result.invoice_id]
    found = ports.invoices.repo.get_many(actor.tenant_id, ids) if ids else []
    return batch, {invoice.id: invoice for invoice in found}


@dataclass(frozen=True)
class _Plan:
    body: NewInvoice
    state: ImportedState | None  # None: it stays a draft
    settings: TenantSettings
    client: PartyDetails


@dataclass(frozen=True)
class _Context:
    actor: Actor
    defaults: InvoiceDefaults
    settings: TenantSettings
    now: datetime


def create_chunk(
    items: Sequence[Any],
    *,
    atomic: bool,  # noqa: ARG001 - a Hyperline batch is never atomic
    actor: Actor,
    ports: BatchPorts,
    start: int,
    batch_id: str,
) -> list[ItemOutcome]:
    """The ChunkCreator of Hyperline's invoices: one outcome per item, in order. An item whose
    customer is not one of the tenant's clients fails, as one the native rules refuse."""
    tenant = actor.tenant_id
    invoices = ports.invoices
    now = invoices.clock.now()
    context = _Context(actor, invoices.defaults_for(tenant), invoices.settings.recent(tenant), now)
    parsed = [_parsed(data, index=start + offset) for offset, data in enumerate(items)]
    wanted = (item.customer_id for item in parsed if isinstance(item, HyperlineInvoice))
    customers = ports.clients.get_many(tenant, wanted)
    plans = [
        _planned(item, customers.get(item.customer_id), context, index=start + offset)
        if isinstance(item, HyperlineInvoice)
        else item
        for offset, item in enumerate(parsed)
    ]
    ready = [(offset, plan) for offset, plan in enumerate(plans) if isinstance(plan, _Plan)]
    outcomes = create_invoices(
        [plan.body for _, plan in ready],
        atomic=False,
        actor=actor,
        ports=invoices,
        ids=[item_id(tenant, batch_id, start + offset) for offset, _ in ready],
        finish=[partial(_finished, plan=plan, context=context) for _, plan in ready],
        read_first=False,  # a chunk is rarely taken twice
    )
    final: dict[int, Outcome] = {
        offset: plan for offset, plan in enumerate(plans) if isinstance(plan, DomainError)
    }
    for (offset, plan), outcome in zip(ready, outcomes, strict=True):
        made = made_earlier(outcome)
        final[offset] = _numbered(made, plan, context, ports=ports, index=start + offset)
    return [
        ItemOutcome(start + offset, _key(item), final[offset]) for offset, item in enumerate(parsed)
    ]


def _parsed(data: Any, *, index: int) -> HyperlineInvoice | InvalidInputError:
    """An item as the request checked it (one kept by an older release may no longer pass)."""
    try:
        return HyperlineInvoice.model_validate(data)
    except ValidationError as exc:
        return InvalidInputError(problems_of(exc, f"invoices[{index}]"))


def _key(item: HyperlineInvoice | InvalidInputError) -> str | None:
    return item.batch_invoice_id if isinstance(item, HyperlineInvoice) else None


def _planned(
    item: HyperlineInvoice, client: Client | None, context: _Context, *, index: int
) -> _Plan | InvalidInputError:
    try:
        if client is None:
            raise InvalidInputError([FieldProblem("customer_id", "names no customer of yours")])
        currency = item.currency or context.defaults.currency
        body = hyperline.native_body(
            item,
            currency=currency,
            timezone=context.defaults.timezone,
            today=context.defaults.today(context.now),
        )
        state = hyperline.imported_state(item, currency=currency, now=context.now)
    except InvalidInputError as exc:
        return _placed(exc, index)
    return _Plan(body, state, context.settings, client.details())


def _finished(draft: Invoice, *, plan: _Plan, context: _Context) -> Invoice:
    """What is first stored: the draft issued and paid as the item says, under its own number;
    without one, the draft (issued next), once it is known that it can be issued so."""
    if plan.state is None:
        return draft
    hyperline.ensure_payable(draft, plan.state)
    issuing = Issuing(InvoiceCounter(), plan.settings, plan.client)
    issued, _ = issued_as(draft, issuing, state=plan.state, actor=context.actor, now=context.now)
    return issued if plan.state.number is not None else draft


def _numbered(
    outcome: Outcome, plan: _Plan, context: _Context, *, ports: BatchPorts, index: int
) -> Outcome:
    """An item to issue without a number of its own takes the series' next, with its payments,
    in one write; one found issued already was issued by an earlier try of its chunk."""
    if isinstance(outcome, InvalidInputError):
        return _placed(outcome, index)
    if not isinstance(outcome, Added) or plan.state is None or plan.state.number is not None:
        return outcome
    if outcome.invoice.status != InvoiceStatus.DRAFT:
        return outcome
    change = partial(issued_as, state=plan.state)
    try:
        invoice = lifecycle.issue(
            outcome.invoice.id, change, actor=context.actor, ports=ports.invoices
        )
    except DomainError as exc:  # stored as a draft: the error says why it was not issued
        return exc
    return Added(invoice, created=outcome.created)


def _placed(error: InvalidInputError, index: int) -> InvalidInputError:
    """The problems named in Hyperline's terms, from the batch: invoices[3].line_items[0]..."""
    return InvalidInputError(
        [
            FieldProblem(f"invoices[{index}].{problem.field}", problem.message)
            for problem in hyperline.hyperline_problems(error.problems)
        ]
    )
