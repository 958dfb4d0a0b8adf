"""Clients through HTTP: create, read, replace, list and delete, each checked field by field,
refused when bad without a trace, kept within the tenant, and protected while invoices name them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api

CLIENTS = "/api/v1/clients"
INVOICES = "/api/v1/invoices"
ZOE: dict[str, Any] = {
    "name": "Zoë Müller GmbH",
    "email": "buchhaltung@mueller.example",
    "address": {"street": "ul. Piotrkowska 1", "postalCode": "90-001", "city": "Łódź",
                "country": "pl"},
    "vatId": "PL 526-104-08-28",
    "locale": "pl_PL",
}  # fmt: skip


def created(client: Api, body: dict[str, Any]) -> dict[str, Any]:
    reply = client.post(CLIENTS, body)
    assert reply.status == 201, reply.json()
    found: dict[str, Any] = reply.json()
    return found


def test_a_client_is_created_in_canonical_form_and_read_back(acme: Api) -> None:
    reply = acme.post(CLIENTS, ZOE)
    assert reply.status == 201
    client = reply.json()
    assert reply.headers["Location"] == f"clients/{client['id']}"
    assert client["name"] == "Zoë Müller GmbH"
    assert client["address"]["country"] == "PL"
    assert client["vatId"] == "PL5261040828"
    assert client["locale"] == "pl-PL"
    assert client["createdBy"] == "user-1"
    assert acme.get(f"{CLIENTS}/{client['id']}").json() == client


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"vatId": "DE123"}, "vatId"),
        ({"locale": "xx_YY_ZZ"}, "locale"),
        ({"address": {"country": "Poland"}}, "address.country"),
    ],
)
def test_bad_details_are_a_400_naming_the_field_and_nothing_is_stored(
    acme: Api, change: dict[str, Any], field: str
) -> None:
    reply = acme.post(CLIENTS, {**ZOE, **change})
    assert reply.status == 400
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert acme.get(CLIENTS).json() == []


def test_put_replaces_every_detail_and_moves_the_version(acme: Api) -> None:
    client = created(acme, ZOE)
    reply = acme.request("PUT", f"{CLIENTS}/{client['id']}", {"name": "Zoë Müller AG"})
    assert reply.status == 200
    assert reply.headers["ETag"] == '"2"'
    replaced = reply.json()
    assert (replaced["name"], replaced["email"], replaced["address"]) == (
        "Zoë Müller AG",
        None,
        None,
    )
    assert replaced["created"] == client["created"]
    assert acme.get(f"{CLIENTS}/{client['id']}").json() == replaced


def test_the_list_pages_in_creation_order(acme: Api) -> None:
    ids = [created(acme, {"name": f"Client {n}"})["id"] for n in range(5)]
    first = acme.get(f"{CLIENTS}?limit=3")
    assert [c["id"] for c in first.json()] == ids[:3]
    cursor = first.headers["X-Next-Cursor"]
    second = acme.get(f"{CLIENTS}?limit=3&cursor={cursor}")
    assert [c["id"] for c in second.json()] == ids[3:]
    assert "X-Next-Cursor" not in second.headers


def test_a_client_no_invoice_names_is_deleted(acme: Api) -> None:
    client = created(acme, ZOE)
    assert acme.delete(f"{CLIENTS}/{client['id']}").status == 204
    assert acme.get(f"{CLIENTS}/{client['id']}").status == 404
    assert acme.delete(f"{CLIENTS}/{client['id']}").status == 404


def test_a_client_an_invoice_names_is_kept_with_a_409(acme: Api) -> None:
    client = created(acme, ZOE)
    invoice = acme.post(INVOICES, {"clientId": client["id"]}).json()
    reply = acme.delete(f"{CLIENTS}/{client['id']}")
    assert reply.status == 409
    assert "invoices name it" in reply.json()["detail"]
    assert acme.get(f"{CLIENTS}/{client['id']}").json() == client
    assert acme.delete(f"{INVOICES}/{invoice['id']}").status == 204
    assert acme.delete(f"{CLIENTS}/{client['id']}").status == 204


def test_another_tenants_client_is_not_found_and_untouched(acme: Api, globex: Api) -> None:
    client = created(acme, ZOE)
    path = f"{CLIENTS}/{client['id']}"
    assert globex.get(path).status == 404
    assert globex.request("PUT", path, {"name": "Taken"}).status == 404
    assert globex.delete(path).status == 404
    assert globex.get(CLIENTS).json() == []
    assert acme.get(path).json() == client


def test_an_unknown_or_malformed_id_is_a_404(acme: Api) -> None:
    assert acme.get(f"{CLIENTS}/no-such-client").status == 404
    assert acme.get(f"{CLIENTS}/{'x' * 300}").status == 404
    assert acme.request("PUT", f"{CLIENTS}/nope", {"name": "A"}).status == 404


SELLER = {"companyName": "Ελληνική Εταιρεία Α.Ε.", "vatId": "EL094259216",
          "bankAccounts": [{"iban": "GR1601101250000000012300695"}], "locale": "el-GR"}  # fmt: skip


def test_leaving_draft_copies_seller_and_client_and_later_edits_change_only_drafts(
    acme: Api,
) -> None:
    acme.request("PUT", "/api/v1/settings", SELLER)
    client = created(acme, ZOE)
    issued = acme.post(INVOICES, {"clientId": client["id"]}).json()
    draft = acme.post(INVOICES, {"clientId": client["id"]}).json()
    assert (draft["seller"], draft["client"]) == (None, None)  # a draft shows today's details
    reply = acme.patch(f"{INVOICES}/{issued['id']}/mark-as-sent")
    assert reply.status == 200
    copied = reply.json()
    assert copied["client"] == {k: client[k] for k in ("name", "email", "address", "vatId",
                                                       "locale", "buyerReference")}  # fmt: skip
    assert copied["seller"]["name"] == "Ελληνική Εταιρεία Α.Ε."
    assert copied["seller"]["vatId"] == "EL094259216"
    assert copied["seller"]["bankAccounts"] == [
        {"name": None, "iban": "GR1601101250000000012300695", "bic": None}
    ]
    acme.request("PUT", f"{CLIENTS}/{client['id']}", {"name": "Renamed"})
    acme.request("PUT", "/api/v1/settings", {"companyName": "Renamed too"})
    after = acme.get(f"{INVOICES}/find/{issued['id']}").json()
    assert (after["client"], after["seller"]) == (copied["client"], copied["seller"])
    resent = acme.patch(f"{INVOICES}/{draft['id']}/mark-as-sent").json()
    assert (resent["client"]["name"], resent["seller"]["name"]) == ("Renamed", "Renamed too")


def test_an_invoice_naming_another_tenants_client_is_a_400_and_copies_nothing(
    acme: Api, globex: Api
) -> None:
    theirs = created(globex, ZOE)
    reply = acme.post(INVOICES, {"clientId": theirs["id"]})
    assert reply.status == 400
    assert [e["field"] for e in reply.json()["errors"]] == ["clientId"]
    assert "Zoë" not in reply.body.decode()
    assert acme.get(f"{INVOICES}/find-all").json() == []
    assert globex.delete(f"{CLIENTS}/{theirs['id']}").status == 204  # acme never named it


def test_a_stale_if_match_is_a_412_and_changes_nothing(acme: Api, globex: Api) -> None:
    client = created(acme, ZOE)
    path = f"{CLIENTS}/{client['id']}"
    renamed = acme.request("PUT", path, {"name": "Renamed"}, headers={"If-Match": '"1"'})
    assert (renamed.status, renamed.headers["ETag"]) == (200, '"2"')
    stale = acme.request("PUT", path, {"name": "Stale"}, headers={"If-Match": '"1"'})
    assert stale.status == 412
    assert set(stale.json()) == {"title", "detail", "time"}
    assert acme.delete(path, headers={"If-Match": '"1"'}).status == 412
    assert acme.get(path).json()["name"] == "Renamed"
    assert acme.request("PUT", path, {"name": "X"}, headers={"If-Match": "W/2"}).status == 400
    assert globex.request("PUT", path, {"name": "X"}, headers={"If-Match": '"2"'}).status == 404
    assert globex.delete(path, headers={"If-Match": '"2"'}).status == 404
    assert acme.delete(path, headers={"If-Match": '"2"'}).status == 204
