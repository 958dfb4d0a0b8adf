"""The core invoice endpoints through the app's HTTP entry point, against emulated DynamoDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer

from chalicelib.bootstrap import get_deps
from chalicelib.domain.clients import Client
from chalicelib.domain.invoice import InvoiceStatus
from invoicing_cli.local import TABLE_NAME
from tests.support import Api, Reply

BASE = "/api/v1/invoices"
STAMP = datetime(2026, 11, 1, tzinfo=UTC)
DOCUMENTED_FIELDS = {
    "attachments", "clientId", "contactEmail", "created", "createdBy", "currency", "datePaid",
    "dueDate", "events", "id", "invoiceDate", "invoiceNumber", "mailBody", "milestoneId", "note",
    "opportunityId", "overdueNotifiedAt", "paid", "paidExcludingTax", "paymentReference",
    "paymentTermDays", "pdf", "recurringAgreement", "reminderBody", "reminders", "rows",
    "salesOrderId", "sentMails", "status", "subsidiaryId", "tenantId", "total",
    "totalExcludingTax", "totalTax", "totalWithTax", "transactions", "type", "updated",
    "updatedBy",
}  # fmt: skip
DOCUMENTED_ROW_FIELDS = {
    "description", "id", "productId", "quantity", "quantityType", "taxAmount", "taxRate",
    "total", "totalWithTax", "type", "unitPrice",
}  # fmt: skip

CONSULTING: dict[str, Any] = {
    "currency": "EUR",
    "invoiceDate": "2026-11-21T14:15:22Z",
    "paymentTermDays": 30,
    "clientId": "client-7",
    "contactEmail": "billing@example.com",
    "rows": [
        {"description": "Consulting", "quantity": 3, "unitPrice": 0.1, "taxRate": 19},
        {"description": "Travel", "quantity": 1, "unitPrice": 99.995, "taxRate": 7},
    ],
}


@pytest.fixture
def acme(api: Api) -> Api:
    """acme, whose client "client-7" (an id carried over from its ERP, stored as such)
    CONSULTING names: an invoice names one of its tenant's clients."""
    get_deps().clients.add(
        Client(id="client-7", tenant_id="acme", name="Client 7", created=STAMP,
               created_by="import", updated=STAMP, updated_by="import")
    )  # fmt: skip
    return api.as_tenant("acme", user="alice")


def create(client: Api, body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = client.post(BASE, body or CONSULTING)
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.json()
    return created


def stored(client: Api, invoice_id: str) -> dict[str, Any]:
    reply = client.get(f"{BASE}/find/{invoice_id}")
    assert reply.status == 200, reply.body
    found: dict[str, Any] = reply.json()
    return found


def assert_problem(reply: Reply, status: int, *fields: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/json"
    body: dict[str, Any] = reply.json()
    assert {"title", "detail", "time"} <= body.keys()
    assert "Traceback" not in body["detail"]
    named = {error["field"] for error in body.get("errors", [])}
    assert set(fields) <= named, body
    return body


class TestCreate:
    def test_create_computes_totals_exactly(self, acme: Api) -> None:
        # Row amounts a client states must be what the row comes to (test_documented_writes).
        body = {**CONSULTING, "rows": [CONSULTING["rows"][0]]}
        reply = acme.post(BASE, body)
        assert reply.status == 201
        text = reply.body.decode()
        assert '"total": 0.30' in text and '"taxAmount": 0.06' in text
        assert "0.30000000000000004" not in text
        invoice = reply.json()
        assert invoice["totalExcludingTax"] == pytest.approx(0.30)
        assert (invoice["totalTax"], invoice["totalWithTax"], invoice["total"]) == (
            0.06,
            0.36,
            0.36,
        )

    def test_totals_are_sums_of_rounded_rows(self, acme: Api) -> None:
        invoice = create(acme)
        # 0.30 + 0.06 and 100.00 (99.995 rounded half up) + 7.00
        assert invoice["rows"][1]["total"] == 100.00
        assert invoice["rows"][1]["taxAmount"] == 7.00
        assert json.dumps(invoice["totalWithTax"]) == "107.36"
        assert invoice["totalExcludingTax"] == 100.30
        assert invoice["totalTax"] == 7.06

    def test_created_invoice_has_every_documented_field(self, acme: Api) -> None:
        invoice = create(acme)
        # Beyond the documented fields: the parties copied when it is issued, when a scheduled
        # invoice is to be emailed, the timezone its days are in, and its next reminder; whether
        # its prices include tax, the discounts and the caller's custom fields (issue 7).
        extra = {"seller", "client", "sendAt", "timezone", "nextReminderAt"}
        extra |= {"taxInclusive", "totalDiscount", "customFields"}
        extra |= {"externalId"}  # the caller's own id, which makes a create idempotent
        extra |= {"credited"}  # what its credit notes credited, and the notes (issue 21)
        extra |= {"clientCredit"}  # what was paid or credited beyond it: its client's (0056)
        assert set(invoice) == DOCUMENTED_FIELDS | extra
        discounts = {"discount", "discountType", "discountAmount"}
        vat = {"vatCategory", "vatExemptionReason"}  # what e-invoices state (issue 22)
        assert set(invoice["rows"][0]) == DOCUMENTED_ROW_FIELDS | discounts | vat
        assert invoice["invoiceNumber"] is None and invoice["pdf"] is None
        assert invoice["status"] == "DRAFT" and invoice["type"] == "MANUAL"
        assert invoice["tenantId"] == "acme"
        assert (invoice["createdBy"], invoice["updatedBy"]) == ("alice", "alice")

    def test_due_date_follows_from_invoice_date_and_terms(self, acme: Api) -> None:
        invoice = create(acme)
        assert invoice["invoiceDate"] == "2026-11-21T00:00:00Z"
        assert invoice["dueDate"] == "2026-12-21T00:00:00Z"

    def test_jpy_amounts_have_no_decimals(self, acme: Api) -> None:
        body = {"currency": "JPY", "rows": [{"quantity": 3, "unitPrice": 33.5, "taxRate": 10}]}
        reply = acme.post(BASE, body)
        assert '"totalWithTax": 111' in reply.body.decode()

    def test_create_answers_with_location_etag_and_a_create_event(self, acme: Api) -> None:
        reply = acme.post(BASE, CONSULTING)
        invoice = reply.json()
        assert reply.headers["Location"] == f"invoices/find/{invoice['id']}"
        assert reply.headers["ETag"] == '"1"'
        assert [e["type"] for e in invoice["events"]] == ["CREATE"]
        assert invoice["events"][0]["authorId"] == "alice"

    def test_empty_creates_a_draft_with_defaults(self, acme: Api) -> None:
        reply = acme.post(f"{BASE}/empty")
        assert reply.status == 201
        invoice = reply.json()
        assert (invoice["currency"], invoice["paymentTermDays"], invoice["rows"]) == ("EUR", 14, [])
        assert invoice["total"] == 0
        assert stored(acme, invoice["id"])["id"] == invoice["id"]

    def test_invalid_fields_are_all_named_and_nothing_is_stored(self, acme: Api) -> None:
        body = {"currency": "EURO", "paymentTermDays": -1, "rows": [{"quantity": "x"}]}
        reply = acme.post(BASE, body)
        assert_problem(
            reply, 400, "currency", "paymentTermDays", "rows[0].quantity", "rows[0].unitPrice"
        )
        assert acme.get(f"{BASE}/find-all").json() == []

    @pytest.mark.parametrize(
        "raw", ["{", "[1, 2", '{"rows": NaN}', '{"currency": "EUR"} trailing', "", "   "]
    )
    def test_malformed_json_is_a_400(self, acme: Api, raw: str) -> None:
        reply = acme.post(BASE, body=raw, headers={"Content-Type": "application/json"})
        assert_problem(reply, 400)
        assert acme.get(f"{BASE}/find-all").json() == []

    @pytest.mark.parametrize(
        "raw",
        [
            '{"rows": [{"quantity": 1e5000000, "unitPrice": 1}]}',  # was a 500
            '{"paymentTermDays": 1e5000000}',  # took seconds in validation
            '{"rows": [{"quantity": 0e-100000, "unitPrice": 1}]}',
            '{"rows": [{"quantity": 1, "unitPrice": 1e101}]}',
        ],
    )
    def test_a_number_with_an_exponent_out_of_reach_is_a_400_at_parsing(
        self, acme: Api, raw: str
    ) -> None:
        reply = acme.post(BASE, body=raw, headers={"Content-Type": "application/json"})
        assert_problem(reply, 400)
        assert "is out of range" in reply.json()["detail"]
        assert acme.get(f"{BASE}/find-all").json() == []

    @pytest.mark.parametrize("raw", ["[]", '"text"', "42", "null"])
    def test_a_body_that_is_not_an_object_is_a_400(self, acme: Api, raw: str) -> None:
        reply = acme.post(BASE, body=raw, headers={"Content-Type": "application/json"})
        assert_problem(reply, 400)

    def test_an_oversized_body_is_a_413(self, acme: Api) -> None:
        reply = acme.post(BASE, {"note": "x" * 300_000})
        assert_problem(reply, 413)
        assert acme.get(f"{BASE}/find-all").json() == []

    def test_a_non_json_content_type_is_a_415(self, acme: Api) -> None:
        reply = acme.post(BASE, body="currency=EUR", headers={"Content-Type": "text/csv"})
        assert_problem(reply, 415)

    def test_an_unsupported_method_is_a_405_in_the_documented_body(self, acme: Api) -> None:
        reply = acme.request("PUT", BASE, {"currency": "EUR"})
        assert_problem(reply, 405)
        assert reply.headers["Allow"] == "POST"


class TestRead:
    def test_find_by_id_returns_the_stored_invoice(self, acme: Api) -> None:
        invoice = create(acme)
        reply = acme.get(f"{BASE}/find/{invoice['id']}")
        assert reply.json() == invoice
        assert reply.headers["ETag"] == '"1"'

    @pytest.mark.parametrize("invoice_id", ["missing", "0198a2b3-0000-7000-8000-0000000000aa"])
    def test_find_by_unknown_id_is_a_404(self, acme: Api, invoice_id: str) -> None:
        body = assert_problem(acme.get(f"{BASE}/find/{invoice_id}"), 404)
        assert invoice_id in body["detail"]

    def test_find_by_ids_keeps_order_and_leaves_out_unknown(self, acme: Api) -> None:
        first, second = create(acme), create(acme)
        for query in (f"ids={second['id']},missing,{first['id']}",
                      f"ids={second['id']}&ids=missing&ids={first['id']}"):  # fmt: skip
            for path in ("find", "find-list"):
                found = acme.get(f"{BASE}/{path}?{query}").json()
                assert [i["id"] for i in found] == [second["id"], first["id"]]

    def test_find_needs_ids_and_find_list_accepts_none(self, acme: Api) -> None:
        assert_problem(acme.get(f"{BASE}/find"), 400, "ids")
        assert acme.get(f"{BASE}/find-list").json() == []

    def test_more_than_100_ids_is_a_400(self, acme: Api) -> None:
        ids = ",".join(f"id-{n}" for n in range(101))
        assert_problem(acme.get(f"{BASE}/find?ids={ids}"), 400, "ids")

    def test_find_all_pages_with_a_link_to_the_next_page(self, acme: Api) -> None:
        created = [create(acme)["id"] for _ in range(5)]
        seen: list[str] = []
        path = f"{BASE}/find-all?limit=2"
        while path:
            reply = acme.get(path)
            seen += [invoice["id"] for invoice in reply.json()]
            link = reply.headers.get("Link")
            path = f"{BASE}/{link[1 : link.index('>')]}" if link else ""
        assert seen == created

    @pytest.mark.parametrize(
        "query", ["limit=0", "limit=201", "limit=ten", "limit=%C2%B2", "cursor=%25%25"]
    )
    def test_bad_paging_parameters_are_a_400(self, acme: Api, query: str) -> None:
        assert_problem(acme.get(f"{BASE}/find-all?{query}"), 400)


class TestUpdate:
    def test_update_changes_only_the_fields_sent(self, acme: Api) -> None:
        invoice = create(acme)
        reply = acme.patch(
            f"{BASE}/{invoice['id']}/update", {"note": "Thanks", "paymentTermDays": 10}
        )
        updated = reply.json()
        assert (updated["note"], updated["paymentTermDays"]) == ("Thanks", 10)
        assert updated["dueDate"] == "2026-12-01T00:00:00Z"
        assert updated["rows"] == invoice["rows"]
        assert updated["clientId"] == "client-7"
        assert reply.headers["ETag"] == '"2"'
        assert [e["type"] for e in updated["events"]] == ["CREATE", "UPDATE"]
        assert stored(acme, invoice["id"]) == updated

    def test_update_replaces_rows_and_recomputes_totals(self, acme: Api) -> None:
        invoice = create(acme)
        # The row as answered, its quantity changed and the amounts it no longer comes to left
        # out: amounts sent must agree with the row (test_documented_writes).
        stale = {"total", "taxAmount", "totalWithTax", "discountAmount"}
        kept = {k: v for k, v in invoice["rows"][0].items() if k not in stale} | {"quantity": 10}
        rows = [kept, {"description": "New", "quantity": 1, "unitPrice": 5}]
        updated = acme.patch(f"{BASE}/{invoice['id']}/update", {"rows": rows}).json()
        assert updated["rows"][0]["id"] == kept["id"]
        assert updated["rows"][0]["total"] == 1.00
        assert (updated["totalExcludingTax"], updated["totalTax"], updated["total"]) == (
            6.00, 0.19, 6.19,
        )  # fmt: skip

    def test_update_with_a_null_required_field_changes_nothing(self, acme: Api) -> None:
        invoice = create(acme)
        reply = acme.patch(f"{BASE}/{invoice['id']}/update", {"currency": None, "note": "x"})
        assert_problem(reply, 400, "currency")
        assert stored(acme, invoice["id"]) == invoice

    def test_update_with_invalid_rows_changes_nothing(self, acme: Api) -> None:
        invoice = create(acme)
        reply = acme.patch(f"{BASE}/{invoice['id']}/update", {"rows": [{"quantity": 1}]})
        assert_problem(reply, 400, "rows[0].unitPrice")
        assert stored(acme, invoice["id"]) == invoice

    def test_update_of_an_unknown_invoice_is_a_404(self, acme: Api) -> None:
        assert_problem(acme.patch(f"{BASE}/nope/update", {"note": "x"}), 404)


class TestRowsAndComments:
    def test_add_row_appends_it_and_recomputes_totals(self, acme: Api) -> None:
        invoice = create(acme)
        row = {"description": "Support", "quantity": 2, "unitPrice": 50, "taxRate": 20}
        updated = acme.post(f"{BASE}/{invoice['id']}/rows", row).json()
        assert len(updated["rows"]) == 3
        assert updated["rows"][2]["totalWithTax"] == 120.00
        assert updated["totalWithTax"] == 227.36
        assert updated["events"][-1]["type"] == "ROW_ADDED"

    def test_remove_row_drops_it_and_recomputes_totals(self, acme: Api) -> None:
        invoice = create(acme)
        row_id = invoice["rows"][1]["id"]
        updated = acme.delete(f"{BASE}/{invoice['id']}/rows/{row_id}").json()
        assert [r["id"] for r in updated["rows"]] == [invoice["rows"][0]["id"]]
        assert updated["totalWithTax"] == 0.36
        assert updated["events"][-1]["type"] == "ROW_REMOVED"

    def test_removing_an_unknown_row_is_a_404_and_changes_nothing(self, acme: Api) -> None:
        invoice = create(acme)
        assert_problem(acme.delete(f"{BASE}/{invoice['id']}/rows/nope"), 404)
        assert stored(acme, invoice["id"]) == invoice

    def test_an_invalid_row_is_a_400_and_changes_nothing(self, acme: Api) -> None:
        invoice = create(acme)
        reply = acme.post(f"{BASE}/{invoice['id']}/rows", {"quantity": 1, "unitPrice": 1e13})
        assert_problem(reply, 400, "unitPrice")
        assert stored(acme, invoice["id"]) == invoice

    def test_a_comment_is_a_json_string_recorded_as_an_event(self, acme: Api) -> None:
        invoice = create(acme)
        reply = acme.post(f"{BASE}/{invoice['id']}/comment", "Called the client")
        event = reply.json()["events"][-1]
        assert (event["type"], event["description"], event["authorId"]) == (
            "COMMENT", "Called the client", "alice",
        )  # fmt: skip

    def test_a_plain_text_comment_is_accepted(self, acme: Api) -> None:
        invoice = create(acme)
        reply = acme.post(
            f"{BASE}/{invoice['id']}/comment",
            body="Paid by phone",
            headers={"Content-Type": "text/plain"},
        )
        assert reply.json()["events"][-1]["description"] == "Paid by phone"

    @pytest.mark.parametrize("body", ['{"text": "hi"}', '""', "[]", '"' + "x" * 5001 + '"'])
    def test_a_comment_that_is_not_a_short_string_is_a_400(self, acme: Api, body: str) -> None:
        invoice = create(acme)
        reply = acme.post(
            f"{BASE}/{invoice['id']}/comment",
            body=body,
            headers={"Content-Type": "application/json"},
        )
        assert_problem(reply, 400, "body")
        assert stored(acme, invoice["id"]) == invoice


class TestDelete:
    def test_delete_removes_a_draft(self, acme: Api) -> None:
        invoice = create(acme)
        reply = acme.delete(f"{BASE}/{invoice['id']}")
        assert (reply.status, reply.body) == (204, b"")
        assert_problem(acme.get(f"{BASE}/find/{invoice['id']}"), 404)

    def test_deleting_an_unknown_invoice_is_a_404(self, acme: Api) -> None:
        assert_problem(acme.delete(f"{BASE}/nope"), 404)

    def test_delete_list_removes_all_of_them(self, acme: Api) -> None:
        first, second, kept = create(acme), create(acme), create(acme)
        reply = acme.delete(f"{BASE}/delete-list?ids={first['id']},{second['id']}")
        assert reply.status == 204
        assert [i["id"] for i in acme.get(f"{BASE}/find-all").json()] == [kept["id"]]

    def test_delete_list_with_an_unknown_id_deletes_nothing(self, acme: Api) -> None:
        first = create(acme)
        body = assert_problem(acme.delete(f"{BASE}/delete-list?ids={first['id']},ghost"), 404)
        assert "ghost" in body["detail"]
        assert stored(acme, first["id"]) == first

    def test_delete_list_without_ids_deletes_nothing(self, acme: Api) -> None:
        kept = create(acme)
        assert acme.delete(f"{BASE}/delete-list").status == 204  # ids are optional, as documented
        assert stored(acme, kept["id"]) == kept


class TestIssuedInvoicesAreFrozen:
    """Only drafts change; the lifecycle issue adds the transitions that issue invoices."""

    @pytest.fixture
    def issued(self, acme: Api) -> dict[str, Any]:
        invoice = create(acme)
        repo = get_deps().invoices
        current = repo.get("acme", invoice["id"])
        assert current is not None
        repo.save(current.model_copy(update={"status": InvoiceStatus.SENT}), previous=current)
        return stored(acme, invoice["id"])

    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [
            ("PATCH", "/update", {"currency": "USD"}),
            ("POST", "/rows", {"quantity": 1, "unitPrice": 1}),
            ("DELETE", "/rows/{row}", None),
            ("DELETE", "", None),
        ],
    )
    def test_changes_to_an_issued_invoice_are_a_409_naming_its_status(
        self, acme: Api, issued: dict[str, Any], method: str, suffix: str, body: Any
    ) -> None:
        path = f"{BASE}/{issued['id']}{suffix.format(row=issued['rows'][0]['id'])}"
        reply = acme.request(method, path, body)
        problem = assert_problem(reply, 409)
        assert "SENT" in problem["detail"]
        assert stored(acme, issued["id"]) == issued

    def test_an_issued_invoice_still_takes_comments(
        self, acme: Api, issued: dict[str, Any]
    ) -> None:
        reply = acme.post(f"{BASE}/{issued['id']}/comment", "Reminder sent by phone")
        assert reply.status == 200
        assert reply.json()["events"][-1]["type"] == "COMMENT"


def exact(reply: Reply) -> Any:
    """The body with its numbers as written: 21.50 stays 21.50."""
    return json.loads(reply.body, parse_float=Decimal)


def stored_item(tenant: str, invoice_id: str) -> dict[str, Any] | None:
    """The invoice's item as DynamoDB holds it, read past the app."""
    item = (
        boto3.client("dynamodb")
        .get_item(
            TableName=TABLE_NAME, Key={"PK": {"S": f"T#{tenant}"}, "SK": {"S": f"INV#{invoice_id}"}}
        )
        .get("Item")
    )
    deserializer = TypeDeserializer()
    return None if item is None else {k: deserializer.deserialize(v) for k, v in item.items()}


DISCOUNTED_INCLUSIVE: dict[str, Any] = {
    "currency": "EUR",
    "taxInclusive": True,
    "rows": [
        {"quantity": 3, "unitPrice": 19.99, "taxRate": 19, "discount": 10,
         "discountType": "PERCENTAGE"},
        {"quantity": 2, "unitPrice": 50, "taxRate": 7, "discount": 15.5},
        {"quantity": -1, "unitPrice": 10.005, "taxRate": 19},
    ],
}  # fmt: skip
# Worked by hand, per row: (discountAmount, total, taxAmount, totalWithTax).
#   59.97 less 6.00 = 53.97 gross; 53.97 x 19 / 119 = 8.617... -> 8.62
#   100.00 less 15.50 = 84.50 gross; 84.50 x 7 / 107 = 5.528... -> 5.53
#   -10.005 -> -10.01 gross; -10.01 x 19 / 119 = -1.598... -> -1.60
DISCOUNTED_ROWS = [
    ("6.00", "45.35", "8.62", "53.97"),
    ("15.50", "78.97", "5.53", "84.50"),
    ("0.00", "-8.41", "-1.60", "-10.01"),
]
ROW_AMOUNTS = ("discountAmount", "total", "taxAmount", "totalWithTax")
INVOICE_AMOUNTS = ("totalDiscount", "totalExcludingTax", "totalTax", "totalWithTax", "total")
DISCOUNTED_TOTALS = ("21.50", "115.91", "12.55", "128.46", "128.46")


class TestDiscountsAndInclusiveTax:
    def test_every_amount_is_answered_and_stored_to_the_cent(self, acme: Api) -> None:
        reply = acme.post(BASE, DISCOUNTED_INCLUSIVE)
        assert reply.status == 201, reply.body
        invoice = exact(reply)
        item = stored_item("acme", invoice["id"])
        assert item is not None

        assert invoice["taxInclusive"] is True and item["taxInclusive"] is True
        for answered, kept, expected in zip(
            invoice["rows"], item["rows"], DISCOUNTED_ROWS, strict=True
        ):
            assert tuple(str(answered[name]) for name in ROW_AMOUNTS) == expected
            assert tuple(kept[name] for name in ROW_AMOUNTS) == tuple(map(Decimal, expected))
        assert [row["discountType"] for row in invoice["rows"]] == [
            "PERCENTAGE",
            "FIXED",
            "FIXED",
        ]
        assert tuple(str(invoice[name]) for name in INVOICE_AMOUNTS) == DISCOUNTED_TOTALS
        assert tuple(item[name] for name in INVOICE_AMOUNTS) == tuple(
            map(Decimal, DISCOUNTED_TOTALS)
        )
        assert exact(acme.get(f"{BASE}/find/{invoice['id']}")) == invoice

    @pytest.mark.parametrize(
        ("row", "field"),
        [
            ({"discount": 101, "discountType": "PERCENTAGE"}, "rows[1].discount"),
            ({"discount": 100.01}, "rows[1].discount"),  # a fixed discount above the row's 100.00
            ({"discount": -1}, "rows[1].discount"),
            ({"discount": 1.0000001}, "rows[1].discount"),
            ({"discountType": "percent"}, "rows[1].discountType"),
        ],
    )
    def test_a_bad_discount_is_a_400_naming_it_and_writes_nothing(
        self, acme: Api, row: dict[str, Any], field: str
    ) -> None:
        rows = [{"quantity": 1, "unitPrice": 5}, {"quantity": 2, "unitPrice": 50, **row}]
        assert_problem(acme.post(BASE, {"rows": rows}), 400, field)
        assert acme.get(f"{BASE}/find-all").json() == []

    def test_a_row_added_with_a_discount_above_it_changes_nothing(self, acme: Api) -> None:
        invoice = create(acme)
        before = stored_item("acme", invoice["id"])
        reply = acme.post(
            f"{BASE}/{invoice['id']}/rows", {"quantity": 1, "unitPrice": 5, "discount": 6}
        )
        assert_problem(reply, 400, "discount")
        assert stored_item("acme", invoice["id"]) == before

    def test_switching_a_draft_to_inclusive_prices_reprices_it(self, acme: Api) -> None:
        invoice = create(acme, {"rows": [{"quantity": 1, "unitPrice": 119, "taxRate": 19}]})
        reply = acme.patch(f"{BASE}/{invoice['id']}/update", {"taxInclusive": True})
        changed = exact(reply)
        assert (str(changed["totalExcludingTax"]), str(changed["totalTax"])) == ("100.00", "19.00")
        assert str(changed["totalWithTax"]) == "119.00"

    def test_custom_fields_are_kept_and_bounded(self, acme: Api) -> None:
        custom = {"costCenter": "K-17", "weights": [1, 2.50, None], "nested": {"ok": True}}
        invoice = create(acme, {"customFields": custom})
        assert exact(acme.get(f"{BASE}/find/{invoice['id']}"))["customFields"] == {
            **custom,
            "weights": [1, Decimal("2.50"), None],
        }
        too_many = {f"field{n}": n for n in range(51)}
        assert_problem(acme.post(BASE, {"customFields": too_many}), 400, "customFields")
        too_long = {"text": "x" * 9000}
        assert_problem(acme.post(BASE, {"customFields": too_long}), 400, "customFields")
        assert len(acme.get(f"{BASE}/find-all").json()) == 1
