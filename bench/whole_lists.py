"""What issue 17's reads cost with 100,000 invoices in one tenant, on DynamoDB Local: find-all
answering the whole list (a 303 to the array kept in the documents bucket, on a moto server in a
process of its own, as the local stack has it), against walking it in pages of 200 as a client
had to before; and sorts by several keys
and by fields without an index, up to the in-memory limit and past it.

The invoices are bench/search.py's (`invoices_of`), loaded straight into the table; the app runs
unchanged behind Chalice's test client, its DynamoDB client logged by bench/search.py's ReadLog
(calls, entries read, a Query's page held to DynamoDB's 1 MB). Each case alternates with the bare
GetItem route of bench/baseline_app.py, and its time is given as a ratio to it.

Run from the repository root: `.venv/bin/python -m bench.whole_lists` (100,000 invoices: about
ten minutes on 2 CPUs, four of them loading), or `--invoices 5000` for a quick run."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import boto3
from chalice.test import Client

from bench.baseline_app import baseline, baseline_client
from bench.harness import (
    Call,
    Sample,
    Target,
    Traffic,
    bearer,
    json_call,
    run_interleaved,
    timed,
)
from bench.harness import use_local_environment as local_environment
from bench.report import TIMES, Measured
from bench.search import (
    BASELINE_ENDPOINT,
    RARE_IN_OTHER,
    RARE_IN_TENANT,
    ReadLog,
    bench_table,
    compressed,
    dynamodb_local,
    indexed_count,
    invoices_of,
    load,
    loader_client,
    reads_of,
)
from bench.workload import API, OTHER_TENANT, TENANT
from chalicelib.bootstrap import get_deps
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.store import sorting
from invoicing_cli.local import BUCKET_NAME, PROJECT_DIR, REGION
from tests.local_stack import free_port

GATEWAY_SECONDS = 29  # API Gateway's limit on an integration
PAGE = 200  # the largest page find-all serves to a client that pages
SIZE = 20  # the page the sorts are asked for
# The id, tenant and status an invoice's JSON starts with (a transaction's id is followed by
# its tenant, then accountId): every invoice of a kept array, without parsing 240 MB.
_INVOICE_START = re.compile(rb'\{"id": ?"([^"]+)", ?"tenantId": ?"[^"]*", ?"status"')
S = InvoiceStatus


@dataclass(frozen=True)
class Case:
    name: str
    call: Call
    requests: int
    check: Callable[[Any], list[str]]  # what is wrong with the answer


@dataclass(frozen=True)
class Result:
    case: Case
    measured: Measured
    wrong: Sequence[str]

    @property
    def entries(self) -> int:
        """The most index and table entries one request's Queries read (their ScannedCount)."""
        return max(
            sum(read.entries for read in reads_of(s) if read.operation == "Query")
            for s in self.measured.samples
        )


# --- The cases ----------------------------------------------------------------------------------


def kept_check(ids_in_order: list[str]) -> Callable[[Any], list[str]]:
    """A 303 whose kept array holds exactly the tenant's invoices, in list order."""

    def check(reply: Any) -> list[str]:
        if reply.status_code != 303:
            return [f"answered {reply.status_code}, not 303"]
        path = unquote(urlparse(reply.headers["Location"]).path).lstrip("/")
        key = path.removeprefix(f"{BUCKET_NAME}/")
        body = boto3.client("s3").get_object(Bucket=BUCKET_NAME, Key=key)["Body"].read()
        found = [match.decode() for match in _INVOICE_START.findall(body)]
        problems = [] if found == ids_in_order else [f"kept {len(found):,} invoices, not theirs"]
        return problems + ([] if body.endswith(b"]") else ["the kept array is not closed"])

    return check


def page_check(
    invoices: Sequence[Invoice], keys: list[tuple[str, bool]], filters: Any, page: int = 0
) -> Any:
    """The page's ids and total as the rule orders the matching invoices (domain/ordering is the
    app's; the matches and expectations here come from the loaded invoices)."""
    from chalicelib.domain.ordering import ordered
    from chalicelib.domain.search import Sort, SortField

    sorts = [Sort(field=SortField(f), ascending=up) for f, up in keys]
    matching = [i for i in invoices if filters(i)]
    records = {i.id: i.model_dump(mode="python", by_alias=True) for i in matching}
    every = [i.id for i in ordered(matching, sorts, lambda i: records[i.id])]
    expected = every[page * SIZE : (page + 1) * SIZE]

    def check(reply: Any) -> list[str]:
        if reply.status_code != 200:
            return [f"answered {reply.status_code}: {reply.body[:200]!r}"]
        page = json.loads(reply.body)
        ids = [invoice["id"] for invoice in page["content"]]
        wrong = [] if ids == expected else [f"content {ids[:3]}…, expected {expected[:3]}…"]
        if page["totalElements"] != len(matching):
            wrong.append(f"totalElements {page['totalElements']}, expected {len(matching)}")
        return wrong

    return check


def refused_check(reply: Any) -> list[str]:
    wanted = reply.status_code == 400 and "sort" in reply.body.decode()
    return [] if wanted else [f"answered {reply.status_code}, not a 400 naming sort"]


def sort_case(
    name: str, invoices: Sequence[Invoice], keys: list[tuple[str, bool]], **body: Any
) -> Case:
    filters = body.pop("matching", lambda _: True)
    sort = [{"field": field, "ascending": up} for field, up in keys]
    call = json_call(
        "POST",
        f"{API}/dynamic-search",
        {"sort": sort, "size": SIZE, **body},
        headers=bearer(TENANT),
        expected_status=200,
    )
    return Case(name, call, 3, page_check(invoices, keys, filters, body.get("page", 0)))


def cases(mine: Sequence[Invoice], ids_in_order: list[str]) -> list[Case]:
    find_all = Call("GET", f"{API}/find-all", 303, bearer(TENANT))
    theirs = Call("GET", f"{API}/find-all?limit=1", 200, bearer(OTHER_TENANT))
    overdue_or_draft = {S.OVERDUE, S.DRAFT}
    return [
        Case(f"`GET /invoices/find-all` ({len(mine):,} invoices)", find_all, 3,
             kept_check(ids_in_order)),
        Case("`GET /invoices/find-all?limit=1` (the other tenant)", theirs, 3, lambda _: []),
        sort_case("sort `status` asc, `total` desc (an index, then a projected key)", mine,
                  [("status", True), ("total", False)]),
        sort_case("sort `invoiceDate` desc, `note` asc (an index, then the invoices of a day)",
                  mine, [("invoiceDate", False), ("note", True)]),
        sort_case("sort `total` asc, `invoiceNumber` desc, page 50", mine,
                  [("total", True), ("invoiceNumber", False)], page=50),
        sort_case("filter status OVERDUE, sort `note` (no index: its partition's matches)", mine,
                  [("note", True)], filters={"status": "OVERDUE"},
                  matching=lambda i: i.status == S.OVERDUE),
        sort_case("filter status OVERDUE or DRAFT, sort `contactEmail` (near the limit)", mine,
                  [("contactEmail", True)], filters={"status": ["OVERDUE", "DRAFT"]},
                  matching=lambda i: i.status in overdue_or_draft),
        sort_case("filter currency USD, sort `currency`, `paid` desc (projected, then not)", mine,
                  [("currency", True), ("paid", False)], filters={"currency": "USD"},
                  matching=lambda i: i.currency == "USD"),
        every_by_note(mine),
    ]  # fmt: skip


def every_by_note(mine: Sequence[Invoice]) -> Case:
    """A sort without an index over every invoice: refused past the in-memory limit, else
    answered in order."""
    if len(mine) <= sorting.MAX_SORTED_IN_MEMORY:
        return sort_case(
            "sort `note` over every invoice (within the limit)", mine, [("note", True)]
        )
    body = {"sort": [{"field": "note"}]}
    call = json_call(
        "POST", f"{API}/dynamic-search", body, headers=bearer(TENANT), expected_status=400
    )
    return Case("sort `note` over every invoice: refused past the limit", call, 3, refused_check)


# --- Measuring ----------------------------------------------------------------------------------


def measure_case(client: Client, yardstick: Target, case: Case, base: list[Call]) -> Result:
    get_deps.cache_clear()  # a fresh process's dependencies, as each case would have in Lambda
    target = Target(client, ReadLog(get_deps().dynamodb))
    reply = client.http.request(
        case.call.method, case.call.path, headers=case.call.headers, body=case.call.body
    )
    wrong = case.check(reply)
    _forget_kept_lists()
    samples: list[Sample] = []
    alongside: list[Sample] = []
    for n in range(case.requests):
        mine, theirs = run_interleaved(target, [case.call], yardstick, base[n : n + 1])
        samples += mine
        alongside += theirs
        _forget_kept_lists()
    return Result(case, Measured(case.name, None, samples, alongside), wrong)


def _forget_kept_lists() -> None:
    """Each kept array is hundreds of MB in moto's memory: gone once checked or timed."""
    s3 = boto3.client("s3")
    for item in s3.list_objects_v2(Bucket=BUCKET_NAME).get("Contents", []):
        s3.delete_object(Bucket=BUCKET_NAME, Key=item["Key"])


def walk_in_pages(client: Client, yardstick: Target, base: Call) -> tuple[Result, int]:
    """The whole list as a client read it before issue 17: page after page of 200, timed as one
    (and the baseline requests sent beside each page, as one)."""
    get_deps.cache_clear()
    log = ReadLog(get_deps().dynamodb)
    cursor, count, elapsed, store_ns = None, 0, 0, 0
    operations: list[str] = []
    beside: list[Sample] = []
    while True:
        beside.append(timed(yardstick, base))
        path = f"{API}/find-all?limit={PAGE}" + (f"&cursor={cursor}" if cursor else "")
        log.take()
        started = time.perf_counter_ns()
        reply = client.http.request("GET", path, headers=bearer(TENANT))
        elapsed += time.perf_counter_ns() - started
        traffic = log.take()
        store_ns += traffic.store_ns
        operations += traffic.operations
        count += len(json.loads(reply.body))
        cursor = reply.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    pages = len(beside)
    name = f"`GET /invoices/find-all?limit={PAGE}&cursor=…`, every page ({pages} requests)"
    whole = Sample(elapsed, Traffic(tuple(operations), store_ns), 200, 200)
    summed = Sample(sum(s.elapsed_ns for s in beside), beside[0].traffic, 200, 200)
    measured = Measured(name, None, [whole], [summed])
    # Not one request (requests=0): API Gateway's limit is each page's, not the walk's.
    return Result(Case(name, Call("GET", path, 200), 0, lambda _: []), measured, []), count


def rss_mb() -> float:
    resident = int(Path("/proc/self/statm").read_text().split()[1])
    return resident * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(mine: Sequence[Invoice], only: str = "") -> tuple[Result, list[Result], str]:
    from app import app  # the environment points it at DynamoDB Local and moto's S3 by now

    get_deps.cache_clear()
    baseline_client.cache_clear()
    ids = [invoice.id for invoice in mine[:: max(1, len(mine) // 50)]]
    base = [Call("GET", f"/baseline/{TENANT}/{ids[n % len(ids)]}", 200) for n in range(10)]
    ids_in_order = sorted(invoice.id for invoice in mine)
    project = str(PROJECT_DIR)
    with Client(app, project_dir=project) as client, Client(baseline, project_dir=project) as bare:
        yardstick = Target(bare, ReadLog(baseline_client()))
        for call in base * 3:  # its client is new: models and connections load first
            timed(yardstick, call)
        before = rss_mb()
        results = []
        for case in cases(mine, ids_in_order):
            if only in case.name:
                results.append(measure_case(client, yardstick, case, base))
                print(f"  measured {case.name}", file=sys.stderr, flush=True)
        if not only:
            walked, count = walk_in_pages(client, yardstick, base[0])
            if count != len(mine):
                walked = Result(walked.case, walked.measured, [f"paged {count:,} invoices"])
            results.append(walked)
        memory = f"{before:,.0f} MB before the measured requests, {rss_mb():,.0f} MB after them"
    everything = [s for r in results for s in r.measured.alongside]
    base_result = Result(
        Case(BASELINE_ENDPOINT, base[0], 0, lambda _: []),
        Measured(BASELINE_ENDPOINT, 1, everything),
        [],
    )
    return base_result, results, memory


# --- The report ----------------------------------------------------------------------------------

HEADER = (
    "| request | N | DynamoDB calls | operations | entries read | median s | max s "
    f"| {TIMES} baseline | s outside DynamoDB |\n"
    "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
)


def _row(result: Result) -> str:
    m = result.measured
    seen = sorted({compressed(sample.operations) for sample in m.samples})
    cells = [
        m.endpoint,
        str(len(m.samples)),
        f"{m.calls:,}",
        " / ".join(seen) or "none",
        f"{result.entries:,}",
        f"{m.median_ns / 1e9:,.2f}",
        f"{max(s.elapsed_ns for s in m.samples) / 1e9:,.2f}",
        f"{m.ratio:,.0f}{TIMES}",
        f"{m.median_outside_store_ns / 1e9:,.2f}",
    ]
    return "| " + " | ".join(cells) + " |"


def failures(results: Sequence[Result]) -> list[str]:
    found = [f"{r.case.name}: {problem}" for r in results for problem in r.wrong]
    found += [f"{r.case.name}: {r.measured.scans} Scan calls" for r in results if r.measured.scans]
    for r in results:
        slowest = max(s.elapsed_ns for s in r.measured.samples) / 1e9
        if r.case.requests and slowest >= GATEWAY_SECONDS:
            found.append(f"{r.case.name}: took {slowest:.1f} s, API Gateway's limit is 29 s")
    return found


def summary(
    mine: Sequence[Invoice],
    engine: str,
    loaded: str,
    measured: tuple[Result, list[Result], str],
) -> str:
    base, results, memory = measured
    statuses = ", ".join(f"{s} {sum(i.status == s for i in mine):,}" for s in S)
    python = f"{platform.python_implementation()} {platform.python_version()}"
    load = os.getloadavg()
    problems = failures(results)
    verdict = (
        ["Every answer as expected, every request within 29 s, no Scan."]
        if not problems
        else [f"**PROBLEM**: {problem}" for problem in problems]
    )
    return "\n".join(
        [
            f"## Issue 17: whole lists and sorts with {len(mine):,} invoices",
            "",
            f"Machine: {python} on {platform.platform()}, {os.cpu_count()} CPUs (load average "
            f"{load[0]:.1f} when the run ended; the machine is shared); {engine}; S3 on a moto "
            "server in a process of its own.",
            f"Data: bench/search.py's invoices ({statuses}), {loaded}.",
            f"Baseline (bare route, one GetItem): median {base.measured.median_ns / 1e6:.2f} ms "
            f"over {len(base.measured.samples)} requests, alternating with the cases'.",
            f"Sorted in memory at most: {sorting.MAX_SORTED_IN_MEMORY:,} invoices. "
            f"Process memory (RSS): {memory}.",
            "",
            HEADER,
            *(_row(r) for r in results),
            "",
            *verdict,
        ]
    )


@dataclass(frozen=True)
class Options:
    invoices: int
    threads: int
    seed: int
    only: str


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """S3 on a moto server in a process of its own, as the local stack has it (`invoicing
    serve` runs moto beside the API, not in it): the kept arrays' upload costs the API's
    process what sending them costs, not moto's own work."""
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_for(endpoint)
        os.environ["AWS_ENDPOINT_URL_S3"] = endpoint
        yield endpoint
    finally:
        os.environ.pop("AWS_ENDPOINT_URL_S3", None)
        server.terminate()
        server.wait(timeout=10)


def _wait_for(endpoint: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)  # noqa: S310 - our own http URL
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"moto's server at {endpoint} did not answer within 30 s")


def run(options: Options) -> tuple[str, bool]:
    rng = random.Random(options.seed)
    today = datetime.now(UTC).date()
    mine = invoices_of(TENANT, options.invoices, RARE_IN_TENANT, rng, today)
    theirs = invoices_of(OTHER_TENANT, max(100, options.invoices // 50), RARE_IN_OTHER, rng, today)
    with moto_s3_server(), dynamodb_local(as_served=True) as (url, engine):
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET_NAME,
            CreateBucketConfiguration={"LocationConstraint": REGION},  # type: ignore[typeddict-item]
        )
        loader = loader_client(url, options.threads)
        with bench_table(loader, url) as table:
            started = time.perf_counter()
            for invoices in (mine, theirs):
                load(loader, table, invoices, options.threads)
            seconds = time.perf_counter() - started
            for tenant, invoices in ((TENANT, mine), (OTHER_TENANT, theirs)):
                if indexed_count(loader, table, tenant) != len(invoices):
                    raise RuntimeError(f"{tenant}: the load did not land whole")
            loaded = (
                f"{len(mine) + len(theirs):,} invoices of two tenants loaded in {seconds:.0f} s"
            )
            print(loaded, file=sys.stderr, flush=True)
            measured = measure(mine, options.only)
    return summary(mine, engine, loaded, measured), not failures(measured[1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.whole_lists", description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000, help="the measured tenant's")
    parser.add_argument("--threads", type=int, default=4, help="threads loading the table")
    parser.add_argument("--seed", type=int, default=4, help="seed of the generated invoices")
    parser.add_argument("--only", default="", help="measure only the cases whose name has this")
    args = parser.parse_args(argv)
    local_environment()
    report, passed = run(Options(args.invoices, args.threads, args.seed, args.only))
    print(report)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
