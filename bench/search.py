"""What the search, paging and report endpoints of issue 4 cost with 100,000 invoices in one
tenant: median and p90 latency, DynamoDB calls, index entries read and read capacity consumed
per request, on DynamoDB Local (AWS's own engine) rather than moto, whose secondary-index Query
walks the whole table and whose consumed capacity is not DynamoDB's.

The invoices are loaded straight into the table with their figures (tests/figures.py
`load_straight`), from parallel threads; a second, small tenant shares the table. The app's
DynamoDB client is asked for `ReturnConsumedCapacity` on every read by a botocore hook on the
bench's side; the app itself is unchanged.

Run from the repository root: `.venv/bin/python -m bench.search` (100,000 invoices: about six
minutes on 2 CPUs, three of them loading, and 4 GB of memory for this process besides DynamoDB
Local's), or `--invoices 2000` for a quick run. Set DYNAMODB_LOCAL_ENDPOINT to use a DynamoDB
Local that is already running instead of starting one."""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from chalice.test import Client

from bench.baseline_app import baseline, baseline_client
from bench.harness import (
    Call,
    CallLog,
    Sample,
    Target,
    Traffic,
    bearer,
    run_interleaved,
    timed,
    use_local_environment,
)
from bench.report import TIMES, Measured, problems
from bench.workload import API, OTHER_TENANT, TENANT
from chalicelib.bootstrap import get_deps
from chalicelib.domain.commands import InvoiceFields, RowInput
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.invoicing import InvoiceDefaults, new_invoice
from chalicelib.domain.values import Actor, new_id
from chalicelib.store.items import index_attributes
from invoicing_cli.dynamodb_local import (
    ENDPOINT_VARIABLE,
    SERVING_JVM,
    SMALL_JVM,
    require_answer,
    run_dynamodb_local,
)
from invoicing_cli.local import PROJECT_DIR, REGION
from invoicing_cli.resources import create_table_request
from tests.figures import exact_json, expected_stats, load_straight

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEFAULT_INVOICES = 100_000
# The second tenant is small: its answers show that every figure and search stays per tenant.
OTHER_SHARE = 50
MIN_OTHER = 100
WARM_UP_REQUESTS = 3
# A request that reads more index entries than this is measured over --heavy-requests.
HEAVY_READ = 10_000
PAGE_SIZE = 20
DEEP_PAGE = 50
LOAD_CHUNK = 2_500
YEARS = 3
CLIENTS = 400
OPPORTUNITIES = 200
TEMPLATES_PER_CURRENCY = 150
CURRENCIES = ("EUR", "USD", "GBP")
CURRENCY_WEIGHTS = (90, 6, 4)
NOTE_WORDS = (
    "consulting",
    "hosting",
    "support",
    "licence",
    "workshop",
    "travel",
    "design",
    "audit",
    "retainer",
    "milestone",
    "maintenance",
    "training",
)
COMMON_TERM = "consulting"
RARE_TERM = "zeppelin"  # in no word list: only where it is planted
RARE_IN_TENANT, RARE_IN_OTHER = 5, 3
CLIENT_FILTERED = "client-0007"
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
BASELINE_ENDPOINT = "`GET /baseline/{tenantId}/{invoiceId}` (bare route, one GetItem)"
S = InvoiceStatus
LOADER = Actor("bench-loader", "bench-loader")
# DynamoDB ends a Query's page at 1 MB of the index entries it reads (about 3,000 to 4,000
# entries of these indexes, 260 to 330 bytes each by the capacity they consume). DynamoDB Local
# does not: it ends a page at 1 MB of the base items it returns, so a filtered Query reads the
# rest of the partition in one call (about 8 s at 100,000 invoices: past the app's 5 s timeout)
# and an unfiltered one without a Limit reads the rest of the partition for every page (time
# squared). The bench stands in for DynamoDB's page: a Query gets at most this Limit.
PAGE_ENTRIES = 3_000
ENDED_BY_APP = "the app's own Limit"
ENDED_BY_BENCH = f"the bench's Limit of {PAGE_ENTRIES:,} (DynamoDB's 1 MB)"
ENDED_BY_LOCAL = "DynamoDB Local's 1 MB of base items (DynamoDB would read on)"


# --- The data: varied invoices, built as the domain builds them, loaded straight in ----------


def _template(rng: random.Random, currency: str, now: datetime) -> Invoice:
    rows = [
        RowInput.model_validate(
            {
                "description": f"{rng.choice(NOTE_WORDS).capitalize()}, item {n + 1}",
                "quantity": rng.randint(1, 10),
                "unitPrice": rng.choice((45, 80, 120, 150, 450, 950, 1200)),
                "taxRate": rng.choice((0, 10, 20)),
            }
        )
        for n in range(rng.randint(1, 6))
    ]
    fields = InvoiceFields.model_validate({"currency": currency, "rows": rows})
    return new_invoice(fields, actor=LOADER, now=now, defaults=InvoiceDefaults())


def _status(rng: random.Random, invoice_date: date, due: date, today: date) -> InvoiceStatus:
    """Future invoices are drafts or scheduled; issued ones not yet due are mostly open; older
    ones mostly paid, a few overdue or cancelled."""
    if invoice_date > today:
        return rng.choices((S.SCHEDULED, S.DRAFT), (60, 40))[0]
    if due >= today:
        return rng.choices((S.SENT, S.PAID, S.DRAFT, S.CANCELLED), (70, 15, 12, 3))[0]
    return rng.choices((S.PAID, S.OVERDUE, S.CANCELLED, S.DRAFT), (88, 7, 3, 2))[0]


def invoices_of(
    tenant: str, count: int, rare: int, rng: random.Random, today: date
) -> list[Invoice]:
    """`count` invoices over the last three years and the next month, in creation order, with
    `rare` of them carrying RARE_TERM in their note."""
    now = datetime.now(UTC).replace(microsecond=0)
    templates = {
        c: [_template(rng, c, now) for _ in range(TEMPLATES_PER_CURRENCY)] for c in CURRENCIES
    }
    days = sorted(rng.randrange(-YEARS * 365, 31) for _ in range(count))
    rare_at = set(rng.sample(range(count), min(rare, count)))
    numbered = 0
    invoices = []
    for n, offset in enumerate(days):
        invoice_date = today + timedelta(days=offset)
        terms = rng.choice((14, 30, 30, 45))
        due = invoice_date + timedelta(days=terms)
        status = _status(rng, invoice_date, due, today)
        currency = rng.choices(CURRENCIES, CURRENCY_WEIGHTS)[0]
        template = rng.choice(templates[currency])
        created = datetime.combine(min(invoice_date, today), clock_time(8), UTC) + timedelta(
            minutes=rng.randrange(600)
        )
        created = min(created, now)
        update: dict[str, Any] = {
            "id": new_id(),
            "tenant_id": tenant,
            "status": status,
            "invoice_date": invoice_date,
            "payment_term_days": terms,
            "due_date": due,
            "created": created,
            "updated": created,
            "created_by": LOADER.user_id,
            "updated_by": LOADER.user_id,
        }
        if status not in (S.DRAFT, S.SCHEDULED):
            numbered += 1
            update["invoice_number"] = f"{invoice_date.year}-{numbered:06d}"
        if status == S.PAID:
            paid_on = min(created + timedelta(days=rng.randint(1, terms + 10)), now)
            update |= {
                "paid": template.total,
                "paid_excluding_tax": template.total_excluding_tax,
                "date_paid": paid_on,
                "updated": paid_on,
            }
        client = f"client-{rng.randrange(CLIENTS):04d}" if rng.random() < 0.8 else None
        update["client_id"] = client
        if rng.random() < 0.6:
            update["contact_email"] = f"billing@{client or 'walk-in'}.example.com"
        note = " ".join(rng.sample(NOTE_WORDS, rng.randint(2, 5))) if rng.random() < 0.4 else None
        if n in rare_at:
            note = f"{note or 'delivered'} {RARE_TERM}"
        update["note"] = note
        if rng.random() < 0.3:
            update["payment_reference"] = f"RF{rng.randrange(10**8):08d}"
        if rng.random() < 0.05:
            update["opportunity_id"] = f"opp-{rng.randrange(OPPORTUNITIES):03d}"
        invoices.append(template.model_copy(update=update))
    return invoices


def loader_client(endpoint_url: str, threads: int) -> DynamoDBClient:
    # The fake credentials use_local_environment() set: DynamoDB Local accepts any.
    session = boto3.session.Session(region_name=REGION)
    config = Config(max_pool_connections=threads, retries={"mode": "standard", "max_attempts": 8})
    return session.client("dynamodb", endpoint_url=endpoint_url, config=config)


def load(client: DynamoDBClient, table: str, invoices: Sequence[Invoice], threads: int) -> None:
    """BatchWriteItem from `threads` threads, each chunk adding its figures to the shards."""
    chunks = [invoices[i : i + LOAD_CHUNK] for i in range(0, len(invoices), LOAD_CHUNK)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda chunk: load_straight(client, table, chunk), chunks))


def indexed_count(client: DynamoDBClient, table: str, tenant: str) -> int:
    """How many entries the tenant has in the created-order index: the load landed whole."""
    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": "ByCreated",
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": f"T#{tenant}"}},
        "Select": "COUNT",
        "Limit": PAGE_ENTRIES,  # DynamoDB Local reads the rest of the partition otherwise
    }
    total = 0
    while True:
        response = client.query(**request)
        total += response["Count"]
        if "LastEvaluatedKey" not in response:
            return total
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


# --- What the app reads: calls, index entries and capacity, from its client's own hooks ------


@dataclass(frozen=True)
class Read:
    """One read call: its capacity (None if not reported), the index entries a Query read
    (ScannedCount) or the items a get returned; for a Query that left more to read, what ended
    its page: the app's Limit, the bench's PAGE_ENTRIES, or DynamoDB Local's own 1 MB (counted
    on the base items, so sooner than DynamoDB would)."""

    operation: str
    capacity: float | None
    entries: int
    ended_by: str | None = None  # None: the last page of its key range


@dataclass(frozen=True)
class ReadTraffic(Traffic):
    reads: tuple[Read, ...] = ()


class ReadLog(CallLog):
    """The CallLog of bench/harness.py, that also asks for `ReturnConsumedCapacity` on every
    read, limits a Query to PAGE_ENTRIES, and notes what each read consumed."""

    def __init__(self, client: DynamoDBClient) -> None:
        super().__init__(client)
        self._reads: list[Read] = []
        events = client.meta.events
        events.register("provide-client-params.dynamodb", self._ask_for_capacity)
        events.register("after-call.dynamodb", self._note_read)

    @staticmethod
    def _ask_for_capacity(
        params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        if model.name not in READS:
            return
        params["ReturnConsumedCapacity"] = "TOTAL"
        if model.name == "Query":
            asked = params.get("Limit")
            context["bench_limit"] = asked
            if asked is None or asked > PAGE_ENTRIES:
                params["Limit"] = PAGE_ENTRIES

    def _note_read(
        self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        if model.name not in READS:
            return
        if model.name in ("Query", "Scan"):
            entries = int(parsed.get("ScannedCount", 0))
            asked = context.get("bench_limit")
            more = "LastEvaluatedKey" in parsed
            ended_by = None
            if more:
                ended_by = (
                    ENDED_BY_APP if asked is not None and entries >= asked else ENDED_BY_LOCAL
                )
                if entries >= PAGE_ENTRIES:
                    ended_by = ENDED_BY_BENCH
            self._reads.append(Read(model.name, _capacity(parsed), entries, ended_by))
            return
        self._reads.append(Read(model.name, _capacity(parsed), _items(parsed)))

    def take(self) -> ReadTraffic:
        taken = super().take()
        reads = tuple(self._reads)
        self._reads.clear()
        return ReadTraffic(taken.operations, taken.store_ns, reads)


def _capacity(parsed: dict[str, Any]) -> float | None:
    consumed = parsed.get("ConsumedCapacity")
    if consumed is None:
        return None
    parts = consumed if isinstance(consumed, list) else [consumed]
    return float(sum(part.get("CapacityUnits", 0) for part in parts))


def _items(parsed: dict[str, Any]) -> int:
    if "Responses" in parsed:
        responses = parsed["Responses"]
        if isinstance(responses, dict):
            return sum(len(items) for items in responses.values())
        return sum(1 for response in responses if response.get("Item"))
    return 1 if parsed.get("Item") else 0


def reads_of(sample: Sample) -> tuple[Read, ...]:
    traffic = sample.traffic
    return traffic.reads if isinstance(traffic, ReadTraffic) else ()


# --- The cases: each request, what its answer must be, and its bars --------------------------

Check = Callable[[Any], list[str]]


@dataclass(frozen=True)
class Data:
    today: date
    tenant: Sequence[Invoice]
    other: Sequence[Invoice]


@dataclass(frozen=True)
class SearchCase:
    endpoint: str
    path: str
    check: Check
    tenant: str = TENANT
    bar: int | None = None  # the most DynamoDB calls one request may make
    entries_bar: int | None = None  # the most index entries one request may read


def _order_key(field_name: str) -> Callable[[Invoice], tuple[Any, ...]]:
    """The order an index (or the in-memory sort of a search) gives: the field, then the id."""
    values: dict[str, Callable[[Invoice], Any]] = {
        "created": lambda _: "",
        "invoiceDate": lambda i: i.invoice_date,
        "dueDate": lambda i: i.due_date,
        "updated": lambda i: i.updated,
        "invoiceNumber": lambda i: i.invoice_number or "",
        "total": lambda i: i.total,
    }
    if field_name == "status":
        return lambda i: (str(i.status), i.invoice_date, i.id)
    value = values[field_name]
    return lambda i: (value(i), i.id)


def page_check(
    invoices: Sequence[Invoice],
    matches: Callable[[Invoice], bool],
    order: str,
    *,
    descending: bool,
    offset: int = 0,
) -> Check:
    """The page must be exactly the matching invoices of its tenant at that place in that
    order, and its totalElements their number."""

    def check(answer: Any) -> list[str]:
        matching = sorted(filter(matches, invoices), key=_order_key(order), reverse=descending)
        expected = [i.id for i in matching[offset : offset + PAGE_SIZE]]
        found = []
        if answer["totalElements"] != len(matching):
            found.append(f"totalElements {answer['totalElements']}, expected {len(matching)}")
        ids = [item["id"] for item in answer["content"]]
        if ids != expected:
            found.append(f"content {ids[:3]}…, expected {expected[:3]}…")
        return found

    return check


def stats_check(invoices: Sequence[Invoice]) -> Check:
    as_listed = [
        {"status": str(i.status), "total": i.total, "paid": i.paid, "currency": i.currency}
        for i in invoices
    ]

    def check(answer: Any) -> list[str]:
        expected = expected_stats(as_listed)
        return [] if answer == expected else [f"stats {answer}, expected {expected}"]

    return check


def counts_check(invoices: Sequence[Invoice]) -> Check:
    def check(answer: Any) -> list[str]:
        expected = dict(Counter(str(i.status) for i in invoices))
        expected = {str(s): expected.get(str(s), 0) for s in S}
        return [] if answer == expected else [f"counts {answer}, expected {expected}"]

    return check


def range_check(invoices: Sequence[Invoice]) -> Check:
    def check(answer: Any) -> list[str]:
        dates = [i.invoice_date for i in invoices]
        expected = {"min": f"{min(dates)}T00:00:00Z", "max": f"{max(dates)}T00:00:00Z"}
        return [] if answer == expected else [f"date range {answer}, expected {expected}"]

    return check


def _every(_: Invoice) -> bool:
    return True


def _has_term(term: str) -> Callable[[Invoice], bool]:
    return lambda i: term in index_attributes(i)["searchText"]


def cases(data: Data) -> list[SearchCase]:
    mine, theirs = data.tenant, data.other
    found: list[SearchCase] = []
    for field_name in ("created", "invoiceDate", "dueDate", "updated", "invoiceNumber", "total",
                       "status"):  # fmt: skip
        path = f"/page?pageSize={PAGE_SIZE}&sortBy={field_name}&direction=DESC"
        check = page_check(mine, _every, field_name, descending=True)
        found.append(SearchCase(f"`GET /invoices{path}`", path, check, entries_bar=PAGE_SIZE))
    deep = f"/page?pageSize={PAGE_SIZE}&pageNumber={DEEP_PAGE}&sortBy=invoiceDate&direction=DESC"
    offset = DEEP_PAGE * PAGE_SIZE
    check = page_check(mine, _every, "invoiceDate", descending=True, offset=offset)
    found.append(SearchCase(f"`GET /invoices{deep}`", deep, check, entries_bar=offset + PAGE_SIZE))

    def filtered(filters: str, sort: str, matches: Callable[[Invoice], bool]) -> None:
        query = "&".join(f"filters={f}" for f in filters.split("&"))
        path = f"/dynamic-search?{query}&sort={sort},desc"
        check = page_check(mine, matches, sort, descending=True)
        found.append(SearchCase(f"`GET /invoices{path}`", path, check))

    filtered("status:OVERDUE", "invoiceDate", lambda i: i.status == S.OVERDUE)
    # One status has its own partition of the invoice-date index: one page of it is read.
    found[-1] = replace(found[-1], entries_bar=PAGE_SIZE)
    filtered(
        f"clientId:{CLIENT_FILTERED}",
        "invoiceDate",
        lambda i: i.client_id == CLIENT_FILTERED,
    )
    filtered(
        "status:SENT&currency:EUR",
        "dueDate",
        lambda i: i.status == S.SENT and i.currency == "EUR",
    )
    low = (data.today - timedelta(days=365)).replace(day=1)
    high = low + timedelta(days=181)
    filtered(
        f"minTotal:500&maxTotal:2000&invoiceDateFrom:{low}&invoiceDateTo:{high}",
        "invoiceDate",
        lambda i: Decimal(500) <= i.total <= Decimal(2000) and low <= i.invoice_date <= high,
    )
    filtered(
        "status:OVERDUE&currency:USD",
        "total",
        lambda i: i.status == S.OVERDUE and i.currency == "USD",
    )
    # A currency none of the tenant's invoices is in: the filter walks the index to its end.
    filtered("currency:JPY", "created", lambda i: i.currency == "JPY")
    rare = f"/page?pageSize={PAGE_SIZE}&search={RARE_TERM}"
    check = page_check(mine, _has_term(RARE_TERM), "created", descending=False)
    found.append(SearchCase(f"`GET /invoices{rare}` (a rare term)", rare, check))
    common = f"/page?pageSize={PAGE_SIZE}&search={COMMON_TERM}&sortBy=invoiceDate&direction=DESC"
    check = page_check(mine, _has_term(COMMON_TERM), "invoiceDate", descending=True)
    found.append(SearchCase(f"`GET /invoices{common}` (a common term)", common, check))
    theirs_label = f"(as {OTHER_TENANT}, {len(theirs):,} invoices)"
    check = page_check(theirs, _has_term(RARE_TERM), "created", descending=False)
    found.append(
        SearchCase(f"`GET /invoices{rare}` {theirs_label}", rare, check, tenant=OTHER_TENANT)
    )
    reports = (
        ("/stats", stats_check),
        ("/count-by-status", counts_check),
        ("/date-range", range_check),
    )
    for path, check_of in reports:
        found.append(SearchCase(f"`GET /invoices{path}`", path, check_of(mine), bar=2))
    found.append(
        SearchCase(
            f"`GET /invoices/stats` {theirs_label}",
            "/stats",
            stats_check(theirs),
            OTHER_TENANT,
            bar=2,
        )
    )
    return found


# --- Measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    invoices: int
    requests: int
    heavy_requests: int
    threads: int
    seed: int

    @property
    def other_invoices(self) -> int:
        return max(MIN_OTHER, self.invoices // OTHER_SHARE)


@dataclass(frozen=True)
class Result:
    case: SearchCase
    measured: Measured
    wrong: Sequence[str]

    @property
    def reads(self) -> list[tuple[Read, ...]]:
        return [reads_of(sample) for sample in self.measured.samples]

    @property
    def entries(self) -> int:
        """The most index entries one request read (the sum of its Queries' ScannedCount)."""
        return max(sum(r.entries for r in reads if r.operation == "Query") for reads in self.reads)

    def capacity(self, operations: frozenset[str] = READS) -> float:
        """Median read capacity of one request over the given operations."""
        return statistics.median(
            sum(r.capacity or 0.0 for r in reads if r.operation in operations)
            for reads in self.reads
        )

    @property
    def unreported(self) -> int:
        return sum(r.capacity is None for reads in self.reads for r in reads)

    def ended_by(self, reason: str) -> int:
        """How many of one request's Queries ended their page for this reason (the most)."""
        return max(sum(r.ended_by == reason for r in reads) for reads in self.reads)

    @property
    def cut(self) -> bool:
        """Whether DynamoDB Local's own 1 MB ended a page sooner than DynamoDB would."""
        return self.ended_by(ENDED_BY_LOCAL) > 0

    @property
    def entries_over(self) -> int:
        bar = self.case.entries_bar
        return 0 if bar is None else max(0, self.entries - bar)

    @property
    def p90_ns(self) -> float:
        times = [sample.elapsed_ns for sample in self.measured.samples]
        return statistics.quantiles(times, n=10, method="inclusive")[-1]


def answer_of(client: Client, call: Call) -> Any:
    """An untimed request whose answer is checked; its amounts read exactly."""
    response = client.http.request(call.method, call.path, headers=call.headers, body=call.body)
    if response.status_code != call.expected_status:
        raise RuntimeError(f"{call.path} answered {response.status_code}: {response.body!r}")
    return exact_json(response.body)


def measure_case(
    client: Client, yardstick: Target, case: SearchCase, options: Options, baseline: list[Call]
) -> Result:
    """The app's dependencies built anew, as in a new process; one checked request, then the
    warm-up and the requests alternating with baseline requests: fewer of both when the first
    read more than HEAVY_READ index entries."""
    get_deps.cache_clear()
    log = ReadLog(get_deps().dynamodb)
    target = Target(client, log)
    call = Call("GET", API + case.path, 200, bearer(case.tenant))
    log.take()
    wrong = case.check(answer_of(client, call))
    heavy = sum(read.entries for read in log.take().reads if read.operation == "Query")
    warm_up, n = (
        (1, options.heavy_requests) if heavy > HEAVY_READ else (WARM_UP_REQUESTS, options.requests)
    )
    for _ in range(warm_up - 1):
        timed(target, call)
    samples, alongside = run_interleaved(target, [call] * n, yardstick, baseline[:n])
    return Result(case, Measured(case.endpoint, case.bar, samples, alongside), wrong)


def measure(options: Options, data: Data) -> tuple[Result, list[Result]]:
    from app import app  # the environment points it at DynamoDB Local by now

    get_deps.cache_clear()
    baseline_client.cache_clear()
    project_dir = str(PROJECT_DIR)
    ids = [invoice.id for invoice in data.tenant[:: max(1, len(data.tenant) // 50)]]
    n = max(options.requests, options.heavy_requests)
    baseline_calls = [Call("GET", f"/baseline/{TENANT}/{ids[i % len(ids)]}", 200) for i in range(n)]
    with (
        Client(app, project_dir=project_dir) as client,
        Client(baseline, project_dir=project_dir) as bare,
    ):
        yardstick = Target(bare, ReadLog(baseline_client()))
        for call in baseline_calls * 2:  # its client is new: models and connections load first
            timed(yardstick, call)
        results = []
        base: list[Sample] = []
        for case in cases(data):
            result = measure_case(client, yardstick, case, options, baseline_calls)
            print(f"  measured {case.endpoint}", file=sys.stderr, flush=True)
            base += result.measured.alongside
            results.append(result)
    baseline_result = Result(
        SearchCase(BASELINE_ENDPOINT, "", lambda _: [], bar=1),
        Measured(BASELINE_ENDPOINT, 1, base),
        [],
    )
    return baseline_result, results


# --- The report --------------------------------------------------------------------------------

HEADER = (
    "| endpoint | N | DynamoDB calls | operations | index entries read | bar "
    f"| RCU: index + table | median ms | p90 ms | {TIMES} baseline | ms outside DynamoDB |\n"
    "| --- | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
)
TABLE_READS = READS - {"Query", "Scan"}
INDEX_READS = frozenset({"Query", "Scan"})
# DynamoDB's Query page: 1 MB of index entries, read eventually consistent at 0.5 RCU per 4 KB.
PAGE_BYTES = 1 << 20
BYTES_PER_RCU = 8 << 10
LARGE_READ = 2 * DEEP_PAGE * PAGE_SIZE


def compressed(operations: Sequence[str]) -> str:
    """Runs of one operation counted: `Query + Query + Query` is written `Query` times 3."""
    runs: list[tuple[str, int]] = []
    for operation in operations:
        if runs and runs[-1][0] == operation:
            runs[-1] = (operation, runs[-1][1] + 1)
        else:
            runs.append((operation, 1))
    return " + ".join(name if count == 1 else f"{name} {TIMES}{count}" for name, count in runs)


def operations_of(measured: Measured) -> str:
    seen = Counter(sample.operations for sample in measured.samples)
    return " / ".join(compressed(ops) or "none" for ops, _ in seen.most_common())


def bar_text(result: Result) -> str:
    case, parts = result.case, []
    if case.bar is not None:
        over = " **OVER BAR**" if result.measured.over_bar else ""
        parts.append(f"≤ {case.bar} call{'s' if case.bar > 1 else ''}{over}")
    if case.entries_bar is not None:
        over = ""
        if result.entries_over:
            over = " (over after a 1 MB cut)" if result.cut else " **OVER BAR**"
        parts.append(f"≤ {case.entries_bar:,} entries{over}")
    return ", ".join(parts) or "-"


def _row(result: Result) -> str:
    measured = result.measured
    index, table = result.capacity(INDEX_READS), result.capacity(TABLE_READS)
    cells = [
        measured.endpoint,
        str(len(measured.samples)),
        str(measured.calls),
        operations_of(measured),
        f"{result.entries:,}",
        bar_text(result),
        f"{index + table:,.1f}: {index:,.1f} + {table:,.1f}",
        f"{measured.median_ns / 1e6:,.1f}",
        f"{result.p90_ns / 1e6:,.1f}",
        f"{measured.ratio:,.1f}{TIMES}",
        f"{measured.median_outside_store_ns / 1e6:,.1f}",
    ]
    return "| " + " | ".join(cells) + " |"


def failures(baseline_run: Result, results: Sequence[Result]) -> list[str]:
    """Every missed bar, Scan, wrong answer or unmeasured capacity: the run then exits 1."""
    found = problems([baseline_run.measured, *(r.measured for r in results)])
    for r in results:
        name = r.case.endpoint
        found += [f"{name}: wrong answer: {problem}" for problem in r.wrong]
        if r.entries_over and not (r.cut and r.entries <= 2 * (r.case.entries_bar or 0)):
            found.append(f"{name}: read {r.entries:,} index entries, bar {r.case.entries_bar:,}")
        if r.unreported:
            found.append(f"{name}: {r.unreported} reads came back without ConsumedCapacity")
    return found


def _pages(megabytes: float) -> str:
    pages = max(1, math.ceil(megabytes))
    return f"{pages} {_plural(pages, 'page', 'pages')}"


def notes(results: Sequence[Result]) -> list[str]:
    """What ended the pages of the requests that read many index entries, or whose page
    DynamoDB Local ended sooner than DynamoDB would: how their Queries would go on DynamoDB."""
    found = []
    for r in results:
        if r.entries <= LARGE_READ and not r.cut:
            continue
        queries = max(sum(op == "Query" for op in s.operations) for s in r.measured.samples)
        index_rcu = r.capacity(INDEX_READS)
        index_mb = index_rcu * BYTES_PER_RCU / PAGE_BYTES
        ended = ", ".join(
            f"{count} by {reason}"
            for reason in (ENDED_BY_APP, ENDED_BY_BENCH, ENDED_BY_LOCAL)
            if (count := r.ended_by(reason))
        )
        found.append(
            f"- {r.case.endpoint}: {queries} {_plural(queries, 'Query', 'Queries')} read "
            f"{r.entries:,} index entries, {index_rcu:,.0f} RCU (about {index_mb:,.1f} MB of "
            f"entries, {_pages(index_mb)} of 1 MB). Pages ended {ended or 'by none of these'}; "
            "any other reached the end of its key range."
        )
    return found


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def summary(
    options: Options,
    data: Data,
    engine: str,
    load_seconds: float,
    baseline_run: Result,
    results: Sequence[Result],
) -> str:
    python = f"{platform.python_implementation()} {platform.python_version()}"
    found = failures(baseline_run, results)
    scans = sum(r.measured.scans for r in [baseline_run, *results])
    statuses = Counter(str(i.status) for i in data.tenant)
    currencies = Counter(i.currency for i in data.tenant)
    loaded = len(data.tenant) + len(data.other)
    base_ms = baseline_run.measured.median_ns / 1e6
    verdict = (
        ["Every request within its bars, every answer as expected."]
        if not found
        else [f"**OVER BAR / PROBLEM**: {problem}" for problem in found]
    )
    light, heavy = options.requests, options.heavy_requests
    noted = [*notes(results), ""] if notes(results) else []
    return "\n".join(
        [
            f"## Issue 4: search, paging and reports with {len(data.tenant):,} invoices",
            "",
            f"Machine: {python} on {platform.platform()}, {os.cpu_count()} CPUs; {engine}.",
            f"Data: {len(data.tenant):,} invoices of tenant {TENANT}, invoice dates over the "
            f"last {YEARS} years and the next month (by status: "
            + ", ".join(f"{s} {statuses[str(s)]:,}" for s in S)
            + "; by currency: "
            + ", ".join(f"{c} {currencies[c]:,}" for c in CURRENCIES)
            + f"), and {len(data.other):,} of tenant {OTHER_TENANT} in the same table. "
            f"Loaded straight into the table with their figures (`load_straight`, "
            f"BatchWriteItem from {options.threads} threads): {loaded:,} invoices in "
            f"{load_seconds:,.0f} s ({loaded / load_seconds:,.0f} invoices/s).",
            f"Requests per endpoint (N): {light} after {WARM_UP_REQUESTS - 1} warm-up "
            f"requests, or {heavy} for those whose first request read more than "
            f"{HEAVY_READ:,} index entries; before them one "
            "untimed request whose answer is checked against the loaded data (totalElements "
            "and the page's ids in order, the figures, the date range).",
            f"Baseline (bare route, one GetItem): median {base_ms:.2f} ms over "
            f"{len(baseline_run.measured.samples)} requests, alternating with the endpoints'.",
            "",
            HEADER,
            _row(baseline_run),
            *(_row(r) for r in results),
            "",
            "Index entries read: the sum of ScannedCount over a request's Queries (every entry "
            "a Query evaluates, filtered out or not). RCU: the median per request of "
            "ConsumedCapacity, as DynamoDB Local reports it when the bench adds "
            "`ReturnConsumedCapacity=TOTAL` to every read (the app does not ask): index "
            "Queries are eventually consistent, 0.5 RCU per 4 KB of entries; table reads "
            "(BatchGetItem of the page's invoices and of the 8 figure shards) strongly "
            "consistent, 1 RCU per 4 KB item. "
            "Latencies are in process against DynamoDB Local on this machine: compare them "
            "with the baseline, not with DynamoDB. DynamoDB ends a Query's page at 1 MB of "
            "index entries; DynamoDB Local at 1 MB of the base items it returns, so a "
            "filtered Query would read a whole partition in one call (past the app's 5 s "
            f"read timeout at 100,000 invoices). The bench gives every Query at most "
            f"`Limit={PAGE_ENTRIES}`, about what DynamoDB's 1 MB holds of these entries, so "
            "a Query here reads no more than one DynamoDB page would.",
            "",
            *noted,
            f"Scan calls across all measured requests: {scans} (bar 0).",
            *verdict,
        ]
    )


# --- Running -----------------------------------------------------------------------------------


@contextmanager
def dynamodb_local(*, as_served: bool = False) -> Iterator[tuple[str, str]]:
    """DynamoDB Local's endpoint and a description of it: the one DYNAMODB_LOCAL_ENDPOINT names,
    or one started for this run and stopped after it: in memory in the tests' small JVM, or
    `as_served`, as `make run` runs it (its JVM, its data on disk)."""
    running = os.environ.get(ENDPOINT_VARIABLE)
    if running:
        require_answer(running)
        yield running, f"DynamoDB Local at {running}"
        return
    with tempfile.TemporaryDirectory(prefix="bench-search-") as directory:
        log = Path(directory) / "dynamodb-local.log"
        jvm, data_dir = (SERVING_JVM, log.parent) if as_served else (SMALL_JVM, None)
        with run_dynamodb_local(log, jvm=jvm, data_dir=data_dir) as url:
            versions = [
                line.split(":", 1)[1].strip()
                for line in log.read_text(errors="replace").splitlines()
                if line.startswith("Version:")
            ]
            version = versions[-1] if versions else "(version not logged)"
            how = "as `make run` runs it" if as_served else "in memory"
            yield url, f"DynamoDB Local {version} {how}, on the same machine"


@contextmanager
def bench_table(loader: DynamoDBClient, url: str) -> Iterator[str]:
    """A fresh table from infra/template.json, and the app's settings pointed at it."""
    table = f"bench-search-{uuid.uuid4().hex[:12]}"
    loader.create_table(**create_table_request(table))
    os.environ["TABLE_NAME"] = table
    # botocore reads the service-specific variable, so only DynamoDB leaves the process.
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = url
    get_deps.cache_clear()
    endpoint = get_deps().dynamodb.meta.endpoint_url
    if endpoint != url:
        raise RuntimeError(f"the app's DynamoDB client points at {endpoint}, not {url}")
    try:
        yield table
    finally:
        loader.delete_table(TableName=table)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(options: Options) -> tuple[str, bool]:
    rng = random.Random(options.seed)
    today = datetime.now(UTC).date()
    started = time.perf_counter()
    mine = invoices_of(TENANT, options.invoices, RARE_IN_TENANT, rng, today)
    theirs = invoices_of(OTHER_TENANT, options.other_invoices, RARE_IN_OTHER, rng, today)
    progress(f"built {len(mine) + len(theirs):,} invoices in {time.perf_counter() - started:.0f} s")
    data = Data(today, mine, theirs)
    with dynamodb_local() as (url, engine):
        loader = loader_client(url, options.threads)
        with bench_table(loader, url) as table:
            started = time.perf_counter()
            for invoices in (mine, theirs):
                load(loader, table, invoices, options.threads)
            load_seconds = time.perf_counter() - started
            progress(f"loaded them in {load_seconds:.0f} s")
            for tenant, invoices in ((TENANT, mine), (OTHER_TENANT, theirs)):
                indexed = indexed_count(loader, table, tenant)
                if indexed != len(invoices):
                    raise RuntimeError(f"{tenant}: {indexed} invoices indexed of {len(invoices)}")
            baseline_run, results = measure(options, data)
    report = summary(options, data, engine, load_seconds, baseline_run, results)
    return report, not failures(baseline_run, results)


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--invoices", type=int, default=DEFAULT_INVOICES,
                        help="invoices of the measured tenant (default %(default)s)")  # fmt: skip
    parser.add_argument("--requests", type=int, default=30, help="requests per endpoint")
    parser.add_argument("--heavy-requests", type=int, default=3,
                        help="requests per endpoint that reads a whole partition")  # fmt: skip
    parser.add_argument("--threads", type=int, default=4, help="threads loading the table")
    parser.add_argument("--seed", type=int, default=4, help="seed of the generated invoices")
    args = parser.parse_args(argv)
    if args.invoices < 2 * DEEP_PAGE * PAGE_SIZE or args.requests < 2 or args.heavy_requests < 2:
        parser.error(f"need at least {2 * DEEP_PAGE * PAGE_SIZE} invoices and 2 requests")
    return Options(args.invoices, args.requests, args.heavy_requests, args.threads, args.seed)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the section; exit 1 after printing it if any bar was missed or answer was wrong."""
    options = parse(argv)
    use_local_environment()
    report, passed = run(options)
    print(report)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
