"""How many DynamoDB calls one request to each core invoice endpoint (issue 2) makes, and its
in-process median latency next to a bare one-GetItem route measured in the same run.

Run from the repository root: `make bench`, or `.venv/bin/python -m bench.endpoints`."""

from __future__ import annotations

import argparse
import platform
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

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
from bench.report import TIMES, Measured, problems, table
from chalicelib.bootstrap import get_deps
from invoicing_cli.local import PROJECT_DIR

TENANT = "bench-acme"
OTHER_TENANT = "bench-globex"
API = "/api/v1/invoices"
IDS_PER_LOOKUP = 10
# The baseline's client is new when measuring starts: its first calls load models and endpoints.
WARM_UP_REQUESTS = 20
BASELINE_ENDPOINT = "`GET /baseline/{tenantId}/{invoiceId}` (bare route, one GetItem)"


@dataclass(frozen=True)
class Options:
    requests: int
    invoices: int
    seed: int


@dataclass(frozen=True)
class Bench:
    """The app behind the test client, as the benchmark's tenant, with its seeded invoices."""

    client: Client
    rng: random.Random
    auth: dict[str, str]
    ids: list[str]

    def pick(self, i: int) -> str:
        return self.ids[i % len(self.ids)]

    def fresh_invoice(self) -> dict[str, Any]:
        """A new draft for a destructive request, created before timing starts."""
        call = json_call(
            "POST", API, invoice_body(self.rng), headers=self.auth, expected_status=201
        )
        created: dict[str, Any] = send_json(self.client, call)
        return created


def row_body(rng: random.Random) -> dict[str, Any]:
    return {
        "description": f"Consulting, day {rng.randint(1, 31)}",
        "quantity": rng.randint(1, 8),
        "unitPrice": rng.choice([150, 99.5, 1200, 12.25]),
        "taxRate": rng.choice([0, 10, 20]),
    }


def invoice_body(rng: random.Random) -> dict[str, Any]:
    rows = [row_body(rng) for _ in range(rng.randint(5, 10))]
    return {"currency": "EUR", "paymentTermDays": 30, "rows": rows}


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


@dataclass(frozen=True)
class Case:
    endpoint: str
    bar: int
    calls: Callable[[Bench, int], list[Call]]


CASES = (
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
            Target(client, CallLog(get_deps().dynamodb)),
            Target(bare, CallLog(baseline_client())),
            options.requests,
        )


def measure_cases(
    bench: Bench, target: Target, yardstick: Target, n: int
) -> tuple[Measured, list[Measured]]:
    """Every case's requests alternate with baseline requests; the baseline pools all of its."""
    for call in baseline_calls(bench.ids, WARM_UP_REQUESTS):
        timed(yardstick, call)
    base: list[Sample] = []
    measured = []
    for case in CASES:
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
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint")
    parser.add_argument("--invoices", type=int, default=300, help="invoices seeded for the tenant")
    parser.add_argument("--seed", type=int, default=2, help="seed for bodies and id choices")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.invoices < IDS_PER_LOOKUP:
        parser.error(f"need at least 1 request and {IDS_PER_LOOKUP} invoices")
    return Options(requests=args.requests, invoices=args.invoices, seed=args.seed)


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
