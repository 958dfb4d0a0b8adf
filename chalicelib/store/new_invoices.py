"""Writing invoices that are not stored yet, many at a time: all or none (an atomic batch), or
in chunks of one transaction each, where an invoice whose id is taken is answered with the one
stored and one naming no client of the tenant's, or bringing a number that is used or that the
series could still give, fails alone (decisions 0050, 0057)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.domain.aggregates import combined, delta
from chalicelib.domain.customer_credit import movements_of
from chalicelib.domain.errors import (
    ConcurrentModificationError,
    DomainError,
    NumberOfTheSeriesError,
    NumberUsedError,
    UnknownClientError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.series import NumberFormats
from chalicelib.ports import Added
from chalicelib.store.dynamo import MAX_TRANSACTION_ITEMS
from chalicelib.store.invoice_errors import taken
from chalicelib.store.invoice_writes import InvoiceWrites
from chalicelib.store.numbers import claims_of, repeated
from chalicelib.store.references import chunks, moves_of, refuse_unfit

MAX_ATOMIC = MAX_TRANSACTION_ITEMS - 1  # the last action moves the tenant's figures
# Each try of a chunk may leave out one kind of refusal: ids taken, clients, numbers, the series.
_ADD_ATTEMPTS = 5


def add_many(
    writes: InvoiceWrites,
    invoices: Sequence[Invoice],
    *,
    atomic: bool,
    formats: NumberFormats | None = None,
) -> list[Added | DomainError]:
    stored = [invoice.model_copy(update={"version": 1}) for invoice in invoices]
    twice = repeated(stored)  # a number two of them bring: the first has it
    if atomic:
        refuse_unfit(stored, "invoices")
        if twice:
            raise next(iter(twice.values()))
        commit_new(writes, stored, {i.id: writes.put(i, 0) for i in stored}, formats)
        return [Added(invoice, created=True) for invoice in stored]
    outcomes: dict[str, Added | DomainError] = dict(twice)
    puts: dict[str, dict[str, Any]] = {}
    for invoice in (invoice for invoice in stored if invoice.id not in twice):
        try:
            puts[invoice.id] = writes.put(invoice, 0)
        except DomainError as exc:  # too large to store: this one fails, not the others
            outcomes[invoice.id] = exc
    writable = [invoice for invoice in stored if invoice.id in puts]
    for chunk in chunks(writable, most=MAX_ATOMIC):
        outcomes |= _add_each(writes, chunk, puts, formats)
    return [outcomes[invoice.id] for invoice in stored]


def _add_each(
    writes: InvoiceWrites,
    chunk: Sequence[Invoice],
    puts: Mapping[str, dict[str, Any]],
    formats: NumberFormats | None = None,
) -> dict[str, Added | DomainError]:
    """Write the chunk in one transaction; an invoice whose id is taken is answered with the
    one stored, and one naming no client of the tenant's, or bringing a number that is used
    or that the series could still give, fails, each left out of the next try, so the
    others are still written."""
    outcomes: dict[str, Added | DomainError] = {}
    pending = list(chunk)
    for _ in range(_ADD_ATTEMPTS):
        if not pending:
            return outcomes
        try:
            commit_new(writes, pending, puts, formats)
        except ConcurrentModificationError as exc:
            found = taken(exc, pending)
            outcomes |= {i: Added(stored, created=False) for i, stored in found.items()}
            pending = [invoice for invoice in pending if invoice.id not in found]
            continue
        except UnknownClientError as exc:
            unknown = {i.id: UnknownClientError([i.client_id or ""]) for i in pending
                       if i.client_id in exc.client_ids}  # fmt: skip
            outcomes |= unknown
            pending = [invoice for invoice in pending if invoice.id not in unknown]
            continue
        except (NumberUsedError, NumberOfTheSeriesError) as exc:
            refused = {i.id: type(exc)([i.invoice_number or ""]) for i in pending
                       if i.invoice_number in exc.numbers}  # fmt: skip
            outcomes |= refused
            pending = [invoice for invoice in pending if invoice.id not in refused]
            continue
        except DomainError as exc:
            return outcomes | {invoice.id: exc for invoice in pending}
        return outcomes | {invoice.id: Added(invoice, created=True) for invoice in pending}
    return outcomes | {i.id: ConcurrentModificationError(i.id) for i in pending}


def commit_new(
    writes: InvoiceWrites,
    invoices: Sequence[Invoice],
    puts: Mapping[str, dict[str, Any]],
    formats: NumberFormats | None = None,
) -> None:
    """The new invoices' puts in one write, with what they move: figures, clients' counts and
    credit, and the numbers they bring."""
    figures = combined(delta(None, invoice) for invoice in invoices)
    actions = [puts[invoice.id] for invoice in invoices]
    moves = moves_of((None, invoice) for invoice in invoices)
    credit = movements_of((None, invoice) for invoice in invoices)
    ids = [invoice.id for invoice in invoices]
    claims = claims_of(((None, invoice) for invoice in invoices), own=True)
    writes.commit(ids, actions, figures, invoices[0], moves, credit, claims, formats)
