"""Creating many invoices at once, the one path every batch takes (native, hevn, Leanpay,
Hyperline): each body built into a draft (and finished, as an import finishes it), the invoices
its ids may name read in one call, the new ones written in transactions of up to 99, and each
body answered with its invoice, new or found, or its error. An atomic batch is written whole in
one transaction or not at all."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from chalicelib.domain import invoicing
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.errors import (
    ConcurrentModificationError,
    DomainError,
    FieldProblem,
    InvalidInputError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import Actor
from chalicelib.services.ports import Added, InvoicePorts

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
) -> list[Outcome]:
    """One outcome per body, in order. An atomic batch is written whole or not at all. `ids`
    names an item's invoice; `finish` turns its new draft into what is stored. `read_first`
    reads the invoices the bodies may name before writing, the cheaper way when many are stored
    already; without it, one that is stored is found when its write is refused (one call saved
    when none is, as when the caller has just read them, or a chunk is taken the first time)."""
    if atomic:
        refuse_oversized(len(bodies), ports)
    built = _built(
        bodies,
        ids or [None] * len(bodies),
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
    found = _written(firsts, actor.tenant_id, may_exist=maybe, atomic=atomic, ports=ports)
    return [_outcome(item, index, first_of, found) for index, item in enumerate(built)]


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
) -> dict[str, Outcome]:
    """Each new invoice as written, or as found stored already under its id."""
    maybe = [invoice.id for invoice in may_exist]
    for _ in ports.retry.tries():
        stored = {i.id: i for i in ports.repo.get_many(tenant_id, maybe)} if maybe else {}
        found: dict[str, Outcome] = {
            i: Added(invoice, created=False) for i, invoice in stored.items()
        }
        fresh = [invoice for invoice in new if invoice.id not in stored]
        try:
            added = ports.repo.add_many(fresh, atomic=atomic) if fresh else []
        except ConcurrentModificationError:
            maybe = [invoice.id for invoice in new]  # one of them was created meanwhile
            continue
        return found | {invoice.id: outcome for invoice, outcome in zip(fresh, added, strict=True)}
    raise ConcurrentModificationError(", ".join(invoice.id for invoice in new))


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
