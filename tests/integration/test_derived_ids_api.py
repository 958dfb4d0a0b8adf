"""Ids the app derives live where no client value reaches them: a client's externalId spelled as
a queued batch's item ("<batch>#0"), a hevn contract's period ("hevn:<contract>:1") or a Leanpay
import ("leanpay:<id>") names an invoice of its own, and the worker or the vendor endpoint still
writes and answers its own invoice. Ids derived before keep naming what they named."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest

from invoicing_cli.local import TABLE_NAME
from tests.support import Api, drain_jobs, queued_chunks, stored_items, take_chunk

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
NATIVE = "/api/v1/invoices"
HEVN = "/compat/hevn/api/v1/invoices/documents/contracts/invoices/batch_invoicing"
HYPERLINE = "/compat/hyperline/v2/invoices/batch"
LEANPAY = "/compat/leanpay/v1/public/invoices/batch"
ONE = {"description": "Decoy", "quantity": 1, "unitPrice": 1}
REAL = {"description": "Retainer", "quantity": 1, "unitPrice": 1000, "taxRate": 19}
# The first scheme's namespace (decision 0021): ids it derived are stored and must stay put.
FIRST_SCHEME = uuid.UUID("5f0c3a52-8e8d-4a43-9d2b-6f1c0e7d2b19")
Json = dict[str, Any]


def decoy(api: Api, external_id: str) -> Json:
    """A client's own invoice of 1.00 under `external_id`."""
    reply = api.post(NATIVE, {"externalId": external_id, "currency": "EUR", "rows": [ONE]})
    assert reply.status == 201, reply.body
    invoice: Json = reply.json()
    return invoice


def invoice_ids(tenant: str) -> set[str]:
    return {item["SK"]["S"].removeprefix("INV#") for item in stored_items(tenant, "INV#")}


@pytest.fixture
def client_id(acme: Api) -> str:
    created: str = acme.post("/api/v1/clients", {"name": "Zoë Müller GmbH"}).json()["id"]
    return created


@pytest.fixture
def contract(acme: Api, client_id: str) -> str:
    terms = {"clientId": client_id, "currency": "EUR", "activationAt": "2026-01-31",
             "isRecurring": True, "period": "MONTHLY", "items": [REAL]}  # fmt: skip
    reply = acme.post("/api/v1/contracts", terms)
    assert reply.status == 201, reply.body
    created: str = reply.json()["id"]
    return created


def test_a_client_external_id_spelled_as_hevns_key_does_not_stand_for_hevns_invoice(
    acme: Api, globex: Api, contract: str
) -> None:
    mine = decoy(acme, f"hevn:{contract}:1")
    decoy(globex, f"hevn:{contract}:1")  # another tenant spelling it reaches nothing of acme's

    [result] = acme.post(HEVN, [{"contractId": contract, "items": [{}], "period": 1}]).json()[
        "results"
    ]

    assert result["status"] == "created", result
    assert result["invoice"]["amount"] == "1190.00"
    assert result["invoice"]["id"] != mine["id"]
    assert acme.get(f"{NATIVE}/find/{mine['id']}").json()["total"] == 1
    assert invoice_ids("acme") == {mine["id"], result["invoice"]["id"]}
    [again] = acme.post(HEVN, [{"contractId": contract, "items": [{}], "period": 1}]).json()[
        "results"
    ]
    assert (again["status"], again["invoice"]["id"]) == ("existing", result["invoice"]["id"])


def test_a_client_external_id_spelled_as_a_queued_items_key_does_not_take_its_place(
    acme: Api, globex: Api
) -> None:
    queued = acme.post(f"{NATIVE}/batch?async=true", {"invoices": [{"rows": [REAL]}]})
    assert queued.status == 202, queued.body
    batch_id = queued.json()["batchId"]
    mine = decoy(acme, f"{batch_id}#0")
    decoy(globex, f"{batch_id}#0")

    drain_jobs(acme)

    [result] = acme.get(f"{NATIVE}/batches/{batch_id}").json()["results"]
    assert result["status"] == "created", result
    assert result["invoiceId"] != mine["id"]
    made = acme.get(f"{NATIVE}/find/{result['invoiceId']}").json()
    assert made["totalWithTax"] == 1190
    assert invoice_ids("acme") == {mine["id"], result["invoiceId"]}
    assert globex.get(f"{NATIVE}/batches/{batch_id}").status == 404


def test_a_client_external_id_spelled_as_a_hyperline_items_key_does_not_take_its_place(
    acme: Api, globex: Api, client_id: str
) -> None:
    mine = decoy(acme, "b-1#0")
    decoy(globex, "b-1#0")
    item = {"customer_id": client_id, "line_items": [{"unit_amount": 100000, "tax_rate": 19}]}
    assert acme.post(HYPERLINE, {"invoices": [item], "batch_id": "b-1"}).status == 202

    drain_jobs(acme)

    outcome = acme.get(f"{HYPERLINE}/b-1").json()
    [made] = outcome["successes"]
    assert outcome["errors"] == []
    assert made["id"] != mine["id"]
    assert made["total_amount"] == 119000
    assert invoice_ids("acme") == {mine["id"], made["id"]}


def test_a_client_external_id_spelled_as_a_leanpay_key_is_not_upserted_by_an_import(
    acme: Api, globex: Api, client_id: str
) -> None:
    mine = decoy(acme, "leanpay:lp-1")
    decoy(globex, "leanpay:lp-1")
    item = {"clientId": client_id, "reference": "LP-1", "amount": 1190, "netAmount": 1000,
            "issueDate": "2026-11-21", "dueDate": "2026-12-21", "externalId": "lp-1"}  # fmt: skip

    reply = acme.post(LEANPAY, {"invoices": [item]})

    assert reply.status == 200, reply.body
    [imported] = reply.json()["data"]
    assert imported["id"] != mine["id"]
    assert (imported["status"], imported["amount"]) == ("due", 1190)
    untouched = acme.get(f"{NATIVE}/find/{mine['id']}")
    assert (untouched.json()["status"], untouched.headers["ETag"]) == ("DRAFT", '"1"')


def test_an_external_id_keeps_naming_the_invoice_it_named_before(acme: Api, globex: Api) -> None:
    """Ids derived before this scheme stay put: an ordinary externalId's invoice is where the
    first scheme placed it, so sending it again still finds it."""
    first = decoy(acme, "erp-42")
    legacy = str(uuid.uuid5(FIRST_SCHEME, "acme\nerp-42"))

    again = acme.post(NATIVE, {"externalId": "erp-42", "rows": [ONE]})

    assert first["id"] == legacy
    assert (again.status, again.json()["id"]) == (200, legacy)
    assert globex.post(NATIVE, {"externalId": "erp-42", "rows": [ONE]}).json()["id"] != legacy


def test_a_batch_queued_before_the_new_ids_resumes_with_the_ids_it_started_with(
    acme: Api,
) -> None:
    """A batch stored without `idScheme` (queued by the release before) names its items as it
    did when it was queued, so a chunk it took before the change is found, not made again."""
    queued = acme.post(f"{NATIVE}/batch?async=true", {"invoices": [{"rows": [REAL]}]})
    batch_id = queued.json()["batchId"]
    boto3.client("dynamodb").update_item(
        TableName=TABLE_NAME,
        Key={"PK": {"S": "T#acme"}, "SK": {"S": f"BATCH#{batch_id}"}},
        UpdateExpression="REMOVE idScheme",
    )
    [chunk] = queued_chunks()
    take_chunk(acme, chunk)
    [result] = acme.get(f"{NATIVE}/batches/{batch_id}").json()["results"]

    assert result["invoiceId"] == str(uuid.uuid5(FIRST_SCHEME, f"acme\n{batch_id}#0"))
    assert invoice_ids("acme") == {result["invoiceId"]}
