"""A partition's invoice ids cut into contiguous ranges of about equal size, to read a whole list
in parallel in id order (decision 0034).

Invoice ids come in two kinds. Most are UUIDv7s (new_id): their first 48 bits are the
millisecond they were made, so they sit in a narrow band of the id space, from the tenant's
first invoice to its latest. The others are derived by hashing (a client's externalId, hevn,
Leanpay, a retried request) and spread evenly over the whole space. So the span from the first
id to the last is cut into PARTS equal ranges (which share the hashed ids), and the band between
the oldest and the newest creation time is cut PARTS ways again (which share the time-ordered
ones). Ranges are bounds between ids, so they cover every id whatever its shape: how ids spread
decides only how evenly the ranges share the work."""

from __future__ import annotations

import re
from datetime import datetime
from itertools import pairwise

PARTS = 8
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_AFTER_TIME = 80  # a UUIDv7's bits after its 48-bit millisecond
_BAND_MARGIN_MS = 60_000  # clocks of the processes that made the ids may differ a little
# After every id: ids are letters, digits, "_" and "-", all below "~".
END = "~"


def uuid_number(text: str) -> int | None:
    """The canonical lower-case UUID as its 128-bit number (its text sorts as the number does)."""
    return int(text.replace("-", ""), 16) if _UUID.fullmatch(text) else None


def uuid_text(number: int) -> str:
    digits = f"{number:032x}"
    return "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:]))


def cuts(low: str, high: str, parts: int = PARTS) -> list[str]:
    """The ids that cut [low, high] into `parts` equal spans (none when either is not a UUID
    or the span is too small to cut)."""
    first, last = uuid_number(low), uuid_number(high)
    if first is None or last is None or last - first < parts:
        return []
    return [uuid_text(first + (last - first) * n // parts) for n in range(1, parts)]


def time_band(oldest: datetime, newest: datetime) -> tuple[str, str]:
    """The UUIDv7s made from `oldest` to `newest` (a minute's margin each side) lie between
    these two ids."""
    low = int(oldest.timestamp() * 1000) - _BAND_MARGIN_MS
    high = int(newest.timestamp() * 1000) + _BAND_MARGIN_MS
    return uuid_text(max(low, 0) << _AFTER_TIME), uuid_text((high + 1) << _AFTER_TIME)


def ranges(after: str, last: str, band: tuple[str, str] | None) -> list[tuple[str, str]]:
    """Contiguous ranges from just after `after` to the end of every id: the span to `last`
    cut evenly, and the band of time-ordered ids cut again, at its edges and within."""
    inside = cuts(after, last) + ([*band, *cuts(*band)] if band else [])
    edges = sorted({cut for cut in inside if after < cut < last})
    return list(pairwise([after, *edges, END]))
