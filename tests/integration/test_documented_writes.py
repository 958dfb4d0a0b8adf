"""The native API's write endpoints as api-docs/alphaalpha-invoice-api.txt documents them: each
sends the document's own example request as written (a credential and real ids in place of its
placeholders) and checks every documented response field and its JSON type. Nulls are allowed
only where the value is unknown in that state (no client yet, no number before issue)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.documented_native import assert_documented_error, assert_documented_invoice, body_of
from tests.support import Api, DynamoCalls, Reply

BASE = "/api/v1/invoices"
pytestmark = pytest.mark.now("2026-11-21T09:30:00Z", tick=False)

# The document's requests, quoted from its curl lines as they are (`-d '...'`).
CREATE_REQUEST = '{    "currency": "string",    "invoiceDate": "2019-08-24T14:15:22Z",    "paymentTermDays": 0,    "rows": [      {        "id": "string",        "quantity": 0.1,        "quantityType": "AMOUNT",        "taxAmount": 0.1,        "total": 0.1,        "totalWithTax": 0.1,        "type": "ITEM",        "unitPrice": 0.1      }    ]  }'  # noqa: E501
UPDATE_REQUEST = '{    "currency": "string",    "invoiceDate": "2019-08-24T14:15:22Z",    "paymentTermDays": 0,    "rows": [      {        "id": "string",        "quantity": 0.1,        "quantityType": "AMOUNT",        "taxAmount": 0.1,        "total": 0.1,        "totalWithTax": 0.1,        "type": "ITEM",        "unitPrice": 0.1      }    ]  }'  # noqa: E501
ADD_ROW_REQUEST = '{    "quantity": 0.1,    "type": "ITEM",    "unitPrice": 0.1  }'
COMMENT_REQUEST = "string"
ADD_PAYMENT_REQUEST = (
    '{    "amount": 0.1,    "date": "2019-08-24T14:15:22Z",    "paymentMethod": "CREDIT_CARD"  }'
)

# Unknown in a draft nobody has annotated: no client, number, mail, payment, PDF or agreement.
UNKNOWN_IN_A_DRAFT = frozenset(
    {
        "clientId", "contactEmail", "datePaid", "invoiceNumber", "mailBody", "milestoneId",
        "note", "opportunityId", "overdueNotifiedAt", "paymentReference", "pdf",
        "recurringAgreement", "reminderBody", "salesOrderId", "subsidiaryId",
    }
)  # fmt: skip
UNKNOWN_ISSUED = UNKNOWN_IN_A_DRAFT - {"invoiceNumber"}
UNKNOWN_PAID = UNKNOWN_ISSUED - {"datePaid"}
# A row sent without a description or product; a payment sent without an account or note.
UNKNOWN_OF_ROWS = frozenset({"rows[].description", "rows[].productId"})
UNKNOWN_OF_PAYMENTS = frozenset({"transactions[].accountId", "transactions[].description"})


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def send(client: Api, method: str, path: str, body: str | None = None) -> Reply:
    """A request as the document's curl line makes it: its body as written, as JSON."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    return client.request(method, f"{BASE}{path}", body=body, headers=headers)


def agreeing(request: str) -> str:
    """The document's create or update request with what its placeholders stand for: a currency
    for "string", and a row whose amounts are what it comes to (2 x 50.00 is 100.00, and 19.00
    tax makes 119.00), for its 0.1 everywhere, which no row comes to (0.1 x 0.1 is 0.01)."""
    return (
        request.replace('"currency": "string"', '"currency": "EUR"')
        .replace('"quantity": 0.1', '"quantity": 2')
        .replace('"unitPrice": 0.1', '"unitPrice": 50.00')
        .replace('"total": 0.1', '"total": 100.00')
        .replace('"taxAmount": 0.1', '"taxAmount": 19.00')
        .replace('"totalWithTax": 0.1', '"totalWithTax": 119.00')
    )


def created(client: Api, request: str | None = None) -> dict[str, Any]:
    reply = send(client, "POST", "", agreeing(request or CREATE_REQUEST))
    return assert_documented_invoice(reply, 201, UNKNOWN_IN_A_DRAFT | UNKNOWN_OF_ROWS)


def issued(client: Api) -> dict[str, Any]:
    invoice = created(client)
    reply = send(client, "PATCH", f"/{invoice['id']}/mark-as-sent")
    return assert_documented_invoice(reply, 200, UNKNOWN_ISSUED | UNKNOWN_OF_ROWS)


def found(client: Api, invoice_id: str) -> dict[str, Any] | None:
    reply = client.get(f"{BASE}/find/{invoice_id}")
    return body_of(reply) if reply.status == 200 else None


def all_of(client: Api) -> list[str]:
    return [invoice["id"] for invoice in client.get(f"{BASE}/find-all").json()]


def assert_unchanged(client: Api, invoice: dict[str, Any]) -> None:
    """Another tenant's attempt found nothing and changed nothing."""
    assert found(client, invoice["id"]) == invoice


class TestCreate:
    def test_the_documented_request_as_written_is_refused_naming_its_currency(
        self, acme: Api
    ) -> None:
        # "string" is a placeholder for a currency, and no currency.
        reply = send(acme, "POST", "", CREATE_REQUEST)
        assert_documented_error(reply, 400, "currency")
        assert all_of(acme) == []

    def test_the_documented_request_with_a_currency_is_refused_naming_the_amounts_it_states(
        self, acme: Api
    ) -> None:
        # 0.1 x 0.1 comes to 0.01, not the 0.1 `total` says, and with 0.1 tax to 0.11, not the
        # 0.1 `totalWithTax` says: a row's amounts are never silently changed.
        request = CREATE_REQUEST.replace('"currency": "string"', '"currency": "EUR"')
        body = assert_documented_error(
            send(acme, "POST", "", request), 400, "rows[0].total", "rows[0].totalWithTax"
        )
        assert "0.01" in json.dumps(body["errors"])
        assert all_of(acme) == []

    def test_the_documented_request_with_agreeing_amounts_is_created_as_sent(
        self, acme: Api, globex: Api
    ) -> None:
        reply = send(acme, "POST", "", agreeing(CREATE_REQUEST))
        invoice = assert_documented_invoice(reply, 201, UNKNOWN_IN_A_DRAFT | UNKNOWN_OF_ROWS)
        assert reply.headers["Location"] == f"invoices/find/{invoice['id']}"
        [row] = invoice["rows"]
        assert (row["id"], row["quantityType"], row["type"]) == ("string", "AMOUNT", "ITEM")
        assert (row["quantity"], row["unitPrice"], row["taxRate"]) == (2, Decimal("50.00"), 19)
        amounts = (row["total"], row["taxAmount"], row["totalWithTax"])
        assert amounts == (Decimal("100.00"), Decimal("19.00"), Decimal("119.00"))
        totals = (invoice["totalExcludingTax"], invoice["totalTax"], invoice["totalWithTax"])
        assert totals == (Decimal("100.00"), Decimal("19.00"), Decimal("119.00"))
        assert (invoice["invoiceDate"], invoice["dueDate"]) == ("2019-08-24T00:00:00Z",) * 2
        assert (invoice["currency"], invoice["paymentTermDays"], invoice["tenantId"]) == (
            "EUR", 0, "acme",
        )  # fmt: skip
        assert found(acme, invoice["id"]) == invoice
        assert found(globex, invoice["id"]) is None
        # The row's id is the invoice's own: globex may use it for a row of its own.
        theirs = created(globex)
        assert theirs["rows"][0]["id"] == "string" and all_of(globex) == [theirs["id"]]


class TestEmpty:
    def test_the_documented_request_creates_an_empty_draft(self, acme: Api, globex: Api) -> None:
        reply = send(acme, "POST", "/empty")
        invoice = assert_documented_invoice(reply, 201, UNKNOWN_IN_A_DRAFT)
        assert (invoice["rows"], invoice["status"], invoice["total"]) == ([], "DRAFT", 0)
        assert json.loads(reply.body)["total"] == 0 and b'"total": 0.00' in reply.body
        assert found(acme, invoice["id"]) == invoice
        assert found(globex, invoice["id"]) is None and all_of(globex) == []


class TestUpdate:
    def test_the_documented_request_as_written_is_refused_and_changes_nothing(
        self, acme: Api
    ) -> None:
        invoice = created(acme)
        assert_documented_error(
            send(acme, "PATCH", f"/{invoice['id']}/update", UPDATE_REQUEST), 400, "currency"
        )
        request = UPDATE_REQUEST.replace('"currency": "string"', '"currency": "EUR"')
        reply = send(acme, "PATCH", f"/{invoice['id']}/update", request)
        assert_documented_error(reply, 400, "rows[0].total", "rows[0].totalWithTax")
        assert found(acme, invoice["id"]) == invoice

    def test_the_documented_request_with_agreeing_amounts_replaces_the_rows(
        self, acme: Api, globex: Api
    ) -> None:
        invoice = send(acme, "POST", "/empty").json()
        request = agreeing(UPDATE_REQUEST).replace('"taxAmount": 19.00', '"taxAmount": 7.00')
        request = request.replace('"totalWithTax": 119.00', '"totalWithTax": 107.00')
        assert send(globex, "PATCH", f"/{invoice['id']}/update", request).status == 404
        reply = send(acme, "PATCH", f"/{invoice['id']}/update", request)
        updated = assert_documented_invoice(reply, 200, UNKNOWN_IN_A_DRAFT | UNKNOWN_OF_ROWS)
        [row] = updated["rows"]
        assert (row["id"], row["taxRate"], row["taxAmount"]) == ("string", 7, Decimal("7.00"))
        assert updated["totalWithTax"] == Decimal("107.00")
        assert [event["type"] for event in updated["events"]] == ["CREATE", "UPDATE"]
        assert found(acme, invoice["id"]) == updated


class TestRows:
    def test_the_documented_request_adds_a_row(self, acme: Api, globex: Api) -> None:
        invoice = created(acme)
        assert send(globex, "POST", f"/{invoice['id']}/rows", ADD_ROW_REQUEST).status == 404
        assert_unchanged(acme, invoice)
        reply = send(acme, "POST", f"/{invoice['id']}/rows", ADD_ROW_REQUEST)
        updated = assert_documented_invoice(reply, 200, UNKNOWN_IN_A_DRAFT | UNKNOWN_OF_ROWS)
        added = updated["rows"][1]
        assert (added["quantity"], added["unitPrice"], added["taxRate"]) == (
            Decimal("0.1"), Decimal("0.1"), 0,
        )  # fmt: skip
        # 0.1 x 0.1 = 0.01, untaxed: no rate and no tax stated
        assert (added["total"], added["taxAmount"], added["totalWithTax"]) == (
            Decimal("0.01"), Decimal("0.00"), Decimal("0.01"),
        )  # fmt: skip
        assert updated["totalWithTax"] == Decimal("119.01")
        assert found(acme, invoice["id"]) == updated

    def test_the_documented_request_removes_a_row(self, acme: Api, globex: Api) -> None:
        invoice = created(acme)
        path = f"/{invoice['id']}/rows/string"  # the row's id, as the client gave it
        assert send(globex, "DELETE", path).status == 404
        assert_unchanged(acme, invoice)
        updated = assert_documented_invoice(send(acme, "DELETE", path), 200, UNKNOWN_IN_A_DRAFT)
        assert (updated["rows"], updated["total"]) == ([], 0)
        assert found(acme, invoice["id"]) == updated


class TestComment:
    def test_the_documented_request_adds_its_body_as_the_comment(
        self, acme: Api, globex: Api
    ) -> None:
        invoice = created(acme)
        # -d 'string' with Content-Type: application/json: a body that is not JSON, as written.
        assert send(globex, "POST", f"/{invoice['id']}/comment", COMMENT_REQUEST).status == 404
        assert_unchanged(acme, invoice)
        reply = send(acme, "POST", f"/{invoice['id']}/comment", COMMENT_REQUEST)
        updated = assert_documented_invoice(reply, 200, UNKNOWN_IN_A_DRAFT | UNKNOWN_OF_ROWS)
        event = updated["events"][-1]
        assert (event["type"], event["description"], event["authorId"]) == (
            "COMMENT", "string", "user-1",
        )  # fmt: skip
        assert found(acme, invoice["id"]) == updated


class TestDelete:
    def test_the_documented_request_deletes_a_draft(self, acme: Api, globex: Api) -> None:
        invoice = created(acme)
        refused = send(globex, "DELETE", f"/{invoice['id']}")
        assert_documented_error(refused, 404)
        assert_unchanged(acme, invoice)
        reply = send(acme, "DELETE", f"/{invoice['id']}")
        assert (reply.status, reply.body) == (204, b"")  # Empty
        assert found(acme, invoice["id"]) is None

    def test_the_documented_delete_list_without_ids_deletes_nothing(
        self, acme: Api, globex: Api, dynamo_calls: DynamoCalls
    ) -> None:
        ours, theirs = created(acme), created(globex)
        dynamo_calls.reset()
        reply = send(acme, "DELETE", "/delete-list")
        assert (reply.status, reply.body) == (204, b"")  # Empty
        assert dynamo_calls.count == 0  # nothing asked: nothing read, nothing written
        assert (all_of(acme), all_of(globex)) == ([ours["id"]], [theirs["id"]])
        assert send(acme, "DELETE", "/delete-list?ids=").status == 204
        assert_documented_error(send(globex, "DELETE", f"/delete-list?ids={ours['id']}"), 404)
        assert found(acme, ours["id"]) == ours


class TestLinkOpportunity:
    def test_the_documented_request_links_the_invoice(self, acme: Api, globex: Api) -> None:
        invoice = created(acme)
        path = f"/{invoice['id']}/link-opportunity/OPP-2026-7"
        assert send(globex, "PATCH", path).status == 404
        assert_unchanged(acme, invoice)
        unknown = (UNKNOWN_IN_A_DRAFT - {"opportunityId"}) | UNKNOWN_OF_ROWS
        updated = assert_documented_invoice(send(acme, "PATCH", path), 200, unknown)
        assert updated["opportunityId"] == "OPP-2026-7"
        assert found(acme, invoice["id"]) == updated


class TestIssueAndCancel:
    def test_the_documented_mark_as_sent_numbers_the_invoice(self, acme: Api, globex: Api) -> None:
        invoice = created(acme)
        assert send(globex, "PATCH", f"/{invoice['id']}/mark-as-sent").status == 404
        assert_unchanged(acme, invoice)
        reply = send(acme, "PATCH", f"/{invoice['id']}/mark-as-sent")
        sent = assert_documented_invoice(reply, 200, UNKNOWN_ISSUED | UNKNOWN_OF_ROWS)
        assert (sent["status"], sent["invoiceNumber"]) == ("SENT", "INV-2019-0001")
        assert found(acme, invoice["id"]) == sent

    def test_the_documented_cancel_cancels_it(self, acme: Api, globex: Api) -> None:
        invoice = issued(acme)
        assert send(globex, "PATCH", f"/{invoice['id']}/cancel").status == 404
        assert_unchanged(acme, invoice)
        reply = send(acme, "PATCH", f"/{invoice['id']}/cancel")
        cancelled = assert_documented_invoice(reply, 200, UNKNOWN_ISSUED | UNKNOWN_OF_ROWS)
        assert (cancelled["status"], cancelled["invoiceNumber"]) == ("CANCELLED", "INV-2019-0001")
        assert found(acme, invoice["id"]) == cancelled


class TestPayments:
    def test_the_documented_add_payment_records_it(self, acme: Api, globex: Api) -> None:
        invoice = issued(acme)
        path = f"/{invoice['id']}/add-payment"
        assert send(globex, "PATCH", path, ADD_PAYMENT_REQUEST).status == 404
        assert_unchanged(acme, invoice)
        reply = send(acme, "PATCH", path, ADD_PAYMENT_REQUEST)
        unknown = UNKNOWN_ISSUED | UNKNOWN_OF_ROWS | UNKNOWN_OF_PAYMENTS
        paid = assert_documented_invoice(reply, 200, unknown)
        [payment] = paid["transactions"]
        assert (payment["amount"], payment["paymentMethod"]) == (Decimal("0.10"), "CREDIT_CARD")
        assert instant(payment["date"]) == instant("2019-08-24T14:15:22Z")
        assert payment["tenantId"] == "acme"
        assert (paid["paid"], paid["status"]) == (Decimal("0.10"), "SENT")
        assert found(acme, invoice["id"]) == paid

    def test_the_documented_add_payment_keeps_an_account_id(self, acme: Api) -> None:
        invoice = issued(acme)
        request = ADD_PAYMENT_REQUEST.replace(
            '"amount": 0.1,', '"amount": 0.1, "accountId": "DE-main",'
        )
        reply = send(acme, "PATCH", f"/{invoice['id']}/add-payment", request)
        unknown = UNKNOWN_ISSUED | UNKNOWN_OF_ROWS | {"transactions[].description"}
        paid = assert_documented_invoice(reply, 200, unknown)
        assert paid["transactions"][0]["accountId"] == "DE-main"
        assert found(acme, invoice["id"]) == paid

    def test_the_documented_remove_payment_removes_it(self, acme: Api, globex: Api) -> None:
        invoice = issued(acme)
        with_payment = send(acme, "PATCH", f"/{invoice['id']}/add-payment", ADD_PAYMENT_REQUEST)
        payment = with_payment.json()["transactions"][0]["id"]
        path = f"/{invoice['id']}/{payment}/remove-payment"
        assert_documented_error(send(globex, "DELETE", path), 404)
        assert found(acme, invoice["id"]) == body_of(with_payment)
        reply = send(acme, "DELETE", path)
        assert (reply.status, reply.body) == (204, b"")  # Empty
        after = found(acme, invoice["id"])
        assert after is not None and (after["transactions"], after["paid"]) == ([], 0)

    def test_the_documented_mark_and_unmark_as_paid_settle_and_reopen_it(
        self, acme: Api, globex: Api
    ) -> None:
        invoice = issued(acme)
        assert send(globex, "PATCH", f"/{invoice['id']}/mark-as-paid").status == 404
        assert_unchanged(acme, invoice)
        reply = send(acme, "PATCH", f"/{invoice['id']}/mark-as-paid")
        unknown = UNKNOWN_PAID | UNKNOWN_OF_ROWS | UNKNOWN_OF_PAYMENTS
        paid = assert_documented_invoice(reply, 200, unknown)
        assert (paid["status"], paid["paid"]) == ("PAID", Decimal("119.00"))
        assert instant(paid["datePaid"]) == instant("2026-11-21T09:30:00Z")
        assert send(globex, "PATCH", f"/{invoice['id']}/unmark-as-paid").status == 404
        assert_unchanged(acme, paid)
        reply = send(acme, "PATCH", f"/{invoice['id']}/unmark-as-paid")
        reopened = assert_documented_invoice(reply, 200, UNKNOWN_ISSUED | UNKNOWN_OF_ROWS)
        # Due on the day it is dated, in 2019: it reopens past due.
        assert (reopened["status"], reopened["transactions"], reopened["paid"]) == (
            "OVERDUE",
            [],
            0,
        )
        assert found(acme, invoice["id"]) == reopened
