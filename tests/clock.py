"""The tests' clock. A whole run can be moved to another moment (TEST_AS_OF, an ISO 8601
instant, as `make test-as-of` does): every test process's clock starts there and ticks on, xdist
workers included, so a test that takes its expectation from the real day fails here instead of
next month. A test whose expectations are dated pins its own moment with
`@pytest.mark.now("2026-11-21T09:30:00Z")`, which holds in a moved run too.

Only the wall clock moves: monotonic time stays real, so timeouts and threads' waits still work.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine

VARIABLE = "TEST_AS_OF"
_RUN_TRAVEL = pytest.StashKey[time_machine.travel]()


def instant(value: str, source: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"{source}: {value!r} is not an ISO 8601 instant") from None
    if parsed.tzinfo is None:
        raise pytest.UsageError(f"{source}: {value!r} needs an offset, such as Z")
    return parsed


def run_moment() -> datetime | None:
    """The moment the whole run is for, or None when it runs on the real clock."""
    value = os.environ.get(VARIABLE, "").strip()
    return instant(value, VARIABLE) if value else None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "now(instant, tick=True): the test runs as of this moment (the wall clock starts there)",
    )
    destination = run_moment()
    if destination is not None:
        travel = time_machine.travel(destination, tick=True)
        travel.start()
        config.stash[_RUN_TRAVEL] = travel


def pytest_unconfigure(config: pytest.Config) -> None:
    travel = config.stash.get(_RUN_TRAVEL, None)
    if travel is not None:
        travel.stop()


def pytest_report_header() -> str | None:
    destination = run_moment()
    return f"clock: as of {destination.isoformat()} ({VARIABLE})" if destination else None


@pytest.fixture(autouse=True)
def pinned_now(request: pytest.FixtureRequest) -> Iterator[datetime | None]:
    """The moment a `now` marker names, in force for the whole test (its fixtures too)."""
    marker = request.node.get_closest_marker("now")
    if marker is None:
        yield None
        return
    moment = instant(marker.args[0], f"@pytest.mark.now on {request.node.nodeid}")
    with time_machine.travel(moment, tick=marker.kwargs.get("tick", True)):
        yield moment
