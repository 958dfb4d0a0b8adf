"""Credit notes through HTTP (issue 21, parts 1 and 2): whole, some rows and quantities, or an
amount per tax rate, to the cent; numbered CN-YYYY-NNNN in their own series; what they credit is
no longer open, and an invoice its payments and credit notes cover is PAID. A refusal writes
nothing (the tenant's partition is read back whole), another tenant gets 404 on every route, and
every answer is checked against the OpenAPI document as it is made."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

import pytest

from chalicelib.bootstrap import get_deps
from tests.conformance import CheckedApi, checked_tenant
from tests.figures import exact_json, expected_stats
from tests.support import Reply, tenant_partition

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
BASE = "/api/v1/invoices"
NOTES = "/api/v1/credit-notes"
# Every credit note route, as registered under /api/v1: each is sent by another tenant below
# (test_tenant_isolation counts them covered here) and budgeted in test_call_budget.
ROUTES = {
    ("POST", "/invoices/{invoiceId}/credit-notes"),
    ("GET", "/credit-notes/{creditNoteId}"),
    ("GET", "/invoices/{invoiceId}/credit-notes"),
}
SIMPLE = [
    {"description": "Chairs", "quantity": 2, "unitPrice": "50.00", "taxRate": 24},
    {"description": "Delivery", "quantity": 1, "unitPrice": "30.00", "taxRate": 24},
]  # 130.00 net, 31.20 tax, 161.20 in all
MIXED = [
    {"description": "Licence", "quantity": 1, "unitPrice": "1000.00", "taxRate": 24},
    {"description": "Books", "quantity": 2, "unitPrice": "150.00", "taxRate": 14},
    {"description": "Deposit", "quantity": 1, "unitPrice": "200.00", "taxRate": 0},
]  # 1500.00 net, 282.00 tax, 1782.00 in all
D = Decimal


acme = checked_tenant("acme", "alice")
globex = checked_tenant("globex", "gina")


def issued(client: CheckedApi, rows: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    body = {"currency": "EUR", "invoiceDate": "2026-11-21", "rows": rows, **fields}
    created = client.post(BASE, body)
    assert created.status == 201, created.body
    sent = client.patch(f"{BASE}/{created.json()['id']}/mark-as-sent")
    assert sent.status == 200, sent.body
    invoice: dict[str, Any] = exact_json(sent.body)
    return invoice


def credit(client: CheckedApi, invoice: dict[str, Any], **body: Any) -> Reply:
    return client.post(f"{BASE}/{invoice['id']}/credit-notes", {"reason": "Returned", **body})


def credited(client: CheckedApi, invoice: dict[str, Any], **body: Any) -> dict[str, Any]:
    reply = credit(client, invoice, **body)
    assert reply.status == 201, reply.body
    note: dict[str, Any] = exact_json(reply.body)
    return note


def read(client: CheckedApi, invoice: dict[str, Any]) -> dict[str, Any]:
    reply = client.get(f"{BASE}/find/{invoice['id']}")
    assert reply.status == 200, reply.body
    found: dict[str, Any] = exact_json(reply.body)
    return found


def row_id(invoice: dict[str, Any], index: int) -> str:
    found: str = invoice["rows"][index]["id"]
    return found


def amounts(line: dict[str, Any]) -> tuple[str, ...]:
    """A line's money as written: net, tax, with tax."""
    return tuple(str(line[name]) for name in ("total", "taxAmount", "totalWithTax"))


def totals(document: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(document[n]) for n in ("totalExcludingTax", "totalTax", "totalWithTax"))


def stats(client: CheckedApi) -> dict[str, Any]:
    reply = client.get(f"{BASE}/stats")
    assert reply.status == 200, reply.body
    answered: dict[str, Any] = exact_json(reply.body)
    return answered


def written(figures: dict[str, Any], *names: str) -> list[str]:
    return [str(figures[name]) for name in names]


def assert_figures_are_a_recount(client: CheckedApi) -> dict[str, Any]:
    invoices = exact_json(client.get(f"{BASE}/find-all").body)
    answered = stats(client)
    assert answered == expected_stats(invoices)
    return answered


class TestGolden:
    def test_a_whole_credit_note_credits_each_row_and_settles_the_unpaid_invoice(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE)

        reply = credit(acme, invoice, reason="Order cancelled")

        assert reply.status == 201, reply.body
        note = exact_json(reply.body)
        assert [(line["invoiceRowId"], str(line["quantity"]), *amounts(line))
                for line in note["rows"]] == [
            (row_id(invoice, 0), "2", "100.00", "24.00", "124.00"),
            (row_id(invoice, 1), "1", "30.00", "7.20", "37.20"),
        ]  # fmt: skip
        assert totals(note) == ("130.00", "31.20", "161.20")
        assert note["taxBreakdown"] == [
            {"taxRate": 24, "net": D("130.00"), "tax": D("31.20"), "gross": D("161.20")}
        ]
        assert (note["creditNoteNumber"], note["reason"], note["createdBy"]) == (
            "CN-2026-0001",
            "Order cancelled",
            "alice",
        )
        # It names its invoice and copies what the invoice said.
        assert (note["invoiceId"], note["invoiceNumber"], note["invoiceDate"]) == (
            invoice["id"],
            "INV-2026-0001",
            invoice["invoiceDate"],
        )
        assert (note["currency"], note["seller"], note["client"]) == (
            "EUR",
            invoice["seller"],
            invoice["client"],
        )
        assert '"totalWithTax": 161.20' in reply.body.decode()
        # Relative to the request's URL, as every Location here: it holds behind a stage prefix.
        asked = f"https://api.example.com/prod{BASE}/{invoice['id']}/credit-notes"
        assert urljoin(asked, reply.headers["Location"]) == (
            f"https://api.example.com/prod{NOTES}/{note['id']}"
        )
        assert exact_json(acme.get(f"{NOTES}/{note['id']}").body) == note
        assert exact_json(acme.get(f"{BASE}/{invoice['id']}/credit-notes").body) == [note]
        after = read(acme, invoice)
        assert (after["status"], after["paid"], after["datePaid"]) == (
            "PAID",
            D("0.00"),
            note["created"],
        )
        assert after["credited"]["creditNotes"] == [
            {
                "id": note["id"],
                "creditNoteNumber": "CN-2026-0001",
                "creditNoteDate": note["creditNoteDate"],
                "totalWithTax": D("161.20"),
            }
        ]
        assert totals(after["credited"]) == ("130.00", "31.20", "161.20")
        assert (after["events"][-1]["type"], after["events"][-1]["description"]) == (
            "CREDITED",
            "Credit note CN-2026-0001 of 161.20 EUR issued",
        )

    def test_part_of_a_row_leaves_the_rest_open_and_a_payment_of_it_makes_it_paid(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE)

        note = credited(acme, invoice, rows=[{"rowId": row_id(invoice, 0), "quantity": 1}])

        (line,) = note["rows"]
        assert (str(line["quantity"]), str(line["unitPrice"]), *amounts(line)) == (
            "1",
            "50.00",
            "50.00",
            "12.00",
            "62.00",
        )
        after = read(acme, invoice)
        assert (after["status"], after["credited"]["rows"]) == (
            "SENT",
            [
                {
                    "rowId": row_id(invoice, 0),
                    "quantity": 1,
                    "discountAmount": D("0.00"),
                    "total": D("50.00"),
                    "taxAmount": D("12.00"),
                    "totalWithTax": D("62.00"),
                }
            ],
        )
        figures = assert_figures_are_a_recount(acme)
        assert written(figures, "totalInvoiced", "totalCredited", "totalOutstanding") == [
            "161.20",
            "62.00",
            "99.20",
        ]
        # What is open is what neither payments nor credit notes cover: 99.20, not 161.20.
        too_much = acme.patch(f"{BASE}/{invoice['id']}/add-payment", {"amount": "99.21"})
        assert too_much.status == 409, too_much.body
        assert "99.20 EUR still open" in too_much.json()["detail"]
        paid = acme.patch(f"{BASE}/{invoice['id']}/add-payment", {"amount": "99.20"})
        assert (paid.status, paid.json()["status"]) == (200, "PAID")
        figures = assert_figures_are_a_recount(acme)
        assert written(figures, "totalOutstanding", "totalPaid", "totalCredited") == [
            "0.00",
            "99.20",
            "62.00",
        ]

    def test_amounts_per_tax_rate_split_their_tax_as_an_invoice_row_at_that_rate(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, MIXED)

        note = credited(
            acme,
            invoice,
            amounts=[{"taxRate": 24, "amount": "100.00"}, {"taxRate": 14, "amount": "33.33"}],
        )

        assert [
            (line["invoiceRowId"], line["taxRate"], *amounts(line)) for line in note["rows"]
        ] == [
            (None, 24, "100.00", "24.00", "124.00"),
            (None, 14, "33.33", "4.67", "38.00"),  # 33.33 x 14 % = 4.6662
        ]
        assert [(r["taxRate"], str(r["net"]), str(r["tax"]), str(r["gross"]))
                for r in note["taxBreakdown"]] == [
            (24, "100.00", "24.00", "124.00"),
            (14, "33.33", "4.67", "38.00"),
        ]  # fmt: skip
        assert totals(note) == ("133.33", "28.67", "162.00")
        after = read(acme, invoice)
        assert after["credited"]["rows"] == []  # amounts per rate credit the rate, not a row
        assert [(r["taxRate"], str(r["gross"])) for r in after["credited"]["rates"]] == [
            (24, "124.00"),
            (14, "38.00"),
        ]
        # What remains at 14 %: 300.00 - 33.33 = 266.67 net; asking 266.68 is refused.
        beyond = credit(acme, invoice, amounts=[{"taxRate": 14, "amount": "266.68"}])
        assert beyond.status == 400, beyond.body
        assert [e["field"] for e in beyond.json()["errors"]] == ["amounts[0].amount"]
        rest = credited(acme, invoice, amounts=[{"taxRate": 14, "amount": "266.67"}])
        assert totals(rest) == ("266.67", "37.33", "304.00")  # 42.00 tax in all at 14 %

    def test_yen_are_credited_whole(self, acme: CheckedApi) -> None:
        rows = [{"description": "Tea", "quantity": 3, "unitPrice": 1000, "taxRate": 10}]
        invoice = issued(acme, rows, currency="JPY")

        reply = credit(acme, invoice, rows=[{"rowId": row_id(invoice, 0), "quantity": 1}])

        assert reply.status == 201, reply.body
        assert totals(exact_json(reply.body)) == ("1000", "100", "1100")
        assert '"totalWithTax": 1100,' in reply.body.decode()
        assert str(read(acme, invoice)["credited"]["totalWithTax"]) == "1100"

    def test_each_credit_note_takes_the_next_number_and_the_last_credits_exactly_the_rest(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE)
        other = issued(acme, SIMPLE)
        first = credited(acme, invoice, rows=[{"rowId": row_id(invoice, 0), "quantity": "0.5"}])
        second = credited(acme, other, amounts=[{"taxRate": 24, "amount": "0.01"}])
        rest = credited(acme, invoice)

        assert [n["creditNoteNumber"] for n in (first, second, rest)] == [
            "CN-2026-0001",
            "CN-2026-0002",
            "CN-2026-0003",
        ]
        assert totals(first) == ("25.00", "6.00", "31.00")
        assert totals(rest) == ("105.00", "25.20", "130.20")  # 161.20 - 31.00, to the cent
        assert [amounts(line) for line in rest["rows"]] == [
            ("75.00", "18.00", "93.00"),  # 1.5 chairs left
            ("30.00", "7.20", "37.20"),
        ]
        after = read(acme, invoice)
        assert (after["status"], str(after["credited"]["totalWithTax"])) == ("PAID", "161.20")
        listed = exact_json(acme.get(f"{BASE}/{invoice['id']}/credit-notes").body)
        assert [n["id"] for n in listed] == [first["id"], rest["id"]]
        nothing_left = credit(acme, invoice)
        assert nothing_left.status == 400, nothing_left.body
        assert "nothing of invoice INV-2026-0001 remains" in nothing_left.json()["detail"]

    def test_a_paid_invoice_credited_afterwards_stays_paid_and_counts_its_credit(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE)
        assert acme.patch(f"{BASE}/{invoice['id']}/mark-as-paid").status == 200

        note = credited(acme, invoice, rows=[{"rowId": row_id(invoice, 1)}])

        after = read(acme, invoice)
        assert (after["status"], str(after["paid"])) == ("PAID", "161.20")
        assert str(after["credited"]["totalWithTax"]) == str(note["totalWithTax"]) == "37.20"
        figures = assert_figures_are_a_recount(acme)
        assert written(figures, "totalInvoiced", "totalCredited", "totalPaid") == [
            "161.20",
            "37.20",
            "161.20",
        ]
        # Its payments now exceed what is left of it: removing them reopens it for 124.00.
        payment = after["transactions"][0]["id"]
        assert acme.delete(f"{BASE}/{invoice['id']}/{payment}/remove-payment").status == 204
        reopened = read(acme, invoice)
        assert (reopened["status"], reopened["datePaid"]) == ("SENT", None)
        assert str(assert_figures_are_a_recount(acme)["totalOutstanding"]) == "124.00"

    def test_mark_as_paid_pays_what_credit_notes_left_open(self, acme: CheckedApi) -> None:
        invoice = issued(acme, SIMPLE)
        credited(acme, invoice, amounts=[{"taxRate": 24, "amount": "30.00"}])  # 37.20

        paid = acme.patch(f"{BASE}/{invoice['id']}/mark-as-paid")

        assert paid.status == 200, paid.body
        settled = exact_json(paid.body)
        assert (settled["status"], str(settled["paid"])) == ("PAID", "124.00")
        assert [str(t["amount"]) for t in settled["transactions"]] == ["124.00"]
        # Unmarking undoes that payment: 124.00 is open again, the credit stays.
        reopened = acme.patch(f"{BASE}/{invoice['id']}/unmark-as-paid")
        assert (reopened.status, reopened.json()["status"]) == (200, "SENT")
        assert str(assert_figures_are_a_recount(acme)["totalOutstanding"]) == "124.00"

    def test_an_invoice_its_credit_notes_settled_cannot_be_unmarked_as_paid(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE)
        credited(acme, invoice)
        before = tenant_partition("acme")
        reply = acme.patch(f"{BASE}/{invoice['id']}/unmark-as-paid")
        assert reply.status == 409, reply.body
        assert "its credit notes cover it" in reply.json()["detail"]
        assert tenant_partition("acme") == before

    def test_an_invoice_without_credit_notes_lists_none(self, acme: CheckedApi) -> None:
        invoice = issued(acme, SIMPLE)
        reply = acme.get(f"{BASE}/{invoice['id']}/credit-notes")
        assert (reply.status, reply.json()) == (200, [])
        assert read(acme, invoice)["credited"] == {
            "creditNotes": [],
            "rows": [],
            "rates": [],
            "totalExcludingTax": 0,
            "totalTax": 0,
            "totalWithTax": 0,
        }


class TestRefusals:
    """Each refused whole, naming the field at fault, with nothing written: the tenant's whole
    partition (invoice, counter, figures) reads back as before, and holds no credit note."""

    @pytest.mark.parametrize(
        ("body", "fields"),
        [
            ({"rows": [{"rowId": "{a}", "quantity": 3}]}, ["rows[0].quantity"]),
            ({"rows": [{"rowId": "no-such-row"}]}, ["rows[0].rowId"]),
            ({"rows": [{"rowId": "{a}"}, {"rowId": "{a}"}]}, ["rows[1].rowId"]),
            ({"rows": [{"rowId": "{a}", "quantity": 0}]}, ["rows[0].quantity"]),
            ({"amounts": [{"taxRate": 24, "amount": "161.21"}]}, ["amounts[0].amount"]),
            ({"amounts": [{"taxRate": 24, "amount": "1.001"}]}, ["amounts[0].amount"]),
            ({"amounts": [{"taxRate": 19, "amount": "1.00"}]}, ["amounts[0].taxRate"]),
            ({"rows": [{"rowId": "{a}"}], "amounts": [{"taxRate": 24, "amount": 1}]}, ["amounts"]),
            ({"rows": []}, ["rows"]),
            ({"row": [{"rowId": "{a}"}]}, ["row"]),  # misspelt: never read as "credit it all"
            ({"reason": ""}, ["reason"]),
            ({"reason": None}, ["reason"]),
            ({"reason": "x" * 1001}, ["reason"]),
        ],
    )
    def test_a_credit_that_cannot_be_made_is_a_400_naming_the_field_and_writes_nothing(
        self, acme: CheckedApi, body: dict[str, Any], fields: list[str]
    ) -> None:
        invoice = issued(acme, SIMPLE)
        filled = {
            name: [{k: row_id(invoice, 0) if v == "{a}" else v for k, v in line.items()}
                   for line in value] if name == "rows" else value
            for name, value in body.items()
        }  # fmt: skip
        before = tenant_partition("acme")

        reply = credit(acme, invoice, **filled)

        assert reply.status == 400, reply.body
        assert set(reply.json()) == {"title", "detail", "time", "errors"}
        assert [error["field"] for error in reply.json()["errors"]] == fields
        assert tenant_partition("acme") == before
        assert not [sk for sk in before if sk.startswith("CN#")]

    @pytest.mark.parametrize(
        ("raw", "content_type"),
        [("", "application/json"), ("{", "application/json"), ("[]", "application/json")],
    )
    def test_a_body_that_is_not_a_credit_request_is_a_400_and_writes_nothing(
        self, acme: CheckedApi, raw: str, content_type: str
    ) -> None:
        invoice = issued(acme, SIMPLE)
        before = tenant_partition("acme")
        path = f"{BASE}/{invoice['id']}/credit-notes"
        reply = acme.post(path, body=raw, headers={"Content-Type": content_type})
        assert reply.status == 400, reply.body
        assert tenant_partition("acme") == before

    def test_a_credit_beyond_what_earlier_notes_left_is_refused(self, acme: CheckedApi) -> None:
        invoice = issued(acme, SIMPLE)
        credited(acme, invoice, rows=[{"rowId": row_id(invoice, 0), "quantity": "1.5"}])
        before = tenant_partition("acme")
        reply = credit(acme, invoice, rows=[{"rowId": row_id(invoice, 0), "quantity": 1}])
        assert reply.status == 400, reply.body
        assert reply.json()["errors"] == [
            {
                "field": "rows[0].quantity",
                "message": "is more than the 0.5 that remain of the row's 2",
            }
        ]
        assert tenant_partition("acme") == before

    @pytest.mark.parametrize("status", ["DRAFT", "CANCELLED"])
    def test_a_draft_or_cancelled_invoice_is_a_409_and_nothing_is_written(
        self, acme: CheckedApi, status: str
    ) -> None:
        created = acme.post(BASE, {"currency": "EUR", "rows": SIMPLE})
        invoice = exact_json(created.body)
        if status == "CANCELLED":
            sent = acme.patch(f"{BASE}/{invoice['id']}/mark-as-sent")
            assert sent.status == 200
            assert acme.patch(f"{BASE}/{invoice['id']}/cancel").status == 200
        before = tenant_partition("acme")

        reply = credit(acme, invoice)

        assert reply.status == 409, reply.body
        assert (
            f"Cannot issue a credit note while invoice {invoice['id']} is {status}"
            in (reply.json()["detail"])
        )
        assert tenant_partition("acme") == before

    def test_a_race_lost_on_every_try_is_a_409_and_nothing_is_written(
        self, acme: CheckedApi, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        invoice = issued(acme, SIMPLE)
        repo = get_deps().invoices
        read_now = repo.get_for_credit

        def read_before_another_number(tenant_id: str, invoice_id: str, **kw: Any) -> Any:
            """As read just before another invoice or credit note took the next number."""
            context = read_now(tenant_id, invoice_id, **kw)
            assert context is not None
            earlier = context.counter.model_copy(update={"version": context.counter.version - 1})
            return replace(context, counter=earlier)

        monkeypatch.setattr(repo, "get_for_credit", read_before_another_number)
        before = tenant_partition("acme")

        reply = credit(acme, invoice)

        assert reply.status == 409, reply.body
        assert "changed by another request at the same time" in reply.json()["detail"]
        assert tenant_partition("acme") == before

    def test_an_unknown_invoice_or_credit_note_is_a_404(self, acme: CheckedApi) -> None:
        unknown = "01a1fd70-f339-7ca3-8c4e-ea819aaddd32"
        assert credit(acme, {"id": unknown}).status == 404
        assert acme.get(f"{BASE}/{unknown}/credit-notes").status == 404
        assert acme.get(f"{NOTES}/{unknown}").status == 404
        assert acme.get(f"{NOTES}/not-an-id").status == 404
        assert not [sk for sk in tenant_partition("acme") if sk.startswith("CN#")]


class TestTenants:
    def test_another_tenants_attempts_are_404_on_every_route_and_change_nothing(
        self, acme: CheckedApi, globex: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE)
        note = credited(acme, invoice, rows=[{"rowId": row_id(invoice, 1)}])
        ours, theirs = tenant_partition("acme"), tenant_partition("globex")
        attempts = {
            ("POST", "/invoices/{invoiceId}/credit-notes"): credit(globex, invoice),
            ("GET", "/credit-notes/{creditNoteId}"): globex.get(f"{NOTES}/{note['id']}"),
            ("GET", "/invoices/{invoiceId}/credit-notes"): globex.get(
                f"{BASE}/{invoice['id']}/credit-notes"
            ),
        }
        assert set(attempts) == ROUTES
        for route, reply in attempts.items():
            assert reply.status == 404, (route, reply.body)
            assert "CN-2026-0001" not in reply.body.decode()
            assert "INV-2026-0001" not in reply.body.decode()
        assert (tenant_partition("acme"), tenant_partition("globex")) == (ours, theirs)
        # Their own series starts at 1: a tenant's credit notes never number another's.
        own = issued(globex, SIMPLE)
        assert credited(globex, own)["creditNoteNumber"] == "CN-2026-0001"
