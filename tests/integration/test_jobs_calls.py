"""What the scheduled jobs cost in DynamoDB calls (counted, never timed), and that they do their
work once: the recurring job issues one invoice per due template, whether it runs inline or its
chunks go through the queue to workers, and the overdue job flags each late invoice once.

The bar: at most 3 DynamoDB calls per invoice issued or flagged, counting everything the run
and its workers sent (the due index's queries included), never a Scan; a second run for the
same time writes nothing and costs only the index queries."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest
from moto.ses.models import ses_backends

from chalicelib.bootstrap import get_deps
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.due import Job
from chalicelib.domain.invoicing import InvoiceDefaults, new_invoice
from chalicelib.domain.values import Actor
from chalicelib.domain.work import Chunk
from chalicelib.jobs import runs
from chalicelib.jobs.work import Report
from chalicelib.store import keys
from chalicelib.store.queue import SqsChunkQueue
from invoicing_cli.local import REGION, TABLE_NAME
from tests.figures import load_straight
from tests.support import MOTO_ACCOUNT, Api, DynamoCalls

BASE = "/api/v1/invoices"
BAR = 3  # DynamoDB calls per invoice issued or flagged, queries included
NOW = datetime(2030, 3, 1, 9, 30, tzinfo=UTC)
PERIOD = "2030-03-01"
NEXT_PERIOD = "2030-04-01"
TENANTS = ("acme", "globex", "initech")
TEMPLATES_PER_TENANT = 10
# One more than a chunk, so the run queues its work: a chunk of 100 and one of 1 (moto copies
# the whole table for every item of every transaction, so each template here costs time).
QUEUED = {"acme": runs.CHUNK_SIZE // 2 + 1, "globex": runs.CHUNK_SIZE // 2}
ROW = {"description": "Hosting", "quantity": 1, "unitPrice": 100, "taxRate": 20}
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})


def at(day: str) -> str:
    return f"{day}T00:00:00Z"


def template_body(tenant: str, n: int, next_date: str = PERIOD) -> dict[str, Any]:
    return {
        "note": f"{tenant} series {n}",
        "rows": [ROW],
        "recurringAgreement": {"intervalMonths": 1, "nextInvoiceDate": next_date},
    }


def all_invoices(api: Api) -> list[dict[str, Any]]:
    """Every invoice of the caller's tenant, page by page."""
    invoices: list[dict[str, Any]] = []
    cursor = ""
    while True:
        reply = api.get(f"{BASE}/find-all?limit=200{cursor}")
        assert reply.status == 200, reply.body
        invoices += reply.json()
        if "X-Next-Cursor" not in reply.headers:
            return invoices
        cursor = f"&cursor={reply.headers['X-Next-Cursor']}"


def recurring_of(invoices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [invoice for invoice in invoices if invoice["type"] == "RECURRING"]


def templates_of(invoices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [invoice for invoice in invoices if invoice["recurringAgreement"] is not None]


def assert_within_bar(operations: list[str], done: int) -> None:
    assert done > 0
    assert "Scan" not in operations
    assert len(operations) <= BAR * done, Counter(operations)


def assert_one_invoice_per_template(api: Api, tenant: str, templates: int) -> None:
    """Each template made exactly one draft for the period and moved on to the next one."""
    invoices = all_invoices(api.as_tenant(tenant))
    assert {invoice["tenantId"] for invoice in invoices} == {tenant}
    issued, series = recurring_of(invoices), templates_of(invoices)
    assert len(series) == templates
    assert sorted(i["note"] for i in issued) == sorted(t["note"] for t in series)
    assert {(i["status"], i["invoiceDate"], i["recurringAgreement"]) for i in issued} == {
        ("DRAFT", at(PERIOD), None)
    }
    assert {
        (t["recurringAgreement"]["nextInvoiceDate"], t["recurringAgreement"]["periodsInvoiced"])
        for t in series
    } == {(at(NEXT_PERIOD), 1)}


def run_again_writes_nothing(job: Job, dynamo_calls: DynamoCalls) -> None:
    """The same run once more (EventBridge may deliver an event twice): the index no longer
    lists anything due, so only its shards are queried."""
    dynamo_calls.reset()
    report = runs.run(job, NOW, get_deps().job_ports())
    assert (report.found, report.queued_chunks) == (0, 0)
    assert dynamo_calls.operations == ["Query"] * keys.DUE_SHARDS


# Recurring, inline


def test_a_run_that_fits_one_chunk_issues_one_invoice_per_template_within_the_bar(
    api: Api, dynamo_calls: DynamoCalls
) -> None:
    for tenant in TENANTS:
        caller = api.as_tenant(tenant)
        for n in range(TEMPLATES_PER_TENANT):
            assert caller.post(BASE, template_body(tenant, n)).status == 201
        assert caller.post(BASE, {"rows": [ROW]}).status == 201  # no agreement: not a template
    later = api.as_tenant("hooli")  # its series starts next month: nothing due yet
    assert later.post(BASE, template_body("hooli", 0, NEXT_PERIOD)).status == 201
    due = len(TENANTS) * TEMPLATES_PER_TENANT

    dynamo_calls.reset()
    report = runs.run(Job.RECURRING, NOW, get_deps().job_ports())

    assert (len(report.done), report.skipped, report.failed) == (due, [], [])
    assert report.queued_chunks == 0
    # The index's shards, then per template one read (template, counter and settings in one
    # BatchGetItem) and one transaction (the new invoice, the advanced template, the figures).
    assert dynamo_calls.by_operation == Counter(
        {"Query": keys.DUE_SHARDS, "BatchGetItem": due, "TransactWriteItems": due}
    )
    assert_within_bar(dynamo_calls.operations, due)

    for tenant in TENANTS:
        assert_one_invoice_per_template(api, tenant, TEMPLATES_PER_TENANT)
    (untouched,) = all_invoices(later)
    assert untouched["recurringAgreement"]["nextInvoiceDate"] == at(NEXT_PERIOD)
    assert untouched["recurringAgreement"]["periodsInvoiced"] == 0

    run_again_writes_nothing(Job.RECURRING, dynamo_calls)
    assert len(recurring_of(all_invoices(api.as_tenant(TENANTS[0])))) == TEMPLATES_PER_TENANT


def test_a_template_naming_a_client_stays_within_the_bar(
    api: Api, dynamo_calls: DynamoCalls
) -> None:
    caller = api.as_tenant("acme")
    client = caller.post("/api/v1/clients", {"name": "Client Oy"})
    assert client.status == 201, client.body
    for n in range(TEMPLATES_PER_TENANT):
        body = {**template_body("acme", n), "clientId": client.json()["id"]}
        assert caller.post(BASE, body).status == 201

    dynamo_calls.reset()
    report = runs.run(Job.RECURRING, NOW, get_deps().job_ports())

    assert len(report.done) == TEMPLATES_PER_TENANT
    # No read of the client: a draft period copies its id only. The index's 16 queries are the
    # run's, whatever it finds; per template, one read and one transaction.
    operations = Counter(dynamo_calls.operations)
    assert operations == Counter(
        {
            "Query": 16,
            "BatchGetItem": TEMPLATES_PER_TENANT,
            "TransactWriteItems": TEMPLATES_PER_TENANT,
        }
    )


def sent_messages() -> list[Any]:
    return list(ses_backends[MOTO_ACCOUNT][REGION].sent_messages)


AUTO_SEND_BAR = 7  # DynamoDB calls per autoSend period, issued and emailed (issue 20)


def test_an_auto_send_period_is_issued_and_emailed_within_seven_calls(
    api: Api, dynamo_calls: DynamoCalls
) -> None:
    """Per period: the template read (with counter and settings), its client, the transaction
    that writes the invoice issued, the send's claim, the sent invoice's write and the claim's
    completion. The invoice just written is handed on, not read again."""
    caller = api.as_tenant("acme")
    client = caller.post("/api/v1/clients", {"name": "Client Oy", "email": "ap@client.example"})
    assert client.status == 201, client.body
    agreement = {"intervalMonths": 1, "nextInvoiceDate": PERIOD, "autoSend": True}
    body = {"rows": [ROW], "clientId": client.json()["id"], "recurringAgreement": agreement}
    assert caller.post(BASE, body).status == 201
    assert api.as_tenant("globex").post(BASE, template_body("globex", 0)).status == 201
    mails_before = len(sent_messages())

    dynamo_calls.reset()
    report = runs.run(Job.RECURRING, NOW, get_deps().job_ports())

    assert (len(report.done), report.failed) == (2, [])
    per_template = len(dynamo_calls.operations) - keys.DUE_SHARDS
    draft_period = 2  # globex's template makes a draft: one read, one transaction
    assert "Scan" not in dynamo_calls.operations
    assert per_template - draft_period <= AUTO_SEND_BAR, Counter(dynamo_calls.operations)
    (issued,) = recurring_of(all_invoices(caller))
    assert (issued["status"], issued["invoiceNumber"]) == ("SENT", "INV-2030-0001")
    assert (issued["totalWithTax"], issued["client"]["name"]) == (120, "Client Oy")
    assert len(sent_messages()) == mails_before + 1
    (draft,) = recurring_of(all_invoices(api.as_tenant("globex")))
    assert (draft["status"], draft["invoiceNumber"]) == ("DRAFT", None)


# Recurring, through the queue


def seed_templates(tenant: str, count: int) -> None:
    """Templates written straight into the table with their figures, as a create stores them:
    moto copies the whole table for every item of every transaction, so creating them one by
    one would take most of the test's time."""
    actor = Actor(tenant, "user-1")
    created = datetime(2030, 1, 10, 8, tzinfo=UTC)
    templates = [
        new_invoice(
            InvoiceFields.model_validate(template_body(tenant, n)),
            actor=actor,
            now=created,
            defaults=InvoiceDefaults(),
        ).model_copy(update={"version": 1})
        for n in range(count)
    ]
    load_straight(get_deps().dynamodb, TABLE_NAME, templates)


def take_queued(queue: SqsChunkQueue) -> tuple[Report, list[Chunk]]:
    """What the worker does: every chunk on the queue taken, then deleted."""
    ports = get_deps().job_ports()
    total = Report(Job.RECURRING)
    taken: list[Chunk] = []
    while received := queue.receive():
        for chunk, receipt in received:
            total.add(runs.take(chunk, ports))
            queue.delete(receipt)
            taken.append(chunk)
    return total, taken


def test_a_run_larger_than_a_chunk_queues_it_and_the_workers_issue_each_invoice_once(
    api: Api, dynamo_calls: DynamoCalls
) -> None:
    for tenant, count in QUEUED.items():
        seed_templates(tenant, count)
    due = sum(QUEUED.values())
    queue = SqsChunkQueue(get_deps().settings.jobs_queue_url)

    dynamo_calls.reset()
    report = runs.run(Job.RECURRING, NOW, get_deps().job_ports())

    assert (report.done, report.queued_items, report.queued_chunks) == ([], due, 2)
    assert dynamo_calls.operations == ["Query"] * keys.DUE_SHARDS  # the run only reads the index

    worked, chunks = take_queued(queue)

    sizes = sorted((len(chunk.items) for chunk in chunks), reverse=True)
    assert sizes == [runs.CHUNK_SIZE, due - runs.CHUNK_SIZE]
    assert {chunk.now for chunk in chunks} == {NOW}
    assert (len(worked.done), worked.skipped, worked.failed) == (due, [], [])
    assert dynamo_calls.by_operation == Counter(
        {"Query": keys.DUE_SHARDS, "BatchGetItem": due, "TransactWriteItems": due}
    )
    assert_within_bar(dynamo_calls.operations, due)
    for tenant, count in QUEUED.items():
        assert_one_invoice_per_template(api, tenant, count)

    # SQS delivers at least once: a chunk taken again reads its templates and writes nothing.
    dynamo_calls.reset()
    full = next(chunk for chunk in chunks if len(chunk.items) == runs.CHUNK_SIZE)
    again = runs.take(full, get_deps().job_ports())
    assert (again.done, len(again.skipped)) == ([], runs.CHUNK_SIZE)
    assert dynamo_calls.operations == ["BatchGetItem"] * runs.CHUNK_SIZE

    run_again_writes_nothing(Job.RECURRING, dynamo_calls)
    assert queue.receive() == []


def test_a_run_repeated_before_the_workers_took_its_chunks_still_issues_once(
    api: Api, dynamo_calls: DynamoCalls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs for the same time queue the same work twice; the second copy finds each
    template already advanced and writes nothing. Chunks of 4 here, so that a few templates
    make several chunks."""
    monkeypatch.setattr(runs, "CHUNK_SIZE", 4)
    for tenant in TENANTS:
        seed_templates(tenant, 3)
    due = len(TENANTS) * 3
    ports = get_deps().job_ports()
    first = runs.run(Job.RECURRING, NOW, ports)
    second = runs.run(Job.RECURRING, NOW, ports)
    for run in (first, second):
        assert (run.done, run.queued_chunks, run.queued_items) == ([], 3, due)

    dynamo_calls.reset()
    worked, chunks = take_queued(SqsChunkQueue(get_deps().settings.jobs_queue_url))

    assert len(chunks) == 6
    assert (len(worked.done), len(worked.skipped), worked.failed) == (due, due, [])
    assert dynamo_calls.by_operation["TransactWriteItems"] == due
    assert not set(dynamo_calls.operations) & (WRITES - {"TransactWriteItems"})
    for tenant in TENANTS:
        assert_one_invoice_per_template(api, tenant, 3)


# Overdue


def test_the_overdue_job_flags_each_late_invoice_once_within_the_bar(
    api: Api, dynamo_calls: DynamoCalls
) -> None:
    late: dict[str, set[str]] = {}
    for tenant in TENANTS:
        caller = api.as_tenant(tenant)
        late[tenant] = set()
        for n in range(TEMPLATES_PER_TENANT + 1):
            # The last one is due the day after the run: not overdue yet.
            invoice_date = date(2030, 2, 1) if n < TEMPLATES_PER_TENANT else date(2030, 2, 16)
            body = {"rows": [ROW], "invoiceDate": invoice_date.isoformat(), "paymentTermDays": 14}
            created = caller.post(BASE, body).json()
            sent = caller.request("PATCH", f"{BASE}/{created['id']}/mark-as-sent")
            assert sent.status == 200, sent.body
            if n < TEMPLATES_PER_TENANT:
                late[tenant].add(created["id"])
    due = len(TENANTS) * TEMPLATES_PER_TENANT

    dynamo_calls.reset()
    report = runs.run(Job.OVERDUE, NOW, get_deps().job_ports())

    assert (len(report.done), report.skipped, report.failed) == (due, [], [])
    assert {item.invoice_id for item in report.done} == set().union(*late.values())
    assert dynamo_calls.by_operation["Query"] == keys.DUE_SHARDS
    assert dynamo_calls.count - keys.DUE_SHARDS == 2 * due  # a read and a conditional write each
    assert_within_bar(dynamo_calls.operations, due)
    for tenant in TENANTS:
        invoices = all_invoices(api.as_tenant(tenant))
        assert {invoice["tenantId"] for invoice in invoices} == {tenant}
        overdue = {i["id"] for i in invoices if i["status"] == "OVERDUE"}
        assert overdue == late[tenant]
        assert {i["overdueNotifiedAt"] for i in invoices if i["id"] in overdue} == {
            "2030-03-01T09:30:00.000Z"
        }
        assert [i["status"] for i in invoices if i["id"] not in overdue] == ["SENT"]

    run_again_writes_nothing(Job.OVERDUE, dynamo_calls)
