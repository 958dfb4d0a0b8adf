"""The tests' clock itself: a pinned test sees its moment everywhere the app reads the time."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tests.clock import instant

LEAP_EVENING = datetime(2028, 2, 29, 23, 30, tzinfo=UTC)


@pytest.mark.now("2028-02-29T23:30:00Z", tick=False)
def test_a_pinned_test_sees_its_moment_from_every_clock_the_app_reads() -> None:
    assert datetime.now(UTC) == LEAP_EVENING
    assert time.time() == LEAP_EVENING.timestamp()


@pytest.mark.now("2030-12-31T23:30:00Z")
def test_a_ticking_pin_starts_at_its_moment_and_moves_on() -> None:
    first = datetime.now(UTC)
    time.sleep(0.01)
    assert datetime(2030, 12, 31, 23, 30, tzinfo=UTC) <= first < datetime.now(UTC)


@pytest.mark.parametrize("text", ["2028-02-29T23:30:00", "tomorrow", "2028-02-30T00:00:00Z"])
def test_a_moment_without_an_offset_or_not_a_moment_is_refused(text: str) -> None:
    with pytest.raises(pytest.UsageError, match="TEST_AS_OF"):
        instant(text, "TEST_AS_OF")
