"""Hyperline's asynchronous batch carried out by the native queued batch: the request is checked
whole and queued as a batch of source `hyperline`; the jobs' worker creates its invoices, each
under an id fixed by the batch and its place (so a chunk taken twice creates nothing twice),
issued and paid as Hyperline says before it is first stored. Drafts and invoices under their own
number are written together; one issued without a number of its own is written with the counter
that gives it the tenant's next one. Nothing is stored apart from the native invoices and the
batch's progress."""

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
from chalicelib.domain.errors import (
    BatchIdReusedError,
    DomainError,
    FieldProblem,
    InvalidInputError,
    problems_of,
)
from chalicelib.domain.imports import ImportedState, imported, issued_as
from chalicelib.domain.invoice import Invoice
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
    queue_invoices,
)
from chalicelib.services.creating import Outcome, create_invoices, made_earlier


def queue_batch(
    body: HyperlineBatch, *, fingerprint: str, actor: Actor, ports: BatchPorts
) -> Batch:
    """Queue the checked batch under its batch_id (or a new one). The same batch_id sent again
    with the same body (`fingerprint`, hyperline.body_fingerprint) answers the batch recorded
    the first time and queues nothing; with another body it is refused (BatchIdReusedError),
    even when two requests race. A batch recorded before its body was kept answers as it is."""
    items = [item.model_dump(mode="json", exclude_none=True) for item in body.invoices]
    batch, new = queue_invoices(
        items,
        atomic=False,
        actor=actor,
        ports=ports,
        batch_id=body.batch_id,
        source=BatchSource.HYPERLINE,
        fingerprint=fingerprint,
    )
    if not new and batch.fingerprint not in (None, fingerprint):
        raise BatchIdReusedError(batch.id)
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

    @property
    def numbered_by_the_series(self) -> bool:
        return self.state is not None and self.state.number is None


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
    id_scheme: int,
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
    together = [(offset, plan) for offset, plan in ready if not plan.numbered_by_the_series]
    outcomes = create_invoices(
        [plan.body for _, plan in together],
        atomic=False,
        actor=actor,
        ports=invoices,
        ids=[item_id(tenant, batch_id, start + offset, id_scheme) for offset, _ in together],
        finish=[partial(_finished, plan=plan, context=context) for _, plan in together],
        read_first=False,  # a chunk is rarely taken twice
    )
    final: dict[int, Outcome] = {
        offset: plan for offset, plan in enumerate(plans) if isinstance(plan, DomainError)
    }
    for (offset, _), outcome in zip(together, outcomes, strict=True):
        final[offset] = _placed_outcome(made_earlier(outcome), start + offset)
    for offset, plan in ready:
        if plan.numbered_by_the_series:
            invoice_id = item_id(tenant, batch_id, start + offset, id_scheme)
            made = _created_issued(plan, context, ports=ports, invoice_id=invoice_id)
            final[offset] = _placed_outcome(made, start + offset)
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
    """What is first stored: a draft, or the invoice issued and paid as the item says under its
    own number."""
    if plan.state is None:
        return draft
    hyperline.ensure_payable(draft, plan.state)
    return imported(
        draft,
        plan.state,
        settings=plan.settings,
        client=plan.client,
        actor=context.actor,
        now=context.now,
    )


def _created_issued(
    plan: _Plan, context: _Context, *, ports: BatchPorts, invoice_id: str
) -> Outcome:
    """An item issued without a number of its own: created issued with the series' next number
    and its payments, in one write with the counter. One found was made by an earlier try of
    its chunk."""
    state = plan.state
    assert state is not None

    def as_it_stands(
        invoice: Invoice, issuing: Issuing, *, actor: Actor, now: datetime
    ) -> tuple[Invoice, InvoiceCounter | None]:
        hyperline.ensure_payable(invoice, state)
        return issued_as(invoice, issuing, state=state, actor=actor, now=now)

    try:
        added = lifecycle.create_issued(
            plan.body,
            as_it_stands,
            actor=context.actor,
            ports=ports.invoices,
            client=plan.client,
            invoice_id=invoice_id,
        )
    except DomainError as exc:
        return exc
    return made_earlier(added)


def _placed_outcome(outcome: Outcome, index: int) -> Outcome:
    """A native refusal (a discount above its row) in Hyperline's terms, placed in the batch."""
    if not isinstance(outcome, InvalidInputError):
        return outcome
    return _placed(InvalidInputError(hyperline.hyperline_problems(outcome.problems)), index)


def _placed(error: InvalidInputError, index: int) -> InvalidInputError:
    """Problems already named in Hyperline's terms, from the batch: invoices[3].line_items[0]."""
    return InvalidInputError(
        [FieldProblem(f"invoices[{index}].{p.field}", p.message) for p in error.problems]
    )
