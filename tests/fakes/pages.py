"""Pages as the adapters answer them. A cursor is opaque, as the adapters' are (base64 of where
the page ended), and one the fake could not have issued is refused as theirs is. A cursor comes
with a page only when more follow; DynamoDB itself may answer one after a page that ends exactly
at the last item, so a caller must take an empty last page too."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from typing import TypeVar

from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.values import is_well_formed_id

T = TypeVar("T")
NOT_A_CURSOR = FieldProblem("cursor", "is not a cursor this API returned")


def cursor_after(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def position_of(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def id_of_cursor(cursor: str) -> str:
    record_id = position_of(cursor)
    if not is_well_formed_id(record_id):
        raise InvalidInputError([NOT_A_CURSOR])
    return record_id


def page_of(
    entries: Sequence[tuple[str, T]], *, limit: int, after: str | None
) -> tuple[list[T], str | None]:
    """A page of (sort key, item) pairs in sort-key order, from just after `after`; and the sort
    key to continue after, when more follow."""
    rest = [entry for entry in entries if after is None or entry[0] > after]
    taken = rest[:limit]
    return [item for _, item in taken], taken[-1][0] if len(rest) > limit else None


def chunked(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
