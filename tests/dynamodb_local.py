"""DynamoDB Local, AWS's own engine, run for the tests that moto cannot answer truthfully."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from invoicing_cli.local import PROJECT_DIR, REGION

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Where `make dynamodb-local` (a prerequisite of `make test`) unpacks the emulator.
JAR = PROJECT_DIR / ".cache" / "dynamodb-local" / "emulator" / "DynamoDBLocal.jar"
# Set to the URL of a DynamoDB Local that is already running to skip starting one.
ENDPOINT_VARIABLE = "DYNAMODB_LOCAL_ENDPOINT"
STARTUP_SECONDS = 60
STOP_SECONDS = 10
# Each probe fails fast so the startup loop, not botocore, decides how long to wait.
_PROBE_CONFIG = Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5)


class DynamoDBLocalError(RuntimeError):
    pass


@dataclass(frozen=True)
class LocalTable:
    """A fresh table on DynamoDB Local that the app under test is pointed at."""

    endpoint_url: str
    table_name: str
    client: DynamoDBClient


def missing_jar_message(jar: Path = JAR) -> str:
    return (
        f"DynamoDB Local is not installed ({jar} is missing): run `make test`, or "
        f"`make dynamodb-local` to fetch it once, or set {ENDPOINT_VARIABLE} to a running one."
    )


@contextmanager
def run_dynamodb_local(log_path: Path, jar: Path = JAR) -> Iterator[str]:
    """Start DynamoDB Local in memory on a free loopback port; yields its endpoint URL."""
    if not jar.is_file():
        raise DynamoDBLocalError(missing_jar_message(jar))
    # A port picked free can be taken before the JVM binds it (other xdist workers pick too).
    for _attempt in range(3):
        port = _free_port()
        with log_path.open("ab") as log:
            process = _start(jar, port, log)
        watchdog = _watchdog(process.pid)
        try:
            url = f"http://127.0.0.1:{port}"
            if _wait_until_ready(url, process, log_path):
                yield url
                return
        finally:
            _dismiss(watchdog)
            _stop(process)
    raise DynamoDBLocalError(f"DynamoDB Local did not start:\n{_tail(log_path)}")


def require_answer(url: str) -> None:
    """Fail clearly when DynamoDB Local at url (one the developer started) does not answer."""
    try:
        _probe_client(url).list_tables(Limit=1)
    except (BotoCoreError, ClientError) as exc:
        raise DynamoDBLocalError(f"{ENDPOINT_VARIABLE}={url} does not answer: {exc}") from exc


def _start(jar: Path, port: int, log: BinaryIO) -> subprocess.Popen[bytes]:
    command = [
        "java",
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        "-inMemory",
        "-disableTelemetry",  # tests must not phone home
        "-port",
        str(port),
    ]
    # A process group of its own: stopping the group reaches whatever the JVM starts, and a
    # terminal's Ctrl+C reaches only pytest, which then stops it through the fixture.
    return subprocess.Popen(
        command,
        cwd=jar.parent,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _watchdog(process_group: int) -> subprocess.Popen[bytes]:
    """Kills the JVM's group when this process dies before stopping it (SIGKILL, SIGTERM).

    The shell blocks reading a pipe only this process holds; the kernel closes it on any exit.
    """
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


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log_path: Path) -> bool:
    """True once it answers ListTables; False if the JVM exited (a port taken in between)."""
    probe = _probe_client(url)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            probe.list_tables(Limit=1)
        except (BotoCoreError, ClientError):
            time.sleep(0.1)
            continue
        # If another worker's JVM won the port in between, it may be the one that answered and
        # ours is exiting; the next attempt then picks another port.
        return process.poll() is None
    raise DynamoDBLocalError(
        f"DynamoDB Local did not answer {url} within {STARTUP_SECONDS}s:\n{_tail(log_path)}"
    )


def _probe_client(url: str) -> DynamoDBClient:
    # Constant fake credentials: the session starts it before the per-test environment is set,
    # and a developer's real key id must never be sent anywhere, not even to localhost.
    return boto3.session.Session(
        aws_access_key_id="probe", aws_secret_access_key="probe", region_name=REGION
    ).client("dynamodb", endpoint_url=url, config=_PROBE_CONFIG)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
