"""Credit notes racing through the HTTP entry point on DynamoDB Local (issue 21): 50 at once are
numbered CN-2026-0001 to CN-2026-0050 with no gap and no repeat, each invoice lists exactly the
notes written, and the tenant's figures equal a recount of its invoices."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import requests

from invoicing_cli.dynamodb_local import LocalTable
from invoicing_cli.local import local_token
from tests.figures import assert_amounts_in_minor_units, exact_json, expected_stats
from tests.support import all_at_once

pytestmark = [pytest.mark.dynamodb_local, pytest.mark.now("2026-11-21T09:30:00Z")]

THREADS = 50
TIMEOUT_SECONDS = 60
NUMBERS = [f"CN-2026-{n:04d}" for n in range(1, THREADS + 1)]


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {local_token('acme')}"}


def call(method: str, url: str, body: Any = None) -> requests.Response:
    return requests.request(method, url, json=body, headers=auth(), timeout=TIMEOUT_SECONDS)


def issued(base: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"currency": "EUR", "invoiceDate": "2026-11-21", "rows": rows}
    created = call("POST", f"{base}/api/v1/invoices", body)
    assert created.status_code == 201, created.text
    sent = call("PATCH", f"{base}/api/v1/invoices/{created.json()['id']}/mark-as-sent")
    assert sent.status_code == 200, sent.text
    invoice: dict[str, Any] = exact_json(sent.text)
    return invoice


def assert_figures_are_a_recount(base: str) -> dict[str, Any]:
    invoices = exact_json(call("GET", f"{base}/api/v1/invoices/find-all").text)
    stats: dict[str, Any] = exact_json(call("GET", f"{base}/api/v1/invoices/stats").text)
    assert stats == expected_stats(invoices)
    assert_amounts_in_minor_units(stats)
    counts = exact_json(call("GET", f"{base}/api/v1/invoices/count-by-status").text)
    assert counts == stats["countByStatus"]
    return stats


def counter(table: LocalTable) -> dict[str, Any]:
    item: dict[str, Any] = table.client.get_item(
        TableName=table.table_name,
        Key={"PK": {"S": "T#acme"}, "SK": {"S": "COUNTER#INVOICE"}},
        ConsistentRead=True,
    )["Item"]
    return item


def stored_notes(table: LocalTable) -> list[str]:
    reply = table.client.query(
        TableName=table.table_name,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues={":pk": {"S": "T#acme"}, ":prefix": {"S": "CN#"}},
        ConsistentRead=True,
    )
    return [item["creditNoteNumber"]["S"] for item in reply["Items"]]


def test_50_credit_notes_on_50_invoices_at_once_are_numbered_1_to_50(
    local_api_server: str, ddb_local: LocalTable
) -> None:
    rows = [{"description": "Chairs", "quantity": 2, "unitPrice": "50.00", "taxRate": 24}]
    invoices = [issued(local_api_server, rows) for _ in range(THREADS)]

    def credit(index: int) -> requests.Response:
        invoice = invoices[index]
        # Every other one whole (it is then PAID), the others one chair of two.
        wanted = {} if index % 2 else {"rows": [{"rowId": invoice["rows"][0]["id"], "quantity": 1}]}
        url = f"{local_api_server}/api/v1/invoices/{invoice['id']}/credit-notes"
        return call("POST", url, {"reason": "Returned", **wanted})

    replies = all_at_once(THREADS, credit)

    assert [reply.status_code for reply in replies] == [201] * THREADS, [r.text for r in replies]
    notes = [exact_json(reply.text) for reply in replies]
    assert sorted(note["creditNoteNumber"] for note in notes) == NUMBERS
    assert sorted(stored_notes(ddb_local)) == NUMBERS
    assert counter(ddb_local)["last"] == {
        "M": {"2026": {"N": str(THREADS)}, "CN:2026": {"N": str(THREADS)}}
    }
    for index, (invoice, note) in enumerate(zip(invoices, notes, strict=True)):
        listed = call("GET", f"{local_api_server}/api/v1/invoices/{invoice['id']}/credit-notes")
        assert [n["id"] for n in exact_json(listed.text)] == [note["id"]]
        assert note["totalWithTax"] == (Decimal("124.00") if index % 2 else Decimal("62.00"))
    stats = assert_figures_are_a_recount(local_api_server)
    assert stats["countByStatus"]["PAID"] == THREADS // 2
    assert (stats["totalInvoiced"], stats["totalCredited"]) == (
        Decimal("6200.00"),  # 50 x 124.00
        Decimal("4650.00"),  # 25 x 124.00 + 25 x 62.00
    )
    assert stats["totalOutstanding"] == Decimal("1550.00")  # 25 x 62.00 left open


def test_50_credit_notes_on_one_invoice_at_once_credit_it_exactly_once_each(
    local_api_server: str, ddb_local: LocalTable
) -> None:
    rows = [{"description": "Hours", "quantity": THREADS, "unitPrice": "10.00", "taxRate": 24}]
    invoice = issued(local_api_server, rows)
    url = f"{local_api_server}/api/v1/invoices/{invoice['id']}/credit-notes"
    one_hour = {
        "reason": "Not worked",
        "rows": [{"rowId": invoice["rows"][0]["id"], "quantity": 1}],
    }

    replies = all_at_once(THREADS, lambda _: call("POST", url, one_hour))

    assert [reply.status_code for reply in replies] == [201] * THREADS, [r.text for r in replies]
    notes = [exact_json(reply.text) for reply in replies]
    assert sorted(note["creditNoteNumber"] for note in notes) == NUMBERS
    assert {str(note["totalWithTax"]) for note in notes} == {"12.40"}
    after = exact_json(call("GET", f"{local_api_server}/api/v1/invoices/find/{invoice['id']}").text)
    assert sorted(n["creditNoteNumber"] for n in after["credited"]["creditNotes"]) == NUMBERS
    assert (after["status"], str(after["credited"]["totalWithTax"])) == ("PAID", "620.00")
    assert after["credited"]["rows"][0]["quantity"] == THREADS
    assert sorted(stored_notes(ddb_local)) == NUMBERS
    stats = assert_figures_are_a_recount(local_api_server)
    assert (stats["totalCredited"], stats["totalOutstanding"]) == (Decimal("620.00"), 0)


def test_a_cancel_racing_payments_and_credit_notes_leaves_nothing_open_and_nothing_double(
    local_api_server: str, ddb_local: LocalTable
) -> None:
    """One cancel among 10 one-hour credit notes and 10 payments of 12.40 on a 40-hour invoice:
    whatever order they land in, the invoice ends CANCELLED (or PAID, if credits and payments
    covered it first), its payments and credit notes together are exactly its total, and every
    credit note it lists is stored and numbered once."""
    rows = [{"description": "Hours", "quantity": 40, "unitPrice": "10.00", "taxRate": 24}]
    invoice = issued(local_api_server, rows)  # 496.00
    path = f"{local_api_server}/api/v1/invoices/{invoice['id']}"
    one_hour = {
        "reason": "Not worked",
        "rows": [{"rowId": invoice["rows"][0]["id"], "quantity": 1}],
    }

    def act(index: int) -> requests.Response:
        if index == 0:
            return call("PATCH", f"{path}/cancel", {"reason": "Project stopped"})
        if index % 2:
            return call("POST", f"{path}/credit-notes", one_hour)
        return call("PATCH", f"{path}/add-payment", {"amount": "12.40", "date": "2026-11-21"})

    replies = all_at_once(21, act)

    # What landed after the cancel is refused (409); nothing else fails.
    assert {reply.status_code for reply in replies} <= {200, 201, 409}, [r.text for r in replies]
    assert replies[0].status_code == 200, replies[0].text
    after = exact_json(call("GET", f"{path.replace('/invoices/', '/invoices/find/')}").text)
    assert after["status"] == "CANCELLED"
    paid, credited = after["paid"], after["credited"]["totalWithTax"]
    assert paid + credited == Decimal("496.00")
    landed = [r for r in replies[1:] if r.status_code in (200, 201)]
    notes = [n["creditNoteNumber"] for n in after["credited"]["creditNotes"]]
    assert sorted(notes) == sorted(stored_notes(ddb_local))
    assert sorted(notes) == [f"CN-2026-{n:04d}" for n in range(1, len(notes) + 1)]
    assert len(notes) == 1 + sum(1 for r in landed if r.status_code == 201)
    assert paid == Decimal("12.40") * sum(1 for r in landed if r.status_code == 200)
    assert_figures_are_a_recount(local_api_server)
