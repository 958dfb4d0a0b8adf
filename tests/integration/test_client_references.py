"""An invoice names one of its tenant's clients or none, and a client an invoice names is kept:
through every path that writes invoices (native create and update, batches, a vendor import) and
every path that lets go of one (another client, none, a deleted invoice). Races between the two
are shown on DynamoDB Local (tests/concurrency/test_lost_writes.py)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.ports import SystemClock
from chalicelib.services.authentication import create_api_key
from tests.support import Api, Reply, stored_items

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")  # the import's dates are written as of then
CLIENTS = "/api/v1/clients"
INVOICES = "/api/v1/invoices"
LEANPAY = "/compat/leanpay/v1/public/invoices/batch"
ROWS = [{"description": "Work", "quantity": 1, "unitPrice": 10}]


def client(tenant: Api, name: str = "Zoë Müller GmbH") -> str:
    reply = tenant.post(CLIENTS, {"name": name})
    assert reply.status == 201, reply.body
    created: str = reply.json()["id"]
    return created


def invoice(tenant: Api, **fields: Any) -> dict[str, Any]:
    reply = tenant.post(INVOICES, {"currency": "EUR", "rows": ROWS, **fields})
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.json()
    return created


def refused_naming_client_id(reply: Reply) -> None:
    assert reply.status == 400, reply.body
    body = reply.json()
    assert {"title", "detail", "time"} <= body.keys()
    assert [error["field"] for error in body["errors"]] == ["clientId"]


def delete_client(tenant: Api, client_id: str) -> int:
    """What deleting the client answers: 204, or 409 while an invoice names it."""
    status = tenant.delete(f"{CLIENTS}/{client_id}").status
    assert status in (204, 409)
    return status


def test_a_create_naming_no_client_of_the_tenant_is_a_400_and_writes_nothing(
    acme: Api, globex: Api
) -> None:
    theirs = client(globex)
    gone = client(acme)
    assert acme.delete(f"{CLIENTS}/{gone}").status == 204
    for named in (theirs, gone, "no-such-client", "x" * 128):
        refused_naming_client_id(acme.post(INVOICES, {"currency": "EUR", "clientId": named}))
    assert stored_items("acme", "INV#") == []
    assert acme.get(f"{INVOICES}/count-by-status").json()["DRAFT"] == 0
    assert delete_client(globex, theirs) == 204


def test_an_update_naming_no_client_of_the_tenant_is_a_400_and_changes_nothing(
    acme: Api, globex: Api
) -> None:
    ours = client(acme)
    draft = invoice(acme, clientId=ours)
    path = f"{INVOICES}/{draft['id']}"
    for named in (client(globex), "no-such-client"):
        refused_naming_client_id(acme.patch(f"{path}/update", {"clientId": named, "note": "n"}))
    after = acme.get(f"{INVOICES}/find/{draft['id']}")
    assert (after.json(), after.headers["ETag"]) == (draft, '"1"')
    assert delete_client(acme, ours) == 409
    assert globex.patch(f"{path}/update", {"clientId": ours}).status == 404


def test_a_named_client_is_kept_until_no_invoice_names_it(acme: Api, globex: Api) -> None:
    first, second = client(acme, "First"), client(acme, "Second")
    draft = invoice(acme, clientId=first)
    other = invoice(acme, clientId=first)
    assert delete_client(acme, first) == 409
    assert globex.delete(f"{CLIENTS}/{first}").status == 404
    moved = acme.patch(f"{INVOICES}/{draft['id']}/update", {"clientId": second})
    assert (moved.status, moved.json()["clientId"]) == (200, second)
    assert (delete_client(acme, first), delete_client(acme, second)) == (409, 409)
    assert acme.delete(f"{INVOICES}/{other['id']}").status == 204
    assert acme.delete(f"{CLIENTS}/{first}").status == 204
    cleared = acme.patch(f"{INVOICES}/{draft['id']}/update", {"clientId": None})
    assert (cleared.status, cleared.json()["clientId"]) == (200, None)
    assert acme.delete(f"{CLIENTS}/{second}").status == 204


def test_an_issued_invoice_keeps_its_client_and_a_deleted_list_lets_go(acme: Api) -> None:
    named = client(acme)
    issued = invoice(acme, clientId=named)
    assert acme.patch(f"{INVOICES}/{issued['id']}/mark-as-sent").status == 200
    assert acme.patch(f"{INVOICES}/{issued['id']}/cancel").status == 200
    assert acme.delete(f"{CLIENTS}/{named}").status == 409  # a cancelled invoice still names it
    kept = client(acme, "Kept")
    ids = [invoice(acme, clientId=kept)["id"] for _ in range(3)]
    assert acme.delete(f"{INVOICES}/delete-list?ids={','.join(ids)}").status == 204
    assert acme.delete(f"{CLIENTS}/{kept}").status == 204


def test_replacing_a_clients_details_keeps_it_protected(acme: Api) -> None:
    """A replace writes the details only: the count of invoices naming it stays."""
    named = client(acme)
    invoice(acme, clientId=named)
    assert acme.request("PUT", f"{CLIENTS}/{named}", {"name": "Renamed"}).status == 200
    reply = acme.delete(f"{CLIENTS}/{named}")
    assert (reply.status, "invoices name it" in reply.json()["detail"]) == (409, True)
    assert acme.get(f"{CLIENTS}/{named}").json()["name"] == "Renamed"


def test_a_batch_item_naming_no_client_fails_alone_and_an_atomic_batch_writes_nothing(
    acme: Api, globex: Api
) -> None:
    ours, theirs = client(acme), client(globex)
    items = [
        {"currency": "EUR", "clientId": ours},
        {"currency": "EUR", "clientId": theirs},
        {"currency": "EUR", "clientId": ours},
    ]
    reply = acme.post(f"{INVOICES}/batch", {"invoices": items})
    assert reply.status == 200, reply.body
    answered = reply.json()
    assert (answered["created"], answered["failed"]) == (2, 1)
    failed = answered["results"][1]
    assert (failed["status"], failed["error"]["status"]) == ("failed", 400)
    assert [e["field"] for e in failed["error"]["errors"]] == ["clientId"]
    refused_naming_client_id(acme.post(f"{INVOICES}/batch", {"invoices": items, "atomic": True}))
    assert len(stored_items("acme", "INV#")) == 2
    assert delete_client(acme, ours) == 409
    assert delete_client(globex, theirs) == 204


def test_an_import_that_names_another_client_lets_go_of_the_first(acme: Api, api: Api) -> None:
    first, second = client(acme, "First"), client(acme, "Second")
    key = create_api_key("acme", created_by="test", repo=get_deps().api_keys, clock=SystemClock())
    leanpay = api.with_headers({"Authorization": key})
    item = {"clientId": first, "reference": "LP-1", "amount": "119.00", "netAmount": "100.00",
            "issueDate": "2026-11-21", "dueDate": "2026-12-21", "externalId": "lp-1"}  # fmt: skip
    assert leanpay.post(LEANPAY, {"invoices": [item]}).status == 200
    assert delete_client(acme, first) == 409
    assert leanpay.post(LEANPAY, {"invoices": [{**item, "clientId": second}]}).status == 200
    assert acme.delete(f"{CLIENTS}/{first}").status == 204
    assert acme.delete(f"{CLIENTS}/{second}").status == 409
