"""DynamoDB Local, AWS's own engine: the local stack's DynamoDB, and the test tier's for what moto
cannot answer truthfully (transactions, conditions, limits under racing writers)."""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from invoicing_cli import processes
from invoicing_cli.local import PROJECT_DIR, REGION

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Where `make dynamodb-local` (a prerequisite of `make test` and `make run`) unpacks the emulator.
JAR = PROJECT_DIR / ".cache" / "dynamodb-local" / "emulator" / "DynamoDBLocal.jar"
# Set to the URL of a DynamoDB Local that is already running to skip starting one (tests).
ENDPOINT_VARIABLE = "DYNAMODB_LOCAL_ENDPOINT"
STARTUP_SECONDS = 60
# Two JVMs for two uses (docs/decisions/0047-the-local-engine-per-use.md).
# The tests start one per xdist worker and many short-lived stacks: a small, bounded JVM that
# starts fast and compiles little (the defaults size the heap by the machine, a quarter of its
# memory). These hold the engine near 190 MB resident at 5,000 invoices (docs/benchmarks.md); the
# data itself lives in SQLite, outside the heap.
SMALL_JVM = (
    "-Xmx256m",
    "-Xss512k",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:ReservedCodeCacheSize=32m",
    "-XX:MaxMetaspaceSize=96m",
)
# `make run` keeps one engine up for hours and lists of 100,000 invoices go through it: the JIT's
# optimizing tier makes each page cheaper (about a quarter of the engine's CPU, issue 17), and the
# heap is bounded, not sized by the machine.
SERVING_JVM = ("-Xmx1g", "-XX:MaxMetaspaceSize=192m")
# Replaces either set of options, as JAVA_OPTS would (the test tier's stacks ask for the small one).
JVM_OPTIONS_VARIABLE = "DYNAMODB_LOCAL_JVM_OPTIONS"
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


def java() -> str | None:
    """The java command, or None when this machine has none."""
    return shutil.which("java")


def missing_jar_message(jar: Path = JAR) -> str:
    return (
        f"DynamoDB Local is not installed ({jar} is missing): run `make test`, or "
        f"`make dynamodb-local` to fetch it once, or set {ENDPOINT_VARIABLE} to a running one."
    )


def start(
    log_path: Path,
    *,
    data_dir: Path | None = None,
    jar: Path = JAR,
    jvm: tuple[str, ...] = SMALL_JVM,
) -> tuple[str, processes.Child]:
    """DynamoDB Local on a free loopback port, its data in `data_dir` (in memory without one), in
    a JVM with the options `jvm` (or those DYNAMODB_LOCAL_JVM_OPTIONS names); returns its
    endpoint URL and the child to stop."""
    command = _command(jar, data_dir, jvm_options(jvm))
    # A port picked free can be taken before the JVM binds it (other xdist workers pick too).
    for _attempt in range(3):
        port = _free_port()
        with log_path.open("ab") as log:
            child = processes.spawn(
                "DynamoDB Local", [*command, "-port", str(port)], output=log, cwd=jar.parent
            )
        url = f"http://127.0.0.1:{port}"
        try:
            if _wait_until_ready(url, child, log_path):
                return url, child
        except BaseException:
            processes.stop([child])
            raise
        processes.stop([child])
    raise DynamoDBLocalError(f"DynamoDB Local did not start:\n{_tail(log_path)}")


def jvm_options(default: tuple[str, ...]) -> tuple[str, ...]:
    given = os.environ.get(JVM_OPTIONS_VARIABLE)
    return tuple(given.split()) if given is not None else default


@contextmanager
def run_dynamodb_local(
    log_path: Path,
    jar: Path = JAR,
    jvm: tuple[str, ...] = SMALL_JVM,
    data_dir: Path | None = None,
) -> Iterator[str]:
    """DynamoDB Local until the block ends (its data in `data_dir`, in memory without one);
    yields its endpoint URL."""
    url, child = start(log_path, data_dir=data_dir, jar=jar, jvm=jvm)
    try:
        yield url
    finally:
        processes.stop([child])


def require_answer(url: str) -> None:
    """Fail clearly when DynamoDB Local at url (one the developer started) does not answer."""
    try:
        _probe_client(url).list_tables(Limit=1)
    except (BotoCoreError, ClientError) as exc:
        raise DynamoDBLocalError(f"{ENDPOINT_VARIABLE}={url} does not answer: {exc}") from exc


def _command(jar: Path, data_dir: Path | None, jvm: tuple[str, ...]) -> list[str]:
    if not jar.is_file():
        raise DynamoDBLocalError(missing_jar_message(jar))
    command = java()
    if command is None:
        raise DynamoDBLocalError("DynamoDB Local needs Java (17 or later), and java is not on PATH")
    # One database whatever credentials a caller signs with, on disk (its memory stays flat as
    # the data grows) or in memory.
    storage = ["-dbPath", str(data_dir)] if data_dir else ["-inMemory"]
    return [
        command,
        *jvm,
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        "-sharedDb",
        *storage,
        "-disableTelemetry",  # nothing phones home from a laptop or CI
    ]


def _wait_until_ready(url: str, child: processes.Child, log_path: Path) -> bool:
    """True once it answers ListTables; False if the JVM exited (a port taken in between)."""
    probe = _probe_client(url)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if not child.running:
            return False
        try:
            probe.list_tables(Limit=1)
        except (BotoCoreError, ClientError):
            time.sleep(0.1)
            continue
        # If another worker's JVM won the port in between, it may be the one that answered and
        # ours is exiting; the next attempt then picks another port.
        return child.running
    raise DynamoDBLocalError(
        f"DynamoDB Local did not answer {url} within {STARTUP_SECONDS}s:\n{_tail(log_path)}"
    )


def _probe_client(url: str) -> DynamoDBClient:
    # Constant fake credentials: a developer's real key id must never be sent anywhere, not even
    # to localhost.
    return boto3.session.Session(
        aws_access_key_id="probe",
        aws_secret_access_key="probe",  # noqa: S106
        region_name=REGION,
    ).client("dynamodb", endpoint_url=url, config=_PROBE_CONFIG)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(log_path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
