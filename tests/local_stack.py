"""`invoicing serve` as a developer runs it, driven from outside: started on a free port,
waited for, its processes counted, and stopped by a signal. The e2e tier and bench/local_stack.py
both use it, so what the bench measures is what the tests prove."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 90
READY = "Invoicing API ready on"  # what `serve` prints once everything answers
# What would point the stack at something other than what it starts itself.
_AMBIENT = ("AWS_", "TABLE_", "AUTH_", "BUCKET_", "JOBS_", "MAIL_", "DYNAMODB_LOCAL_")


class StackFailedError(RuntimeError):
    pass


@dataclass(frozen=True)
class Stack:
    url: str
    port: int
    output: Path
    process: subprocess.Popen[bytes]

    def token(self, tenant: str, user: str = "e2e-user") -> str:
        return invoicing("token", "--tenant", tenant, "--user", user)

    def auth(self, tenant: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(tenant)}"}

    def processes(self) -> list[psutil.Process]:
        """`invoicing serve` and every process under it (the API, DynamoDB Local, watchdogs)."""
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def resident_bytes(self) -> int:
        """The resident memory of all the stack's processes together."""
        total = 0
        for process in self.processes():
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total


def invoicing(*args: str, timeout: float = 60) -> str:
    result = subprocess.run(
        [str(BIN / "invoicing"), *args], capture_output=True, text=True, check=True, timeout=timeout
    )
    return result.stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without what would point the stack elsewhere."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(_AMBIENT)}
    return {**kept, **overrides}


def start(
    directory: Path,
    *,
    jobs_every: int = 0,
    reload: bool = False,
    env: Mapping[str, str] | None = None,
    command: tuple[str, ...] | None = None,
    cwd: Path | None = None,
) -> Stack:
    """`invoicing serve` on a free port, its output in `directory`/serve.log, once healthy.
    `command` and `cwd` run another checkout's stack instead (the bench's "before")."""
    port = free_port()
    output = directory / "serve.log"
    arguments = ["serve", "--port", str(port), "--jobs-every", str(jobs_every)]
    arguments.append("--reload" if reload else "--no-reload")
    with output.open("wb") as log:
        process = subprocess.Popen(
            [*(command or (str(BIN / "invoicing"),)), *arguments],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else clean_environment(),
            cwd=cwd,
        )
    stack = Stack(url=f"http://127.0.0.1:{port}", port=port, output=output, process=process)
    try:
        _wait_until_ready(stack)
    except BaseException:
        stop(stack)
        raise
    return stack


def stop(stack: Stack, signum: signal.Signals = signal.SIGTERM, timeout: float = 30) -> float:
    """Signal `serve` and wait for it to exit; returns the seconds it took."""
    started = time.monotonic()
    stack.process.send_signal(signum)
    try:
        stack.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        stack.process.wait()
        raise
    return time.monotonic() - started


@contextmanager
def running(
    directory: Path, *, jobs_every: int = 0, env: Mapping[str, str] | None = None
) -> Iterator[Stack]:
    """A stack until the block ends (stopped by SIGTERM then, if still running)."""
    stack = start(directory, jobs_every=jobs_every, env=env)
    try:
        yield stack
    finally:
        if stack.process.poll() is None:
            stop(stack)


def _wait_until_ready(stack: Stack) -> None:
    """Until `serve` says it is ready: by then the API answers and the other commands find it."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise StackFailedError(f"serve exited:\n{stack.output.read_text()}")
        if READY in stack.output.read_text():
            return
        time.sleep(0.1)
    raise StackFailedError(f"the stack did not become ready:\n{stack.output.read_text()}")
