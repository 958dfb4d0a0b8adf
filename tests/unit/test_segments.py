"""Cutting a partition's invoice ids into ranges read in parallel: the ranges always cover every
id exactly once, and share time-ordered and hashed ids alike about evenly."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.store import segments


def v7(rng: random.Random, millisecond: int) -> str:
    """A UUIDv7 of that millisecond, as new_id makes them."""
    number = (millisecond << 80) | (0x7 << 76) | rng.getrandbits(76)
    return str(uuid.UUID(int=number))


def hashed(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


def cut_up(ids: list[str], band: tuple[int, int] | None = None) -> list[list[str]]:
    """The ids after the first in each range, as the reader reads them: BETWEEN each range's
    bounds, less an id at its lower bound (the range before's last). `band`: the oldest and
    newest creation millisecond."""
    ids = sorted(ids)
    times = None if band is None else tuple(at(ms) for ms in band)
    cut = segments.ranges(ids[0], ids[-1], None if times is None else segments.time_band(*times))
    return [[i for i in ids if low < i <= high] for low, high in cut]


def at(millisecond: int) -> datetime:
    return datetime.fromtimestamp(millisecond / 1000, UTC)


def test_a_uuid_reads_as_its_number_and_back() -> None:
    text = "019a3c5e-7d21-7b3c-9f00-0123456789ab"
    number = segments.uuid_number(text)
    assert number == int("019a3c5e7d217b3c9f000123456789ab", 16)
    assert segments.uuid_text(number) == text
    assert segments.uuid_number("INV-2026-0001") is None
    assert segments.uuid_number(text.upper()) is None  # not how we write ids: not cut


def test_time_ordered_ids_share_out_evenly() -> None:
    rng = random.Random(7)
    start = 1_764_000_000_000  # ms: November 2025
    ids = [v7(rng, start + n * 60_000) for n in range(8_000)]  # one a minute
    sizes = [len(part) for part in cut_up(ids, (start, start + 7_999 * 60_000))]
    assert sum(sizes) == 7_999
    assert len(sizes) >= 8 and max(sizes) <= 2 * 7_999 / 8


def test_hashed_and_time_ordered_ids_mixed_share_out_both() -> None:
    rng = random.Random(8)
    start = 1_764_000_000_000
    made = [v7(rng, start + n * 1_000) for n in range(4_000)]
    ids = made + [hashed(rng) for _ in range(4_000)]
    sizes = [len(part) for part in cut_up(ids, (start, start + 3_999 * 1_000))]
    assert sum(sizes) == 7_999
    # Neither kind lands in one range: the band of time-ordered ids is cut again.
    assert max(sizes) <= 7_999 / 6


def test_hashed_ids_alone_share_out_evenly() -> None:
    rng = random.Random(9)
    sizes = [len(part) for part in cut_up([hashed(rng) for _ in range(8_000)])]
    assert sum(sizes) == 7_999 and max(sizes) <= 2 * 7_999 / 8


def test_ids_that_are_not_uuids_are_read_as_one_range() -> None:
    ids = sorted(["a", "b-1", "zz", "019a3c5e-7d21-7b3c-9f00-0123456789ab"])
    assert cut_up(ids) == [ids[1:]]


IDS = st.lists(st.uuids().map(str) | st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
               min_size=2, max_size=300, unique=True)  # fmt: skip
MOMENTS = st.integers(0, 2**47)


@given(IDS, st.tuples(MOMENTS, MOMENTS) | st.none())
def test_every_id_after_the_first_is_in_exactly_one_range_in_order(
    ids: list[str], band: tuple[int, int] | None
) -> None:
    band = None if band is None else (min(band), max(band))
    ranges = cut_up(ids, band)
    assert [i for part in ranges for i in part] == sorted(ids)[1:]


def test_an_id_equal_to_a_cut_is_read_once() -> None:
    after, last = "00000000-0000-0000-0000-000000000000", "80000000-0000-0000-0000-000000000000"
    cut = segments.cuts(after, last)[0]
    ranges = cut_up([after, cut, last])
    assert [i for part in ranges for i in part] == [cut, last]
