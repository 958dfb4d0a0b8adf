"""What the recurring job costs at scale (issue 6): thousands of recurring templates due over
100 tenants (10,000 with `--templates 10000`, the issue's size), found by one run through the
sparse due index, queued in chunks and taken one chunk at a time by the worker's code
(`runs.take`), as the Lambda worker takes them from SQS.

It counts every DynamoDB call the run and the worker make on the app's own client (calls per
invoice issued, and Scans), times the run and each chunk, and times a baseline in the same
process, alternating with the chunks: the repository's plain `add` of a period's invoice (one
`TransactWriteItems` of the invoice, its client's count and its figures), so the job's cost per
invoice reads as a ratio. A second run for the same time must find nothing and write nothing.
The stored result is checked: one new invoice per due template, each template advanced once,
the rest untouched.

moto's `TransactWriteItems` deep-copies the whole table for every item of a transaction, to roll
back on failure: at this size that is seconds per transaction, growing with the table, with no
counterpart in DynamoDB. The bench keeps moto's own transaction code but hands it a copy that
is proportionate to the transaction (the table's structure, and deep copies of the items the
transaction updates in place), checks first that a cancelled transaction still leaves nothing
behind, and reports that it did so; `--full-table-copies` keeps moto's copy (small runs only).

Run from the repository root: `.venv/bin/python -m bench.jobs` (5,000 templates: about three
minutes on 2 vCPUs), `--templates 10000` for the issue's size (six and a half minutes, nearly
all of it moto's work on each item; more on a busy machine), or `--templates 1000 --tenants 10`
for a run of under a minute."""

from __future__ import annotations

import argparse
import copy
import functools
import gc
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.metadata import version
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from unittest import mock

import boto3
from botocore.exceptions import ClientError
from moto.core.model_instances import reset_model_data

from bench.harness import CallLog, Traffic, emulated_aws, use_local_environment
from bench.report import TIMES
from bench.workload import row_body
from chalicelib.bootstrap import get_deps
from chalicelib.domain import recurring
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.due import Job
from chalicelib.domain.due import advanced as due_advanced
from chalicelib.domain.invoice import Invoice, RecurringAgreement
from chalicelib.domain.invoicing import InvoiceDefaults, new_invoice
from chalicelib.domain.values import Actor, new_id
from chalicelib.jobs import runs
from chalicelib.jobs.work import Report
from chalicelib.store import keys
from chalicelib.store.dynamo import from_item, to_item
from chalicelib.store.queue import SqsChunkQueue
from invoicing_cli.local import JOBS_QUEUE_NAME, PROJECT_DIR, TABLE_NAME
from invoicing_cli.resources import create_jobs_queue
from tests.figures import load_straight

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# The size, 10,000, takes six and a half minutes in moto (more on a busy machine):
# `make bench` runs half of it, a few minutes, and docs/benchmarks.md reports both.
DEFAULT_TEMPLATES = 5_000
DEFAULT_TENANTS = 100
MAX_ROWS = 5  # a subscription's few lines; moto's time per item grows with its attributes
NOT_DUE_SHARE = 10  # one template in this many more starts next month: indexed, not yet due
BASELINE_PER_CHUNK = 10  # baseline adds timed after each chunk
BAR_CALLS_PER_INVOICE = 3
LAMBDA_LIMIT_S = 15 * 60
STAGE = "prod"
NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)  # the run's time: 1 March in every zone below
PERIOD = date(2030, 3, 1)
CREATED = datetime(2030, 1, 15, 9, tzinfo=UTC)
TIMEZONES = ("UTC", "Europe/Helsinki", "America/Los_Angeles", "Pacific/Auckland")
INTERVALS: tuple[dict[str, int], ...] = (
    {"intervalMonths": 1},
    {"intervalMonths": 1},
    {"intervalMonths": 3},
    {"intervalMonths": 12},
    {"intervalDays": 14},
    {"intervalDays": 30},
)
CLIENTS = 50  # per tenant; never read while autoSend is off
TENANT_PREFIX = "bench-jobs-"
BASELINE_TENANT = "bench-jobs-baseline"


@functools.cache
def configured_timeout_s(function: str) -> int:
    """A job Lambda's timeout as .chalice/config.json sets it for the prod stage."""
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    stage = config["stages"][STAGE]
    timeout: int = stage["lambda_functions"][function]["lambda_timeout"]
    return timeout


def bar_chunk_s() -> float:
    """A chunk must take far less than the worker's timeout: a tenth of it at most."""
    return configured_timeout_s("job_worker") / 10


# --- moto's transactions, copying what they touch rather than the whole table ---------------


@contextmanager
def proportionate_transactions() -> Iterator[None]:
    """moto's TransactWriteItems, rolling back from a copy of the table's structure (its dicts
    of items) with deep copies of only the items the transaction updates in place; a Put or a
    Delete replaces or removes an item object, so the structure restores it. Rollback then
    restores exactly what moto's full deep copy would."""
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        updates = [op for item in transact_items for kind, op in item.items() if kind == "Update"]
        taken: dict[int, Any] = {}  # moto copies a table once per item: one copy serves all

        def snapshot(value: Any, memo: dict[int, Any] | None = None) -> Any:
            if not isinstance(value, Table):
                return copy.deepcopy(value, memo)  # moto's other copies (an update's old item)
            if id(value) not in taken:
                taken[id(value)] = table_snapshot(value)
            return taken[id(value)]

        def table_snapshot(value: Any) -> Any:
            if not value.has_range_key:
                raise NotImplementedError("the app's table has a sort key")
            saved = copy.copy(value)
            saved.items = defaultdict(dict, {h: dict(r) for h, r in value.items.items()})
            for op in updates:
                if op["TableName"] != value.name:
                    continue
                hash_key = DynamoType(op["Key"][value.hash_key_attr])
                range_key = DynamoType(op["Key"][value.range_key_attr])
                item = value.items.get(hash_key, {}).get(range_key)
                if item is not None:
                    saved.items[hash_key][range_key] = copy.deepcopy(item)
            return saved

        with mock.patch.object(models, "copy", SimpleNamespace(deepcopy=snapshot)):
            original(backend, transact_items)

    with mock.patch.object(models.DynamoDBBackend, "transact_write_items", transact_write_items):
        yield


def check_rollback(client: DynamoDBClient) -> None:
    """A cancelled transaction (a put, an ADD to an existing item, a failed condition check)
    leaves the table as it was: the lighter copy still rolls back."""
    pk = {"S": "BENCH#rollback"}
    client.put_item(TableName=TABLE_NAME, Item={"PK": pk, "SK": {"S": "b"}, "n": {"N": "1"}})
    try:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE_NAME, "Item": {"PK": pk, "SK": {"S": "a"}}}},
                {
                    "Update": {
                        "TableName": TABLE_NAME,
                        "Key": {"PK": pk, "SK": {"S": "b"}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": TABLE_NAME,
                        "Key": {"PK": pk, "SK": {"S": "c"}},
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
    else:
        raise RuntimeError("the rollback check's transaction was not cancelled")
    left = client.query(
        TableName=TABLE_NAME,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": pk},
    )["Items"]
    if left != [{"PK": pk, "SK": {"S": "b"}, "n": {"N": "1"}}]:
        raise RuntimeError(f"a cancelled transaction left {left}")
    client.delete_item(TableName=TABLE_NAME, Key={"PK": pk, "SK": {"S": "b"}})


# --- The data: templates built as the domain builds them, loaded straight in ----------------


@dataclass(frozen=True)
class Options:
    templates: int
    tenants: int
    seed: int
    full_table_copies: bool


def tenant_name(n: int) -> str:
    return f"{TENANT_PREFIX}{n:03d}"


def template(tenant: str, rng: random.Random, starts: date) -> Invoice:
    interval = rng.choice(INTERVALS)
    body = {
        "currency": "EUR",
        "paymentTermDays": rng.choice((14, 30)),
        "note": f"Series {new_id()}",
        "clientId": f"client-{rng.randrange(CLIENTS):03d}",  # a draft period copies the id only
        "rows": [row_body(rng) for _ in range(rng.randint(1, MAX_ROWS))],
        "recurringAgreement": {**interval, "nextInvoiceDate": starts.isoformat()},
    }
    defaults = InvoiceDefaults(timezone=rng.choice(TIMEZONES))
    invoice = new_invoice(
        InvoiceFields.model_validate(body), actor=Actor(tenant, "bench"), now=CREATED,
        defaults=defaults,
    )  # fmt: skip
    return invoice.model_copy(update={"version": 1})  # as the repository's add stores it


def seed(client: DynamoDBClient, options: Options) -> dict[str, list[Invoice]]:
    """Each tenant's templates: its share of the due ones, and one in NOT_DUE_SHARE more that
    starts next month."""
    rng = random.Random(options.seed)
    by_tenant: dict[str, list[Invoice]] = {}
    for n in range(options.tenants):
        tenant = tenant_name(n)
        due = options.templates // options.tenants + (n < options.templates % options.tenants)
        later = math.ceil(due / NOT_DUE_SHARE)
        starts = [PERIOD] * due + [date(2030, 4, 1)] * later
        by_tenant[tenant] = [template(tenant, rng, day) for day in starts]
        load_straight(client, TABLE_NAME, by_tenant[tenant])
        load_clients(client, tenant)
    load_clients(client, BASELINE_TENANT)  # the baseline's periods name them too
    return by_tenant


def load_clients(client: DynamoDBClient, tenant: str) -> None:
    """The CLIENTS clients the templates name, as the clients' repository stores them: every
    invoice names one of its tenant's clients, and a period's write counts one more on it."""
    items = [
        to_item({
            "PK": keys.tenant_pk(tenant), "SK": f"{keys.CLIENT_PREFIX}client-{n:03d}",
            "entity": "CLIENT", "id": f"client-{n:03d}", "tenantId": tenant,
            "name": f"Client {n}", "created": "2026-01-01T00:00:00.000Z", "createdBy": "bench",
            "updated": "2026-01-01T00:00:00.000Z", "updatedBy": "bench", "version": 1,
        })
        for n in range(CLIENTS)
    ]  # fmt: skip
    for start in range(0, len(items), 25):
        puts: list[Any] = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        client.batch_write_item(RequestItems={TABLE_NAME: puts})


# --- The run, the chunks, the baseline -------------------------------------------------------


@dataclass
class Measured:
    run_ns: int = 0
    run_traffic: Traffic = field(default_factory=lambda: Traffic((), 0))
    report: Report = field(default_factory=lambda: Report(Job.RECURRING))
    worked: Report = field(default_factory=lambda: Report(Job.RECURRING))
    chunk_sizes: list[int] = field(default_factory=list)
    chunk_ns: list[int] = field(default_factory=list)
    chunk_store_ns: list[int] = field(default_factory=list)
    operations: Counter[str] = field(default_factory=Counter)
    baseline_ns: list[int] = field(default_factory=list)
    baseline_operations: Counter[tuple[str, ...]] = field(default_factory=Counter)
    rerun_traffic: Traffic = field(default_factory=lambda: Traffic((), 0))
    rerun: Report = field(default_factory=lambda: Report(Job.RECURRING))

    @property
    def issued(self) -> int:
        return len(self.report.done) + len(self.worked.done)

    @property
    def calls(self) -> int:
        return sum(self.operations.values())

    @property
    def per_invoice_ms(self) -> list[float]:
        return [ns / size / 1e6 for ns, size in zip(self.chunk_ns, self.chunk_sizes, strict=True)]

    @property
    def outside_store_per_invoice_ms(self) -> list[float]:
        pairs = zip(self.chunk_ns, self.chunk_store_ns, self.chunk_sizes, strict=True)
        return [(ns - store) / size / 1e6 for ns, store, size in pairs]

    @property
    def total_s(self) -> float:
        return (self.run_ns + sum(self.chunk_ns)) / 1e9


def baseline_invoices(templates: Sequence[Invoice], rng: random.Random) -> Iterator[Invoice]:
    """Periods' invoices as the job makes them, of templates picked at random, for a tenant of
    their own: what the job writes, without its read and its template's advance."""
    actor = Actor(BASELINE_TENANT, "bench")
    while True:
        invoice = recurring.invoice_for_period(rng.choice(templates), PERIOD, actor=actor, now=NOW)
        yield invoice.model_copy(update={"tenant_id": BASELINE_TENANT})


def measure(options: Options, by_tenant: dict[str, list[Invoice]]) -> Measured:
    deps = get_deps()
    log = CallLog(deps.dynamodb)
    ports = deps.job_ports()
    queue = SqsChunkQueue(deps.settings.jobs_queue_url)
    measured = Measured()
    rng = random.Random(options.seed + 1)
    every_template = [invoice for invoices in by_tenant.values() for invoice in invoices]
    baseline = baseline_invoices(every_template, rng)
    for _ in range(BASELINE_PER_CHUNK):  # warm-up: the repository's first writes
        deps.invoices.add(next(baseline))

    gc.collect()
    reset_model_data()
    log.take()
    start = time.perf_counter_ns()
    measured.report = runs.run(Job.RECURRING, NOW, ports)
    measured.run_ns = time.perf_counter_ns() - start
    measured.run_traffic = log.take()
    measured.operations.update(measured.run_traffic.operations)

    while received := queue.receive():
        for chunk, receipt in received:
            # moto keeps every model object it makes (bench/harness.py): forgotten here.
            reset_model_data()
            start = time.perf_counter_ns()
            measured.worked.add(runs.take(chunk, ports))
            elapsed = time.perf_counter_ns() - start
            traffic = log.take()
            queue.delete(receipt)
            measured.chunk_sizes.append(len(chunk.items))
            measured.chunk_ns.append(elapsed)
            measured.chunk_store_ns.append(traffic.store_ns)
            measured.operations.update(traffic.operations)
            for _ in range(BASELINE_PER_CHUNK):
                invoice = next(baseline)
                reset_model_data()
                start = time.perf_counter_ns()
                deps.invoices.add(invoice)
                measured.baseline_ns.append(time.perf_counter_ns() - start)
                measured.baseline_operations[log.take().operations] += 1

    reset_model_data()
    log.take()
    measured.rerun = runs.run(Job.RECURRING, NOW, ports)
    measured.rerun_traffic = log.take()
    return measured


# --- What the table holds afterwards --------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    tenants: int
    problems: dict[str, list[str]]  # by tenant

    @property
    def tenants_as_expected(self) -> int:
        return self.tenants - len(self.problems)


def check_outcome(client: DynamoDBClient, by_tenant: dict[str, list[Invoice]]) -> Outcome:
    """Each due template made one RECURRING invoice (its note is the template's) and moved on
    one period; the templates that start next month did not; nothing else appeared."""
    problems: dict[str, list[str]] = defaultdict(list)
    for tenant, templates in by_tenant.items():
        stored = tenant_invoices(client, tenant)
        seeded = {t.id: t.recurring_agreement for t in templates}
        due = {
            t.id: t
            for t in templates
            if t.recurring_agreement and t.recurring_agreement.next_invoice_date == PERIOD
        }
        notes = Counter(item.get("note") for item in stored if item["type"] == "RECURRING")
        expected_notes = Counter(t.note for t in due.values())
        if notes != expected_notes:
            problems[tenant].append(f"RECURRING invoices by note {notes} for {expected_notes}")
        for item in stored:
            if item.get("recurringAgreement") is None:
                continue
            agreement = RecurringAgreement.model_validate(item["recurringAgreement"])
            expected = seeded[item["id"]]
            assert expected is not None
            if item["id"] in due:
                expected = due_advanced(expected)
            if agreement != expected:
                problems[tenant].append(f"template {item['id']} at {agreement}")
        if len(stored) != len(templates) + len(due):
            problems[tenant].append(f"{len(stored)} invoices for {len(templates) + len(due)}")
    return Outcome(len(by_tenant), dict(problems))


def tenant_invoices(client: DynamoDBClient, tenant: str) -> list[dict[str, Any]]:
    """The tenant's invoices, a few attributes each, read on a client of the bench's own."""
    request: dict[str, Any] = {
        "TableName": TABLE_NAME,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :invoice)",
        "ExpressionAttributeValues": {
            ":pk": {"S": keys.tenant_pk(tenant)},
            ":invoice": {"S": keys.INVOICE_PREFIX},
        },
        "ProjectionExpression": "id, #type, note, recurringAgreement",
        "ExpressionAttributeNames": {"#type": "type"},
    }
    items: list[dict[str, Any]] = []
    while True:
        page = client.query(**request)
        items += [from_item(item) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# --- The report ----------------------------------------------------------------------------


def problems(measured: Measured, outcome: Outcome, options: Options) -> list[str]:
    found = [f"{tenant}: {p}" for tenant, ps in outcome.problems.items() for p in ps][:10]
    per_invoice = measured.calls / max(measured.issued, 1)
    if measured.issued != options.templates:
        found.append(f"{measured.issued} invoices issued for {options.templates} due templates")
    if per_invoice > BAR_CALLS_PER_INVOICE:
        found.append(f"{per_invoice:.3f} DynamoDB calls per invoice, bar {BAR_CALLS_PER_INVOICE}")
    scans = measured.operations["Scan"] + measured.rerun_traffic.operations.count("Scan")
    if scans:
        found.append(f"{scans} Scan calls, bar 0")
    if measured.worked.failed or measured.report.failed:
        found.append(f"{len(measured.worked.failed)} items failed")
    if measured.chunk_ns and max(measured.chunk_ns) / 1e9 > bar_chunk_s():
        largest = max(measured.chunk_ns) / 1e9
        found.append(f"largest chunk took {largest:.1f} s, bar {bar_chunk_s():.0f} s")
    if set(measured.rerun_traffic.operations) - {"Query"} or measured.rerun.found:
        sent = operations_text(measured.rerun_traffic.operations)
        found.append(f"the second run found {measured.rerun.found} and sent {sent}")
    return found


def operations_text(operations: Counter[str] | Sequence[str]) -> str:
    counted = operations if isinstance(operations, Counter) else Counter(operations)
    return " + ".join(f"{name} {TIMES}{count:,}" for name, count in counted.most_common())


def summary(
    options: Options, measured: Measured, outcome: Outcome, phases: dict[str, float]
) -> str:
    python = f"{platform.python_implementation()} {platform.python_version()}"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    copies = (
        "moto's own copy of the whole table for every transaction item"
        if options.full_table_copies
        else "its TransactWriteItems rolling back from a copy of what the transaction touches "
        "(checked before the run: a cancelled transaction leaves nothing behind)"
    )
    issued, calls = measured.issued, measured.calls
    per_invoice = statistics.median(measured.per_invoice_ms)
    outside = statistics.median(measured.outside_store_per_invoice_ms)
    baseline = statistics.median(measured.baseline_ns) / 1e6
    largest = max(measured.chunk_ns) / 1e9
    found = problems(measured, outcome, options)
    baseline_ops = " / ".join(" + ".join(ops) for ops in measured.baseline_operations)
    run = measured.run_traffic.operations
    run_timeout = configured_timeout_s("recurring_job")
    worker_timeout = configured_timeout_s("job_worker")
    rows = [
        ("invoices issued", f"{issued:,}, one per due template ({outcome.tenants_as_expected} "
         f"of {outcome.tenants} tenants exactly as expected)", f"{options.templates:,}"),
        ("the run: due index, then chunks to SQS", f"{operations_text(run)}; "
         f"{measured.report.queued_chunks} chunks, {measured.report.queued_items:,} items; "
         f"{measured.run_ns / 1e9:.2f} s ({measured.run_ns / 1e9 / run_timeout:.1%} of the "
         f"run's {run_timeout} s timeout)", "-"),
        ("DynamoDB calls, run and workers", f"{calls:,}: {operations_text(measured.operations)}",
         "-"),
        ("DynamoDB calls per invoice issued", f"{calls / issued:.4f}",
         f"≤ {BAR_CALLS_PER_INVOICE}"),
        ("Scan calls", str(measured.operations["Scan"]), "0"),
        ("chunks taken (items each)", f"{len(measured.chunk_ns)} "
         f"({min(measured.chunk_sizes)}-{max(measured.chunk_sizes)})", "-"),
        ("largest chunk's time", f"{largest:.2f} s ({largest / worker_timeout:.1%} of the "
         f"worker's {worker_timeout} s timeout, {largest / LAMBDA_LIMIT_S:.2%} of Lambda's "
         "15 minutes)", f"≤ {bar_chunk_s():.0f} s"),
        ("median chunk's time", f"{statistics.median(measured.chunk_ns) / 1e9:.2f} s", "-"),
        ("invoices per second in process (run and every chunk, one worker)",
         f"{issued / measured.total_s:.1f} ({measured.total_s:.0f} s in all)", "-"),
        ("ms per invoice in a chunk (median over chunks)", f"{per_invoice:.2f}", "-"),
        ("of which outside DynamoDB", f"{outside:.2f}", "-"),
        (f"baseline: repository `add` of a period's invoice ({baseline_ops}), median ms",
         f"{baseline:.2f} over {len(measured.baseline_ns):,} adds", "-"),
        (f"ms per invoice {TIMES} baseline", f"{per_invoice / baseline:.2f}{TIMES}", "-"),
        ("second run for the same time", f"found {measured.rerun.found}; "
         f"{operations_text(measured.rerun_traffic.operations)}", "index queries only"),
    ]  # fmt: skip
    table = ["| measure | value | bar |", "| --- | --- | --- |"]
    table += [f"| {name} | {value} | {bar} |" for name, value, bar in rows]
    verdict = ["Every bar met."] if not found else [f"**MISSED**: {p}" for p in found]
    took = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in phases.items())
    return "\n".join(
        [
            f"Machine: {python} on {platform.platform()}, {os.cpu_count()} CPUs, load average "
            f"{load} at the end; moto {version('moto')} in process, {copies}.",
            f"Data: {options.templates:,} recurring templates due on {PERIOD.isoformat()} over "
            f"{options.tenants} tenants, and one in {NOT_DUE_SHARE} more per tenant starting a "
            f"month later (indexed, not due); 1-{MAX_ROWS} rows, intervals of 1, 3 and 12 "
            f"months and 14 and 30 days, timezones {', '.join(TIMEZONES)}, each naming one of "
            f"{CLIENTS} clients, autoSend off.",
            f"Run for {NOW.isoformat().replace('+00:00', 'Z')}; chunks of {runs.CHUNK_SIZE}, "
            f"each received from the queue and taken with `runs.take`, as the worker does, "
            f"then {BASELINE_PER_CHUNK} baseline adds. Took {took}.",
            "",
            *table,
            "",
            *verdict,
        ]
    )


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs", description=__doc__)
    parser.add_argument("--templates", type=int, default=DEFAULT_TEMPLATES, help="due templates")
    parser.add_argument("--tenants", type=int, default=DEFAULT_TENANTS, help="tenants")
    parser.add_argument("--seed", type=int, default=6, help="seed for the templates")
    parser.add_argument(
        "--full-table-copies",
        action="store_true",
        help="keep moto's deep copy of the whole table per transaction item (small runs only)",
    )
    args = parser.parse_args(argv)
    if args.tenants < 1 or args.templates <= runs.CHUNK_SIZE:
        parser.error(f"need a tenant and more than {runs.CHUNK_SIZE} templates (a queued run)")
    return Options(args.templates, args.tenants, args.seed, args.full_table_copies)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the section; exit 1 after printing it if any bar was missed."""
    options = parse(argv)
    use_local_environment()
    transactions = nullcontext() if options.full_table_copies else proportionate_transactions()
    phases: dict[str, float] = {}
    with emulated_aws(), transactions:
        os.environ["JOBS_QUEUE_URL"] = create_jobs_queue(boto3.client("sqs"), JOBS_QUEUE_NAME)
        get_deps.cache_clear()
        checker = boto3.client("dynamodb")
        check_rollback(checker)
        with timed_phase(phases, "loading"):
            by_tenant = seed(checker, options)
        with timed_phase(phases, "measuring"):
            measured = measure(options, by_tenant)
        with timed_phase(phases, "checking the table"):
            outcome = check_outcome(checker, by_tenant)
    print(summary(options, measured, outcome, phases))
    return 1 if problems(measured, outcome, options) else 0


@contextmanager
def timed_phase(phases: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    phases[name] = time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
