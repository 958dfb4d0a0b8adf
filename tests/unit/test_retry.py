"""RetryPolicy: bounded attempts, with a full-jitter exponential pause between two of them."""

from __future__ import annotations

import random

import pytest

from chalicelib import retry
from chalicelib.retry import RetryPolicy


def test_tries_counts_the_attempts_from_zero() -> None:
    pauses: list[float] = []

    assert list(RetryPolicy(attempts=4, sleep=pauses.append).tries()) == [0, 1, 2, 3]
    assert len(pauses) == 3


@pytest.mark.parametrize("attempts", [0, 1])
def test_a_policy_of_at_most_one_attempt_never_pauses(attempts: int) -> None:
    pauses: list[float] = []

    assert list(RetryPolicy(attempts=attempts, sleep=pauses.append).tries()) == list(
        range(attempts)
    )
    assert pauses == []


def test_it_pauses_between_attempts_never_before_the_first_nor_after_the_last() -> None:
    log: list[str] = []
    policy = RetryPolicy(attempts=3, sleep=lambda _: log.append("pause"))

    for attempt in policy.tries():
        log.append(f"attempt {attempt}")

    assert log == ["attempt 0", "pause", "attempt 1", "pause", "attempt 2"]


def test_a_caller_that_succeeds_at_once_never_pauses() -> None:
    pauses: list[float] = []

    for _ in RetryPolicy(sleep=pauses.append).tries():
        break

    assert pauses == []


def test_each_pause_is_drawn_from_zero_up_to_the_capped_exponential_ceiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draws: list[tuple[float, float]] = []

    def highest(low: float, high: float) -> float:
        draws.append((low, high))
        return high

    monkeypatch.setattr(random, "uniform", highest)
    pauses: list[float] = []
    policy = RetryPolicy(attempts=7, base_seconds=0.01, cap_seconds=0.25, sleep=pauses.append)

    list(policy.tries())

    assert [low for low, _ in draws] == [0] * 6
    assert pauses == pytest.approx([0.02, 0.04, 0.08, 0.16, 0.25, 0.25])


def test_seeded_jittered_pauses_stay_within_their_bounds_and_vary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(retry, "random", random.Random(7))
    pauses: list[float] = []
    policy = RetryPolicy(attempts=30, base_seconds=0.01, cap_seconds=0.25, sleep=pauses.append)

    attempts = list(policy.tries())

    assert attempts == list(range(30))
    ceilings = [min(0.25, 0.01 * 2**attempt) for attempt in range(1, 30)]
    assert all(0 <= pause <= ceiling for pause, ceiling in zip(pauses, ceilings, strict=True))
    assert len(set(pauses)) == len(pauses)
