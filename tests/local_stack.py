"""`invoicing serve` as a developer runs it, driven from outside: started on a free port,
waited for, its processes counted, and stopped by a signal. The e2e tier and bench/local_stack.py
both use it, so what the bench measures is what the tests prove."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
import requests

from invoicing_cli import dynamodb_local
from tests.support import all_at_once

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


@dataclass(frozen=True)
class Post:
    arrived: float  # time.monotonic()
    headers: dict[str, str]  # names in lower case
    body: bytes
    status: int  # what the receiver answered


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1: answers 500 to its first `failures` posts, 200 after,
    and keeps every post in the order they came."""

    failures: int
    posts: list[Post] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def landed(self) -> list[Post]:
        """The posts answered 200, in arrival order."""
        with self.lock:
            return [post for post in self.posts if post.status == 200]


@contextmanager
def receiving(failures: int = 0) -> Iterator[Receiver]:
    """A Receiver serving on a free port while the block lasts."""
    receiver = Receiver(failures)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            with receiver.lock:
                status = 500 if len(receiver.posts) < receiver.failures else 200
                receiver.posts.append(Post(time.monotonic(), headers, body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


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
    """This process's environment without what would point the stack elsewhere; the stack's
    engine in the tests' small JVM (many stacks start and stop in a run)."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(_AMBIENT)}
    small = {dynamodb_local.JVM_OPTIONS_VARIABLE: " ".join(dynamodb_local.SMALL_JVM)}
    return {**kept, **small, **overrides}


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


# What a client does to the stack, shared by the e2e tier (which asserts) and the bench (which
# measures and reports).

INVOICES = "/api/v1/invoices"
ROWS = [
    {"description": f"Item {n}", "quantity": n, "unitPrice": "19.99", "taxRate": 19}
    for n in range(1, 6)
]
HEVN_BATCH = "/compat/hevn/api/v1/invoices/documents/contracts/invoices/batch_invoicing"
LEANPAY_BATCH = "/compat/leanpay/v1/public/invoices/batch"
Answer = int | str  # a status code, or the name of the connection error instead


def drafts(stack: Stack, auth: dict[str, str], count: int, **fields: Any) -> list[str]:
    """`count` drafts made by synchronous batches of 100; their ids, in order."""
    made: list[str] = []
    for start in range(0, count, 100):
        body = {"invoices": [{"currency": "EUR", "rows": ROWS, **fields}] * min(100, count - start)}
        reply = requests.post(f"{stack.url}{INVOICES}/batch", json=body, headers=auth, timeout=120)
        if reply.status_code != 200:
            raise StackFailedError(f"a batch answered {reply.status_code}: {reply.text[:300]}")
        made += [result["invoice"]["id"] for result in reply.json()["results"]]
    return made


def recount(stack: Stack, auth: dict[str, str]) -> Counter[str]:
    """Every invoice of the tenant, read page by page, counted by status."""
    counted: Counter[str] = Counter()
    cursor = None
    while True:
        query = f"?limit=100&cursor={cursor}" if cursor else "?limit=100"
        reply = requests.get(f"{stack.url}{INVOICES}/find-all{query}", headers=auth, timeout=60)
        counted.update(invoice["status"] for invoice in reply.json())
        cursor = reply.headers.get("X-Next-Cursor")
        if not cursor:
            return counted


def counted_by_status(stack: Stack, auth: dict[str, str]) -> dict[str, int]:
    """`count-by-status`, without the statuses no invoice has."""
    reply = requests.get(f"{stack.url}{INVOICES}/count-by-status", headers=auth, timeout=60)
    return {status: n for status, n in reply.json().items() if n}


def issue_all_at_once(
    stack: Stack, auth: dict[str, str], ids: list[str]
) -> list[tuple[Answer, str | None]]:
    """`mark-as-sent` on every id at once, each on its own connection: answers and numbers."""

    def issue(index: int) -> tuple[Answer, str | None]:
        with requests.Session() as session:
            try:
                url = f"{stack.url}{INVOICES}/{ids[index]}/mark-as-sent"
                reply = session.patch(url, headers=auth, timeout=120)
            except requests.ConnectionError as exc:
                return type(exc).__name__, None
            return reply.status_code, reply.json().get("invoiceNumber")

    return all_at_once(len(ids), issue)


def burst(stack: Stack, auth: dict[str, str], clients: int) -> Counter[Answer]:
    """`clients` clients at once, each on its own connection creating an invoice, then listing,
    paging and counting: every answer, counted."""
    api = f"{stack.url}{INVOICES}"

    def client(index: int) -> list[Answer]:
        answers: list[Answer] = []
        with requests.Session() as session:
            for method, url, body in [
                ("POST", api, {"currency": "EUR", "rows": ROWS, "note": f"client {index}"}),
                ("GET", f"{api}/find-all?limit=20", None),
                ("GET", f"{api}/page?pageSize=20&sortBy=total", None),
                ("GET", f"{api}/count-by-status", None),
            ]:
                try:
                    reply = session.request(method, url, json=body, headers=auth, timeout=120)
                    answers.append(reply.status_code)
                except requests.ConnectionError as exc:
                    answers.append(type(exc).__name__)
        return answers

    return Counter(answer for answers in all_at_once(clients, client) for answer in answers)


def large_batches(stack: Stack, auth: dict[str, str]) -> dict[str, Any]:
    """The bodies of a 100-entry hevn batch (half finalized) and a 100-invoice Leanpay import,
    for a client and a monthly contract made here, keyed by their paths."""
    client = requests.post(
        f"{stack.url}/api/v1/clients", json={"name": "Zoë Müller GmbH"}, headers=auth, timeout=60
    ).json()["id"]
    terms = {
        "clientId": client,
        "currency": "EUR",
        "isRecurring": True,
        "period": "MONTHLY",
        "activationAt": "2026-01-31T09:00:00Z",
        "items": ROWS,
    }
    contract = requests.post(
        f"{stack.url}/api/v1/contracts", json=terms, headers=auth, timeout=60
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
    return {HEVN_BATCH: hevn, LEANPAY_BATCH: leanpay}


def queue_batch(stack: Stack, auth: dict[str, str], count: int) -> str:
    """A batch of `count` drafts, queued for the jobs' worker; the URL of its progress."""
    body = {"invoices": [{"currency": "EUR", "rows": ROWS, "note": f"n{n}"} for n in range(count)]}
    queued = requests.post(f"{stack.url}{INVOICES}/batch", json=body, headers=auth, timeout=120)
    if queued.status_code != 202:
        raise StackFailedError(f"queueing answered {queued.status_code}: {queued.text[:300]}")
    return f"{stack.url}{INVOICES}/{queued.headers['Location']}"


def stop_and_list_left(
    stack: Stack, signum: signal.Signals = signal.SIGTERM
) -> tuple[float, list[str]]:
    """Stops the stack with `signum`: the seconds it took, and its processes still running."""
    started = stack.processes()
    took = stop(stack, signum)
    time.sleep(0.2)
    left = [
        " ".join(p.cmdline())[:80] for p in started if p.is_running() and p.status() != "zombie"
    ]
    return took, left
