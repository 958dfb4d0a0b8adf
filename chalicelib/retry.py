"""How a use case retries a write that lost a race: full-jitter exponential backoff, bounded."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """Gapless numbering makes a tenant's issuing one queue, so a busy tenant needs room to retry;
    jitter spreads the retries so contenders do not collide again in lockstep."""

    attempts: int = 30
    base_seconds: float = 0.01
    cap_seconds: float = 0.25
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def tries(self) -> Iterator[int]:
        for attempt in range(self.attempts):
            if attempt:
                ceiling = min(self.cap_seconds, self.base_seconds * 2**attempt)
                self.sleep(random.uniform(0, ceiling))  # noqa: S311 - jitter, not secrecy
            yield attempt
