"""The lifecycle through HTTP: numbering when an invoice is issued, every transition allowed or
refused, payments, If-Match, and faults around the numbering transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.domain.invoice import InvoiceStatus
from chalicelib.domain.settings import TenantSettings
from invoicing_cli.local import TABLE_NAME
from tests.support import Api, Reply, force

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")  # the dates below are written as of then
BASE = "/api/v1/invoices"
ROWS = [{"description": "Consulting", "quantity": 1, "unitPrice": 100, "taxRate": 19}]


@pytest.fixture
def acme(api: Api) -> Api:
    return api.as_tenant("acme", user="alice")


def create(client: Api, **fields: Any) -> dict[str, Any]:
    body = {"currency": "EUR", "invoiceDate": "2026-11-21", "rows": ROWS, **fields}
    reply = client.post(BASE, body)
    assert reply.status == 201, reply.body
    invoice: dict[str, Any] = reply.json()
    return invoice


def act(client: Api, invoice: dict[str, Any], action: str, **kwargs: Any) -> Reply:
    method = "DELETE" if action.endswith("remove-payment") else "PATCH"
    return client.request(method, f"{BASE}/{invoice['id']}/{action}", **kwargs)


def sent(client: Api, **fields: Any) -> dict[str, Any]:
    invoice = create(client, **fields)
    reply = act(client, invoice, "mark-as-sent")
    assert reply.status == 200, reply.body
    issued: dict[str, Any] = reply.json()
    return issued


def stored_item(tenant: str, invoice_id: str) -> dict[str, Any] | None:
    return (
        boto3.client("dynamodb")
        .get_item(
            TableName=TABLE_NAME, Key={"PK": {"S": f"T#{tenant}"}, "SK": {"S": f"INV#{invoice_id}"}}
        )
        .get("Item")
    )


def counter_item(tenant: str) -> dict[str, Any] | None:
    return (
        boto3.client("dynamodb")
        .get_item(
            TableName=TABLE_NAME, Key={"PK": {"S": f"T#{tenant}"}, "SK": {"S": "COUNTER#INVOICE"}}
        )
        .get("Item")
    )


class TestNumbering:
    def test_issued_invoices_are_numbered_in_order_from_one(self, acme: Api) -> None:
        numbers = [sent(acme)["invoiceNumber"] for _ in range(3)]
        assert numbers == ["INV-2026-0001", "INV-2026-0002", "INV-2026-0003"]

    def test_a_draft_has_no_number_and_deleting_drafts_burns_none(self, acme: Api) -> None:
        draft = create(acme)
        assert draft["invoiceNumber"] is None
        assert acme.delete(f"{BASE}/{draft['id']}").status == 204
        assert sent(acme)["invoiceNumber"] == "INV-2026-0001"

    def test_each_year_has_its_own_series_by_invoice_date(self, acme: Api) -> None:
        assert sent(acme)["invoiceNumber"] == "INV-2026-0001"
        assert sent(acme, invoiceDate="2027-01-02")["invoiceNumber"] == "INV-2027-0001"
        assert sent(acme)["invoiceNumber"] == "INV-2026-0002"

    def test_the_format_comes_from_the_tenant(self, acme: Api, api: Api) -> None:
        get_deps().tenant_settings.save(
            "acme", TenantSettings(numbering_format="F{YY}/{SEQ:03}"), version=0
        )
        assert sent(acme)["invoiceNumber"] == "F26/001"
        assert sent(api.as_tenant("globex"))["invoiceNumber"] == "INV-2026-0001"

    def test_a_format_without_the_year_never_restarts(self, acme: Api) -> None:
        get_deps().tenant_settings.save(
            "acme", TenantSettings(numbering_format="{SEQ:05}"), version=0
        )
        assert sent(acme)["invoiceNumber"] == "00001"
        assert sent(acme, invoiceDate="2027-06-01")["invoiceNumber"] == "00002"

    def test_tenants_number_independently(self, acme: Api, api: Api) -> None:
        sent(acme)
        sent(acme)
        assert sent(api.as_tenant("globex"))["invoiceNumber"] == "INV-2026-0001"

    def test_an_invoice_that_has_a_number_keeps_it(self, acme: Api) -> None:
        scheduled = create(acme)
        force("acme", scheduled["id"], status=InvoiceStatus.SCHEDULED, invoice_number="KEPT-1")
        issued = act(acme, scheduled, "mark-as-sent").json()
        assert (issued["status"], issued["invoiceNumber"]) == ("SENT", "KEPT-1")
        assert counter_item("acme") is None

    def test_a_numbered_draft_cannot_be_deleted(self, acme: Api) -> None:
        draft = create(acme)
        force("acme", draft["id"], invoice_number="INV-2026-0009")
        reply = acme.delete(f"{BASE}/{draft['id']}")
        assert reply.status == 409
        assert "INV-2026-0009" in reply.json()["detail"]
        assert stored_item("acme", draft["id"]) is not None

    def test_a_cancelled_invoice_keeps_its_number(self, acme: Api) -> None:
        issued = sent(acme)
        cancelled = act(acme, issued, "cancel").json()
        assert (cancelled["status"], cancelled["invoiceNumber"]) == ("CANCELLED", "INV-2026-0001")
        assert sent(acme)["invoiceNumber"] == "INV-2026-0002"

    def test_marking_as_sent_records_who_and_which_number(self, acme: Api) -> None:
        event = sent(acme)["events"][-1]
        assert (event["type"], event["authorId"]) == ("MARKED_AS_SENT", "alice")
        assert "INV-2026-0001" in event["description"]


def in_state(client: Api, status: str) -> dict[str, Any]:
    """An invoice of acme's in `status`, with one partial payment where payments are possible."""
    invoice = create(client)
    if status == "SCHEDULED":
        force("acme", invoice["id"], status=InvoiceStatus.SCHEDULED, invoice_number="S-1")
    if status in ("SENT", "OVERDUE", "PAID", "CANCELLED"):
        act(client, invoice, "mark-as-sent")
        act(client, invoice, "add-payment", json_body={"amount": 10})
    if status == "OVERDUE":
        force("acme", invoice["id"], status=InvoiceStatus.OVERDUE)
    if status == "PAID":
        act(client, invoice, "mark-as-paid")
    if status == "CANCELLED":
        act(client, invoice, "cancel")
    found: dict[str, Any] = client.get(f"{BASE}/find/{invoice['id']}").json()
    assert found["status"] == status
    return found


# Written from DESIGN.md section 5, independently of the code's own table.
EXPECTED = {
    "mark-as-sent": {"DRAFT", "SCHEDULED"},
    "cancel": {"DRAFT", "SCHEDULED", "SENT", "OVERDUE"},
    "add-payment": {"SENT", "OVERDUE"},
    "mark-as-paid": {"SENT", "OVERDUE"},
    "unmark-as-paid": {"PAID"},
    "remove-payment": {"SENT", "OVERDUE", "PAID"},
}
STATUSES = ["DRAFT", "SCHEDULED", "SENT", "OVERDUE", "PAID", "CANCELLED"]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", EXPECTED)
def test_each_transition_is_allowed_or_refused_as_the_lifecycle_says(
    acme: Api, status: str, action: str
) -> None:
    invoice = in_state(acme, status)
    transaction = invoice["transactions"][0]["id"] if invoice["transactions"] else "none"
    path = f"{transaction}/remove-payment" if action == "remove-payment" else action
    body = {"amount": 1} if action == "add-payment" else None
    before = stored_item("acme", invoice["id"])
    reply = act(acme, invoice, path, json_body=body)
    if status in EXPECTED[action]:
        assert reply.status in (200, 204), reply.body
        return
    assert reply.status == 409, reply.body
    detail = reply.json()["detail"]
    assert f"is {status}" in detail and f"allowed from {status}:" in detail
    assert stored_item("acme", invoice["id"]) == before


class TestPayments:
    def test_partial_payments_add_up_and_settle_the_invoice(self, acme: Api) -> None:
        invoice = sent(acme)  # 100.00 + 19.00 tax
        first_reply = act(acme, invoice, "add-payment", json_body={"amount": 59.50})
        first = first_reply.json()
        assert (first["status"], first["paid"], first["paidExcludingTax"]) == ("SENT", 59.5, 50)
        assert '"paidExcludingTax": 50.00' in first_reply.body.decode()
        body = {"amount": 59.50, "date": "2026-11-25T10:00:00Z", "paymentMethod": "BANK_TRANSFER"}
        settled = act(acme, invoice, "add-payment", json_body=body).json()
        assert (settled["status"], settled["paid"], settled["paidExcludingTax"]) == (
            "PAID", 119.00, 100.00,
        )  # fmt: skip
        assert settled["datePaid"] == "2026-11-25T10:00:00.000Z"
        assert [t["amount"] for t in settled["transactions"]] == [59.50, 59.50]
        assert settled["transactions"][1]["paymentMethod"] == "BANK_TRANSFER"
        assert settled["transactions"][1]["createdBy"] == "alice"
        assert [e["type"] for e in settled["events"][-2:]] == ["PAYMENT_ADDED", "PAYMENT_ADDED"]

    def test_amounts_are_exact_in_the_json(self, acme: Api) -> None:
        invoice = sent(acme)
        reply = act(acme, invoice, "add-payment", json_body={"amount": 0.1})
        text = reply.body.decode()
        assert '"paid": 0.10' in text and '"amount": 0.1' in text
        assert '"paidExcludingTax": 0.08' in text  # 0.10 x 100/119 = 0.084 -> 0.08

    @pytest.mark.parametrize(
        ("amount", "status"), [(119.01, 409), (0, 400), (-5, 400), (10.005, 400), ("x", 400)]
    )
    def test_a_refused_payment_records_nothing(
        self, acme: Api, amount: object, status: int
    ) -> None:
        invoice = sent(acme)
        before = stored_item("acme", invoice["id"])
        reply = act(acme, invoice, "add-payment", json_body={"amount": amount})
        assert reply.status == status, reply.body
        assert stored_item("acme", invoice["id"]) == before

    def test_a_payment_over_the_balance_says_how_much_is_open(self, acme: Api) -> None:
        invoice = sent(acme)
        act(acme, invoice, "add-payment", json_body={"amount": 100})
        detail = act(acme, invoice, "add-payment", json_body={"amount": 20}).json()["detail"]
        assert "20" in detail and "19.00 EUR" in detail

    def test_removing_a_payment_reopens_a_paid_invoice(self, acme: Api) -> None:
        invoice = sent(acme)
        paid = act(acme, invoice, "add-payment", json_body={"amount": 119}).json()
        reply = act(acme, invoice, f"{paid['transactions'][0]['id']}/remove-payment")
        assert (reply.status, reply.body) == (204, b"")
        reopened = acme.get(f"{BASE}/find/{invoice['id']}").json()
        assert (reopened["status"], reopened["paid"], reopened["datePaid"]) == ("SENT", 0, None)
        assert reopened["transactions"] == []

    def test_a_reopened_invoice_past_its_due_date_is_overdue(self, acme: Api) -> None:
        invoice = sent(acme, invoiceDate="2020-01-01", paymentTermDays=14)
        act(acme, invoice, "mark-as-paid")
        reopened = act(acme, invoice, "unmark-as-paid").json()
        assert reopened["status"] == "OVERDUE"

    def test_removing_an_unknown_payment_is_a_404(self, acme: Api) -> None:
        invoice = sent(acme)
        assert act(acme, invoice, "nope/remove-payment").status == 404

    def test_mark_as_paid_records_the_open_balance_once(self, acme: Api) -> None:
        invoice = sent(acme)
        act(acme, invoice, "add-payment", json_body={"amount": 19})
        paid = act(acme, invoice, "mark-as-paid?date=2026-11-30&paymentMethod=CASH").json()
        assert paid["status"] == "PAID"
        assert [t["amount"] for t in paid["transactions"]] == [19, 100]
        assert paid["transactions"][1]["paymentMethod"] == "CASH"
        assert paid["datePaid"] == "2026-11-30T00:00:00.000Z"

    @pytest.mark.parametrize("query", ["date=yesterday", "paymentMethod=BITCOIN"])
    def test_mark_as_paid_with_a_bad_query_changes_nothing(self, acme: Api, query: str) -> None:
        invoice = sent(acme)
        before = stored_item("acme", invoice["id"])
        assert act(acme, invoice, f"mark-as-paid?{query}").status == 400
        assert stored_item("acme", invoice["id"]) == before

    def test_unmark_as_paid_undoes_only_the_settling_payment(self, acme: Api) -> None:
        invoice = sent(acme)
        act(acme, invoice, "add-payment", json_body={"amount": 19})
        act(acme, invoice, "mark-as-paid")
        reopened = act(acme, invoice, "unmark-as-paid").json()
        assert (reopened["status"], reopened["paid"]) == ("SENT", 19)
        assert [t["amount"] for t in reopened["transactions"]] == [19]

    def test_an_invoice_with_nothing_to_pay_can_be_marked_paid(self, acme: Api) -> None:
        invoice = sent(acme, rows=[])
        paid = act(acme, invoice, "mark-as-paid").json()
        assert (paid["status"], paid["transactions"], paid["total"]) == ("PAID", [], 0)
        assert paid["datePaid"] is not None


def test_a_client_may_send_an_issued_invoice_back_whole_to_change_its_note(acme: Api) -> None:
    issued = sent(acme)
    reply = acme.patch(f"{BASE}/{issued['id']}/update", {**issued, "note": "Paid by phone"})
    assert reply.status == 200, reply.body
    changed = reply.json()
    assert changed["note"] == "Paid by phone"
    assert (changed["rows"], changed["total"]) == (issued["rows"], issued["total"])
    refused = acme.patch(f"{BASE}/{issued['id']}/update", {**issued, "currency": "USD"})
    assert refused.status == 409


class TestIfMatch:
    def test_a_write_at_the_current_etag_succeeds_and_moves_it(self, acme: Api) -> None:
        invoice = create(acme)
        reply = acme.patch(
            f"{BASE}/{invoice['id']}/update", {"note": "a"}, headers={"If-Match": '"1"'}
        )
        assert (reply.status, reply.headers["ETag"]) == (200, '"2"')

    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [
            ("PATCH", "/update", {"note": "late"}),
            ("POST", "/comment", "late"),
            ("PATCH", "/mark-as-sent", None),
            ("PATCH", "/cancel", None),
            ("DELETE", "", None),
        ],
    )
    def test_a_write_at_a_stale_etag_is_a_412_and_changes_nothing(
        self, acme: Api, method: str, suffix: str, body: Any
    ) -> None:
        invoice = create(acme)
        acme.post(f"{BASE}/{invoice['id']}/comment", "someone else was faster")
        before = stored_item("acme", invoice["id"])
        reply = acme.request(
            method, f"{BASE}/{invoice['id']}{suffix}", body, headers={"If-Match": '"1"'}
        )
        assert reply.status == 412, reply.body
        assert "version 2" in reply.json()["detail"]
        assert stored_item("acme", invoice["id"]) == before
        assert counter_item("acme") is None

    def test_any_version_matches_a_star(self, acme: Api) -> None:
        invoice = create(acme)
        reply = acme.patch(f"{BASE}/{invoice['id']}/cancel", headers={"If-Match": "*"})
        assert reply.status == 200

    @pytest.mark.parametrize("value", ['W/"1"', "one", '"1", "2"'])
    def test_an_if_match_that_is_not_a_strong_etag_is_a_400(self, acme: Api, value: str) -> None:
        invoice = create(acme)
        reply = acme.patch(f"{BASE}/{invoice['id']}/cancel", headers={"If-Match": value})
        assert reply.status == 400
        assert reply.json()["errors"][0]["field"] == "If-Match"


@pytest.fixture
def on_transaction() -> Iterator[Callable[[Callable[[], None]], None]]:
    """Runs a callback once, just before the app's next TransactWriteItems is sent."""
    events = get_deps().dynamodb.meta.events
    pending: list[Callable[[], None]] = []

    def fire(**_: Any) -> None:
        if pending:
            pending.pop()()

    events.register("before-call.dynamodb.TransactWriteItems", fire)
    yield pending.append
    events.unregister("before-call.dynamodb.TransactWriteItems", fire)


class TestFaultsAroundNumbering:
    def test_a_failure_at_the_numbering_write_leaves_no_gap_and_no_half_issued_invoice(
        self, acme: Api, on_transaction: Callable[[Callable[[], None]], None]
    ) -> None:
        invoice = create(acme)
        before = stored_item("acme", invoice["id"])

        def fail() -> None:
            raise RuntimeError("injected: the connection dropped")

        on_transaction(fail)
        assert act(acme, invoice, "mark-as-sent").status == 500
        assert stored_item("acme", invoice["id"]) == before
        assert counter_item("acme") is None
        assert act(acme, invoice, "mark-as-sent").json()["invoiceNumber"] == "INV-2026-0001"

    def test_a_rival_write_between_read_and_transaction_takes_no_number(
        self, acme: Api, on_transaction: Callable[[Callable[[], None]], None]
    ) -> None:
        invoice = create(acme)
        on_transaction(lambda: force("acme", invoice["id"], note="rival"))
        issued = act(acme, invoice, "mark-as-sent").json()
        assert (issued["invoiceNumber"], issued["note"]) == ("INV-2026-0001", "rival")
        counter = counter_item("acme")
        assert counter is not None
        assert counter["last"] == {"M": {"2026": {"N": "1"}}}
        assert sent(acme)["invoiceNumber"] == "INV-2026-0002"
