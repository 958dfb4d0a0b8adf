"""Which of the tenant's clients its invoices name, counted on each client's item (`invoiceRefs`)
by the same transaction that writes the invoices: so an invoice cannot name a client that is not
there (the count moves only on an existing client), and a client's delete, conditional on a count
of zero, cannot succeed while an invoice names it, however the two race."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.customer_credit import held
from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.invoice import Invoice
from chalicelib.store import keys
from chalicelib.store.dynamo import MAX_TRANSACTION_ITEMS, key

INVOICE_REFS = "invoiceRefs"

Moves = Mapping[str, int]  # client id -> how many more invoices name it (fewer when negative)


def client_key(tenant_id: str, client_id: str) -> dict[str, Any]:
    return key(keys.tenant_pk(tenant_id), f"{keys.CLIENT_PREFIX}{client_id}")


def moves_of(changes: Iterable[tuple[Invoice | None, Invoice | None]]) -> dict[str, int]:
    """What writing each (before, after) pair does to the clients' counts: a new invoice adds
    one to its client, a deleted one takes one off, one naming another client moves one."""
    moves: Counter[str] = Counter()
    for before, after in changes:
        if before is not None and before.client_id:
            moves[before.client_id] -= 1
        if after is not None and after.client_id:
            moves[after.client_id] += 1
    return {client_id: n for client_id, n in sorted(moves.items()) if n}


def reference_updates(table: str, tenant_id: str, moves: Moves) -> list[dict[str, Any]]:
    """One transaction action per client whose count moves, refused where no such client is
    (so no stray item is ever made for a client id that names nothing)."""
    return [
        {
            "Update": {
                "TableName": table,
                "Key": client_key(tenant_id, client_id),
                "UpdateExpression": "ADD #refs :n",
                "ConditionExpression": "attribute_exists(PK)",
                "ExpressionAttributeNames": {"#refs": INVOICE_REFS},
                "ExpressionAttributeValues": {":n": {"N": str(n)}},
            }
        }
        for client_id, n in moves.items()
    ]


def missing_clients(reasons: Sequence[Mapping[str, Any]], moves: Moves, *, first: int) -> list[str]:
    """The clients whose update (from position `first` of a cancelled transaction) found none."""
    updated = reasons[first : first + len(moves)]
    return [
        client_id
        for client_id, reason in zip(moves, updated, strict=False)
        if reason.get("Code") == "ConditionalCheckFailed"
    ]


def refs_of(item: Mapping[str, Any]) -> int:
    """How many invoices a stored client's item says name it."""
    return int(item.get(INVOICE_REFS, {}).get("N", "0"))


def writes_fit(invoices: Sequence[Invoice], *, more: int = 1) -> bool:
    """Whether one transaction holds the invoices, one update per client they name, and `more`
    (the tenant's figures); and, for those that move a client's credit, one move each and one
    balance per client (store/customer_credit)."""
    named = {invoice.client_id for invoice in invoices if invoice.client_id}
    crediting = [invoice for invoice in invoices if held(invoice)]
    credit = len(crediting) + len({invoice.client_id for invoice in crediting})
    numbers = _numbers(invoices)  # store/numbers.py (a deleted invoice carries none)
    return len(invoices) + len(named) + more + credit + numbers <= MAX_TRANSACTION_ITEMS


def _numbers(invoices: Sequence[Invoice]) -> int:
    """The actions the invoices' numbers take: one item each, and one check of the counter."""
    numbered = sum(1 for invoice in invoices if invoice.invoice_number is not None)
    return numbered + 1 if numbered else 0


def chunks(invoices: Sequence[Invoice], *, most: int) -> Iterable[list[Invoice]]:
    """The invoices in order, in runs of at most `most` that each fit one transaction."""
    chunk: list[Invoice] = []
    for invoice in invoices:
        if chunk and (len(chunk) == most or not writes_fit([*chunk, invoice])):
            yield chunk
            chunk = []
        chunk.append(invoice)
    if chunk:
        yield chunk


def refuse_unfit(invoices: Sequence[Invoice], named_as: str) -> None:
    """All or none is one transaction, which holds 100 writes: the invoices', one per client
    they name, and the figures'."""
    if not writes_fit(invoices):
        named = len({invoice.client_id for invoice in invoices if invoice.client_id})
        message = (
            f"all or none is one write of at most 100 items: one per invoice ({len(invoices)}), "
            f"one per client they name ({named}), one per number they bring with one check of "
            "the counter, and one for the figures"
        )
        raise InvalidInputError([FieldProblem(named_as, message)])


@dataclass(frozen=True)
class Moved:
    """The clients' counts a transaction moves, from its action number `first` on."""

    moves: Moves = field(default_factory=dict)
    first: int = 0
