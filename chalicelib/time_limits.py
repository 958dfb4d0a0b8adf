"""How long each function may run, as .chalice/config.json configures it, and a stand-in for the
Lambda context where there is none (the local server, the test client, `invoicing run-job`), so
that what waits on a running request (an Idempotency-Key in progress, a job's claim on an email)
waits that long everywhere, not until its 24-hour record expires."""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

API_FUNCTION = "api_handler"  # Chalice's name for the function that serves the API
JOB_FUNCTIONS = ("job_worker", "recurring_job", "scheduled_sending_job", "reminders_job")
CHALICE_DEFAULT_SECONDS = 60  # what Chalice gives a function its config says nothing of
# Not in the deployment package, where Lambda's own context tells the time left instead.
_CONFIG = Path(__file__).resolve().parent.parent / ".chalice" / "config.json"


@functools.cache
def time_limit_seconds(*functions: str) -> int:
    """The longest any of `functions` may run in any stage (a stage's function setting, else
    the stage's, else the top level's, else Chalice's default)."""
    try:
        config: dict[str, Any] = json.loads(_CONFIG.read_text())
    except (OSError, ValueError):
        return CHALICE_DEFAULT_SECONDS
    top = config.get("lambda_timeout", CHALICE_DEFAULT_SECONDS)
    limits = [
        stage.get("lambda_functions", {})
        .get(name, {})
        .get("lambda_timeout", stage.get("lambda_timeout", top))
        for stage in config.get("stages", {}).values() or [{}]
        for name in functions
    ]
    return int(max(limits, default=top))


@dataclass(frozen=True)
class TimeLeft:
    """What Powertools reads of a Lambda context: the time left of `seconds` from when the
    request began."""

    seconds: int
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.seconds - (time.monotonic() - self.started)) * 1000))


def context_or_time_left(lambda_context: Any, *functions: str) -> Any:
    """Lambda's own context when there is one, else the configured limit from now."""
    if hasattr(lambda_context, "get_remaining_time_in_millis"):
        return lambda_context
    return TimeLeft(time_limit_seconds(*functions))
