"""When a webhook is tried again after a failed attempt, and when an endpoint that keeps failing
is given up on: pure rules, which the webhook worker applies with SQS's receive count and the
Clock port (decision 0065)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Standard Webhooks' recommended start (at once, seconds, minutes, hours), then even gaps that
# make 20 attempts span about three days. The attempt number is SQS's receive count, and the
# queue's redrive maxReceiveCount is MAX_ATTEMPTS: the receive after the last attempt moves the
# message to the dead-letter queue.
DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=3),
    timedelta(hours=5),
    *(timedelta(hours=6),) * 10,
)
MAX_ATTEMPTS = len(DELAYS) + 1  # 20
LONGEST_DELAY = timedelta(hours=12)  # SQS's most for a message's visibility timeout
# An endpoint whose every attempt has failed for this long is disabled (Standard Webhooks' and
# Svix's practice); any success starts the count again.
DISABLE_AFTER = timedelta(days=5)
DISABLED_REASON = "Every delivery failed for 5 days"


@dataclass(frozen=True)
class Schedule:
    """The delays between attempts: the deployed one, or a test's short one."""

    delays: tuple[timedelta, ...] = DELAYS

    @property
    def attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, attempt: int) -> timedelta:
        """How long after failed attempt `attempt` (1 is the first) the next one comes; after the
        last, nothing is left to wait for (the next receive dead-letters the message)."""
        if attempt < 1:
            raise ValueError("attempts count from 1")
        if attempt > len(self.delays):
            return timedelta(0)
        return self.delays[attempt - 1]

    def total(self) -> timedelta:
        """From the first attempt to the last."""
        return sum(self.delays, timedelta(0))


@dataclass(frozen=True)
class Health:
    """What an endpoint's deliveries have done lately: failing since the first failure after its
    last success, and disabled when that lasted DISABLE_AFTER."""

    failing_since: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


def health_after(health: Health, *, succeeded: bool, at: datetime) -> Health:
    """The endpoint's health after an attempt made `at`: a success clears the failures, the first
    failure starts them, and failures lasting DISABLE_AFTER disable the endpoint."""
    if succeeded:
        return Health(disabled_at=health.disabled_at, disabled_reason=health.disabled_reason)
    if health.failing_since is None:
        return Health(at, health.disabled_at, health.disabled_reason)
    if not health.disabled and at - health.failing_since >= DISABLE_AFTER:
        return Health(health.failing_since, at, DISABLED_REASON)
    return health
