"""Tenant isolation, route by route: another tenant's invoice answers 404, as if it did not exist,
and nothing of it is read or changed (checked on the stored item itself)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from app import app
from invoicing_cli.local import TABLE_NAME
from tests.support import Api

BASE = "/api/v1/invoices"


@dataclass(frozen=True)
class Attack:
    method: str
    route: str  # the route as registered, to prove every route is covered
    path: str  # with {id} and {row} of the victim's invoice
    body: Any = None


ATTACKS_BY_ID = [
    Attack("GET", "/invoices/find/{invoiceId}", "/find/{id}"),
    Attack("PATCH", "/invoices/{invoiceId}/update", "/{id}/update", {"note": "pwned"}),
    Attack("POST", "/invoices/{invoiceId}/rows", "/{id}/rows", {"quantity": 1, "unitPrice": 1}),
    Attack("DELETE", "/invoices/{invoiceId}/rows/{rowId}", "/{id}/rows/{row}"),
    Attack("POST", "/invoices/{invoiceId}/comment", "/{id}/comment", "pwned"),
    Attack("DELETE", "/invoices/{invoiceId}", "/{id}"),
    Attack("DELETE", "/invoices/delete-list", "/delete-list?ids={id}"),
]
ATTACKS_BY_LIST = [
    Attack("GET", "/invoices/find", "/find?ids={id}"),
    Attack("GET", "/invoices/find-list", "/find-list?ids={id}"),
    Attack("GET", "/invoices/find-all", "/find-all"),
]
# Creating writes into the caller's own tenant: checked by what each tenant then sees.
CREATES = [("POST", "/invoices"), ("POST", "/invoices/empty")]


@pytest.fixture
def victim(api: Api) -> dict[str, Any]:
    reply = api.as_tenant("acme").post(
        BASE,
        {"currency": "EUR", "rows": [{"description": "Secret", "quantity": 1, "unitPrice": 9}]},
    )
    assert reply.status == 201
    invoice: dict[str, Any] = reply.json()
    return invoice


def stored_item(invoice_id: str) -> dict[str, Any] | None:
    response = boto3.client("dynamodb").get_item(
        TableName=TABLE_NAME, Key={"PK": {"S": "T#acme"}, "SK": {"S": f"INV#{invoice_id}"}}
    )
    return response.get("Item")


def target(attack: Attack, invoice: dict[str, Any]) -> str:
    return BASE + attack.path.format(id=invoice["id"], row=invoice["rows"][0]["id"])


@pytest.mark.parametrize("attack", ATTACKS_BY_ID, ids=lambda a: f"{a.method} {a.route}")
def test_another_tenant_gets_404_and_changes_nothing(
    api: Api, victim: dict[str, Any], attack: Attack
) -> None:
    before = stored_item(victim["id"])
    reply = api.as_tenant("globex").request(attack.method, target(attack, victim), attack.body)
    assert reply.status == 404, reply.body
    assert "Secret" not in reply.body.decode()
    assert stored_item(victim["id"]) == before


@pytest.mark.parametrize("attack", ATTACKS_BY_LIST, ids=lambda a: f"{a.method} {a.route}")
def test_another_tenant_lists_nothing_of_it(
    api: Api, victim: dict[str, Any], attack: Attack
) -> None:
    reply = api.as_tenant("globex").request(attack.method, target(attack, victim))
    assert (reply.status, reply.json()) == (200, [])
    assert api.as_tenant("acme").request(attack.method, target(attack, victim)).json() != []


@pytest.mark.parametrize(("method", "route"), CREATES)
def test_an_invoice_is_created_in_the_callers_tenant_only(
    api: Api, method: str, route: str
) -> None:
    reply = api.as_tenant("globex").request(method, f"/api/v1{route}", {"currency": "EUR"})
    assert reply.status == 201
    assert reply.json()["tenantId"] == "globex"
    assert api.as_tenant("acme").get(f"{BASE}/find-all").json() == []
    assert [i["id"] for i in api.as_tenant("globex").get(f"{BASE}/find-all").json()] == [
        reply.json()["id"]
    ]


def test_a_tenant_named_in_the_body_or_query_is_ignored(api: Api, victim: dict[str, Any]) -> None:
    globex = api.as_tenant("globex")
    reply = globex.post(BASE, {"currency": "EUR", "tenantId": "acme"})
    assert reply.json()["tenantId"] == "globex"
    assert globex.get(f"{BASE}/find/{victim['id']}?tenantId=acme").status == 404


def test_every_route_is_covered_by_an_isolation_test(api: Api) -> None:
    registered = {
        (method, path.removeprefix("/api/v1"))
        for path, methods in app.routes.items()
        if path.startswith("/api/v1/")
        for method in methods
    }
    covered = {(a.method, a.route) for a in ATTACKS_BY_ID + ATTACKS_BY_LIST} | set(CREATES)
    assert registered == covered
