"""Creating many invoices at once, the one path every batch takes (native, hevn, Leanpay,
Hyperline): each body built into a draft (and finished, as an import finishes it), the invoices
its ids may name read in one call, the new ones written in transactions of up to 99, and each
body answered with its invoice, new or found, or its error. An atomic batch is written whole in
one transaction or not at all. Within a retryable request, an invoice nothing else names is named
after the request and its place, so a retry finds what the first try made."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence

from chalicelib.domain import invoicing
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.derived_ids import request_id
from chalicelib.domain.errors import (
    DomainError,
    FieldProblem,
    InvalidInputError,
    TemporarilyUnavailableError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.series import NumberFormats
from chalicelib.domain.values import Actor
from chalicelib.ports import Added, InvoicePorts
from chalicelib.services.optimistic import until_written

Outcome = Added | DomainError
# What becomes of a new draft before it is first stored (an import: issued elsewhere, paid).
Finish = Callable[[Invoice], Invoice]


def create_invoices(
    bodies: Sequence[NewInvoice],
    *,
    atomic: bool,
    actor: Actor,
    ports: InvoicePorts,
    ids: Sequence[str | None] | None = None,
    finish: Sequence[Finish | None] | None = None,
    read_first: bool = True,
    formats: NumberFormats | None = None,
) -> list[Outcome]:
    """One outcome per body, in order. An atomic batch is written whole or not at all. `ids`
    names an item's invoice; `finish` turns its new draft into what is stored. `read_first`
    reads the invoices the bodies may name before writing, the cheaper way when many are stored
    already; without it, one that is stored is found when its write is refused (one call saved
    when none is, as when the caller has just read them, or a chunk is taken the first time).
    `formats`, the tenant's, refuse a number an invoice brings that its series could still give
    (decision 0057)."""
    if atomic:
        refuse_oversized(len(bodies), ports)
    by_request = _named_by_request(bodies, ids, actor)
    built = _built(
        bodies,
        [given or named for given, named in zip(ids or by_request, by_request, strict=True)],
        finish or [None] * len(bodies),
        actor=actor,
        ports=ports,
    )
    failures = {index: item for index, item in enumerate(built) if isinstance(item, DomainError)}
    if atomic and failures:
        raise whole_batch_error(failures)
    first_of: dict[str, int] = {}
    for index, item in enumerate(built):
        if isinstance(item, Invoice):
            first_of.setdefault(item.id, index)
    named = [item for item in built if isinstance(item, Invoice) and _may_exist(item, ids)]
    firsts = [
        item for index, item in enumerate(built) if isinstance(item, Invoice)
        and first_of[item.id] == index
    ]  # fmt: skip
    maybe = named if read_first else []
    found = _written(
        firsts, actor.tenant_id, may_exist=maybe, atomic=atomic, ports=ports, formats=formats
    )
    outcomes = [_outcome(item, index, first_of, found) for index, item in enumerate(built)]
    return [
        made_earlier(outcome) if named is not None else outcome
        for outcome, named in zip(outcomes, by_request, strict=True)
    ]


def request_invoice_id(actor: Actor, index: int = 0) -> str:
    """The id of the `index`th invoice a retryable request makes (the actor names the request):
    a retry of it names the same invoice, and finds it stored."""
    assert actor.request is not None
    return request_id(actor.tenant_id, actor.request, "invoice", index)


def made_earlier(outcome: Outcome) -> Outcome:
    """An invoice named by its request (or its batch and place) that is found stored was made
    by an earlier try of the same work: it was created by this work all the same."""
    if isinstance(outcome, Added) and not outcome.created:
        return Added(outcome.invoice, created=True)
    return outcome


def _named_by_request(
    bodies: Sequence[NewInvoice], ids: Sequence[str | None] | None, actor: Actor
) -> list[str | None]:
    """The ids a retryable request gives the invoices nothing else names (no id given, no
    externalId); None for the others, and for all outside such a request."""
    given = ids or [None] * len(bodies)
    return [
        request_invoice_id(actor, index)
        if actor.request and given[index] is None and body.external_id is None
        else None
        for index, body in enumerate(bodies)
    ]


def _built(
    bodies: Sequence[NewInvoice],
    ids: Sequence[str | None],
    finish: Sequence[Finish | None],
    *,
    actor: Actor,
    ports: InvoicePorts,
) -> list[Invoice | DomainError]:
    now = ports.clock.now()
    defaults = ports.defaults_for(actor.tenant_id)
    built: list[Invoice | DomainError] = []
    for body, invoice_id, then in zip(bodies, ids, finish, strict=True):
        try:
            draft = invoicing.new_invoice(
                body, actor=actor, now=now, defaults=defaults, invoice_id=invoice_id
            )
            built.append(draft if then is None else then(draft))
        except DomainError as exc:
            built.append(exc)
    return built


def _may_exist(invoice: Invoice, ids: Sequence[str | None] | None) -> bool:
    """Only an id derived from a key can name a stored invoice; a new id cannot."""
    return invoice.external_id is not None or (ids is not None and invoice.id in ids)


def _written(
    new: Sequence[Invoice],
    tenant_id: str,
    *,
    may_exist: Sequence[Invoice],
    atomic: bool,
    ports: InvoicePorts,
    formats: NumberFormats | None = None,
) -> dict[str, Outcome]:
    """Each new invoice as written, or as found stored already under its id."""

    # After a lost race, any of them may have been created meanwhile: look for all of them.
    looked_for = itertools.chain([may_exist], itertools.repeat(new))

    def attempt() -> dict[str, Outcome]:
        maybe = [invoice.id for invoice in next(looked_for)]
        stored = {i.id: i for i in ports.repo.get_many(tenant_id, maybe)} if maybe else {}
        fresh = [invoice for invoice in new if invoice.id not in stored]
        added = ports.repo.add_many(fresh, atomic=atomic, formats=formats) if fresh else []
        return {i: Added(invoice, created=False) for i, invoice in stored.items()} | {
            invoice.id: outcome for invoice, outcome in zip(fresh, added, strict=True)
        }

    names = ", ".join(invoice.id for invoice in new)
    return until_written(attempt, retry=ports.retry, name=("Invoice", names))


def _outcome(
    item: Invoice | DomainError,
    index: int,
    first_of: Mapping[str, int],
    found: Mapping[str, Outcome],
) -> Outcome:
    if isinstance(item, DomainError):
        return item
    outcome = found[item.id]
    if first_of[item.id] != index and isinstance(outcome, Added):
        return Added(outcome.invoice, created=False)  # the same externalId earlier in the batch
    return outcome


def answer_lost_fails_whole(outcomes: Iterable[object], actor: Actor) -> None:
    """Within a retryable request, an item the store did not answer for fails the request as a
    whole (503): its retry, under the same key, finds what was written and writes the rest,
    where a kept answer with that item failed would be replayed as it is."""
    if actor.request is None:
        return
    lost = next((o for o in outcomes if isinstance(o, TemporarilyUnavailableError)), None)
    if lost is not None:
        raise lost


def whole_batch_error(failures: Mapping[int, DomainError]) -> DomainError:
    """Why an atomic batch writes nothing: every field at fault, or the first other error."""
    others = [exc for exc in failures.values() if not isinstance(exc, InvalidInputError)]
    if others:
        return others[0]
    return InvalidInputError(
        [p for exc in failures.values() if isinstance(exc, InvalidInputError) for p in exc.problems]
    )


def refuse_oversized(count: int, ports: InvoicePorts) -> None:
    """One transaction carries an atomic batch, and DynamoDB's hold 100 writes, one of which
    moves the tenant's figures."""
    limit = ports.repo.max_atomic
    if count > limit:
        message = f"an atomic batch holds at most {limit} invoices; this one has {count}"
        raise InvalidInputError([FieldProblem("invoices", message)])
