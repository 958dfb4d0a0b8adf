"""The webhook retry schedule and the rule that disables an endpoint failing for days: pure, so
read as what a receiver that is down sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.webhook_retries import (
    DELAYS,
    DISABLE_AFTER,
    LONGEST_DELAY,
    MAX_ATTEMPTS,
    Health,
    Schedule,
    health_after,
)

T0 = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def test_twenty_attempts_span_about_three_days() -> None:
    schedule = Schedule()
    assert schedule.attempts == MAX_ATTEMPTS == 20
    assert timedelta(days=2, hours=20) <= schedule.total() <= timedelta(days=3, hours=4)
    assert schedule.total() == timedelta(hours=71, minutes=51, seconds=5)


def test_no_delay_is_longer_than_sqs_allows_and_none_is_shorter_than_the_one_before() -> None:
    assert all(timedelta(0) < delay <= LONGEST_DELAY for delay in DELAYS)
    assert list(DELAYS) == sorted(DELAYS)


def test_the_first_retries_come_within_seconds_and_minutes() -> None:
    schedule = Schedule()
    assert schedule.delay_after(1) == timedelta(seconds=5)
    assert schedule.delay_after(2) == timedelta(minutes=1)
    assert sum((schedule.delay_after(n) for n in range(1, 6)), timedelta(0)) < timedelta(hours=1)


def test_after_the_last_attempt_nothing_is_waited_for_the_redrive_takes_it() -> None:
    schedule = Schedule()
    assert schedule.delay_after(MAX_ATTEMPTS - 1) == timedelta(hours=6)
    assert schedule.delay_after(MAX_ATTEMPTS) == timedelta(0)
    assert schedule.delay_after(MAX_ATTEMPTS + 3) == timedelta(0)
    with pytest.raises(ValueError, match="from 1"):
        schedule.delay_after(0)


def test_the_first_failure_starts_the_count_and_a_success_clears_it() -> None:
    failing = health_after(Health(), succeeded=False, at=T0)
    assert failing == Health(failing_since=T0)
    later = health_after(failing, succeeded=False, at=T0 + timedelta(days=1))
    assert later == failing  # the first failure's time is kept
    assert health_after(later, succeeded=True, at=T0 + timedelta(days=2)) == Health()


def test_failures_for_five_days_disable_the_endpoint_once() -> None:
    failing = Health(failing_since=T0)
    assert health_after(failing, succeeded=False, at=T0 + DISABLE_AFTER - timedelta(seconds=1)) == (
        failing
    )
    at = T0 + DISABLE_AFTER
    disabled = health_after(failing, succeeded=False, at=at)
    assert (disabled.disabled, disabled.disabled_at, disabled.failing_since) == (True, at, T0)
    assert disabled.disabled_reason == "Every delivery failed for 5 days"
    assert health_after(disabled, succeeded=False, at=at + timedelta(days=1)) == disabled
