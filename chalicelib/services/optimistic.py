"""The one way a use case or a job writes over what others may write at the same time: read,
decide with the pure domain, write only over the version read, and when another writer got there
first, wait a jittered moment and start again from a new read, so no write is lost or undone.
Every retried write in the application goes through `until_written`.

What the store found where it refused a write (ConcurrentModificationError.found) is not where a
retry starts: after the backoff it is stale under contention (50 concurrent payments on one
invoice then run out of tries; decision 0050). It answers what does not go stale: an id taken."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from chalicelib.domain.errors import ConcurrentModificationError, PreconditionFailedError
from chalicelib.retry import RetryPolicy

W = TypeVar("W")


def until_written(attempt: Callable[[], W], *, retry: RetryPolicy, name: tuple[str, str]) -> W:
    """`attempt()` until it writes without losing a race: it reads, decides, and writes only
    over what it read, raising ConcurrentModificationError when that moved on. `name` is the
    noun and the id the final refusal gives."""
    for _ in retry.tries():
        try:
            return attempt()
        except ConcurrentModificationError:
            continue
    noun, record_id = name
    raise ConcurrentModificationError(record_id, noun=noun)


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def write_over(
    read: Callable[[], V],
    write: Callable[[V], W],
    *,
    name: tuple[str, str],
    expected_version: int | None = None,
    retry: RetryPolicy | None = None,
) -> W:
    """`write(current)` over what `read()` answers now, for one record (the settings, a client, a
    contract), held to the caller's If-Match: a caller that names a version changes only that
    version, never a later one."""
    noun, record_id = name

    def attempt() -> W:
        current = read()
        if expected_version is not None and current.version != expected_version:
            raise PreconditionFailedError(record_id, expected_version, current.version, noun=noun)
        return write(current)

    return until_written(attempt, retry=retry or RetryPolicy(), name=name)
