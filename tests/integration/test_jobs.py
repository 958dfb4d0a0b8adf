"""The four scheduled jobs through their Lambda entry points (the EventBridge-scheduled functions
and the SQS worker, invoked as AWS would), on moto: each does its work once however often it
runs, catches up after missed runs, measures days in each invoice's timezone, and lets one bad
item fail alone. Another tenant's invoices are only ever touched by their own due work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto.ses.models import ses_backends

from chalicelib.domain.due import Job
from chalicelib.domain.work import Chunk, WorkItem
from chalicelib.jobs.ports import JobPorts
from chalicelib.jobs.runs import ChunkFailedError
from chalicelib.store import keys
from invoicing_cli.local import REGION, TABLE_NAME
from tests.figures import exact_json
from tests.support import MOTO_ACCOUNT, Api, queued_chunks, take_chunk

pytestmark = pytest.mark.now("2026-11-17T08:00:00Z")  # the dates below are written as of then
INVOICES = "/api/v1/invoices"
FUNCTIONS = {
    Job.RECURRING: "recurring_job",
    Job.SCHEDULED: "scheduled_sending_job",
    Job.REMINDERS: "reminders_job",
    Job.OVERDUE: "overdue_job",
}
Json = dict[str, Any]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def run_job(api: Api, job: Job, now: datetime) -> Json:
    """The job's scheduled function, invoked with the event EventBridge sends at `now`."""
    event = {
        "version": "0",
        "id": "e2b5c7a3-52c8-4d36-9c4e-7a4d8e6f0a11",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": MOTO_ACCOUNT,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{MOTO_ACCOUNT}:rule/{FUNCTIONS[job]}"],
        "detail": {},
    }
    outcome: Json = api.invoke(FUNCTIONS[job], event)
    return outcome


def sent_mails(recipient: str | None = None) -> list[Any]:
    messages = ses_backends[MOTO_ACCOUNT][REGION].sent_messages
    return [m for m in messages if recipient is None or recipient in m.destinations]


def ok(reply: Any, status: int = 200) -> Json:
    assert reply.status == status, reply.body
    answered: Json = exact_json(reply.body)
    return answered


def create(client: Api, **fields: Any) -> Json:
    body = {
        "currency": "EUR",
        "contactEmail": "ap@client.example",
        "rows": [{"description": "Retainer", "quantity": 1, "unitPrice": "100.00", "taxRate": 20}],
        **fields,
    }
    return ok(client.post(INVOICES, body), 201)


def sent_invoice(client: Api, **fields: Any) -> Json:
    invoice = create(client, **fields)
    return ok(client.patch(f"{INVOICES}/{invoice['id']}/mark-as-sent"))


def found(client: Api, invoice: Json) -> Json:
    return ok(client.get(f"{INVOICES}/find/{invoice['id']}"))


def all_invoices(client: Api) -> list[Json]:
    reply = client.get(f"{INVOICES}/find-all")
    assert reply.status == 200, reply.body
    listed: list[Json] = exact_json(reply.body)
    return listed


def settle_timezone(client: Api, timezone: str, **settings: Any) -> None:
    ok(client.request("PUT", "/api/v1/settings", {"timezone": timezone, **settings}))


class TestOverdue:
    def test_a_sent_invoice_is_flagged_once_the_day_after_its_due_date(
        self, api: Api, acme: Api, globex: Api
    ) -> None:
        late = sent_invoice(acme, invoiceDate="2026-11-06", paymentTermDays=14)
        theirs = sent_invoice(globex, invoiceDate="2026-11-20", paymentTermDays=14)
        assert late["dueDate"] == "2026-11-20T00:00:00Z"

        assert run_job(api, Job.OVERDUE, at("2026-11-20T23:59:59Z"))["done"] == 0
        assert found(acme, late)["status"] == "SENT"
        outcome = run_job(api, Job.OVERDUE, at("2026-11-21T00:00:00Z"))
        assert (outcome["done"], outcome["failed"]) == (1, 0)
        flagged = found(acme, late)
        assert (flagged["status"], flagged["overdueNotifiedAt"]) == (
            "OVERDUE",
            "2026-11-21T00:00:00.000Z",
        )
        assert flagged["events"][-1]["type"] == "MARKED_AS_OVERDUE"
        assert found(globex, theirs)["status"] == "SENT"

        again = run_job(api, Job.OVERDUE, at("2026-11-21T00:00:00Z"))
        later = run_job(api, Job.OVERDUE, at("2026-11-25T00:00:00Z"))
        assert (again["done"], later["done"]) == (0, 0)
        assert found(acme, late) == flagged

    def test_the_figures_after_the_job_are_what_the_invoices_add_up_to(
        self, api: Api, acme: Api
    ) -> None:
        for day in ("2026-10-01", "2026-10-15", "2026-11-20"):
            sent_invoice(acme, invoiceDate=day, paymentTermDays=14)
        paid = sent_invoice(acme, invoiceDate="2026-10-02", paymentTermDays=14)
        ok(acme.patch(f"{INVOICES}/{paid['id']}/add-payment", {"amount": "40.00"}))
        run_job(api, Job.OVERDUE, at("2026-11-21T12:00:00Z"))

        invoices = all_invoices(acme)
        overdue = [i for i in invoices if i["status"] == "OVERDUE"]
        assert len(overdue) == 3
        stats = ok(acme.get(f"{INVOICES}/stats"))
        owed = sum(i["totalWithTax"] - i["paid"] for i in overdue)
        assert stats["totalOverdue"] == owed == pytest.approx(320)
        counts = ok(acme.get(f"{INVOICES}/count-by-status"))
        assert (counts["OVERDUE"], counts["SENT"]) == (3, 1)

    @pytest.mark.parametrize(
        ("timezone", "due", "before", "from_"),
        [
            # New Zealand daylight time starts on 27 September 2026 (+12 to +13).
            ("Pacific/Auckland", "2026-09-26", "2026-09-26T11:59:59Z", "2026-09-26T12:00:00Z"),
            ("Pacific/Auckland", "2026-09-27", "2026-09-27T10:59:59Z", "2026-09-27T11:00:00Z"),
            # US daylight time starts on 8 March 2026 (-8 to -7) and ends on 1 November.
            ("America/Los_Angeles", "2026-03-07", "2026-03-08T07:59:59Z", "2026-03-08T08:00:00Z"),
            ("America/Los_Angeles", "2026-03-08", "2026-03-09T06:59:59Z", "2026-03-09T07:00:00Z"),
            ("America/Los_Angeles", "2026-10-31", "2026-11-01T06:59:59Z", "2026-11-01T07:00:00Z"),
            ("America/Los_Angeles", "2026-11-01", "2026-11-02T07:59:59Z", "2026-11-02T08:00:00Z"),
        ],
    )
    def test_due_dates_end_at_midnight_in_the_tenants_timezone_across_daylight_saving(
        self, api: Api, acme: Api, timezone: str, due: str, before: str, from_: str
    ) -> None:
        settle_timezone(acme, timezone)
        invoice = sent_invoice(acme, invoiceDate=due, paymentTermDays=0)
        assert invoice["timezone"] == timezone
        run_job(api, Job.OVERDUE, at(before))
        assert found(acme, invoice)["status"] == "SENT"
        run_job(api, Job.OVERDUE, at(from_))
        assert found(acme, invoice)["status"] == "OVERDUE"


class TestScheduledSending:
    def test_a_scheduled_invoice_is_emailed_once_when_its_time_comes(
        self, api: Api, acme: Api, globex: Api
    ) -> None:
        draft = create(acme, invoiceDate="2026-11-21", contactEmail="billing@initech.example")
        scheduled = ok(
            acme.post(
                f"{INVOICES}/{draft['id']}/schedule",
                body=_form({"sendAt": "2026-11-21T10:00:00Z"}),
                headers={"Content-Type": f"multipart/form-data; boundary={_BOUNDARY}"},
            )
        )
        assert (scheduled["status"], scheduled["invoiceNumber"]) == ("SCHEDULED", "INV-2026-0001")
        theirs = create(globex, invoiceDate="2026-11-21")
        ok(globex.post(f"{INVOICES}/{theirs['id']}/schedule"))  # 08:00 UTC, their default

        assert run_job(api, Job.SCHEDULED, at("2026-11-21T09:59:00Z"))["done"] == 1  # theirs
        assert found(acme, draft)["status"] == "SCHEDULED"
        assert run_job(api, Job.SCHEDULED, at("2026-11-21T10:00:00Z"))["done"] == 1
        sent = found(acme, draft)
        assert (sent["status"], sent["sentMails"]) == ("SENT", ["billing@initech.example"])
        assert sent["sendAt"] is None
        [mail] = sent_mails("billing@initech.example")
        assert "INV-2026-0001" in mail.raw_data

        for _ in range(2):
            assert run_job(api, Job.SCHEDULED, at("2026-11-21T10:05:00Z"))["done"] == 0
        assert len(sent_mails("billing@initech.example")) == 1
        assert found(acme, draft) == sent

    def test_one_unscheduled_after_the_job_read_it_is_not_sent_and_its_claim_is_released(
        self, api: Api, acme: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        draft = create(acme, invoiceDate="2026-11-21")
        ok(acme.post(f"{INVOICES}/{draft['id']}/schedule"))  # 08:00 UTC
        claim = JobPorts.run_once

        def unscheduled_meanwhile(self: JobPorts, *args: Any) -> bool:
            ok(acme.patch(f"{INVOICES}/{draft['id']}/unschedule"))
            return claim(self, *args)

        monkeypatch.setattr(JobPorts, "run_once", unscheduled_meanwhile)
        outcome = run_job(api, Job.SCHEDULED, at("2026-11-21T09:00:00Z"))
        assert (outcome["done"], outcome["failed"]) == (0, 0)
        assert (found(acme, draft)["status"], sent_mails()) == ("DRAFT", [])
        # Scheduled again for the same time, it is sent: the claim was not kept.
        monkeypatch.setattr(JobPorts, "run_once", claim)
        ok(acme.post(f"{INVOICES}/{draft['id']}/schedule"))
        assert run_job(api, Job.SCHEDULED, at("2026-11-21T09:00:00Z"))["done"] == 1
        assert len(sent_mails()) == 1

    def test_an_unscheduled_invoice_is_not_sent(self, api: Api, acme: Api) -> None:
        draft = create(acme, invoiceDate="2026-11-21")
        ok(acme.post(f"{INVOICES}/{draft['id']}/schedule"))
        ok(acme.patch(f"{INVOICES}/{draft['id']}/unschedule"))
        assert run_job(api, Job.SCHEDULED, at("2026-11-22T00:00:00Z"))["done"] == 0
        assert (found(acme, draft)["status"], sent_mails()) == ("DRAFT", [])


REMINDER_POLICY = {"steps": [-3, 1, 7, 14], "maximum": 4}


class TestReminders:
    def test_each_step_is_emailed_once_and_missed_steps_give_one_reminder_not_a_burst(
        self, api: Api, acme: Api
    ) -> None:
        settle_timezone(acme, "Europe/Berlin", reminderPolicy=REMINDER_POLICY)
        invoice = sent_invoice(acme, invoiceDate="2026-11-17", paymentTermDays=14)
        assert invoice["dueDate"] == "2026-12-01T00:00:00Z"
        assert invoice["nextReminderAt"] == "2026-11-27T23:00:00.000Z"  # 28 Nov, Berlin

        assert run_job(api, Job.REMINDERS, at("2026-11-27T22:59:59Z"))["done"] == 0
        for _ in range(2):
            run_job(api, Job.REMINDERS, at("2026-11-27T23:00:00Z"))
        assert [r["step"] for r in found(acme, invoice)["reminders"]] == [-3]
        assert len(sent_mails("ap@client.example")) == 1

        # The runs for days +1, +7 and +14 were missed: one run sends day +14 only.
        run_job(api, Job.REMINDERS, at("2026-12-16T09:00:00Z"))
        reminded = found(acme, invoice)
        assert [r["step"] for r in reminded["reminders"]] == [-3, 14]
        assert reminded["nextReminderAt"] is None
        assert len(sent_mails("ap@client.example")) == 2
        assert run_job(api, Job.REMINDERS, at("2026-12-30T09:00:00Z"))["done"] == 0
        assert found(acme, invoice) == reminded

    def test_paid_and_cancelled_invoices_get_none_and_the_maximum_holds(
        self, api: Api, acme: Api, globex: Api
    ) -> None:
        settle_timezone(acme, "UTC", reminderPolicy={"steps": [1, 7, 14], "maximum": 1})
        paid = sent_invoice(acme, invoiceDate="2026-11-20", paymentTermDays=1)
        cancelled = sent_invoice(acme, invoiceDate="2026-11-20", paymentTermDays=1)
        open_ = sent_invoice(acme, invoiceDate="2026-11-20", paymentTermDays=1)
        ok(acme.patch(f"{INVOICES}/{paid['id']}/mark-as-paid"))
        ok(acme.patch(f"{INVOICES}/{cancelled['id']}/cancel"))
        theirs = sent_invoice(globex, invoiceDate="2026-11-20", paymentTermDays=30)

        run_job(api, Job.REMINDERS, at("2026-11-22T00:00:00Z"))
        run_job(api, Job.REMINDERS, at("2026-11-28T00:00:00Z"))
        run_job(api, Job.REMINDERS, at("2026-12-10T00:00:00Z"))
        assert [len(found(acme, i)["reminders"]) for i in (paid, cancelled, open_)] == [0, 0, 1]
        assert found(globex, theirs)["reminders"] == []
        assert len(sent_mails()) == 1


class TestRecurring:
    def agreement(self, **fields: Any) -> Json:
        return {"intervalMonths": 1, "nextInvoiceDate": "2026-01-31", "autoSend": False, **fields}

    def series(self, client: Api, template: Json) -> list[Json]:
        """The template's invoices: each one's creation names the template it was made from."""
        made = [
            invoice
            for invoice in all_invoices(client)
            if invoice["type"] == "RECURRING"
            and template["id"] in invoice["events"][0]["description"]
        ]
        return sorted(made, key=lambda invoice: invoice["invoiceDate"])

    def test_month_ends_keep_their_day_and_missed_periods_are_made_once_each(
        self, api: Api, acme: Api, globex: Api
    ) -> None:
        template = create(acme, paymentTermDays=10, recurringAgreement=self.agreement())
        run_job(api, Job.RECURRING, at("2026-01-31T00:00:00Z"))
        # February's run was missed: March's makes February's invoice and its own, once.
        for _ in range(2):
            run_job(api, Job.RECURRING, at("2026-03-31T12:00:00Z"))
        made = self.series(acme, template)
        assert [(i["invoiceDate"], i["dueDate"]) for i in made] == [
            ("2026-01-31T00:00:00Z", "2026-02-10T00:00:00Z"),
            ("2026-02-28T00:00:00Z", "2026-03-10T00:00:00Z"),
            ("2026-03-31T00:00:00Z", "2026-04-10T00:00:00Z"),
        ]
        for invoice in made:
            assert (invoice["status"], invoice["invoiceNumber"]) == ("DRAFT", None)
            assert invoice["rows"][0]["description"] == "Retainer"
            assert (invoice["totalWithTax"], invoice["contactEmail"]) == (120, "ap@client.example")
            assert invoice["recurringAgreement"] is None
        agreement = found(acme, template)["recurringAgreement"]
        assert (agreement["nextInvoiceDate"], agreement["periodsInvoiced"]) == (
            "2026-04-30T00:00:00Z",
            3,
        )
        assert all_invoices(globex) == []

    def test_three_missed_days_make_three_invoices_and_nothing_comes_after_the_end_date(
        self, api: Api, acme: Api
    ) -> None:
        daily = self.agreement(intervalMonths=None, intervalDays=1, nextInvoiceDate="2026-11-18")
        template = create(acme, recurringAgreement={**daily, "endDate": "2026-11-21"})
        run_job(api, Job.RECURRING, at("2026-11-20T12:00:00Z"))  # the 18th to the 20th
        assert len(self.series(acme, template)) == 3
        run_job(api, Job.RECURRING, at("2026-11-30T12:00:00Z"))
        dates = [i["invoiceDate"][:10] for i in self.series(acme, template)]
        assert dates == ["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21"]
        assert found(acme, template)["recurringAgreement"]["nextInvoiceDate"] is None

    def test_auto_send_issues_and_emails_each_period_once(self, api: Api, acme: Api) -> None:
        client = ok(
            acme.post("/api/v1/clients", {"name": "Zoë Müller GmbH", "email": "zoe@m.example"}), 201
        )
        agreement = self.agreement(autoSend=True, nextInvoiceDate="2026-11-01")
        template = create(
            acme, clientId=client["id"], contactEmail=None, recurringAgreement=agreement
        )
        for _ in range(2):
            run_job(api, Job.RECURRING, at("2026-12-01T08:00:00Z"))
            run_job(api, Job.SCHEDULED, at("2026-12-01T08:00:00Z"))
        made = self.series(acme, template)
        assert [(i["status"], i["invoiceNumber"]) for i in made] == [
            ("SENT", "INV-2026-0001"),
            ("SENT", "INV-2026-0002"),
        ]
        assert made[0]["client"]["name"] == "Zoë Müller GmbH"
        assert len(sent_mails("zoe@m.example")) == 2

    def test_a_new_tenant_timezone_starts_its_periods_at_its_own_midnight(
        self, api: Api, acme: Api
    ) -> None:
        settle_timezone(acme, "Pacific/Auckland")
        template = create(acme, recurringAgreement=self.agreement(nextInvoiceDate="2026-12-01"))
        run_job(api, Job.RECURRING, at("2026-11-30T10:59:59Z"))
        assert self.series(acme, template) == []
        run_job(api, Job.RECURRING, at("2026-11-30T11:00:00Z"))  # midnight in Auckland
        assert [i["invoiceDate"] for i in self.series(acme, template)] == ["2026-12-01T00:00:00Z"]


class TestChunks:
    def test_a_poison_item_fails_alone_and_is_retried_alone(
        self, api: Api, acme: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from chalicelib.jobs import runs

        monkeypatch.setattr(runs, "RETRY_DELAY_SECONDS", 0)  # moto keeps a delayed message back
        late = [sent_invoice(acme, invoiceDate="2026-10-01") for _ in range(2)]
        poison = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"
        boto3.client("dynamodb").put_item(
            TableName=TABLE_NAME,
            Item={"PK": {"S": keys.tenant_pk("acme")}, "SK": {"S": keys.invoice_sk(poison)}},
        )
        items = (
            WorkItem("acme", late[0]["id"]),
            WorkItem("acme", poison),
            WorkItem("acme", late[1]["id"]),
        )
        now = at("2026-11-21T00:00:00Z")
        take_chunk(api, Chunk(Job.OVERDUE, now, items))

        assert [found(acme, i)["status"] for i in late] == ["OVERDUE", "OVERDUE"]
        [retry] = queued_chunks()
        assert (retry.items, retry.attempt, retry.now) == ((WorkItem("acme", poison),), 1, now)
        with pytest.raises(ChunkFailedError):
            take_chunk(api, retry)  # so SQS redelivers it, then dead-letters it

    def test_a_run_that_finds_more_than_a_chunk_queues_it_all_for_the_worker(
        self, api: Api, acme: Api, globex: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from chalicelib.jobs import runs

        monkeypatch.setattr(runs, "CHUNK_SIZE", 2)
        late = [sent_invoice(client, invoiceDate="2026-10-01") for client in (acme, globex, acme)]
        outcome = run_job(api, Job.OVERDUE, at("2026-11-21T00:00:00Z"))
        assert (outcome["done"], outcome["queuedChunks"], outcome["queuedItems"]) == (0, 2, 3)
        assert [found(acme, late[0])["status"]] == ["SENT"]  # nothing done before the worker
        for chunk in queued_chunks():
            take_chunk(api, chunk)
        statuses = [
            found(client, i)["status"] for client, i in zip((acme, globex, acme), late, strict=True)
        ]
        assert statuses == ["OVERDUE"] * 3


_BOUNDARY = "jobs-test-boundary"


def _form(fields: dict[str, str]) -> bytes:
    parts = [
        f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{_BOUNDARY}--\r\n").encode()


def test_the_job_index_holds_an_invoice_only_while_it_has_due_work(acme: Api) -> None:
    """Sparse indexes: a draft is in none; a sent invoice in overdue and reminders; paid, none."""
    invoice = create(acme, invoiceDate="2026-11-20", paymentTermDays=30)
    item_key = {"PK": {"S": keys.tenant_pk("acme")}, "SK": {"S": keys.invoice_sk(invoice["id"])}}

    def indexed() -> set[str]:
        item = boto3.client("dynamodb").get_item(TableName=TABLE_NAME, Key=item_key)["Item"]
        return {name for name in item if name.startswith("due") and name.endswith("PK")}

    assert indexed() == set()
    ok(acme.patch(f"{INVOICES}/{invoice['id']}/mark-as-sent"))
    assert indexed() == {"dueOverduePK", "dueRemindersPK"}
    ok(acme.patch(f"{INVOICES}/{invoice['id']}/mark-as-paid"))
    assert indexed() == set()
