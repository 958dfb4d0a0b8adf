"""What production can watch (issue 19, decision 0045): every answer names its request, every
request leaves one JSON log line and one EMF line of the metrics it counted, the jobs' summaries
are INFO lines, and mail carries the stage's SES configuration set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from chalice.local import LambdaContext
from moto import mock_aws

from chalicelib.api.observability import REQUEST_ID_HEADER
from chalicelib.domain.due import Job
from chalicelib.store.mailer import SesMailer
from chalicelib.telemetry import logger
from tests.integration.test_jobs import at, ok, run_job, sent_invoice
from tests.integration.test_mailer_ses import SENDER, invoice_mail
from tests.support import Api, DynamoCalls, api_event

pytestmark = pytest.mark.now("2026-11-17T08:00:00Z")
INVOICES = "/api/v1/invoices"
ROW = {"description": "Item", "quantity": 1, "unitPrice": "100.00", "taxRate": 20}


@dataclass
class Told:
    """The JSON log lines and the EMF lines the app printed."""

    caplog: pytest.LogCaptureFixture
    capsys: pytest.CaptureFixture[str]

    def log_lines(self, message: str) -> list[dict[str, Any]]:
        formatter = logger.registered_formatter
        lines = [json.loads(formatter.format(r)) for r in self.caplog.records]
        return [line for line in lines if line["message"] == message]

    def metrics(self) -> list[dict[str, Any]]:
        out = self.capsys.readouterr().out
        return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]

    def clear(self) -> None:
        self.caplog.clear()
        self.capsys.readouterr()


@pytest.fixture
def told(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Iterator[Told]:
    """No level set here: INFO must pass the app's logger as the app configures it (Chalice's
    app.log is the same `invoicing` logger, and sets it to ERROR when it configures it first)."""
    yield Told(caplog, capsys)


def counted(line: dict[str, Any]) -> dict[str, int]:
    """The metrics one EMF line counts, by name."""
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Invoicing"
    assert directive["Dimensions"] == [["service"]]
    return {m["Name"]: int(sum(line[m["Name"]])) for m in directive["Metrics"]}


def test_every_answer_names_its_request_and_each_request_is_a_new_id(api: Api, acme: Api) -> None:
    listed = f"{INVOICES}/find-all"
    answers = [api.get("/health"), api.get("/health"), api.get(listed), acme.get(listed)]
    ids = [answer.headers[REQUEST_ID_HEADER] for answer in answers]
    assert [a.status for a in answers] == [200, 200, 401, 200]
    assert len(set(ids)) == 4
    assert "requestId" not in json.loads(answers[2].body)  # a 4xx body is as documented


def test_api_gateways_request_id_is_the_one_answered(api: Api) -> None:
    from app import app

    event = api_event("/health", "/health", {}, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef")
    answer = app(event, LambdaContext("api_handler", 256))
    assert answer["statusCode"] == 200
    assert answer["headers"][REQUEST_ID_HEADER] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def test_a_request_is_one_json_line_with_its_tenant_route_status_and_calls(
    api: Api, acme: Api, dynamo_calls: DynamoCalls, told: Told
) -> None:
    told.clear()
    dynamo_calls.reset()
    answer = acme.post(INVOICES, {"currency": "EUR", "rows": [ROW]})
    assert answer.status == 201
    (line,) = told.log_lines("request")
    assert line["level"] == "INFO"
    assert line["service"] == "invoicing"
    assert line["requestId"] == answer.headers[REQUEST_ID_HEADER]
    assert (line["tenant"], line["route"], line["method"]) == ("acme", "/api/v1/invoices", "POST")
    assert line["status"] == 201
    assert line["dynamodbCalls"] == dynamo_calls.count > 0
    assert line["latencyMs"] >= 0


def test_a_refused_request_is_logged_without_a_tenant(api: Api, told: Told) -> None:
    told.clear()
    api.get(f"{INVOICES}/find-all")
    (line,) = told.log_lines("request")
    assert (line.get("tenant"), line["status"], line["dynamodbCalls"]) == (None, 401, 0)


def test_issuing_and_paying_count_for_the_request_that_did_it(acme: Api, told: Told) -> None:
    draft = ok(acme.post(INVOICES, {"currency": "EUR", "rows": [ROW]}), 201)
    told.clear()
    issued = acme.patch(f"{INVOICES}/{draft['id']}/mark-as-sent")
    assert issued.status == 200
    (line,) = told.metrics()
    assert counted(line) == {"InvoicesIssued": 1}
    assert (line["tenant"], line["requestId"]) == ("acme", issued.headers[REQUEST_ID_HEADER])

    paid = acme.patch(f"{INVOICES}/{draft['id']}/add-payment", {"amount": "10.00"})
    assert paid.status == 200, paid.body
    (line,) = told.metrics()
    assert counted(line) == {"PaymentsRecorded": 1}


def test_a_request_that_counted_nothing_prints_no_metrics(acme: Api, told: Told) -> None:
    told.clear()
    assert acme.get(f"{INVOICES}/find-all").status == 200
    assert told.metrics() == []


def test_a_server_error_names_its_request_in_the_body_and_is_counted(
    acme: Api, told: Told, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services import clients

    def broken(**_: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(clients, "list_clients", broken)
    told.clear()
    answer = acme.get("/api/v1/clients")
    assert answer.status == 500
    body = json.loads(answer.body)
    assert body["requestId"] == answer.headers[REQUEST_ID_HEADER]
    assert set(body) == {"title", "detail", "time", "requestId"}
    (line,) = told.metrics()
    assert counted(line) == {"ServerErrors": 1}
    (logged,) = told.log_lines("request")
    assert logged["status"] == 500


def test_a_job_run_is_an_info_line_with_its_summary_and_its_items_counted(
    api: Api, acme: Api, told: Told
) -> None:
    sent_invoice(acme, invoiceDate="2026-11-06", paymentTermDays=14)
    told.clear()
    run_job(api, Job.OVERDUE, at("2026-11-21T00:00:00Z"))
    (line,) = told.log_lines("overdue: 1 done, 0 with nothing to do")
    assert line["level"] == "INFO"
    assert line["summary"] == {
        "job": "overdue",
        "done": 1,
        "skipped": 0,
        "failed": 0,
        "queuedChunks": 0,
        "queuedItems": 0,
    }
    (metrics,) = told.metrics()
    assert counted(metrics) == {"JobItemsDone": 1}
    assert metrics["job"] == "overdue"


def test_a_failed_job_item_is_counted(
    api: Api, acme: Api, told: Told, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.jobs import runs

    def failing(*_: Any) -> bool:
        raise RuntimeError("a bug")

    monkeypatch.setitem(runs.WORKERS, Job.OVERDUE, failing)
    sent_invoice(acme, invoiceDate="2026-11-06", paymentTermDays=14)
    told.clear()
    outcome = run_job(api, Job.OVERDUE, at("2026-11-21T00:00:00Z"))
    assert outcome["failed"] == 1
    (metrics,) = told.metrics()
    assert counted(metrics) == {"JobItemsFailed": 1}


@pytest.fixture
def ses() -> Iterator[None]:
    with mock_aws():
        boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
        yield


def sent_with(mailer: SesMailer) -> list[dict[str, Any]]:
    """The parameters of each SendRawEmail the mailer makes (moto answers them)."""
    calls: list[dict[str, Any]] = []
    mailer._client.meta.events.register(
        "provide-client-params.ses.SendRawEmail", lambda params, **_: calls.append(dict(params))
    )
    return calls


def test_mail_names_the_configuration_set_when_the_stage_has_one(ses: None) -> None:
    boto3.client("ses").create_configuration_set(ConfigurationSet={"Name": "invoicing-prod"})
    mailer = SesMailer(configuration_set="invoicing-prod")
    calls = sent_with(mailer)
    assert mailer.send(invoice_mail())
    assert [c.get("ConfigurationSetName") for c in calls] == ["invoicing-prod"]


def test_mail_names_no_configuration_set_by_default(ses: None) -> None:
    mailer = SesMailer()
    calls = sent_with(mailer)
    mailer.send(invoice_mail())
    assert [("ConfigurationSetName" in c) for c in calls] == [False]
