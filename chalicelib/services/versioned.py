"""The one way a use case changes a record others may change at the same time (the settings, a
client, a contract): read it, hold the caller's If-Match to it, write only over the version read,
and read again and retry when another writer got there first, so no write is lost or undone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from chalicelib.domain.errors import ConcurrentModificationError, PreconditionFailedError
from chalicelib.retry import RetryPolicy


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)
W = TypeVar("W")


def write_over(
    read: Callable[[], V],
    write: Callable[[V], W],
    *,
    name: tuple[str, str],
    expected_version: int | None = None,
    retry: RetryPolicy | None = None,
) -> W:
    """`write(current)` over what `read()` answers now. `name` is the noun and id errors give;
    `write` raises ConcurrentModificationError when the version it wrote over moved on."""
    noun, record_id = name
    for _ in (retry or RetryPolicy()).tries():
        current = read()
        if expected_version is not None and current.version != expected_version:
            raise PreconditionFailedError(record_id, expected_version, current.version, noun=noun)
        try:
            return write(current)
        except ConcurrentModificationError:
            continue
    raise ConcurrentModificationError(record_id, noun=noun)
