"""The local stack as a developer meets it: `invoicing serve` on a free port, driven over HTTP."""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import local_stack
from tests.local_stack import BIN, Stack, free_port, invoicing

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack most tests share; its jobs run only when a test says so, with `run-job`."""
    with local_stack.running(tmp_path_factory.mktemp("stack"), jobs_every=0) as running:
        yield running


@pytest.fixture
def ticking_stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack of its own that runs every job each second, as `serve` does by default."""
    with local_stack.running(tmp_path, jobs_every=1) as running:
        yield running


def printed_curl(stack: Stack) -> list[str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [line for line in stack.output.read_text().splitlines() if line.startswith("curl")]
        if lines:
            return shlex.split(lines[0])
        time.sleep(0.1)
    pytest.fail(f"no curl line printed:\n{stack.output.read_text()}")


def test_health_answers_without_credentials(stack: Stack) -> None:
    reply = requests.get(f"{stack.url}/health", timeout=5)
    assert (reply.status_code, reply.json()) == (200, {"status": "ok"})


def test_the_printed_curl_line_creates_an_invoice(stack: Stack) -> None:
    result = subprocess.run(
        [*printed_curl(stack), "--silent", "--show-error"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert '"totalWithTax": 360.00' in result.stdout
    assert '"tenantId": "demo"' in result.stdout


def test_an_invoice_goes_through_its_draft_life_over_http(stack: Stack) -> None:
    api = f"{stack.url}/api/v1/invoices"
    auth = stack.auth("acme")
    body = {
        "currency": "EUR",
        "rows": [{"description": "Ünïcode €", "quantity": 3, "unitPrice": 0.1}],
    }
    created = requests.post(api, json=body, headers=auth, timeout=10)
    assert created.status_code == 201
    assert '"totalWithTax": 0.30' in created.text
    invoice: dict[str, Any] = created.json()
    assert invoice["rows"][0]["description"] == "Ünïcode €"

    path = f"{api}/{invoice['id']}"
    updated = requests.patch(f"{path}/update", json={"note": "Net 30"}, headers=auth, timeout=10)
    assert (updated.status_code, updated.headers["ETag"]) == (200, '"2"')
    row = {"quantity": 1, "unitPrice": 99.995, "taxRate": 20}
    with_row = requests.post(f"{path}/rows", json=row, headers=auth, timeout=10).json()
    assert with_row["totalWithTax"] == 120.30
    commented = requests.post(f"{path}/comment", json="Sent a draft", headers=auth, timeout=10)
    assert [e["type"] for e in commented.json()["events"]] == [
        "CREATE", "UPDATE", "ROW_ADDED", "COMMENT",
    ]  # fmt: skip

    found = requests.get(f"{api}/find/{invoice['id']}", headers=auth, timeout=10).json()
    assert found == commented.json()
    assert requests.delete(path, headers=auth, timeout=10).status_code == 204
    assert requests.get(f"{api}/find/{invoice['id']}", headers=auth, timeout=10).status_code == 404


def test_another_tenant_cannot_see_or_touch_it(stack: Stack) -> None:
    api = f"{stack.url}/api/v1/invoices"
    invoice = requests.post(api, json={"currency": "EUR"}, headers=stack.auth("acme"), timeout=10)
    invoice_id = invoice.json()["id"]
    intruder = stack.auth("globex")
    assert requests.get(f"{api}/find/{invoice_id}", headers=intruder, timeout=10).status_code == 404
    assert requests.delete(f"{api}/{invoice_id}", headers=intruder, timeout=10).status_code == 404
    still = requests.get(f"{api}/find/{invoice_id}", headers=stack.auth("acme"), timeout=10)
    assert still.status_code == 200


def test_an_api_key_from_the_cli_authenticates_as_its_tenant(stack: Stack) -> None:
    key = invoicing("api-key", "create", "--tenant", "keyed", "--port", str(stack.port))
    api = f"{stack.url}/api/v1/invoices"
    created = requests.post(api, json={}, headers={"x-api-key": key}, timeout=10)
    assert (created.status_code, created.json()["tenantId"]) == (201, "keyed")
    listed = requests.get(f"{api}/find-all", headers={"Authorization": key}, timeout=10)
    assert [i["id"] for i in listed.json()] == [created.json()["id"]]


def test_bad_requests_get_the_documented_error_body(stack: Stack) -> None:
    api = f"{stack.url}/api/v1/invoices"
    unauthenticated = requests.get(f"{api}/find-all", timeout=10)
    assert unauthenticated.status_code == 401
    malformed = requests.post(
        api,
        data="{not json",
        headers={**stack.auth("acme"), "Content-Type": "application/json"},
        timeout=10,
    )
    assert malformed.status_code == 400
    for reply in (unauthenticated, malformed):
        assert set(reply.json()) == {"title", "detail", "time"}


def test_token_prints_only_a_token() -> None:
    printed = invoicing("token", "--tenant", "acme", "--ttl", "60")
    assert printed.count(".") == 2 and " " not in printed and "\n" not in printed


def test_an_invoice_is_issued_and_paid_and_a_retried_payment_counts_once(stack: Stack) -> None:
    api = f"{stack.url}/api/v1/invoices"
    auth = stack.auth("lifecycle")
    body = {
        "currency": "EUR",
        "invoiceDate": "2026-11-21",
        "rows": [{"quantity": 1, "unitPrice": 50}],
    }
    invoice = requests.post(api, json=body, headers=auth, timeout=10).json()
    path = f"{api}/{invoice['id']}"
    issued = requests.patch(f"{path}/mark-as-sent", headers=auth, timeout=10)
    assert issued.json()["invoiceNumber"] == "INV-2026-0001"

    keyed = {**auth, "Idempotency-Key": "bank-import-line-17"}
    first = requests.patch(f"{path}/add-payment", json={"amount": 20}, headers=keyed, timeout=10)
    retry = requests.patch(f"{path}/add-payment", json={"amount": 20}, headers=keyed, timeout=10)
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert first.json()["paid"] == 20

    stale = {**auth, "If-Match": issued.headers["ETag"]}
    assert requests.patch(f"{path}/mark-as-paid", headers=stale, timeout=10).status_code == 412
    paid = requests.patch(f"{path}/mark-as-paid", headers=auth, timeout=10).json()
    assert (paid["status"], paid["paid"], len(paid["transactions"])) == ("PAID", 50, 2)


def test_a_finance_screen_pages_filters_counts_and_exports_over_http(stack: Stack) -> None:
    api = f"{stack.url}/api/v1/invoices"
    auth = stack.auth("finance-screen")
    ids = []
    for amount, note in [("10.00", "small"), ("30.50", "Large order"), ("20.25", "medium")]:
        body = {"currency": "EUR", "note": note, "rows": [{"quantity": 1, "unitPrice": amount}]}
        ids.append(requests.post(api, json=body, headers=auth, timeout=10).json()["id"])
    requests.patch(f"{api}/{ids[1]}/mark-as-sent", headers=auth, timeout=10)

    page = requests.get(
        f"{api}/page?sortBy=total&direction=DESC&pageSize=2", headers=auth, timeout=10
    )
    assert page.status_code == 200
    assert [i["id"] for i in page.json()["content"]] == [ids[1], ids[2]]
    assert (page.json()["totalElements"], page.json()["totalPages"]) == (3, 2)
    sent = requests.get(f"{api}/dynamic-search?filters=status:SENT", headers=auth, timeout=10)
    assert [i["id"] for i in sent.json()["content"]] == [ids[1]]
    found = requests.post(
        f"{api}/dynamic-search", json={"search": ["LARGE"]}, headers=auth, timeout=10
    )
    assert [i["id"] for i in found.json()["content"]] == [ids[1]]
    counts = requests.get(f"{api}/count-by-status", headers=auth, timeout=10).json()
    assert (counts["DRAFT"], counts["SENT"]) == (2, 1)
    assert (
        '"totalOutstanding": 30.50' in requests.get(f"{api}/stats", headers=auth, timeout=10).text
    )

    export = requests.get(
        f"{api}/csv-export?sort=total,asc", headers={**auth, "Accept": "text/csv"}, timeout=10
    )
    assert export.status_code == 200
    assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = export.content.decode().split("\r\n")
    assert lines[0].startswith("id,invoiceNumber,type,status,currency")
    assert [line.split(",")[0] for line in lines[1:-1]] == [ids[0], ids[2], ids[1]]
    assert lines[-1] == ""


def test_a_sent_invoice_is_in_the_outbox_and_its_pdf_comes_as_bytes(stack: Stack) -> None:
    auth = stack.auth("mailing")
    client = requests.post(
        f"{stack.url}/api/v1/clients",
        json={"name": "Zoë Müller GmbH", "email": "ap@mueller.example", "locale": "de-DE"},
        headers=auth,
        timeout=10,
    ).json()
    body = {
        "currency": "EUR",
        "clientId": client["id"],
        "invoiceDate": "2026-11-21",
        "rows": [{"description": "Beratung", "quantity": 2, "unitPrice": 150, "taxRate": 19}],
    }
    api = f"{stack.url}/api/v1/invoices"
    invoice = requests.post(api, json=body, headers=auth, timeout=10).json()
    sent = requests.post(f"{api}/{invoice['id']}/send", headers=auth, timeout=30)
    assert (sent.status_code, sent.json()["status"]) == (200, "SENT"), sent.text
    number = sent.json()["invoiceNumber"]

    outbox = invoicing("outbox", "--port", str(stack.port))
    [row] = [line for line in outbox.splitlines() if "ap@mueller.example" in line]
    assert number in row
    assert f"{number}.pdf (" in row

    pdf = requests.get(
        f"{api}/{invoice['id']}/pdf",
        headers={**auth, "Accept": "application/pdf"},
        timeout=10,
    )
    assert (pdf.status_code, pdf.headers["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF-")
    link = requests.get(
        f"{api}/{invoice['id']}/pdf", headers=auth, timeout=10, allow_redirects=False
    )
    assert link.status_code == 303
    assert requests.get(link.headers["Location"], timeout=10).content == pdf.content

    intruder = requests.get(f"{api}/{invoice['id']}/pdf", headers=stack.auth("globex"), timeout=10)
    assert intruder.status_code == 404


def invoice_for_jobs(stack: Stack, auth: dict[str, str], **fields: Any) -> str:
    """A draft with a row and the given fields; returns its id."""
    body = {"currency": "EUR", "rows": [{"quantity": 1, "unitPrice": 80}], **fields}
    created = requests.post(f"{stack.url}/api/v1/invoices", json=body, headers=auth, timeout=10)
    assert created.status_code == 201, created.text
    invoice_id: str = created.json()["id"]
    return invoice_id


def scheduled_invoice(
    stack: Stack, auth: dict[str, str], email: str, invoice_date: str = "2026-01-20"
) -> str:
    """Scheduled without a time: it goes out at 08:00 of its invoice date, passed already. Due
    30 days later: by default on 2026-02-19, after the day the overdue test runs as of, so
    that test never counts it."""
    fields = {"invoiceDate": invoice_date, "paymentTermDays": 30, "contactEmail": email}
    invoice_id = invoice_for_jobs(stack, auth, **fields)
    url = f"{stack.url}/api/v1/invoices/{invoice_id}/schedule"
    scheduled = requests.post(url, json={}, headers=auth, timeout=30)
    assert (scheduled.status_code, scheduled.json()["status"]) == (200, "SCHEDULED"), scheduled.text
    return invoice_id


def found(stack: Stack, auth: dict[str, str], invoice_id: str) -> requests.Response:
    return requests.get(f"{stack.url}/api/v1/invoices/find/{invoice_id}", headers=auth, timeout=10)


def run_job(stack: Stack, *args: str) -> str:
    return invoicing("run-job", *args, "--port", str(stack.port))


def outbox_rows_to(stack: Stack, address: str) -> list[str]:
    outbox = invoicing("outbox", "--port", str(stack.port))
    return [line for line in outbox.splitlines() if address in line]


def test_run_job_flags_an_invoice_overdue_as_of_a_date_and_only_once(stack: Stack) -> None:
    auth = stack.auth("jobs-e2e")
    fields = {"invoiceDate": "2026-01-05", "paymentTermDays": 10, "contactEmail": "late@x.example"}
    invoice_id = invoice_for_jobs(stack, auth, **fields)
    url = f"{stack.url}/api/v1/invoices/{invoice_id}/mark-as-sent"
    assert requests.patch(url, headers=auth, timeout=10).status_code == 200

    first = run_job(stack, "overdue", "--date", "2026-02-01")
    assert first.startswith("overdue: 1 done"), first
    flagged = found(stack, auth, invoice_id)
    assert flagged.json()["status"] == "OVERDUE"
    assert flagged.json()["overdueNotifiedAt"]

    again = run_job(stack, "overdue", "--date", "2026-02-01")
    assert again.startswith("overdue: 0 done"), again
    unchanged = found(stack, auth, invoice_id)
    assert unchanged.headers["ETag"] == flagged.headers["ETag"]
    assert unchanged.json() == flagged.json()


def test_run_job_sends_a_scheduled_invoice_once(stack: Stack) -> None:
    auth = stack.auth("jobs-e2e")
    invoice_id = scheduled_invoice(stack, auth, "scheduled@jobs.example")

    sent = run_job(stack, "scheduled")
    assert sent.startswith("scheduled: 1 done"), sent
    assert found(stack, auth, invoice_id).json()["status"] == "SENT"
    assert len(outbox_rows_to(stack, "scheduled@jobs.example")) == 1

    again = run_job(stack, "scheduled")
    assert again.startswith("scheduled: 0 done"), again
    assert len(outbox_rows_to(stack, "scheduled@jobs.example")) == 1


def test_run_job_needs_a_running_stack() -> None:
    result = subprocess.run(
        [str(BIN / "invoicing"), "run-job", "all", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "No local stack is running" in result.stderr


def test_serve_sends_a_scheduled_invoice_by_itself(ticking_stack: Stack) -> None:
    auth = ticking_stack.auth("jobs-e2e")
    # Dated yesterday: due in a month, so the overdue job of the same tick leaves it SENT.
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    invoice_id = scheduled_invoice(ticking_stack, auth, "ticked@jobs.example", yesterday)
    deadline = time.monotonic() + 20
    while "scheduled: 1 done" not in ticking_stack.output.read_text():
        assert time.monotonic() < deadline, ticking_stack.output.read_text()
        time.sleep(0.5)
    assert found(ticking_stack, auth, invoice_id).json()["status"] == "SENT"
    assert len(outbox_rows_to(ticking_stack, "ticked@jobs.example")) == 1


def test_queued_batches_are_created_by_the_jobs_worker(stack: Stack) -> None:
    """A native batch queued with ?async=true and a Hyperline batch are answered 202 and wait on
    the jobs' SQS queue; the worker `run-job` drives (as `serve`'s ticker does every minute)
    creates their invoices, and each batch reports them."""
    auth = stack.auth("batches-e2e")
    client = requests.post(
        f"{stack.url}/api/v1/clients", json={"name": "Zoë Müller GmbH"}, headers=auth, timeout=10
    ).json()["id"]
    rows = [{"description": "Seats", "quantity": 2, "unitPrice": "49.50", "taxRate": 19}]
    native = requests.post(
        f"{stack.url}/api/v1/invoices/batch?async=true",
        json={"invoices": [{"clientId": client, "rows": rows, "externalId": "e2e-1"}]},
        headers=auth,
        timeout=10,
    )
    line = {"name": "Seats", "unit_amount": 4950, "units_count": 2, "tax_rate": 19}
    paid = {"customer_id": client, "line_items": [line], "status": "paid", "number": "HL-1"}
    hyperline = requests.post(
        f"{stack.url}/compat/hyperline/v2/invoices/batch",
        json={"invoices": [paid], "batch_id": "e2e-batch"},
        headers=auth,
        timeout=10,
    )
    assert (native.status_code, hyperline.status_code) == (202, 202), native.text
    assert hyperline.json() == {"batch_id": "e2e-batch"}
    native_url = f"{stack.url}/api/v1/invoices/{native.headers['Location']}"
    hyperline_url = f"{stack.url}/compat/hyperline/v2/invoices/batch/e2e-batch"
    assert requests.get(native_url, headers=auth, timeout=10).json()["status"] == "QUEUED"

    run_job(stack, "overdue")  # any run drains the queue, batches included

    created = requests.get(native_url, headers=auth, timeout=10).json()
    assert (created["status"], created["created"]) == ("COMPLETED", 1), created
    invoice = found(stack, auth, created["results"][0]["invoiceId"]).json()
    assert (invoice["externalId"], invoice["totalWithTax"]) == ("e2e-1", 117.81)
    done = requests.get(hyperline_url, headers=auth, timeout=10).json()
    [made] = done["successes"]
    assert (done["status"], made["number"], made["status"]) == ("completed", "HL-1", "paid")
    assert (made["total_amount"], made["amount_paid"]) == (11781, 11781)


def test_credit_notes_customer_credit_and_e_invoices_over_http(stack: Stack) -> None:
    """Issue 21 and 22 as a client written from the documents meets them on the local stack."""
    auth, theirs = stack.auth("nordwind"), stack.auth("globex")
    v1 = f"{stack.url}/api/v1"
    seller = {
        "companyName": "Nordwind GmbH",
        "address": {"street": "Kai 3", "postalCode": "20457", "city": "Hamburg", "country": "DE"},
        "vatId": "DE136695976",
        "senderEmail": "rechnung@nordwind.example",
        "contact": {"name": "Buchhaltung", "phone": "+49 40 123456"},  # XRechnung's BG-6
        "bankAccounts": [{"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}],
    }
    assert requests.put(f"{v1}/settings", json=seller, headers=auth, timeout=10).status_code == 200
    buyer = {
        "name": "Hafen AG",
        "email": "ap@hafen.example",
        "address": {"street": "Pier 1", "postalCode": "28195", "city": "Bremen", "country": "DE"},
        "vatId": "DE129273398",
        "buyerReference": "991-12345-67",
    }
    client = requests.post(f"{v1}/clients", json=buyer, headers=auth, timeout=10).json()["id"]
    row = {"description": "Lotsendienst", "quantity": 2, "unitPrice": "100.00", "taxRate": 19}

    def sent() -> dict[str, Any]:
        body = {"currency": "EUR", "clientId": client, "rows": [row]}
        made = requests.post(f"{v1}/invoices", json=body, headers=auth, timeout=10).json()
        url = f"{v1}/invoices/{made['id']}/mark-as-sent"
        issued: dict[str, Any] = requests.patch(url, headers=auth, timeout=10).json()
        return issued

    first, second, third = sent(), sent(), sent()  # 238.00 each
    note = requests.post(
        f"{v1}/invoices/{first['id']}/credit-notes",
        json={"reason": "One hour not worked", "amounts": [{"taxRate": 19, "amount": "100.00"}]},
        headers=auth,
        timeout=10,
    )
    assert note.status_code == 201, note.text
    assert '"totalWithTax": 119.00' in note.text
    number = note.json()["creditNoteNumber"]  # the series of the stack's own day
    listed = requests.get(f"{v1}/credit-notes?clientId={client}", headers=auth, timeout=10)
    assert [n["creditNoteNumber"] for n in listed.json()] == [number]
    csv_text = requests.get(f"{v1}/credit-notes/csv-export", headers=auth, timeout=10).text
    assert number in csv_text and "119.00" in csv_text

    overpaid = requests.patch(
        f"{v1}/invoices/{second['id']}/add-payment",
        json={"amount": "250.00"},
        headers=auth,
        timeout=10,
    )
    assert (overpaid.status_code, overpaid.json()["status"]) == (200, "PAID")
    balance = requests.get(f"{v1}/clients/{client}/balance", headers=auth, timeout=10)
    assert '"amount": 12.00' in balance.text, balance.text  # 250.00 paid on 238.00

    cancelled = requests.patch(f"{v1}/invoices/{third['id']}/cancel", headers=auth, timeout=10)
    assert cancelled.json()["status"] == "CANCELLED"
    (cancelling,) = cancelled.json()["credited"]["creditNotes"]
    assert cancelling["creditNoteNumber"] != number
    assert '"totalWithTax": 238.00' in cancelled.text  # all of it was open

    xml = requests.get(
        f"{v1}/invoices/{first['id']}/e-invoice?format=xrechnung-ubl", headers=auth, timeout=10
    )
    assert (xml.status_code, xml.headers["Content-Type"]) == (200, "application/xml"), xml.text
    assert first["invoiceNumber"] in xml.text
    pdf = requests.get(
        f"{v1}/invoices/{first['id']}/e-invoice?format=factur-x",
        headers={**auth, "Accept": "application/pdf"},
        timeout=30,
    )
    assert (pdf.status_code, pdf.content[:5]) == (200, b"%PDF-")
    assert b"factur-x.xml" in pdf.content
    again = requests.get(
        f"{v1}/invoices/{first['id']}/e-invoice?format=xrechnung-ubl", headers=auth, timeout=10
    )
    assert again.content == xml.content
    stranger = requests.get(
        f"{v1}/invoices/{first['id']}/e-invoice?format=peppol-ubl", headers=theirs, timeout=10
    )
    assert stranger.status_code == 404
