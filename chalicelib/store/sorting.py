"""Sorts no single index serves, done in memory: several keys (each breaking the ties of the one
before), or a field without an index. Index entries carry a few short attributes (PROJECTED) and
are sorted as they are; a key beyond them needs the invoices themselves, read for at most
MAX_SORTED_IN_MEMORY of them, as a field without an index may sort at most that many matches
(decision 0035)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.ordering import Record, group_ends, tie_broken, window_groups
from chalicelib.domain.search import InvoiceQuery, Sort, SortField
from chalicelib.store import keys
from chalicelib.store.bulk import plain
from chalicelib.store.plans import INDEXED

# What every search index projects besides its keys (infra/template.json), and the id its sort
# key ends with: a sort by these alone reads no invoice.
PROJECTED = frozenset(
    {
        SortField.ID,
        SortField.STATUS,
        SortField.CURRENCY,
        SortField.TOTAL,
        SortField.CLIENT_ID,
        SortField.OPPORTUNITY_ID,
        SortField.INVOICE_DATE,
        SortField.DUE_DATE,
        SortField.INVOICE_NUMBER,
        SortField.UPDATED,
        SortField.CREATED,
    }
)
_ATTRIBUTES = tuple(str(field) for field in PROJECTED if field != SortField.ID)
# Measured in bench/whole_lists.py (docs/benchmarks.md, issue 17): 10,000 invoices read and
# sorted in about a second and a half on DynamoDB Local, well inside API Gateway's 29 s.
MAX_SORTED_IN_MEMORY = 10_000


@dataclass(frozen=True)
class Window:
    """The entries a page is cut from once sorted in memory, and where in them it starts."""

    entries: list[dict[str, Any]]
    skip: int


def served_by_one_index(query: InvoiceQuery) -> bool:
    """One key with an index, and no free text (which no index narrows)."""
    return not query.search and len(query.sort) == 1 and query.lead.field in INDEXED


def entries_suffice(sorts: Sequence[Sort]) -> bool:
    """Whether every key, ties included, is one the index entries carry."""
    return all(sort.field in PROJECTED for sort in tie_broken(sorts))


def entry_id(entry: Mapping[str, Any]) -> str:
    # Every index projects the table's keys: SK is "INV#<id>".
    return str(entry["SK"]["S"]).removeprefix(keys.INVOICE_PREFIX)


def entry_record(entry: Mapping[str, Any]) -> Record:
    """An index entry's fields as an invoice answers them (dates and times as the same text,
    amounts as Decimals), so entries and invoices sort alike."""
    record = {name: plain(entry[name]) for name in _ATTRIBUTES if name in entry}
    record["id"] = entry_id(entry)
    return record


def invoice_record(invoice: Invoice) -> Record:
    return invoice.model_dump(mode="python", by_alias=True)


def window_of(entries: list[dict[str, Any]], query: InvoiceQuery) -> Window:
    """For entries in the lead key's order: the whole runs of one lead value that hold the
    page, which the further keys then order."""
    lead = str(query.lead.field)
    values = [entry_record(entry).get(lead) for entry in entries]
    start, stop = window_groups(group_ends(values), query.offset, query.size)
    return Window(entries[start:stop], query.offset - start)


def too_many_to_sort(query: InvoiceQuery) -> InvalidInputError:
    """The 400 that says which sorts are served at any size."""
    fields = ", ".join(str(sort.field) for sort in query.sort)
    indexed = ", ".join(str(field) for field in INDEXED)
    message = (
        f"sorting by {fields} orders the matching invoices in memory, at most "
        f"{MAX_SORTED_IN_MEMORY:,} of them, and more than that match; sort first by a field "
        f"with an index ({indexed}), or narrow the matches with filters"
    )
    return InvalidInputError([FieldProblem("sort", message)])
