"""The local stack tells the truth under what a real client does: bursts of connections, racing
issues, large batches, a queued batch of 1,000, a stop in the middle of work, and paths no route
serves. It runs DynamoDB on DynamoDB Local, or without Java on moto one request at a time."""

from __future__ import annotations

import contextlib
import os
import pty
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from invoicing_cli.dynamodb_local import SMALL_JVM
from tests import local_stack
from tests.local_stack import (
    BIN,
    Stack,
    burst,
    counted_by_status,
    drafts,
    issue_all_at_once,
    large_batches,
    queue_batch,
    recount,
    stop_and_list_left,
)

pytestmark = pytest.mark.e2e

CLIENTS = 50


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_stack.running(tmp_path_factory.mktemp("stack")) as running:
        yield running


def test_the_stack_serves_dynamodb_from_dynamodb_local(stack: Stack) -> None:
    banner = stack.output.read_text()
    assert "DynamoDB: DynamoDB Local on http://127.0.0.1:" in banner
    commands = [p.cmdline() for p in stack.processes()]
    (engine,) = [command for command in commands if "DynamoDBLocal.jar" in " ".join(command)]
    # The tests' stacks ask for the small JVM (DYNAMODB_LOCAL_JVM_OPTIONS); `make run`'s is bigger.
    assert engine[1 : 1 + len(SMALL_JVM)] == list(SMALL_JVM)


def test_fifty_clients_at_once_get_no_reset_connection_and_no_5xx(stack: Stack) -> None:
    answers = burst(stack, stack.auth("burst"), CLIENTS)
    assert answers == Counter({201: CLIENTS, 200: 3 * CLIENTS})


def test_fifty_racing_issues_number_1_to_50_and_the_counts_equal_a_recount(stack: Stack) -> None:
    auth = stack.auth("racing-issues")
    ids = drafts(stack, auth, CLIENTS, invoiceDate="2026-11-21")

    answers = issue_all_at_once(stack, auth, ids)

    assert Counter(status for status, _ in answers) == Counter({200: CLIENTS})
    numbers = sorted(str(number) for _, number in answers)
    assert numbers == [f"INV-2026-{n:04d}" for n in range(1, CLIENTS + 1)]
    assert counted_by_status(stack, auth) == {"SENT": CLIENTS} == dict(recount(stack, auth))


def test_hundred_entry_hevn_and_leanpay_batches_answer_200_with_5000_invoices_stored(
    stack: Stack,
) -> None:
    auth = stack.auth("large")
    drafts(stack, auth, 5000)
    bodies = large_batches(stack, auth)

    hevn, leanpay = (
        requests.post(f"{stack.url}{path}", json=body, headers=auth, timeout=120)
        for path, body in bodies.items()
    )

    assert hevn.status_code == 200, hevn.text
    statuses = Counter(result["status"] for result in hevn.json()["results"])
    assert statuses == Counter({"created": 100})
    assert leanpay.status_code == 200, leanpay.text
    assert [i["reference"] for i in leanpay.json()["data"]] == [f"LP-{n}" for n in range(100)]
    assert sum(counted_by_status(stack, auth).values()) == 5200


def test_a_queued_batch_of_1000_completes_in_one_run_job_all_with_a_progress_bar(
    stack: Stack,
) -> None:
    auth = stack.auth("queued-1000")
    batch_url = queue_batch(stack, auth, 1000)

    returncode, stdout, terminal = run_on_a_terminal("run-job", "all", "--port", str(stack.port))

    assert returncode == 0, terminal
    assert "Traceback" not in stdout + terminal
    # click draws the bar on a terminal only: the batch's 1,000 invoices, to the last.
    assert "recurring: workers  [####################################]  1000/1000" in terminal
    batch = requests.get(batch_url, headers=auth, timeout=10).json()
    assert (batch["status"], batch["created"], batch["failed"]) == ("COMPLETED", 1000, 0)
    assert counted_by_status(stack, auth) == {"DRAFT": 1000}


def run_on_a_terminal(*args: str) -> tuple[int, str, str]:
    """`invoicing *args` with its stderr on a pseudo-terminal, as a developer sees it; returns
    the exit status, stdout, and what the terminal showed."""
    controller, terminal = pty.openpty()
    shown: list[bytes] = []

    def read_terminal() -> None:
        with contextlib.suppress(OSError):  # EIO once the command has exited
            while chunk := os.read(controller, 4096):
                shown.append(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    try:
        run = subprocess.run(
            [str(BIN / "invoicing"), *args],
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        os.close(terminal)
    reader.join(timeout=10)
    os.close(controller)
    return run.returncode, run.stdout, b"".join(shown).decode(errors="replace")


CREDENTIAL = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3Q"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nope"),
        ("GET", "/api/v1/invoices/nope/nope/nope"),
        ("POST", "/api/v2/invoices"),
        ("PUT", "/api/v1/invoices/empty"),  # a path that exists, with a method it does not have
        ("DELETE", "/health"),
        # Methods the standard library's server has no handler for answered 501 (the fuzz's).
        ("TRACE", "/api/v1/invoices"),
        ("QUERY", "/api/v1/clients"),
    ],
)
def test_a_path_or_method_no_route_serves_is_a_404_with_the_error_body(
    stack: Stack, method: str, path: str
) -> None:
    for headers in ({}, {"Authorization": CREDENTIAL}, {"x-api-key": "key-that-must-not-echo"}):
        reply = requests.request(method, f"{stack.url}{path}", headers=headers, timeout=10)
        assert reply.status_code == 404
        assert set(reply.json()) == {"title", "detail", "time"}
        assert reply.json()["title"] == "Not Found"
        assert_not_echoed(reply, headers)


def test_no_refusal_echoes_the_credential_it_refused(stack: Stack) -> None:
    api = f"{stack.url}/api/v1/invoices"
    for headers in (
        {"Authorization": CREDENTIAL},
        {"Authorization": "key-that-must-not-echo"},
        {"x-api-key": "key-that-must-not-echo"},
        {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="},
    ):
        for method, url in [("GET", f"{api}/find-all"), ("POST", api), ("GET", f"{api}/find/x")]:
            reply = requests.request(method, url, headers=headers, json={}, timeout=10)
            assert reply.status_code == 401, reply.text
            assert_not_echoed(reply, headers)


def assert_not_echoed(reply: requests.Response, headers: dict[str, str]) -> None:
    for credential in headers.values():
        secret = credential.split()[-1]
        assert secret not in reply.text
        assert not any(secret in value for value in reply.headers.values())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("reload", [True, False], ids=["reloading", "not-reloading"])
def test_a_signal_stops_everything_the_stack_started_within_5_seconds(
    tmp_path: Path, signum: signal.Signals, reload: bool
) -> None:
    stack = local_stack.start(tmp_path, reload=reload)
    assert len(stack.processes()) >= 3  # serve, the API (and its reloader), DynamoDB Local

    took, left = stop_and_list_left(stack, signum)

    assert left == []
    assert took < 5
    assert "Traceback" not in stack.output.read_text()


def test_a_stop_in_the_middle_of_a_queued_batch_is_as_prompt(tmp_path: Path) -> None:
    stack = local_stack.start(tmp_path, jobs_every=1)
    auth = stack.auth("stopping")
    batch_url = queue_batch(stack, auth, 1000)
    deadline = time.monotonic() + 60
    while requests.get(batch_url, headers=auth, timeout=10).json()["processed"] == 0:
        assert time.monotonic() < deadline, stack.output.read_text()
        time.sleep(0.1)

    took, left = stop_and_list_left(stack)

    assert left == []
    assert took < 5
    assert "Traceback" not in stack.output.read_text()


def test_without_java_it_says_so_once_and_moto_numbers_racing_issues_exactly(
    tmp_path: Path,
) -> None:
    """No java on PATH: one line says what runs instead, and moto, serving one DynamoDB request
    at a time, still numbers 20 racing issues 1 to 20 with no duplicate."""
    environment = local_stack.clean_environment(PATH=str(BIN))
    with local_stack.running(tmp_path, env=environment) as stack:
        auth = stack.auth("no-java")
        ids = drafts(stack, auth, 20, invoiceDate="2026-11-21")
        answers = issue_all_at_once(stack, auth, ids)
        processes = [" ".join(p.cmdline()) for p in stack.processes()]

    said = [line for line in stack.output.read_text().splitlines() if "Java" in line]
    assert said == [
        "Java not found: DynamoDB runs on moto, one request at a time (install Java 17 for "
        "DynamoDB Local)."
    ]
    assert not any("java" in command for command in processes)
    assert Counter(status for status, _ in answers) == Counter({200: 20})
    assert sorted(str(n) for _, n in answers) == [f"INV-2026-{n:04d}" for n in range(1, 21)]
