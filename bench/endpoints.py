"""How many DynamoDB calls one request to each invoice endpoint makes (the core endpoints of
issue 2, the lifecycle and safe retries of issue 3), and its in-process median latency next to a
bare one-GetItem route measured in the same run.

Run from the repository root: `make bench`, or `.venv/bin/python -m bench.endpoints`."""

from __future__ import annotations

import argparse
import platform
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version

from chalice.test import Client

from bench.baseline_app import baseline, baseline_client
from bench.harness import (
    Call,
    CallLog,
    Sample,
    Target,
    bearer,
    emulated_aws,
    json_call,
    run_interleaved,
    send_json,
    timed,
    use_local_environment,
)
from bench.lifecycle import ISSUE_3_CASES
from bench.report import TIMES, Measured, problems, table
from bench.workload import API, OTHER_TENANT, TENANT, Bench, Case, invoice_body, row_body
from chalicelib.bootstrap import get_deps
from invoicing_cli.local import PROJECT_DIR

IDS_PER_LOOKUP = 10
# The baseline's client is new when measuring starts: its first calls load models and endpoints.
WARM_UP_REQUESTS = 20
BASELINE_ENDPOINT = "`GET /baseline/{tenantId}/{invoiceId}` (bare route, one GetItem)"


def seed(client: Client, rng: random.Random, tenant: str, count: int) -> list[str]:
    calls = [
        json_call("POST", API, invoice_body(rng), headers=bearer(tenant), expected_status=201)
        for _ in range(count)
    ]
    return [send_json(client, call)["id"] for call in calls]


def creates(b: Bench, n: int) -> list[Call]:
    return [
        json_call("POST", API, invoice_body(b.rng), headers=b.auth, expected_status=201)
        for _ in range(n)
    ]


def empty_creates(b: Bench, n: int) -> list[Call]:
    return [Call("POST", f"{API}/empty", 201, b.auth) for _ in range(n)]


def finds_by_id(b: Bench, n: int) -> list[Call]:
    return [Call("GET", f"{API}/find/{b.pick(i)}", 200, b.auth) for i in range(n)]


def finds_by_ids(route: str) -> Callable[[Bench, int], list[Call]]:
    def calls(b: Bench, n: int) -> list[Call]:
        lists = [",".join(b.rng.sample(b.ids, IDS_PER_LOOKUP)) for _ in range(n)]
        return [Call("GET", f"{API}/{route}?ids={ids}", 200, b.auth) for ids in lists]

    return calls


def pages(b: Bench, n: int) -> list[Call]:
    return [Call("GET", f"{API}/find-all?limit=50", 200, b.auth) for _ in range(n)]


def updates(b: Bench, n: int) -> list[Call]:
    return [
        json_call(
            "PATCH",
            f"{API}/{b.pick(i)}/update",
            {"note": f"Bench note {i}"},
            headers=b.auth,
            expected_status=200,
        )
        for i in range(n)
    ]


def row_adds(b: Bench, n: int) -> list[Call]:
    return [
        json_call(
            "POST", f"{API}/{b.pick(i)}/rows", row_body(b.rng), headers=b.auth, expected_status=200
        )
        for i in range(n)
    ]


def row_removals(b: Bench, n: int) -> list[Call]:
    invoices = [b.fresh_invoice() for _ in range(n)]
    return [
        Call("DELETE", f"{API}/{inv['id']}/rows/{inv['rows'][0]['id']}", 200, b.auth)
        for inv in invoices
    ]


def comments(b: Bench, n: int) -> list[Call]:
    return [
        json_call(
            "POST",
            f"{API}/{b.pick(i)}/comment",
            f"Called the client ({i})",
            headers=b.auth,
            expected_status=200,
        )
        for i in range(n)
    ]


def deletes(b: Bench, n: int) -> list[Call]:
    ids = [b.fresh_invoice()["id"] for _ in range(n)]
    return [Call("DELETE", f"{API}/{invoice_id}", 204, b.auth) for invoice_id in ids]


def list_deletes(b: Bench, n: int) -> list[Call]:
    pairs = [f"{b.fresh_invoice()['id']},{b.fresh_invoice()['id']}" for _ in range(n)]
    return [Call("DELETE", f"{API}/delete-list?ids={ids}", 204, b.auth) for ids in pairs]


ISSUE_2_CASES = (
    Case("`POST /invoices` (5-10 rows)", 1, creates),
    Case("`POST /invoices/empty`", 1, empty_creates),
    Case("`GET /invoices/find/{invoiceId}`", 1, finds_by_id),
    Case(f"`GET /invoices/find?ids=…` ({IDS_PER_LOOKUP} ids)", 1, finds_by_ids("find")),
    Case("`GET /invoices/find-all?limit=50`", 1, pages),
    Case(f"`GET /invoices/find-list?ids=…` ({IDS_PER_LOOKUP} ids)", 1, finds_by_ids("find-list")),
    Case("`PATCH /invoices/{invoiceId}/update` (note)", 2, updates),
    Case("`POST /invoices/{invoiceId}/rows`", 2, row_adds),
    Case("`DELETE /invoices/{invoiceId}/rows/{rowId}`", 2, row_removals),
    Case("`POST /invoices/{invoiceId}/comment`", 2, comments),
    Case("`DELETE /invoices/{invoiceId}`", 2, deletes),
    Case("`DELETE /invoices/delete-list?ids=a,b` (2 ids)", 2, list_deletes),
)


CASES_OF_ISSUE: dict[int, tuple[Case, ...]] = {2: ISSUE_2_CASES, 3: ISSUE_3_CASES}


@dataclass(frozen=True)
class Options:
    requests: int
    invoices: int
    seed: int
    issues: tuple[int, ...] = tuple(CASES_OF_ISSUE)

    @property
    def cases(self) -> list[Case]:
        return [case for issue in self.issues for case in CASES_OF_ISSUE[issue]]


def baseline_calls(ids: Sequence[str], n: int) -> list[Call]:
    return [Call("GET", f"/baseline/{TENANT}/{ids[i % len(ids)]}", 200) for i in range(n)]


def measure(options: Options) -> tuple[Measured, list[Measured]]:
    """Seed both tenants through the app, then measure every case against the baseline."""
    from app import app  # after moto is active, like the tests; no client exists before get_deps

    get_deps.cache_clear()
    baseline_client.cache_clear()
    project_dir = str(PROJECT_DIR)
    with (
        Client(app, project_dir=project_dir) as client,
        Client(baseline, project_dir=project_dir) as bare,
    ):
        rng = random.Random(options.seed)
        ids = seed(client, rng, TENANT, options.invoices)
        seed(client, rng, OTHER_TENANT, options.invoices // 3)
        return measure_cases(
            Bench(client, rng, bearer(TENANT), ids),
            Target(bare, CallLog(baseline_client())),
            options.requests,
            options.cases,
        )


def fresh_target(client: Client) -> Target:
    """The app with its dependencies built anew, as in a new process: what one case leaves on
    the app's DynamoDB client (docs/benchmarks.md, issue 3) does not slow the cases after it."""
    get_deps.cache_clear()
    return Target(client, CallLog(get_deps().dynamodb))


def measure_cases(
    bench: Bench, yardstick: Target, n: int, cases: Sequence[Case]
) -> tuple[Measured, list[Measured]]:
    """Every case's requests alternate with baseline requests; the baseline pools all of its."""
    for call in baseline_calls(bench.ids, WARM_UP_REQUESTS):
        timed(yardstick, call)
    base: list[Sample] = []
    measured = []
    for case in cases:
        target = fresh_target(bench.client)
        samples, base_samples = run_interleaved(
            target, case.calls(bench, n), yardstick, baseline_calls(bench.ids, n)
        )
        base += base_samples
        measured.append(Measured(case.endpoint, case.bar, samples, base_samples))
    return Measured(BASELINE_ENDPOINT, 1, base), measured


def summary(options: Options, baseline_run: Measured, measured: Sequence[Measured]) -> str:
    python = f"{platform.python_implementation()} {platform.python_version()}"
    found = problems([baseline_run, *measured])
    scans = sum(m.scans for m in [baseline_run, *measured])
    verdict = (
        ["Every endpoint within its bar."]
        if not found
        else [f"**OVER BAR / PROBLEM**: {problem}" for problem in found]
    )
    return "\n".join(
        [
            f"Machine: {python} on {platform.platform()}; moto {version('moto')} in process.",
            f"Endpoints of issue {' and '.join(map(str, options.issues))}.",
            f"N = {options.requests} requests per endpoint; data: {options.invoices} invoices of "
            f"5-10 rows for one tenant, {options.invoices // 3} for a second.",
            f"Baseline (bare route, one GetItem): median {baseline_run.median_ns / 1e6:.2f} ms "
            f"over {len(baseline_run.samples)} requests, alternating with the endpoints' requests.",
            "",
            table(baseline_run, measured),
            "",
            f"{TIMES} baseline: an endpoint's median over the median of the "
            f"{options.requests} baseline requests that alternated with its own.",
            "Outside DynamoDB: each request's time less the time from botocore's before-call to "
            "its after-call (sending, moto's work, parsing the answer).",
            f"Scan calls across all measured requests: {scans} (bar 0).",
            *verdict,
        ]
    )


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.endpoints", description=__doc__)
    # moto keeps a deep copy of the table for every item of every transaction: larger runs
    # outgrow a laptop's memory (docs/benchmarks.md).
    parser.add_argument("--requests", type=int, default=30, help="requests per endpoint")
    parser.add_argument("--invoices", type=int, default=60, help="invoices seeded for the tenant")
    parser.add_argument("--seed", type=int, default=2, help="seed for bodies and id choices")
    parser.add_argument(
        "--issue",
        type=int,
        action="append",
        choices=sorted(CASES_OF_ISSUE),
        help="measure only this issue's endpoints (repeatable; default: all)",
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.invoices < IDS_PER_LOOKUP:
        parser.error(f"need at least 1 request and {IDS_PER_LOOKUP} invoices")
    issues = tuple(sorted(set(args.issue))) if args.issue else tuple(CASES_OF_ISSUE)
    return Options(args.requests, args.invoices, args.seed, issues)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; exit 1 after printing it if any bar was missed."""
    options = parse(argv)
    use_local_environment()
    with emulated_aws():
        baseline_run, measured = measure(options)
    print(summary(options, baseline_run, measured))
    return 1 if problems([baseline_run, *measured]) else 0


if __name__ == "__main__":
    sys.exit(main())
