"""hevn's batch invoicing carried out by the native services: each entry's contract and client
are read, and each period's invoice is keyed by contract and period (so an entry sent again
finds its invoice). Drafts are created in one native batch; an entry to finalize is created
issued, as mark-as-sent issues it, in one write with the counter, in the entries' order (a
draft found for it is issued then). Nothing is stored apart from the native invoices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chalicelib.domain import transitions
from chalicelib.domain.clients import Client
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.compat import hevn
from chalicelib.domain.compat.hevn import EntryOutcome, HevnEntry
from chalicelib.domain.contracts import Contract
from chalicelib.domain.derived_ids import hevn_invoice_id
from chalicelib.domain.errors import (
    ContractNotFoundError,
    DomainError,
    FieldProblem,
    InvalidInputError,
)
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.ports import ClientRepository, ContractRepository, InvoicePorts
from chalicelib.services import creating, lifecycle
from chalicelib.services.creating import Outcome


def invoice_contracts(
    entries: Sequence[HevnEntry],
    *,
    actor: Actor,
    ports: InvoicePorts,
    contracts: ContractRepository,
    clients: ClientRepository,
) -> tuple[list[EntryOutcome], TenantSettings]:
    """One outcome per entry, in order; an entry that fails leaves the others be. With them the
    settings a draft's seller is answered from (read at most a minute ago, as creates read them)."""
    outcomes = _read(entries, actor=actor, contracts=contracts, clients=clients)
    timezone = ports.defaults_for(actor.tenant_id).timezone
    planned: list[tuple[int, NewInvoice]] = []
    for index, outcome in enumerate(outcomes):
        if outcome.contract is None or outcome.error is not None:
            continue
        try:
            planned.append(
                (index, hevn.create_body(outcome.contract, outcome.entry, timezone=timezone))
            )
        except InvalidInputError as exc:
            outcomes[index] = replace(outcome, error=exc)
    drafts = [(index, body) for index, body in planned if not outcomes[index].entry.finalize]
    made = creating.create_invoices(
        [body for _, body in drafts],
        atomic=False,
        actor=actor,
        ports=ports,
        ids=[_invoice_id(outcomes[index].entry, actor) for index, _ in drafts],
    )
    for (index, _), result in zip(drafts, made, strict=True):
        outcomes[index] = _with(outcomes[index], result)
    for index, body in planned:  # in the entries' order, which their numbers follow
        if outcomes[index].entry.finalize:
            issued = _created_issued(body, outcomes[index], actor=actor, ports=ports)
            outcomes[index] = _with(outcomes[index], issued)
    finalized = _finalized(outcomes, actor=actor, ports=ports)
    creating.answer_lost_fails_whole((outcome.error for outcome in finalized), actor)
    return finalized, ports.settings.recent(actor.tenant_id)


def _created_issued(
    body: NewInvoice, outcome: EntryOutcome, *, actor: Actor, ports: InvoicePorts
) -> Outcome:
    """An entry to finalize, created issued with the next number in one write; or the invoice
    its contract and period have already (issued next, if it is a draft)."""
    assert outcome.client is not None
    try:
        return lifecycle.create_issued(
            body,
            transitions.mark_as_sent,
            actor=actor,
            ports=ports,
            client=outcome.client.details(),
            invoice_id=_invoice_id(outcome.entry, actor),
        )
    except DomainError as exc:
        return exc


def _invoice_id(entry: HevnEntry, actor: Actor) -> str:
    """The invoice of the entry's contract and period, in hevn's own namespace: a client's
    externalId never names it."""
    return hevn_invoice_id(actor.tenant_id, str(entry.contract_id), entry.period)


def _with(outcome: EntryOutcome, result: Outcome) -> EntryOutcome:
    if isinstance(result, DomainError):
        return replace(outcome, error=hevn.hevn_problems(result))
    issued_now = result.created and result.invoice.status != InvoiceStatus.DRAFT
    return replace(outcome, invoice=result.invoice, created=result.created, issued_now=issued_now)


def _read(
    entries: Sequence[HevnEntry],
    *,
    actor: Actor,
    contracts: ContractRepository,
    clients: ClientRepository,
) -> list[EntryOutcome]:
    """The entries' contracts in one read, then their clients in one more (per 100). Another
    tenant's contract is as unknown as one that never existed; a contract whose client is gone
    fails."""
    tenant = actor.tenant_id
    found = contracts.get_many(tenant, (str(entry.contract_id) for entry in entries))
    people = clients.get_many(tenant, (contract.client_id for contract in found.values()))
    return [_outcome(entry, found.get(str(entry.contract_id)), people) for entry in entries]


def _outcome(
    entry: HevnEntry, contract: Contract | None, people: dict[str, Client]
) -> EntryOutcome:
    if contract is None:
        return EntryOutcome(entry, error=ContractNotFoundError(str(entry.contract_id)))
    client = people.get(contract.client_id)
    if client is None:
        message = f"its client {contract.client_id} no longer exists"
        return EntryOutcome(
            entry, contract, error=InvalidInputError([FieldProblem("contractId", message)])
        )
    return EntryOutcome(entry, contract, client)


def _finalized(
    outcomes: list[EntryOutcome], *, actor: Actor, ports: InvoicePorts
) -> list[EntryOutcome]:
    """Issue, in the entries' order, each draft found that an entry asks to finalize. Every
    entry then answers its invoice as it ends up, even when two name the same."""
    latest: dict[str, Invoice] = {}
    for index, outcome in enumerate(outcomes):
        if outcome.invoice is None:
            continue
        current = latest.setdefault(outcome.invoice.id, outcome.invoice)
        if (
            outcome.error is not None
            or not outcome.entry.finalize
            or current.status != InvoiceStatus.DRAFT
        ):
            continue
        try:
            latest[current.id] = lifecycle.mark_as_sent(current.id, actor=actor, ports=ports)
            outcomes[index] = replace(outcome, issued_now=True)
        except DomainError as exc:  # made, but not issued: sent again, the entry issues it
            outcomes[index] = replace(outcome, error=exc)
    return [
        replace(outcome, invoice=latest[outcome.invoice.id]) if outcome.invoice else outcome
        for outcome in outcomes
    ]
