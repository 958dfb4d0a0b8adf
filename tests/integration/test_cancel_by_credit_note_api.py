"""Cancelling an issued invoice through HTTP (issue 21, part 3): PATCH /invoices/{id}/cancel on a
SENT or OVERDUE invoice keeps its number and what was paid on it, and issues the credit note for
all that is neither paid nor credited, numbered in the credit note series and written in the same
transaction. A draft is cancelled as it always was. Refusals write nothing, another tenant's
attempt is a 404, and the figures stay equal to a recount."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.invoice import InvoiceStatus
from tests.conformance import CheckedApi, checked_tenant
from tests.figures import exact_json
from tests.integration.test_credit_notes_api import (
    BASE,
    MIXED,
    NOTES,
    SIMPLE,
    assert_figures_are_a_recount,
    credit,
    credited,
    issued,
    read,
    row_id,
    totals,
)
from tests.support import Reply, force, tenant_partition

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
D = Decimal


acme = checked_tenant("acme", "alice")
globex = checked_tenant("globex", "gina")


def cancel(client: CheckedApi, invoice: dict[str, Any], body: Any = None, **kw: Any) -> Reply:
    return client.patch(f"{BASE}/{invoice['id']}/cancel", body, **kw)


def cancelled(client: CheckedApi, invoice: dict[str, Any], body: Any = None) -> dict[str, Any]:
    reply = cancel(client, invoice, body)
    assert reply.status == 200, reply.body
    answered: dict[str, Any] = exact_json(reply.body)
    return answered


def notes_of(client: CheckedApi, invoice: dict[str, Any]) -> list[dict[str, Any]]:
    reply = client.get(f"{BASE}/{invoice['id']}/credit-notes")
    assert reply.status == 200, reply.body
    notes: list[dict[str, Any]] = exact_json(reply.body)
    return notes


def pay(client: CheckedApi, invoice: dict[str, Any], amount: str) -> None:
    body = {"amount": amount, "date": "2026-11-21"}
    reply = client.patch(f"{BASE}/{invoice['id']}/add-payment", body)
    assert reply.status == 200, reply.body


def by_rate(note: dict[str, Any]) -> list[tuple[Any, str, str, str]]:
    return [
        (part["taxRate"], str(part["net"]), str(part["tax"]), str(part["gross"]))
        for part in note["taxBreakdown"]
    ]


class TestCancellingAnIssuedInvoice:
    def test_an_unpaid_invoice_is_credited_whole_and_keeps_its_number(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, MIXED)

        answered = cancelled(acme, invoice)

        (note,) = notes_of(acme, invoice)
        assert (answered["status"], answered["invoiceNumber"], answered["total"]) == (
            "CANCELLED",
            "INV-2026-0001",
            D("1782.00"),
        )
        assert answered["credited"]["creditNotes"] == [
            {
                "id": note["id"],
                "creditNoteNumber": "CN-2026-0001",
                "creditNoteDate": note["creditNoteDate"],
                "totalWithTax": D("1782.00"),
            }
        ]
        assert [(e["type"], e["description"]) for e in answered["events"][-2:]] == [
            ("CREDITED", "Credit note CN-2026-0001 of 1782.00 EUR issued"),
            ("CANCELLED", "Cancelled by credit note CN-2026-0001"),
        ]
        # Row by row: every row credited whole, to the cent.
        assert [(line["invoiceRowId"], str(line["quantity"]), str(line["totalWithTax"]))
                for line in note["rows"]] == [
            (row_id(invoice, 0), "1", "1240.00"),
            (row_id(invoice, 1), "2", "342.00"),
            (row_id(invoice, 2), "1", "200.00"),
        ]  # fmt: skip
        assert totals(note) == ("1500.00", "282.00", "1782.00")
        assert (note["reason"], note["cancelsInvoice"], note["invoiceNumber"]) == (
            "Cancels invoice INV-2026-0001",
            True,
            "INV-2026-0001",
        )
        assert exact_json(acme.get(f"{NOTES}/{note['id']}").body) == note
        assert read(acme, invoice) == answered
        figures = assert_figures_are_a_recount(acme)
        assert [str(figures[name]) for name in ("totalInvoiced", "totalCredited")] == [
            "1782.00",
            "1782.00",
        ]  # net invoiced: nothing
        assert str(figures["totalOutstanding"]) == "0.00"

    def test_a_partly_paid_invoice_is_credited_what_was_not_paid_shared_across_its_rates(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, MIXED)
        pay(acme, invoice, "782.00")

        answered = cancelled(acme, invoice)

        (note,) = notes_of(acme, invoice)
        assert (answered["status"], str(answered["paid"])) == ("CANCELLED", "782.00")
        assert str(note["totalWithTax"]) == "1000.00"
        # 1000.00 over what is open at each rate (1240.00, 342.00, 200.00 of 1782.00).
        assert by_rate(note) == [
            (24, "561.17", "134.68", "695.85"),
            (14, "168.35", "23.57", "191.92"),
            (0, "112.23", "0.00", "112.23"),
        ]
        assert sum(D(gross) for *_, gross in by_rate(note)) == D("1000.00")
        figures = assert_figures_are_a_recount(acme)
        net = figures["totalInvoiced"] - figures["totalCredited"]
        assert (str(net), str(figures["totalPaid"])) == ("782.00", "782.00")

    def test_a_reason_is_said_after_the_invoice_number(self, acme: CheckedApi) -> None:
        invoice = issued(acme, SIMPLE)

        cancelled(acme, invoice, {"reason": "Ordered twice"})

        (note,) = notes_of(acme, invoice)
        assert note["reason"] == "Cancels invoice INV-2026-0001: Ordered twice"

    def test_after_a_partial_credit_the_cancelling_note_credits_exactly_the_rest(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE)
        first = credited(acme, invoice, rows=[{"rowId": row_id(invoice, 0), "quantity": 1}])

        answered = cancelled(acme, invoice)

        earlier, last = notes_of(acme, invoice)
        assert (earlier, last["creditNoteNumber"]) == (first, "CN-2026-0002")
        assert [(line["invoiceRowId"], str(line["quantity"]), str(line["totalWithTax"]))
                for line in last["rows"]] == [
            (row_id(invoice, 0), "1", "62.00"),
            (row_id(invoice, 1), "1", "37.20"),
        ]  # fmt: skip
        assert totals(answered["credited"]) == ("130.00", "31.20", "161.20")  # all of it
        assert_figures_are_a_recount(acme)

    def test_an_overdue_invoice_is_cancelled_by_a_credit_note_too(self, acme: CheckedApi) -> None:
        invoice = issued(acme, SIMPLE)
        force("acme", invoice["id"], status=InvoiceStatus.OVERDUE)

        answered = cancelled(acme, invoice)

        assert answered["status"] == "CANCELLED"
        assert str(answered["credited"]["totalWithTax"]) == "161.20"
        assert_figures_are_a_recount(acme)

    def test_a_retried_request_cancels_once_and_issues_one_credit_note(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE)
        key = {"Idempotency-Key": "cancel-once"}

        first, again = cancel(acme, invoice, headers=key), cancel(acme, invoice, headers=key)

        assert (first.status, again.status) == (200, 200)
        assert exact_json(again.body) == exact_json(first.body)
        assert len(notes_of(acme, invoice)) == 1


class TestCancellingWhatWasNeverIssued:
    def test_a_draft_is_cancelled_with_no_credit_note_and_no_number_taken(
        self, acme: CheckedApi
    ) -> None:
        draft = exact_json(acme.post(BASE, {"currency": "EUR", "rows": SIMPLE}).body)

        answered = cancelled(acme, draft)

        assert (answered["status"], answered["invoiceNumber"]) == ("CANCELLED", None)
        assert answered["credited"]["creditNotes"] == []
        assert answered["events"][-1]["description"] == "Cancelled"
        assert not [sk for sk in tenant_partition("acme") if sk.startswith("CN#")]
        # The credit note series is untouched: the next credit note is its first.
        assert credited(acme, issued(acme, SIMPLE))["creditNoteNumber"] == "CN-2026-0001"


class TestRefusals:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"reason": ""}, "reason"),
            ({"reason": "x" * 1001}, "reason"),
            ({"why": "typo"}, "why"),
        ],
    )
    def test_a_bad_body_is_a_400_naming_the_field_and_writes_nothing(
        self, acme: CheckedApi, body: dict[str, Any], field: str
    ) -> None:
        invoice = issued(acme, SIMPLE)
        before = tenant_partition("acme")

        reply = cancel(acme, invoice, body)

        assert reply.status == 400, reply.body
        assert field in reply.body.decode()
        assert tenant_partition("acme") == before

    def test_a_stale_if_match_is_a_412_and_writes_nothing(self, acme: CheckedApi) -> None:
        invoice = issued(acme, SIMPLE)
        version = int(acme.get(f"{BASE}/find/{invoice['id']}").headers["ETag"].strip('"'))
        before = tenant_partition("acme")

        reply = cancel(acme, invoice, headers={"If-Match": f'"{version - 1}"'})

        assert reply.status == 412, reply.body
        assert tenant_partition("acme") == before

    def test_a_paid_or_cancelled_invoice_is_a_409_and_nothing_is_written(
        self, acme: CheckedApi
    ) -> None:
        paid, gone = issued(acme, SIMPLE), issued(acme, SIMPLE)
        pay(acme, paid, "161.20")
        cancelled(acme, gone)
        before = tenant_partition("acme")

        replies = [cancel(acme, paid), cancel(acme, gone), credit(acme, gone)]

        assert [reply.status for reply in replies] == [409, 409, 409]
        assert tenant_partition("acme") == before

    def test_another_tenants_cancel_is_a_404_and_changes_nothing(
        self, acme: CheckedApi, globex: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE)
        ours, theirs = tenant_partition("acme"), tenant_partition("globex")

        reply = cancel(globex, invoice, {"reason": "Not theirs"})

        assert reply.status == 404, reply.body
        assert "INV-2026-0001" not in reply.body.decode()
        assert (tenant_partition("acme"), tenant_partition("globex")) == (ours, theirs)
        assert read(acme, invoice)["status"] == "SENT"
