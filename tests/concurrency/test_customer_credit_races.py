"""A client's credit under racing writes on DynamoDB Local (issue 21, part 5; decision 0056): 20
payments of method CREDIT at once, on 20 invoices, draw on one balance that covers 8 of them:
exactly 8 are paid, 12 refused with 409 and nothing written, the balance is never overdrawn and
equals a recount of its moves; and 20 overpayments at once add up to the cent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import requests

from invoicing_cli.dynamodb_local import LocalTable
from tests.concurrency.test_credit_note_races import assert_figures_are_a_recount, auth
from tests.figures import exact_json
from tests.support import all_at_once

pytestmark = [pytest.mark.dynamodb_local, pytest.mark.now("2026-11-21T09:30:00Z")]

THREADS = 20
TIMEOUT_SECONDS = 60
DELIVERY = {"description": "Delivery", "quantity": 1, "unitPrice": "10.00", "taxRate": 24}


def call(method: str, url: str, body: Any = None) -> requests.Response:
    return requests.request(method, url, json=body, headers=auth(), timeout=TIMEOUT_SECONDS)


def issued(base: str, client_id: str) -> dict[str, Any]:
    body = {"currency": "EUR", "clientId": client_id, "rows": [DELIVERY]}  # 12.40
    created = call("POST", f"{base}/api/v1/invoices", body)
    assert created.status_code == 201, created.text
    sent = call("PATCH", f"{base}/api/v1/invoices/{created.json()['id']}/mark-as-sent")
    assert sent.status_code == 200, sent.text
    invoice: dict[str, Any] = exact_json(sent.text)
    return invoice


def pay(
    base: str, invoice: dict[str, Any], amount: str, method: str = "OTHER"
) -> requests.Response:
    url = f"{base}/api/v1/invoices/{invoice['id']}/add-payment"
    return call("PATCH", url, {"amount": amount, "paymentMethod": method})


def credit(base: str, client_id: str) -> dict[str, Any]:
    reply = call("GET", f"{base}/api/v1/clients/{client_id}/balance?limit=200")
    assert reply.status_code == 200, reply.text
    answered: dict[str, Any] = exact_json(reply.text)
    return answered


def recounted(answer: dict[str, Any]) -> Decimal:
    return sum((move["amount"] for move in answer["movements"]), Decimal("0.00"))


def stored_balance(table: LocalTable, client_id: str) -> str:
    item = table.client.get_item(
        TableName=table.table_name,
        Key={"PK": {"S": "T#acme"}, "SK": {"S": f"CREDIT#{client_id}"}},
        ConsistentRead=True,
    )["Item"]
    return str(item["balance#EUR"]["N"])


def new_client(base: str) -> str:
    made = call("POST", f"{base}/api/v1/clients", {"name": "Zoë Müller GmbH"})
    assert made.status_code == 201, made.text
    client_id: str = made.json()["id"]
    return client_id


def test_20_credit_payments_at_once_never_overdraw_the_balance(
    local_api_server: str, ddb_local: LocalTable
) -> None:
    client_id = new_client(local_api_server)
    overpaid = issued(local_api_server, client_id)
    assert pay(local_api_server, overpaid, "112.40").status_code == 200  # 100.00 of credit
    invoices = [issued(local_api_server, client_id) for _ in range(THREADS)]

    replies = all_at_once(THREADS, lambda n: pay(local_api_server, invoices[n], "12.40", "CREDIT"))

    statuses = sorted(reply.status_code for reply in replies)
    assert statuses == [200] * 8 + [409] * 12, [r.text for r in replies]  # 8 x 12.40 = 99.20
    refused = [r.json()["detail"] for r in replies if r.status_code == 409]
    assert all("of credit, less than the 12.40 EUR" in detail for detail in refused), refused
    answer = credit(local_api_server, client_id)
    assert [(b["currency"], str(b["amount"])) for b in answer["balances"]] == [("EUR", "0.80")]
    assert recounted(answer) == Decimal("0.80")
    assert Decimal(stored_balance(ddb_local, client_id)) == Decimal("0.80")
    kinds = sorted(move["kind"] for move in answer["movements"])
    assert kinds == ["APPLIED"] * 8 + ["OVERPAYMENT"]
    stats = assert_figures_are_a_recount(local_api_server)
    assert stats["countByStatus"]["PAID"] == 9


def test_20_overpayments_at_once_add_up_to_the_cent(
    local_api_server: str, ddb_local: LocalTable
) -> None:
    client_id = new_client(local_api_server)
    invoices = [issued(local_api_server, client_id) for _ in range(THREADS)]

    replies = all_at_once(THREADS, lambda n: pay(local_api_server, invoices[n], "12.41"))

    assert [reply.status_code for reply in replies] == [200] * THREADS, [r.text for r in replies]
    answer = credit(local_api_server, client_id)
    assert [str(b["amount"]) for b in answer["balances"]] == ["0.20"]  # 20 x 0.01
    assert recounted(answer) == Decimal("0.20")
    assert Decimal(stored_balance(ddb_local, client_id)) == Decimal("0.20")


def test_refunds_and_credit_payments_at_once_take_no_more_than_there_is(
    local_api_server: str, ddb_local: LocalTable
) -> None:
    client_id = new_client(local_api_server)
    overpaid = issued(local_api_server, client_id)
    assert pay(local_api_server, overpaid, "112.40").status_code == 200  # 100.00 of credit
    invoices = [issued(local_api_server, client_id) for _ in range(THREADS // 2)]
    refunds = f"{local_api_server}/api/v1/clients/{client_id}/balance/refunds"

    def draw(n: int) -> requests.Response:
        if n % 2:
            return call("POST", refunds, {"amount": "10.00", "currency": "EUR"})
        return pay(local_api_server, invoices[n // 2], "12.40", "CREDIT")

    replies = all_at_once(THREADS, draw)

    assert {r.status_code for r in replies} <= {200, 201, 409}, [r.text for r in replies]
    taken = sum(
        (Decimal("10.00") if n % 2 else Decimal("12.40"))
        for n, r in enumerate(replies)
        if r.status_code in (200, 201)
    )
    assert Decimal("87.60") <= taken <= Decimal("100.00")  # what is left covers no other draw
    answer = credit(local_api_server, client_id)
    [eur] = answer["balances"]
    assert eur["amount"] == Decimal("100.00") - taken == recounted(answer)
    assert Decimal(stored_balance(ddb_local, client_id)) == eur["amount"]
