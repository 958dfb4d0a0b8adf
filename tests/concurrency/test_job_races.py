"""Each job run by several workers at the same moment, on DynamoDB Local (whose conditional
writes are AWS's): one recurring invoice per period, one email per scheduled invoice and per
reminder step, one overdue flag; the others find nothing left to do."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from chalicelib.bootstrap import get_deps
from chalicelib.domain.due import Job
from chalicelib.domain.mail import OutgoingMail
from chalicelib.jobs import runs
from chalicelib.jobs.ports import JobPorts
from chalicelib.jobs.work import Report
from chalicelib.ports import KeptExport
from chalicelib.services.documents import DocumentPorts
from chalicelib.store.due import DynamoDueWork
from invoicing_cli.local import MAIL_FROM, local_token

pytestmark = pytest.mark.dynamodb_local

WORKERS = 8
NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


class CountingMailer:
    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []
        self._lock = threading.Lock()

    def send(self, mail: OutgoingMail) -> str:
        with self._lock:
            self.sent.append(mail)
            return f"message-{len(self.sent)}"


class MemoryFiles:
    """The document store in memory: the race is about DynamoDB, not S3."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def keep_export(
        self, tenant_id: str, export: KeptExport, parts: Iterable[bytes], *, filename: str
    ) -> str:
        raise AssertionError("no export in a job")

    def put(self, key: str, data: bytes, *, media_type: str, filename: str) -> None:
        self.objects[key] = data

    def get(self, key: str) -> bytes | None:
        return self.objects.get(key)

    def delete(self, *object_keys: str) -> None:
        for key in object_keys:
            self.objects.pop(key, None)

    def link(self, key: str, *, seconds: int) -> str:
        return f"memory://{key}"

    def upload_form(
        self, key: str, *, media_type: str, max_bytes: int, seconds: int
    ) -> dict[str, Any]:
        raise AssertionError("no upload in a job")


class NoQueue:
    def send(self, chunks: Any, *, delay_seconds: int = 0) -> int:
        raise AssertionError(f"a race of one chunk queues nothing: {list(chunks)}")


@pytest.fixture
def mailer() -> CountingMailer:
    return CountingMailer()


@pytest.fixture
def ports(local_api_server: str, mailer: CountingMailer) -> JobPorts:
    deps = get_deps()
    documents = DocumentPorts(
        invoices=deps.ports, clients=deps.clients, files=MemoryFiles(), mailer=mailer,
        mail_from=MAIL_FROM,
    )  # fmt: skip
    due = DynamoDueWork(deps.dynamodb, deps.settings.table_name)
    return JobPorts(documents=documents, due=due, queue=NoQueue(), once=deps.idempotency)


def call(base: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {local_token('acme')}"}
    reply = requests.request(method, f"{base}{path}", json=body, headers=headers, timeout=30)
    assert reply.status_code in (200, 201), reply.text
    answered: dict[str, Any] = reply.json()
    return answered


def invoice(base: str, **fields: Any) -> dict[str, Any]:
    body = {
        "currency": "EUR", "contactEmail": "ap@client.example",
        "rows": [{"quantity": 1, "unitPrice": 50}], **fields,
    }  # fmt: skip
    return call(base, "POST", "/api/v1/invoices", body)


def all_at_once(job: Job, ports: JobPorts, now: datetime = NOW) -> list[Report]:
    """`WORKERS` runs of the job for the same moment, released together."""
    start = threading.Barrier(WORKERS)

    def one(_: int) -> Report:
        start.wait()
        return runs.run(job, now, ports)

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(one, range(WORKERS)))


def done(reports: list[Report]) -> int:
    assert all(not report.failed for report in reports), [r.failed for r in reports]
    return sum(len(report.done) for report in reports)


def test_racing_recurring_runs_make_each_period_once(
    local_api_server: str, ports: JobPorts
) -> None:
    agreement = {"intervalDays": 1, "nextInvoiceDate": "2026-11-19", "autoSend": True}
    template = invoice(local_api_server, recurringAgreement=agreement)
    # Racing runs may share the three periods between them; each period is made once.
    assert 1 <= done(all_at_once(Job.RECURRING, ports)) <= 3
    listed: Any = call(local_api_server, "GET", "/api/v1/invoices/find-all")
    made = [i for i in listed if i["type"] == "RECURRING"]
    assert sorted(i["invoiceDate"][:10] for i in made) == ["2026-11-19", "2026-11-20", "2026-11-21"]
    assert sorted(i["invoiceNumber"] for i in made) == [
        "INV-2026-0001", "INV-2026-0002", "INV-2026-0003",
    ]  # fmt: skip
    stored = call(local_api_server, "GET", f"/api/v1/invoices/find/{template['id']}")
    assert stored["recurringAgreement"]["periodsInvoiced"] == 3


def test_racing_sending_runs_email_a_scheduled_invoice_once(
    local_api_server: str, ports: JobPorts, mailer: CountingMailer
) -> None:
    draft = invoice(local_api_server, invoiceDate="2026-11-20")
    call(local_api_server, "POST", f"/api/v1/invoices/{draft['id']}/schedule")
    assert done(all_at_once(Job.SCHEDULED, ports)) == 1
    assert [mail.to for mail in mailer.sent] == [("ap@client.example",)]
    sent = call(local_api_server, "GET", f"/api/v1/invoices/find/{draft['id']}")
    assert (sent["status"], sent["sentMails"]) == ("SENT", ["ap@client.example"])


@pytest.mark.now("2026-11-21T09:30:00Z")
def test_racing_reminder_runs_email_a_step_once(
    local_api_server: str, ports: JobPorts, mailer: CountingMailer
) -> None:
    # Sent on its date, due in 10 days; the runs are 30 days on, past day +14.
    issued = invoice(local_api_server, invoiceDate="2026-11-21", paymentTermDays=10)
    call(local_api_server, "PATCH", f"/api/v1/invoices/{issued['id']}/mark-as-sent")
    later = datetime(2026, 12, 21, 9, 30, tzinfo=UTC)
    assert done(all_at_once(Job.REMINDERS, ports, later)) == 1
    reminded = call(local_api_server, "GET", f"/api/v1/invoices/find/{issued['id']}")
    assert [r["step"] for r in reminded["reminders"]] == [14]
    assert [mail.to for mail in mailer.sent] == [("ap@client.example",)]


def test_racing_overdue_runs_flag_once(local_api_server: str, ports: JobPorts) -> None:
    issued = invoice(local_api_server, invoiceDate="2026-11-01", paymentTermDays=10)
    call(local_api_server, "PATCH", f"/api/v1/invoices/{issued['id']}/mark-as-sent")
    assert done(all_at_once(Job.OVERDUE, ports)) == 1
    flagged = call(local_api_server, "GET", f"/api/v1/invoices/find/{issued['id']}")
    events = [event["type"] for event in flagged["events"]]
    assert (flagged["status"], events.count("MARKED_AS_OVERDUE")) == ("OVERDUE", 1)
