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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from tests import local_stack
from tests.local_stack import BIN, Stack

pytestmark = pytest.mark.e2e

CLIENTS = 50
INVOICES = "/api/v1/invoices"
BATCH = f"{INVOICES}/batch"
T = TypeVar("T")
ROWS = [
    {"description": f"Item {n}", "quantity": n, "unitPrice": "19.99", "taxRate": 19}
    for n in range(1, 6)
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_stack.running(tmp_path_factory.mktemp("stack")) as running:
        yield running


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """`work(i)` for i in range(count), each on its own thread, all released together."""
    start = threading.Barrier(count)

    def released(index: int) -> T:
        start.wait()
        return work(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(released, range(count)))


def drafts(stack: Stack, auth: dict[str, str], count: int, **fields: Any) -> list[str]:
    """`count` drafts made by synchronous batches of 100; their ids, in order."""
    made: list[str] = []
    for start in range(0, count, 100):
        body = {"invoices": [{"currency": "EUR", "rows": ROWS, **fields}] * min(100, count - start)}
        reply = requests.post(
            f"{stack.url}/api/v1/invoices/batch", json=body, headers=auth, timeout=60
        )
        assert reply.status_code == 200, reply.text
        made += [result["invoice"]["id"] for result in reply.json()["results"]]
    return made


def recount(stack: Stack, auth: dict[str, str]) -> Counter[str]:
    """Every invoice of the tenant, read page by page, counted by status."""
    counted: Counter[str] = Counter()
    cursor = None
    while True:
        query = f"?limit=100&cursor={cursor}" if cursor else "?limit=100"
        reply = requests.get(
            f"{stack.url}/api/v1/invoices/find-all{query}", headers=auth, timeout=30
        )
        assert reply.status_code == 200, reply.text
        counted.update(invoice["status"] for invoice in reply.json())
        cursor = reply.headers.get("X-Next-Cursor")
        if not cursor:
            return counted


def issue_all_at_once(stack: Stack, auth: dict[str, str], ids: list[str]) -> list[Any]:
    def issue(index: int) -> Any:
        with requests.Session() as session:
            try:
                reply = session.patch(
                    f"{stack.url}/api/v1/invoices/{ids[index]}/mark-as-sent",
                    headers=auth,
                    timeout=60,
                )
            except requests.ConnectionError as exc:
                return type(exc).__name__
            return reply.status_code, reply.json().get("invoiceNumber")

    return all_at_once(len(ids), issue)


def test_the_stack_serves_dynamodb_from_dynamodb_local(stack: Stack) -> None:
    banner = stack.output.read_text()
    assert "DynamoDB: DynamoDB Local on http://127.0.0.1:" in banner
    assert any("DynamoDBLocal.jar" in " ".join(p.cmdline()) for p in stack.processes())


def test_fifty_clients_at_once_get_no_reset_connection_and_no_5xx(stack: Stack) -> None:
    auth = stack.auth("burst")
    api = f"{stack.url}/api/v1/invoices"

    def client(index: int) -> list[int | str]:
        answered: list[int | str] = []
        with requests.Session() as session:
            for method, url, body in [
                ("POST", api, {"currency": "EUR", "rows": ROWS, "note": f"client {index}"}),
                ("GET", f"{api}/find-all?limit=20", None),
                ("GET", f"{api}/page?pageSize=20&sortBy=total", None),
                ("GET", f"{api}/count-by-status", None),
            ]:
                try:
                    reply = session.request(method, url, json=body, headers=auth, timeout=60)
                    answered.append(reply.status_code)
                except requests.ConnectionError as exc:
                    answered.append(type(exc).__name__)
        return answered

    answers = Counter(answer for answered in all_at_once(CLIENTS, client) for answer in answered)
    assert answers == Counter({201: CLIENTS, 200: 3 * CLIENTS})


def test_fifty_racing_issues_number_1_to_50_and_the_counts_equal_a_recount(stack: Stack) -> None:
    auth = stack.auth("racing-issues")
    ids = drafts(stack, auth, CLIENTS, invoiceDate="2026-11-21")

    answers = issue_all_at_once(stack, auth, ids)

    assert Counter(status for status, _ in answers) == Counter({200: CLIENTS})
    numbers = sorted(number for _, number in answers)
    assert numbers == [f"INV-2026-{n:04d}" for n in range(1, CLIENTS + 1)]
    counts = requests.get(f"{stack.url}/api/v1/invoices/count-by-status", headers=auth, timeout=10)
    assert counts.json()["SENT"] == CLIENTS and counts.json()["DRAFT"] == 0
    assert {k: v for k, v in counts.json().items() if v} == dict(recount(stack, auth))


def test_hundred_entry_hevn_and_leanpay_batches_answer_200_with_5000_invoices_stored(
    stack: Stack,
) -> None:
    auth = stack.auth("large")
    drafts(stack, auth, 5000)
    client = requests.post(
        f"{stack.url}/api/v1/clients", json={"name": "Zoë Müller GmbH"}, headers=auth, timeout=10
    ).json()["id"]
    contract = requests.post(
        f"{stack.url}/api/v1/contracts",
        json={
            "clientId": client,
            "currency": "EUR",
            "isRecurring": True,
            "period": "MONTHLY",
            "activationAt": "2026-01-31T09:00:00Z",
            "items": ROWS,
        },
        headers=auth,
        timeout=10,
    ).json()["id"]
    hevn = [
        {"contractId": contract, "items": [{}], "period": n, "finalize": n % 2 == 0}
        for n in range(100)
    ]
    leanpay = {
        "invoices": [
            {
                "clientId": client,
                "reference": f"LP-{n}",
                "amount": "119.00",
                "netAmount": "100.00",
                "issueDate": "2026-11-02",
                "dueDate": "2026-12-02",
                "externalId": f"lp-{n}",
            }
            for n in range(100)
        ]
    }

    hevn_reply = requests.post(
        f"{stack.url}/compat/hevn/api/v1/invoices/documents/contracts/invoices/batch_invoicing",
        json=hevn,
        headers=auth,
        timeout=60,
    )
    leanpay_reply = requests.post(
        f"{stack.url}/compat/leanpay/v1/public/invoices/batch",
        json=leanpay,
        headers=auth,
        timeout=60,
    )

    assert hevn_reply.status_code == 200, hevn_reply.text
    statuses = Counter(result["status"] for result in hevn_reply.json()["results"])
    assert statuses == Counter({"created": 100})
    assert leanpay_reply.status_code == 200, leanpay_reply.text
    assert [i["reference"] for i in leanpay_reply.json()["data"]] == [f"LP-{n}" for n in range(100)]
    counts = requests.get(f"{stack.url}/api/v1/invoices/count-by-status", headers=auth, timeout=10)
    assert sum(counts.json().values()) == 5200


def test_a_queued_batch_of_1000_completes_in_one_run_job_all_with_a_progress_bar(
    stack: Stack,
) -> None:
    auth = stack.auth("queued-1000")
    body = {"invoices": [{"currency": "EUR", "rows": ROWS, "note": f"n{n}"} for n in range(1000)]}
    queued = requests.post(
        f"{stack.url}/api/v1/invoices/batch", json=body, headers=auth, timeout=60
    )
    assert queued.status_code == 202, queued.text

    returncode, stdout, terminal = run_on_a_terminal("run-job", "all", "--port", str(stack.port))

    assert returncode == 0, terminal
    assert "Traceback" not in stdout + terminal
    # click draws the bar on a terminal only: the batch's 1,000 invoices, to the last.
    assert "recurring: workers  [####################################]  1000/1000" in terminal
    batch = requests.get(
        f"{stack.url}/api/v1/invoices/{queued.headers['Location']}", headers=auth, timeout=10
    ).json()
    assert (batch["status"], batch["created"], batch["failed"]) == ("COMPLETED", 1000, 0)
    counts = requests.get(f"{stack.url}/api/v1/invoices/count-by-status", headers=auth, timeout=10)
    assert counts.json()["DRAFT"] == 1000


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


def stack_processes_after_stop(stack: Stack, signum: signal.Signals) -> tuple[float, list[str]]:
    """Stops the stack with `signum`; the seconds it took and what is still running."""
    started = stack.processes()
    took = local_stack.stop(stack, signum)
    time.sleep(0.2)
    left = [
        " ".join(p.cmdline())[:80] for p in started if p.is_running() and p.status() != "zombie"
    ]
    return took, left


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_everything_the_stack_started_within_5_seconds(
    tmp_path: Path, signum: signal.Signals
) -> None:
    stack = local_stack.start(tmp_path)
    assert len(stack.processes()) >= 3  # serve, the API, DynamoDB Local

    took, left = stack_processes_after_stop(stack, signum)

    assert left == []
    assert took < 5
    assert "Traceback" not in stack.output.read_text()


def test_a_stop_in_the_middle_of_a_queued_batch_is_as_prompt(tmp_path: Path) -> None:
    stack = local_stack.start(tmp_path, jobs_every=1)
    auth = stack.auth("stopping")
    body = {"invoices": [{"currency": "EUR", "rows": ROWS} for _ in range(1000)]}
    queued = requests.post(
        f"{stack.url}/api/v1/invoices/batch", json=body, headers=auth, timeout=60
    )
    batch_url = f"{stack.url}/api/v1/invoices/{queued.headers['Location']}"
    deadline = time.monotonic() + 60
    while requests.get(batch_url, headers=auth, timeout=10).json()["processed"] == 0:
        assert time.monotonic() < deadline, stack.output.read_text()
        time.sleep(0.1)

    took, left = stack_processes_after_stop(stack, signal.SIGTERM)

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
    assert sorted(n for _, n in answers) == [f"INV-2026-{n:04d}" for n in range(1, 21)]
