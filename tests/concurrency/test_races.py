"""Races through the HTTP entry point on DynamoDB Local: concurrent payments lose none, concurrent
issuing numbers without gap or duplicate, and one Idempotency-Key runs its work once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import pytest
import requests

from invoicing_cli.dynamodb_local import LocalTable
from invoicing_cli.local import local_token
from tests.support import all_at_once

pytestmark = pytest.mark.dynamodb_local

THREADS = 50
DUPLICATES = 20
TIMEOUT_SECONDS = 60
T = TypeVar("T")


def auth(tenant: str = "acme") -> dict[str, str]:
    return {"Authorization": f"Bearer {local_token(tenant)}"}


def create(base: str, **fields: Any) -> dict[str, Any]:
    body = {"currency": "EUR", "invoiceDate": "2026-11-21", **fields}
    reply = requests.post(f"{base}/api/v1/invoices", json=body, headers=auth(), timeout=30)
    assert reply.status_code == 201, reply.text
    created: dict[str, Any] = reply.json()
    return created


def test_50_concurrent_payments_on_one_invoice_are_all_recorded(local_api_server: str) -> None:
    rows = [{"description": "Retainer", "quantity": 1, "unitPrice": 1000}]
    invoice = create(local_api_server, rows=rows)
    path = f"{local_api_server}/api/v1/invoices/{invoice['id']}"
    issued = requests.patch(f"{path}/mark-as-sent", headers=auth(), timeout=30)
    version_before = int(issued.headers["ETag"].strip('"'))
    amounts = [Decimal("1.01") + Decimal(n) / 100 for n in range(THREADS)]

    def pay(index: int) -> int:
        body = {"amount": str(amounts[index]), "paymentMethod": "BANK_TRANSFER"}
        reply = requests.patch(f"{path}/add-payment", json=body, headers=auth(), timeout=60)
        return reply.status_code

    assert all_at_once(THREADS, pay) == [200] * THREADS
    final = requests.get(f"{local_api_server}/api/v1/invoices/find/{invoice['id']}",
                         headers=auth(), timeout=30)  # fmt: skip
    paid = final.json()
    assert Decimal(str(paid["paid"])) == sum(amounts) == Decimal("62.75")
    assert '"paid": 62.75' in final.text
    assert len(paid["transactions"]) == THREADS
    assert sorted(Decimal(str(t["amount"])) for t in paid["transactions"]) == amounts
    assert int(final.headers["ETag"].strip('"')) == version_before + THREADS


def test_50_drafts_issued_at_once_are_numbered_1_to_50(
    local_api_server: str, ddb_local: LocalTable
) -> None:
    drafts = [create(local_api_server)["id"] for _ in range(THREADS)]

    def issue(index: int) -> tuple[int, str]:
        url = f"{local_api_server}/api/v1/invoices/{drafts[index]}/mark-as-sent"
        reply = requests.patch(url, headers=auth(), timeout=TIMEOUT_SECONDS)
        return reply.status_code, reply.json().get("invoiceNumber", reply.text)

    replies = all_at_once(THREADS, issue)
    assert [status for status, _ in replies] == [200] * THREADS, replies
    numbers = sorted(number for _, number in replies)
    assert numbers == [f"INV-2026-{n:04d}" for n in range(1, THREADS + 1)]
    counter = ddb_local.client.get_item(
        TableName=ddb_local.table_name,
        Key={"PK": {"S": "T#acme"}, "SK": {"S": "COUNTER#INVOICE"}},
        ConsistentRead=True,
    )["Item"]
    assert counter["last"] == {"M": {"2026": {"N": str(THREADS)}}}


def test_invoices_created_issued_at_once_are_numbered_without_a_gap_or_a_draft(
    local_api_server: str, ddb_local: LocalTable
) -> None:
    """Heffl's SENT creates: each new invoice is written with the counter that numbers it, so
    concurrent ones retry for the next number; none is ever left a draft."""
    client = requests.post(
        f"{local_api_server}/api/v1/clients", json={"name": "Racer"}, headers=auth(), timeout=30
    ).json()["id"]
    body = {"clientId": client, "date": "2026-11-21", "dueDate": "2026-12-21", "status": "SENT",
            "lineItems": [{"name": "Seat", "quantity": 1, "price": 10}]}  # fmt: skip

    def create_sent(_: int) -> tuple[int, str]:
        url = f"{local_api_server}/compat/heffl/api/v1/invoices"
        reply = requests.post(url, json=body, headers=auth(), timeout=TIMEOUT_SECONDS)
        return reply.status_code, reply.json()["number"] if reply.ok else reply.text

    replies = all_at_once(DUPLICATES, create_sent)
    assert [status for status, _ in replies] == [200] * DUPLICATES, replies
    numbers = sorted(number for _, number in replies)
    assert numbers == [f"INV-2026-{n:04d}" for n in range(1, DUPLICATES + 1)]
    listed = requests.get(
        f"{local_api_server}/api/v1/invoices/find-all", headers=auth(), timeout=30
    ).json()
    assert sorted(i["status"] for i in listed) == ["SENT"] * DUPLICATES


def test_20_concurrent_requests_with_one_key_run_the_work_once(local_api_server: str) -> None:
    url = f"{local_api_server}/api/v1/invoices"
    body = {"currency": "EUR", "rows": [{"description": "Once", "quantity": 1, "unitPrice": 5}]}
    headers = {**auth(), "Idempotency-Key": "order-4711"}

    def post(_: int) -> requests.Response:
        return requests.post(url, json=body, headers=headers, timeout=TIMEOUT_SECONDS)

    replies = all_at_once(DUPLICATES, post)
    listed = requests.get(f"{url}/find-all", headers=auth(), timeout=30).json()
    assert len(listed) == 1, "the work ran more than once"
    created = [r for r in replies if r.status_code == 201]
    busy = [r for r in replies if r.status_code == 409]
    assert len(created) + len(busy) == DUPLICATES, [r.status_code for r in replies]
    assert {r.json()["id"] for r in created} == {listed[0]["id"]}
    assert sum("Idempotent-Replayed" not in r.headers for r in created) == 1
    assert all("retry" in r.json()["detail"] for r in busy)
    late = post(0)
    assert (late.status_code, late.headers["Idempotent-Replayed"]) == (201, "true")
    assert late.json()["id"] == listed[0]["id"]


def test_the_same_key_racing_in_two_tenants_runs_once_in_each(local_api_server: str) -> None:
    url = f"{local_api_server}/api/v1/invoices"

    def post(index: int) -> int:
        tenant = ("acme", "globex")[index % 2]
        headers = {**auth(tenant), "Idempotency-Key": "shared-key"}
        reply = requests.post(url, json={"currency": "EUR"}, headers=headers, timeout=60)
        return reply.status_code

    statuses = all_at_once(DUPLICATES, post)
    assert set(statuses) <= {201, 409}
    for tenant in ("acme", "globex"):
        listed = requests.get(f"{url}/find-all", headers=auth(tenant), timeout=30).json()
        assert len(listed) == 1, tenant
