"""Invoices put in the order of several sort keys in memory, exactly as the indexes order one:
each key breaks the ties of the one before, an absent value comes first (as a draft's empty
number does in its index), and what is still tied keeps the index's own order (decision 0035)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from chalicelib.domain.search import Sort, SortField

R = TypeVar("R")
Record = Mapping[str, Any]  # an invoice's fields by their wire names


def tie_broken(sorts: Sequence[Sort]) -> list[Sort]:
    """The keys, then what an index orders ties by: after a status, the invoice date (each
    status's index is by invoice date); last, the id, in the last key's direction."""
    keys = list(sorts)
    last = keys[-1]
    if last.field == SortField.STATUS:
        keys.append(Sort(field=SortField.INVOICE_DATE, ascending=last.ascending))
    return [*keys, Sort(field=SortField.ID, ascending=keys[-1].ascending)]


def ordered(items: Iterable[R], sorts: Sequence[Sort], record: Callable[[R], Record]) -> list[R]:
    """`items` sorted by every key in turn (stable sorts, the last key first)."""
    records = [(record(item), item) for item in items]
    for sort in reversed(tie_broken(sorts)):
        records.sort(key=_by(sort.field), reverse=not sort.ascending)
    return [item for _, item in records]


def _by(field: SortField) -> Callable[[tuple[Record, Any]], tuple[Any, ...]]:
    name = str(field)

    def key(pair: tuple[Record, Any]) -> tuple[Any, ...]:
        value = pair[0].get(name)
        return (0,) if value is None else (1, value)

    return key


def group_ends(values: Sequence[Any]) -> list[int]:
    """Where each run of equal values ends (exclusive), in a list already ordered by them."""
    ends = [n for n in range(1, len(values)) if values[n] != values[n - 1]]
    return [*ends, len(values)] if values else []


def window_groups(ends: Sequence[int], offset: int, size: int) -> tuple[int, int]:
    """The span of whole groups (runs of one lead value) that holds positions offset to
    offset + size - 1: what must be sorted by the further keys to give that page exactly."""
    start = 0
    for end in ends:
        if end > offset:
            break
        start = end
    stop = next((end for end in ends if end >= offset + size), ends[-1] if ends else 0)
    return start, stop
