"""Dates are bounded where they enter and stay bounded as the app computes them: any date-time,
whatever its offset, outside 1900-01-01T00:00:00Z..2999-12-31T23:59:59Z is a 400 naming its
field, and a recurring series ends at the last day an invoice may have. A stored invoice that
cannot be read back breaks no list: lists leave it out, and reading it alone is a clear 409."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from urllib3 import encode_multipart_formdata

from chalicelib.domain.due import Job
from invoicing_cli.local import TABLE_NAME
from tests.integration.test_jobs import run_job
from tests.support import Api, Reply, drain_jobs

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
BASE = "/api/v1/invoices"
HYPERLINE = "/compat/hyperline/v2/invoices/batch"
ROW = {"description": "Retainer", "quantity": 1, "unitPrice": 100}
FAR = "9999-12-31T23:59:59-14:00"  # no UTC time Python can hold
LISTS = [
    "/find-all",
    "/page",
    "/dynamic-search",
    "/dynamic-search?sort=total,desc",
    "/csv-export",
    "/with-recurring-drafts",
]
Json = dict[str, Any]


def assert_refused(reply: Reply, field: str) -> None:
    assert reply.status == 400, reply.body
    body = json.loads(reply.body)
    assert {"title", "detail", "time"} <= body.keys()
    assert field in [error["field"] for error in body["errors"]], body


def sent_invoice(acme: Api) -> Json:
    invoice = acme.post(BASE, {"currency": "EUR", "rows": [ROW]}).json()
    issued: Json = acme.patch(f"{BASE}/{invoice['id']}/mark-as-sent").json()
    return issued


def stored(tenant: str, invoice_id: str) -> dict[str, Any]:
    key = {"PK": {"S": f"T#{tenant}"}, "SK": {"S": f"INV#{invoice_id}"}}
    item: dict[str, Any] = boto3.client("dynamodb").get_item(TableName=TABLE_NAME, Key=key)["Item"]
    return item


@pytest.fixture
def client_id(acme: Api) -> str:
    created: str = acme.post("/api/v1/clients", {"name": "Zoë Müller GmbH"}).json()["id"]
    return created


class TestDateTimesOutOfRangeAreRefused:
    def test_on_add_payment(self, acme: Api, globex: Api) -> None:
        invoice = sent_invoice(acme)
        path = f"{BASE}/{invoice['id']}/add-payment"
        before = stored("acme", invoice["id"])
        assert globex.patch(path, {"amount": 1, "date": FAR}).status in (400, 404)

        assert_refused(acme.patch(path, {"amount": 1, "date": FAR}), "date")
        assert stored("acme", invoice["id"]) == before

    def test_on_mark_as_paid(self, acme: Api, globex: Api) -> None:
        invoice = sent_invoice(acme)
        path = f"{BASE}/{invoice['id']}/mark-as-paid?date=9999-12-31T23:59:59-14:00"
        assert globex.patch(path).status in (400, 404)

        assert_refused(acme.patch(path), "date")
        assert acme.get(f"{BASE}/find/{invoice['id']}").json()["status"] == "SENT"

    @pytest.mark.parametrize("field", ["activationAt", "expirationAt"])
    def test_on_contracts(self, acme: Api, globex: Api, client_id: str, field: str) -> None:
        terms = {"clientId": client_id, "currency": "EUR", "activationAt": "2026-01-01",
                 "items": [ROW], field: FAR}  # fmt: skip
        assert_refused(acme.post("/api/v1/contracts", terms), field)
        assert globex.post("/api/v1/contracts", terms).status == 400
        assert acme.get("/api/v1/contracts").json() == []

    @pytest.mark.parametrize("field", ["emitted_at", "due_at", "settled_at", "process_at"])
    def test_on_hyperline_dates(self, acme: Api, globex: Api, client_id: str, field: str) -> None:
        item: Json = {"customer_id": client_id, "line_items": [{"unit_amount": 100}],
                      "status": "paid"}  # fmt: skip
        if field == "process_at":
            item["transactions"] = [{"amount": 100, "process_at": FAR}]
            named = "invoices[0].transactions[0].process_at"
        else:
            item[field] = FAR
            named = f"invoices[0].{field}"
        assert_refused(acme.post(HYPERLINE, {"invoices": [item]}), named)
        assert globex.post(HYPERLINE, {"invoices": [item]}).status == 400

    def test_a_hyperline_instant_whose_day_in_the_tenants_zone_is_past_the_range_fails_its_item(
        self, acme: Api, client_id: str
    ) -> None:
        assert (
            acme.request("PUT", "/api/v1/settings", {"timezone": "Pacific/Kiritimati"}).status
            == 200
        )
        item = {"customer_id": client_id, "line_items": [{"unit_amount": 100}],
                "emitted_at": "2999-12-31T23:00:00Z"}  # fmt: skip
        assert acme.post(HYPERLINE, {"invoices": [item], "batch_id": "late"}).status == 202

        drain_jobs(acme)

        outcome = acme.get(f"{HYPERLINE}/late").json()
        assert (outcome["status"], outcome["successes"]) == ("completed", [])
        [error] = outcome["errors"]
        fields = [problem["field"] for problem in error["error"]["errors"]]
        assert fields == ["invoices[0].emitted_at"]

    def test_on_schedule(self, acme: Api, globex: Api) -> None:
        invoice = acme.post(BASE, {"rows": [ROW], "contactEmail": "ap@zoe.example"}).json()
        path = f"{BASE}/{invoice['id']}/schedule"
        body, content_type = encode_multipart_formdata([("sendAt", FAR)])
        headers = {"Content-Type": content_type}
        assert globex.request("POST", path, body=body, headers=headers).status in (400, 404)

        assert_refused(acme.request("POST", path, body=body, headers=headers), "sendAt")
        assert acme.get(f"{BASE}/find/{invoice['id']}").json()["status"] == "DRAFT"


def offset_text(minutes: int) -> str:
    hours, rest = divmod(abs(minutes), 60)
    return f"{'+' if minutes >= 0 else '-'}{hours:02d}:{rest:02d}"


OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(offset_text)
LOCAL_TIMES = st.datetimes(
    min_value=datetime(1, 1, 2),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(9999, 12, 30),  # noqa: DTZ001
)


def within_range(written: str) -> bool:
    moment = datetime.fromisoformat(written).astimezone(UTC)
    return 1900 <= moment.year <= 2999


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(local=LOCAL_TIMES, offset=OFFSETS)
def test_any_payment_date_with_any_offset_is_taken_when_in_range_and_refused_otherwise(
    acme: Api, local: datetime, offset: str
) -> None:
    invoice = sent_invoice(acme)
    written = local.replace(microsecond=0).isoformat() + offset
    reply = acme.patch(f"{BASE}/{invoice['id']}/add-payment", {"amount": 1, "date": written})
    if within_range(written):
        assert reply.status == 200, reply.body
    else:
        assert_refused(reply, "date")


class TestARecurringSeriesEndsAtTheLastDay:
    def test_a_template_reaching_the_last_year_stops_and_every_list_still_answers(
        self, acme: Api, globex: Api
    ) -> None:
        agreement = {"intervalMonths": 1, "nextInvoiceDate": "2999-12-01"}
        body = {"rows": [ROW], "paymentTermDays": 60, "recurringAgreement": agreement}
        template = acme.post(BASE, body).json()

        run_job(acme, Job.RECURRING, datetime(2999, 12, 2, 9, tzinfo=UTC))

        invoices = acme.get(f"{BASE}/find-all").json()
        assert len(invoices) == 2
        [period] = [invoice for invoice in invoices if invoice["id"] != template["id"]]
        assert (period["invoiceDate"], period["dueDate"]) == (
            "2999-12-01T00:00:00Z",
            "2999-12-31T00:00:00Z",
        )
        advanced = acme.get(f"{BASE}/find/{template['id']}").json()["recurringAgreement"]
        assert (advanced["nextInvoiceDate"], advanced["periodsInvoiced"]) == (None, 1)
        for path in LISTS:
            assert acme.get(f"{BASE}{path}").status == 200, path
            assert globex.get(f"{BASE}{path}").status == 200, path


class TestAnInvoiceThatCannotBeReadBreaksNoList:
    @staticmethod
    def stored_past_its_range(acme: Api) -> tuple[Json, Json]:
        """Two templates; one of them written as an older release could have: advanced to a
        date past 2999-12-31."""
        agreement = {"intervalMonths": 1, "nextInvoiceDate": "2999-12-01"}
        kept = acme.post(BASE, {"rows": [ROW], "recurringAgreement": agreement}).json()
        broken = acme.post(BASE, {"rows": [ROW], "recurringAgreement": agreement}).json()
        item = stored("acme", broken["id"])
        item["recurringAgreement"]["M"]["nextInvoiceDate"] = {"S": "3000-01-01T00:00:00Z"}
        boto3.client("dynamodb").put_item(TableName=TABLE_NAME, Item=item)
        return kept, broken

    @pytest.mark.parametrize("path", LISTS)
    def test_a_list_leaves_it_out(self, acme: Api, globex: Api, path: str) -> None:
        kept, broken = self.stored_past_its_range(acme)

        reply = acme.get(f"{BASE}{path}")

        assert reply.status == 200, reply.body
        assert kept["id"].encode() in reply.body
        assert broken["id"].encode() not in reply.body
        assert kept["id"].encode() not in globex.get(f"{BASE}{path}").body

    def test_reading_it_alone_is_a_clear_409(self, acme: Api, globex: Api) -> None:
        _, broken = self.stored_past_its_range(acme)

        reply = acme.get(f"{BASE}/find/{broken['id']}")

        assert reply.status == 409, reply.body
        detail = json.loads(reply.body)["detail"]
        assert broken["id"] in detail and "recurringAgreement.nextInvoiceDate" in detail
        assert globex.get(f"{BASE}/find/{broken['id']}").status == 404
        found = acme.get(f"{BASE}/find?ids={broken['id']}")
        assert (found.status, found.json()) == (200, [])
