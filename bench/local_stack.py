"""The local stack under a developer's load (issue 15): `invoicing serve` as `make run` starts it
(the API with its reloader), driven over HTTP from this process, as a client would.

Invoices of 5 rows are created one by one; at each mark (100, 1,000 and 5,000 by default) the
bench reads the resident memory of all the stack's processes together (serve with moto in it,
the API and its reloader, DynamoDB Local, the watchdogs) and the create medians: the first 100
and the 100 before the mark, each also against `GET /health` requests sent alongside (the
baseline: the same server and connection, no store). At the last mark it also measures:

- 50 clients at once, each creating, listing, paging and counting: reset connections and 5xx;
- 50 racing `mark-as-sent` on 50 drafts: the numbers must be 1 to 50 exactly, and
  `count-by-status` must equal a recount of every invoice;
- a 100-entry hevn batch and a 100-entry Leanpay import: status and seconds;
- a queued batch of 1,000 through one `invoicing run-job all`: exit status, any traceback,
  seconds;
- SIGTERM: the seconds until `serve` exits, and its processes left behind.

`--stack-dir DIR` runs another checkout's `invoicing serve` instead (with this venv), which is
how the "before" numbers in docs/benchmarks.md were taken; `--stop-above-mb` ends a run whose
stack grows past that much memory. Run from the repository root:

    .venv/bin/python -m bench.local_stack                      # about 5 minutes
    git worktree add /tmp/before 4a0d408                       # the stack before issue 15
    .venv/bin/python -m bench.local_stack --stack-dir /tmp/before --marks 100,200,400,600
    .venv/bin/python -m bench.local_stack --without-java --marks 100,200,400,600
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench.report import TIMES
from tests import local_stack
from tests.local_stack import (
    BIN,
    HEVN_BATCH,
    INVOICES,
    LEANPAY_BATCH,
    ROWS,
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

CLIENTS = 50
MB = 1024 * 1024


class CreateFailedError(Exception):
    """A create did not answer 201 Created: the stack lost or mixed up a write."""


@dataclass(frozen=True)
class Mark:
    invoices: int
    resident_mb: float
    first_100_ms: float
    last_100_ms: float
    health_ms: float  # the baseline: GET /health medians over the last 100 creates

    @property
    def growth(self) -> float:
        return self.last_100_ms / self.first_100_ms


@dataclass
class Run:
    label: str
    marks: list[Mark]
    stopped_early: str = ""
    findings: dict[str, str] | None = None


def main() -> None:
    options = parse()
    run = measure(options)
    print(report(run, options))
    if run.findings and any(value.startswith("FAIL") for value in run.findings.values()):
        sys.exit(1)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--marks", default="100,1000,5000", help="invoice counts to measure at")
    parser.add_argument("--stack-dir", type=Path, help="another checkout's stack (the before)")
    parser.add_argument("--stop-above-mb", type=float, default=6000)
    parser.add_argument(
        "--without-java", action="store_true", help="no java on PATH: DynamoDB on moto, serialized"
    )
    return parser.parse_args()


def measure(options: argparse.Namespace) -> Run:
    marks = sorted(int(mark) for mark in options.marks.split(","))
    label = f"{options.stack_dir}" if options.stack_dir else "this checkout"
    label += ", without Java" if options.without_java else ""
    with tempfile.TemporaryDirectory(prefix="bench-local-stack-") as directory:
        stack = start(Path(directory), options.stack_dir, without_java=options.without_java)
        try:
            run = Run(label, [])
            creates(stack, marks, run, options.stop_above_mb)
            if not (options.stack_dir or options.without_java or run.stopped_early):
                run.findings = at_scale(stack)
                took, left = stop_and_list_left(stack)
                run.findings["SIGTERM: seconds to exit, processes left"] = verdict(
                    f"{took:.2f} s, {len(left)} left", took < 5 and not left
                )
            return run
        finally:
            if stack.process.poll() is None:
                local_stack.stop(stack, signal.SIGKILL)


def start(directory: Path, stack_dir: Path | None, *, without_java: bool) -> Stack:
    environment = local_stack.clean_environment(PYTHONUNBUFFERED="1")
    if without_java:
        environment["PATH"] = str(BIN)
    if stack_dir is None:
        return local_stack.start(directory, reload=True, env=environment)
    command = (sys.executable, "-c", "from invoicing_cli.main import cli; cli()")
    environment["PYTHONPATH"] = str(stack_dir)
    return local_stack.start(
        directory, reload=True, env=environment, command=command, cwd=stack_dir
    )


def creates(stack: Stack, marks: Sequence[int], run: Run, stop_above_mb: float) -> None:
    """Creates invoices one by one up to the last mark, a health check after each."""
    auth = stack.auth("bench")
    creates_ms: list[float] = []
    health_ms: list[float] = []
    with requests.Session() as session:
        for count in range(1, marks[-1] + 1):
            try:
                creates_ms.append(timed_ms(lambda: create(session, stack, auth)))
            except CreateFailedError as exc:
                run.stopped_early = f"stopped at invoice {count}: {exc}"
                return
            health_ms.append(timed_ms(lambda: health(session, stack)))
            if count in marks or count % 100 == 0:
                resident = stack.resident_bytes() / MB
                if count in marks:
                    run.marks.append(mark(count, resident, creates_ms, health_ms))
                    print(f"{count} invoices: {resident:.0f} MB", file=sys.stderr, flush=True)
                if resident > stop_above_mb:
                    run.stopped_early = f"stopped at {count} invoices: {resident:.0f} MB"
                    run.marks.append(mark(count, resident, creates_ms, health_ms))
                    return


def mark(count: int, resident_mb: float, creates_ms: list[float], health: list[float]) -> Mark:
    return Mark(
        invoices=count,
        resident_mb=resident_mb,
        first_100_ms=statistics.median(creates_ms[:100]),
        last_100_ms=statistics.median(creates_ms[-100:]),
        health_ms=statistics.median(health[-100:]),
    )


def create(session: requests.Session, stack: Stack, auth: dict[str, str]) -> None:
    body = {"currency": "EUR", "rows": ROWS}
    reply = session.post(f"{stack.url}{INVOICES}", json=body, headers=auth, timeout=120)
    if reply.status_code != 201:
        raise CreateFailedError(f"a create answered {reply.status_code}: {reply.text[:120]}")


def health(session: requests.Session, stack: Stack) -> None:
    session.get(f"{stack.url}/health", timeout=60).raise_for_status()


def timed_ms(call: Callable[[], None]) -> float:
    started = time.perf_counter_ns()
    call()
    return (time.perf_counter_ns() - started) / 1e6


def at_scale(stack: Stack) -> dict[str, str]:
    return {
        "50 clients at once: answers": burst_at_once(stack),
        "50 racing mark-as-sent: numbers, count-by-status against a recount": racing(stack),
        **batches(stack),
        "queued batch of 1,000, one `run-job all`": queued_thousand(stack),
    }


def burst_at_once(stack: Stack) -> str:
    seen = burst(stack, stack.auth("bench-burst"), CLIENTS)
    failed = sum(n for answer, n in seen.items() if not isinstance(answer, int) or answer >= 500)
    answered = ", ".join(f"{n}{TIMES} {answer}" for answer, n in sorted(seen.items(), key=str))
    return verdict(answered, not failed)


def racing(stack: Stack) -> str:
    auth = stack.auth("bench-racing")
    answers = issue_all_at_once(stack, auth, drafts(stack, auth, CLIENTS))
    sequences = sorted(int(str(number).rsplit("-", 1)[-1]) for _, number in answers if number)
    counted, recounted = counted_by_status(stack, auth), dict(recount(stack, auth))
    exact = sequences == list(range(1, CLIENTS + 1)) and counted == recounted
    statuses = Counter(status for status, _ in answers)
    return verdict(
        f"{dict(statuses)}; numbers {sequences[0]}..{sequences[-1]}, {len(set(sequences))} "
        f"distinct; count-by-status {counted}, recount {recounted}",
        exact,
    )


def batches(stack: Stack) -> dict[str, str]:
    """hevn's and Leanpay's 100-entry batches, on the tenant that holds the created invoices."""
    auth = stack.auth("bench")
    names = {
        HEVN_BATCH: "hevn batch of 100 (half finalized)",
        LEANPAY_BATCH: "Leanpay import of 100",
    }
    return {
        names[path]: posted(stack, path, body, auth)
        for path, body in large_batches(stack, auth).items()
    }


def posted(stack: Stack, path: str, body: Any, auth: dict[str, str]) -> str:
    started = time.monotonic()
    reply = requests.post(f"{stack.url}{path}", json=body, headers=auth, timeout=300)
    took = time.monotonic() - started
    return verdict(f"{reply.status_code} in {took:.2f} s", reply.status_code == 200)


def queued_thousand(stack: Stack) -> str:
    auth = stack.auth("bench-queued")
    batch_url = queue_batch(stack, auth, 1000)
    started = time.monotonic()
    run = subprocess.run(  # noqa: S603 (this venv's own command)
        [str(BIN / "invoicing"), "run-job", "all", "--port", str(stack.port)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    took = time.monotonic() - started
    batch = requests.get(batch_url, headers=auth, timeout=60).json()
    traceback = "Traceback" in run.stdout + run.stderr
    done = batch["status"] == "COMPLETED" and batch["created"] == 1000
    return verdict(
        f"exit {run.returncode}, {batch['status']} with {batch['created']} created, "
        f"{'a traceback' if traceback else 'no traceback'}, {took:.1f} s",
        run.returncode == 0 and done and not traceback,
    )


def verdict(text: str, holds: bool) -> str:
    return text if holds else f"FAIL: {text}"


def report(run: Run, options: argparse.Namespace) -> str:
    lines = [
        f"Stack: {run.label}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}",
        "",
        "| invoices | resident MB, all processes | create median ms, first 100 | last 100 "
        "| last / first | health median ms | last 100 / health |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in run.marks:
        lines.append(
            f"| {m.invoices:,} | {m.resident_mb:.0f} | {m.first_100_ms:.1f} | {m.last_100_ms:.1f} "
            f"| {m.growth:.2f}{TIMES} | {m.health_ms:.1f} "
            f"| {m.last_100_ms / m.health_ms:.1f}{TIMES} |"
        )
    if run.stopped_early:
        lines += ["", f"The run {run.stopped_early} (--stop-above-mb {options.stop_above_mb:.0f})."]
    if run.findings:
        lines.append("")
        lines += [f"- {name}: {value}" for name, value in run.findings.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
