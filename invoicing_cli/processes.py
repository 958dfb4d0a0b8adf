"""Child processes of the local stack (the API server, DynamoDB Local): each in a process group of
its own, stopped as a group, and never outliving the process that started it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

STOP_GRACE_SECONDS = 3.0  # then SIGKILL: stopping the whole stack must take under 5 s


@dataclass
class Child:
    """A child in its own process group, and the watchdog that kills that group if this
    process dies without stopping it (SIGKILL, a crash)."""

    name: str
    process: subprocess.Popen[bytes]
    watchdog: subprocess.Popen[bytes]

    @property
    def running(self) -> bool:
        return self.process.poll() is None


def spawn(
    name: str,
    command: Sequence[str],
    *,
    output: IO[bytes] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Child:
    """Start `command` in a session of its own, so a terminal's Ctrl+C reaches only this
    process, which then stops its children in order, rather than all of them at once."""
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
        start_new_session=True,
    )
    return Child(name, process, _watchdog(process.pid))


def stop(children: Sequence[Child], grace_seconds: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM to every child's group at once, SIGKILL to the groups still there after
    `grace_seconds`; returns once every child has exited."""
    for child in children:
        _signal_group(child.process, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(child.process, signal.SIGKILL)
            child.process.wait()
        # A group outlives its leader when the leader exits first (a reloader's worker).
        _signal_group(child.process, signal.SIGKILL)
        _dismiss(child.watchdog)


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(process.pid, signum)


def _watchdog(process_group: int) -> subprocess.Popen[bytes]:
    """A shell that blocks reading a pipe only this process holds: the kernel closes it when
    this process exits in any way, and the shell then kills the child's whole group."""
    return subprocess.Popen(
        ["/bin/sh", "-c", 'read -r _; kill -9 -"$0" 2>/dev/null', str(process_group)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _dismiss(watchdog: subprocess.Popen[bytes]) -> None:
    watchdog.kill()
    watchdog.wait()
    if watchdog.stdin is not None:
        watchdog.stdin.close()
