"""Bringing in invoices made elsewhere: the one use case every vendor dialect calls, with its items
in native terms (domain/imports.py). An import reads what its commands are made with (the
tenant's settings and defaults, the moment), the clients its items name in one read and, for an
upsert, the invoices their keys name in one more. Drafts and invoices under their own number are
then written together, as a native batch writes them (issued and paid before they are first
stored); one numbered by the series is created issued, in one write with the counter, in the
items' order; and an invoice an item's key finds stored is answered (issued, when the item asks
to be and finds a draft), taken as made by an earlier try, or replaced, as its sender says.

It is called for one invoice with every fault named at once (import_one), for a batch checked
whole before anything is written (import_all), or for a batch whose items stand alone
(import_each). Nothing is stored apart from the native invoices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

from chalicelib.domain.clients import Client
from chalicelib.domain.errors import DomainError, InvalidInputError
from chalicelib.domain.imports import (
    Found,
    ImportCommand,
    ImportContext,
    ImportItem,
    ImportOutcome,
    Sender,
    first_stored,
    placed,
    repeated,
    repeated_numbers,
    replacement,
)
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.invoicing import defaults_with
from chalicelib.domain.series import NumberFormats
from chalicelib.domain.values import Actor
from chalicelib.ports import Added, ClientRepository, InvoicePorts
from chalicelib.services import lifecycle
from chalicelib.services.changes import read
from chalicelib.services.creating import Finish, Outcome, answer_lost_fails_whole, create_invoices
from chalicelib.services.optimistic import until_written


@dataclass(frozen=True)
class _Plan:
    """An item ready to write, with its client and the invoice its key named when read first."""

    item: ImportItem
    command: ImportCommand
    client: Client
    stored: Invoice | None = None


def import_one(
    item: ImportItem,
    *,
    sender: Sender,
    actor: Actor,
    ports: InvoicePorts,
    clients: ClientRepository,
) -> Invoice:
    """One invoice, or a refusal naming every fault at once (a client that is not the tenant's
    and each field its command refuses), nothing written. The settings are read afresh: what the
    item says may hang on them (tax rates), and the defaults a create uses are refreshed too."""
    settings = ports.settings.get(actor.tenant_id)
    context = ImportContext(settings, defaults_with(settings, ports.defaults), ports.clock.now())
    client = clients.get(actor.tenant_id, item.client_id)
    problems = [] if client is not None else [sender.unknown_client(item.client_id)]
    command: ImportCommand | None = None
    try:
        command = item.command(context)
    except InvalidInputError as exc:
        problems += exc.problems
    if problems or client is None or command is None:
        raise InvalidInputError(problems)
    run, plans = _Import(sender, context, actor, ports), [_Plan(item, command, client)]
    (outcome,) = run.settled(plans, run.created(plans, atomic=True), whole=True)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.invoice is not None
    return outcome.invoice


def import_all(
    items: Sequence[ImportItem],
    *,
    sender: Sender,
    actor: Actor,
    ports: InvoicePorts,
    clients: ClientRepository,
) -> list[Invoice]:
    """Each item's invoice as stored, in order. The request is checked whole against what is
    stored before anything is written: an item at fault, or two naming one invoice (which of them
    should win, no one said), refuses it all, each fault named as invoices[i].<field>. A write
    that fails then raises (a retry is safe: what was written is found)."""
    if not items:
        return []
    run = _Import(sender, _context(actor, ports), actor, ports)
    plans = run.plans(items, clients)
    problems = [
        problem
        for index, plan in enumerate(plans)
        if isinstance(plan, InvalidInputError)
        for problem in placed(plan, index).problems
    ]
    commands = [plan.command if isinstance(plan, _Plan) else None for plan in plans]
    if problems := problems + repeated(items, sender) + repeated_numbers(commands, sender):
        raise InvalidInputError(problems)
    made = run.created(plans, atomic=False)
    failed = [(i, o) for i, o in sorted(made.items()) if isinstance(o, DomainError)]
    if failed:  # what only the write could tell: a client gone meanwhile, a number taken
        index, error = failed[0]
        raise placed(error, index)
    settled = run.settled(plans, made, whole=True, place=True)
    return [outcome.invoice for outcome in settled if outcome.invoice]


def import_each(
    items: Sequence[ImportItem | DomainError],
    *,
    sender: Sender,
    actor: Actor,
    ports: InvoicePorts,
    clients: ClientRepository,
    start: int = 0,
) -> list[ImportOutcome]:
    """One outcome per item, in order; an item that fails leaves the others be. One given as an
    error (refused in its sender's shape) is answered with it. `start` is the first item's place
    in its batch, which names a failed item's fields when its sender places them."""
    if not items:
        return []
    run = _Import(sender, _context(actor, ports), actor, ports)
    plans = run.plans(items, clients)
    settled = run.settled(plans, run.created(plans, atomic=False), whole=False)
    if sender.placed:  # what the import refused; an item refused in its shape is named already
        settled = [
            outcome
            if outcome.error is None or outcome.error is item
            else replace(outcome, error=placed(outcome.error, start + index))
            for index, (item, outcome) in enumerate(zip(items, settled, strict=True))
        ]
    answer_lost_fails_whole((outcome.error for outcome in settled), actor)
    return settled


def _context(actor: Actor, ports: InvoicePorts) -> ImportContext:
    """With the settings as read at most a minute ago, as creates read them."""
    settings = ports.settings.recent(actor.tenant_id)
    return ImportContext(settings, defaults_with(settings, ports.defaults), ports.clock.now())


@dataclass(frozen=True)
class _Import:
    """One import under way: its sender, what it read first, who asks, and where it writes."""

    sender: Sender
    context: ImportContext
    actor: Actor
    ports: InvoicePorts

    def plans(
        self, items: Sequence[ImportItem | DomainError], clients: ClientRepository
    ) -> list[_Plan | DomainError]:
        """Each item ready to write, or why not: the clients the items name in one read and, for
        an upsert, the invoices their keys name in one more."""
        tenant = self.actor.tenant_id
        wanted = [item for item in items if isinstance(item, ImportItem)]
        named = clients.get_many(tenant, (item.client_id for item in wanted))
        stored: dict[str, Invoice] = {}
        if self.sender.found == Found.REPLACED:
            ids = [item.invoice_id for item in wanted if item.invoice_id is not None]
            stored = {invoice.id: invoice for invoice in self.ports.repo.get_many(tenant, ids)}
        return [
            self._planned(item, named.get(item.client_id), stored.get(item.invoice_id or ""))
            if isinstance(item, ImportItem)
            else item
            for item in items
        ]

    def _planned(
        self, item: ImportItem, client: Client | None, stored: Invoice | None
    ) -> _Plan | InvalidInputError:
        """Its client first, then its command. One replacing a stored invoice is replaced here
        already, so that whatever refuses the replacement refuses it before anything is written."""
        try:
            if client is None:
                raise InvalidInputError([self.sender.unknown_client(item.client_id)])
            plan = _Plan(item, item.command(replace(self.context, stored=stored)), client, stored)
            if stored is not None:
                self._replacement(stored, plan)
        except InvalidInputError as exc:
            return exc
        return plan

    def created(self, plans: Sequence[_Plan | DomainError], *, atomic: bool) -> dict[int, Outcome]:
        """Each planned item's invoice as written, or as found under its id, its errors in the
        sender's terms. An atomic write that fails refuses the whole, raising."""
        ready = [(index, plan) for index, plan in enumerate(plans) if isinstance(plan, _Plan)]
        made: dict[int, Outcome] = {
            index: Added(plan.stored, created=False) for index, plan in ready if plan.stored
        }
        new = [(index, plan) for index, plan in ready if plan.stored is None]
        together = [(i, plan) for i, plan in new if not plan.command.numbered_by_the_series]
        if together:
            try:
                outcomes = create_invoices(
                    [plan.command.body for _, plan in together],
                    atomic=atomic,
                    actor=self.actor,
                    ports=self.ports,
                    ids=[plan.item.invoice_id for _, plan in together],
                    finish=[self._first_stored(plan) for _, plan in together],
                    # Where a key often finds its invoice, read first; an upsert has read them,
                    # and a place of this work's own is rarely taken twice.
                    read_first=self.sender.found == Found.ANSWERED,
                    formats=self.formats,
                )
            except InvalidInputError as exc:  # an atomic write refuses the whole
                raise self.sender.named(exc) from exc
            made |= {
                index: self._named(o) for (index, _), o in zip(together, outcomes, strict=True)
            }
        for index, plan in new:  # in the items' order, which their numbers follow
            if plan.command.numbered_by_the_series:
                made[index] = self._named(self._created_issued(plan))
        return made

    @property
    def formats(self) -> NumberFormats:
        """The tenant's numbering: a number an item brings that it could still give is refused
        in the write that would take it (decision 0057)."""
        return NumberFormats.of(self.context.settings)

    def _first_stored(self, plan: _Plan) -> Finish:
        """What the item's new draft is first stored as: issued and paid, when it stands so."""
        return partial(
            first_stored,
            command=plan.command,
            context=self.context,
            client=plan.client.details(),
            actor=self.actor,
        )

    def _created_issued(self, plan: _Plan) -> Outcome:
        assert plan.command.issue is not None
        try:
            return lifecycle.create_issued(
                plan.command.body,
                plan.command.issue.issued,
                actor=self.actor,
                ports=self.ports,
                client=plan.client.details(),
                invoice_id=plan.item.invoice_id,
            )
        except DomainError as exc:
            return exc

    def _named(self, outcome: Outcome) -> Outcome:
        return self.sender.named(outcome) if isinstance(outcome, DomainError) else outcome

    def settled(
        self,
        plans: Sequence[_Plan | DomainError],
        made: dict[int, Outcome],
        *,
        whole: bool,
        place: bool = False,
    ) -> list[ImportOutcome]:
        """Each item's outcome once what its key found is settled, in the items' order (checked
        whole, the first that fails raises); every item answers its invoice as it ends up, even
        when two name the same."""
        latest: dict[str, Invoice] = {}
        settled = []
        for index, plan in enumerate(plans):
            outcome = made[index] if isinstance(plan, _Plan) else plan
            if not isinstance(outcome, Added):
                client = plan.client if isinstance(plan, _Plan) else None
                settled.append(ImportOutcome(client=client, error=outcome))
                continue
            assert isinstance(plan, _Plan)
            invoice, created = outcome.invoice, outcome.created
            current = latest.setdefault(invoice.id, invoice)
            result = ImportOutcome(
                invoice,
                created=created or self.sender.found == Found.MADE_EARLIER,
                issued_now=created and invoice.status != InvoiceStatus.DRAFT,
                client=plan.client,
            )
            if not created:
                try:
                    ended = latest[invoice.id] = self._found(plan, current)
                except DomainError as exc:
                    named = self.sender.named(exc)  # a replacement's number taken, say
                    if whole:
                        refusal = placed(named, index) if place else named
                        if refusal is exc:
                            raise
                        raise refusal from exc
                    result = replace(result, error=named)
                else:  # a draft found, issued now
                    issued = current.status == InvoiceStatus.DRAFT != ended.status
                    result = replace(result, issued_now=issued)
            settled.append(result)
        return [
            replace(outcome, invoice=latest[outcome.invoice.id]) if outcome.invoice else outcome
            for outcome in settled
        ]

    def _found(self, plan: _Plan, current: Invoice) -> Invoice:
        """An invoice the item's key found stored, as its sender has it: replaced (an upsert),
        taken as made by an earlier try, or answered as it is, issued first when the item asks
        to be and finds a draft."""
        found, issue = self.sender.found, plan.command.issue
        if found == Found.REPLACED:
            return self._replaced(current, plan)
        if found == Found.MADE_EARLIER or issue is None or current.status != InvoiceStatus.DRAFT:
            return current
        return lifecycle.issue(current.id, issue.issued, actor=self.actor, ports=self.ports)

    def _replacement(self, current: Invoice, plan: _Plan) -> Invoice:
        return replacement(
            current,
            plan.command,
            self.sender,
            context=self.context,
            client=plan.client,
            actor=self.actor,
        )

    def _replaced(self, stored: Invoice, plan: _Plan) -> Invoice:
        """Replace the stored invoice only at the version read, reading it again after a lost
        race (the first try starts from what the import read)."""
        given = iter([stored])

        def attempt() -> Invoice:
            current = next(given, None) or read(stored.id, actor=self.actor, ports=self.ports)
            replaced = self._replacement(current, plan)
            if replaced is current:
                return current
            return self.ports.repo.save(replaced, previous=current, formats=self.formats)

        return until_written(attempt, retry=self.ports.retry, name=("Invoice", stored.id))
