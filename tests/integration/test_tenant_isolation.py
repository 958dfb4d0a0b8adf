"""Tenant isolation, route by route: another tenant's invoice answers 404, as if it did not exist,
and nothing of it is read or changed (checked on the stored item itself)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from chalicelib.services import exports
from invoicing_cli.local import BUCKET_NAME, TABLE_NAME
from tests.integration import test_credit_note_documents_api as credit_note_documents_api
from tests.integration import test_credit_note_lists_api as credit_note_lists_api
from tests.integration import test_credit_notes_api as credit_notes_api
from tests.integration import test_customer_credit_api as customer_credit_api
from tests.integration import test_einvoices_api as einvoices_api
from tests.integration import test_webhooks_api as webhooks_api
from tests.support import Api, api_routes, drain_jobs

BASE = "/api/v1/invoices"


@dataclass(frozen=True)
class Attack:
    method: str
    route: str  # the route as registered, to prove every route is covered
    path: str  # with {id}, {row} and {tx} of the victim's invoice
    body: Any = None
    victim: str = "draft"  # the state in which the owner's same request succeeds


ATTACKS_BY_ID = [
    Attack("GET", "/invoices/find/{invoiceId}", "/find/{id}"),
    Attack("PATCH", "/invoices/{invoiceId}/update", "/{id}/update", {"note": "pwned"}),
    Attack("POST", "/invoices/{invoiceId}/rows", "/{id}/rows", {"quantity": 1, "unitPrice": 1}),
    Attack("DELETE", "/invoices/{invoiceId}/rows/{rowId}", "/{id}/rows/{row}"),
    Attack("POST", "/invoices/{invoiceId}/comment", "/{id}/comment", "pwned"),
    Attack("DELETE", "/invoices/{invoiceId}", "/{id}"),
    Attack("DELETE", "/invoices/delete-list", "/delete-list?ids={id}"),
    Attack("PATCH", "/invoices/{invoiceId}/mark-as-sent", "/{id}/mark-as-sent"),
    Attack("PATCH", "/invoices/{invoiceId}/cancel", "/{id}/cancel"),
    Attack(
        "PATCH", "/invoices/{invoiceId}/add-payment", "/{id}/add-payment", {"amount": 1}, "sent"
    ),
    Attack(
        "DELETE",
        "/invoices/{invoiceId}/{transactionId}/remove-payment",
        "/{id}/{tx}/remove-payment",
        victim="sent",
    ),
    Attack("PATCH", "/invoices/{invoiceId}/mark-as-paid", "/{id}/mark-as-paid", victim="sent"),
    Attack("PATCH", "/invoices/{invoiceId}/unmark-as-paid", "/{id}/unmark-as-paid", victim="paid"),
    Attack(
        "PATCH",
        "/invoices/{invoiceId}/link-opportunity/{opportunityId}",
        "/{id}/link-opportunity/stolen-deal",
    ),
    Attack(
        "POST",
        "/invoices/{invoiceId}/credit-notes",
        "/{id}/credit-notes",
        {"reason": "pwned"},
        "sent",
    ),
    Attack("GET", "/invoices/{invoiceId}/credit-notes", "/{id}/credit-notes", victim="sent"),
]
ATTACKS_BY_LIST = [
    Attack("GET", "/invoices/find", "/find?ids={id}"),
    Attack("GET", "/invoices/find-list", "/find-list?ids={id}"),
    Attack("GET", "/invoices/find-all", "/find-all"),
]
# A tenant's counts and totals: each tenant's figures move with its own invoices only.
REPORTS = [("GET", "/invoices/count-by-status"), ("GET", "/invoices/stats")]
# Lists read from secondary indexes, whose partitions start with the tenant too.
INDEX_LISTS = [
    ("GET", "/invoices/date-range"),
    ("GET", "/invoices/by-opportunity/{opportunityId}"),
    ("GET", "/invoices/with-recurring-drafts"),
]
# Pages of the tenant's invoices, sorted, filtered and searched.
PAGES = [
    ("GET", "/invoices/page"),
    ("GET", "/invoices/dynamic-search"),
    ("POST", "/invoices/dynamic-search"),
]
# The export reads as the pages do; a large one is kept under the caller's prefix in S3.
EXPORTS = [("GET", "/invoices/csv-export")]
# Creating writes into the caller's own tenant: checked by what each tenant then sees.
CREATES = [("POST", "/invoices"), ("POST", "/invoices/empty")]
# A tenant's settings: each tenant reads and replaces only its own.
SETTINGS = [("GET", "/settings"), ("PUT", "/settings")]
# Documents and delivery: test_documents_api sends each of these as a second tenant and checks
# that nothing was stored, sent or changed.
DOCUMENTS = [
    ("POST", "/invoices/{invoiceId}/generate-pdf"),
    ("GET", "/invoices/{invoiceId}/pdf"),
    ("POST", "/invoices/{invoiceId}/upload-attachments"),
    ("GET", "/invoices/{invoiceId}/attachments/{blobId}"),
    ("DELETE", "/invoices/{invoiceId}/attachments/{blobId}"),
    ("POST", "/invoices/{invoiceId}/attachments/upload-url"),
    ("POST", "/invoices/{invoiceId}/attachments/{blobId}"),
    ("PUT", "/settings/logo"),
    ("DELETE", "/settings/logo"),
    ("POST", "/invoices/{invoiceId}/send"),
    ("POST", "/invoices/{invoiceId}/send-reminder"),
    ("POST", "/invoices/{invoiceId}/schedule"),
    ("PATCH", "/invoices/{invoiceId}/unschedule"),
]
# Clients (test_clients_api checks each route against a second tenant, field by field).
# Batches: created in the caller's tenant, externalIds included; a queued one is read by its own.
BATCHES = [("POST", "/invoices/batch"), ("GET", "/invoices/batches/{batchId}")]
CLIENTS = [
    ("POST", "/clients"),
    ("GET", "/clients"),
    ("GET", "/clients/{clientId}"),
    ("PUT", "/clients/{clientId}"),
    ("DELETE", "/clients/{clientId}"),
]
# Contracts (test_contracts_api checks each route against a second tenant, field by field).
CONTRACTS = [
    ("POST", "/contracts"),
    ("GET", "/contracts"),
    ("GET", "/contracts/{contractId}"),
    ("PUT", "/contracts/{contractId}"),
    ("DELETE", "/contracts/{contractId}"),
]
# Other products' dialects: each names a client of the caller's own only.
HEFFL = "/compat/heffl/api/v1/invoices"
# hevn invoices a contract of the caller's own only.
HEVN = "/compat/hevn/api/v1/invoices/documents/contracts/invoices/batch_invoicing"
# Leanpay imports name a client of the caller's own only, and upsert only the caller's invoices.
LEANPAY = "/compat/leanpay/v1/public/invoices/batch"
# Hyperline's batches name a customer of the caller's own only, and are read by their tenant only.
HYPERLINE = "/compat/hyperline/v2/invoices/batch"
# Credit notes: test_credit_notes_api and test_credit_note_documents_api send each route as a
# second tenant and read both tenants' partitions back whole (the two by invoice id are attacked
# above too); test_credit_note_lists_api reads the tenant-wide lists as a second tenant.
CREDIT_NOTES = (
    credit_notes_api.ROUTES | credit_note_documents_api.ROUTES | credit_note_lists_api.ROUTES
)
# E-invoices: test_einvoices_api asks for an invoice's and a credit note's as a second tenant.
EINVOICES = einvoices_api.ROUTES
# A client's credit: test_customer_credit_api sends each route as a second tenant and reads both
# tenants' partitions back whole.
CUSTOMER_CREDIT = customer_credit_api.ROUTES
# API keys: each tenant lists, creates and revokes only its own.
API_KEYS = [("GET", "/api-keys"), ("POST", "/api-keys"), ("DELETE", "/api-keys/{keyId}")]
# Webhooks: test_webhooks_api sends each route as a second tenant, which lists only its own.
WEBHOOKS = webhooks_api.ROUTES
COMPAT = [
    ("POST", HEFFL),
    ("POST", HEVN),
    ("POST", LEANPAY),
    ("POST", HYPERLINE),
    ("GET", f"{HYPERLINE}/{{batch_id}}"),
]


def acme_invoice(api: Api, state: str = "draft") -> dict[str, Any]:
    """An invoice of acme's in `state`: draft, sent (with one payment) or paid."""
    acme = api.as_tenant("acme")
    rows = [{"description": "Secret", "quantity": 1, "unitPrice": 9}]
    invoice: dict[str, Any] = acme.post(BASE, {"currency": "EUR", "rows": rows}).json()
    path = f"{BASE}/{invoice['id']}"
    if state in ("sent", "paid"):
        acme.patch(f"{path}/mark-as-sent")
        invoice = acme.patch(f"{path}/add-payment", {"amount": 2}).json()
    if state == "paid":
        invoice = acme.patch(f"{path}/mark-as-paid").json()
    return invoice


@pytest.fixture
def victim(api: Api) -> dict[str, Any]:
    return acme_invoice(api)


def stored_item(invoice_id: str) -> dict[str, Any] | None:
    response = boto3.client("dynamodb").get_item(
        TableName=TABLE_NAME, Key={"PK": {"S": "T#acme"}, "SK": {"S": f"INV#{invoice_id}"}}
    )
    return response.get("Item")


def target(attack: Attack, invoice: dict[str, Any]) -> str:
    transactions = invoice["transactions"] or [{"id": "none"}]
    return BASE + attack.path.format(
        id=invoice["id"], row=invoice["rows"][0]["id"], tx=transactions[0]["id"]
    )


@pytest.mark.parametrize("attack", ATTACKS_BY_ID, ids=lambda a: f"{a.method} {a.route}")
def test_another_tenant_gets_404_and_changes_nothing(api: Api, attack: Attack) -> None:
    victim = acme_invoice(api, attack.victim)
    before = stored_item(victim["id"])
    reply = api.as_tenant("globex").request(attack.method, target(attack, victim), attack.body)
    assert reply.status == 404, reply.body
    assert "Secret" not in reply.body.decode()
    assert stored_item(victim["id"]) == before
    # The same request from the owner succeeds: the 404 was the tenant boundary, not the state.
    owner = api.as_tenant("acme").request(attack.method, target(attack, victim), attack.body)
    assert owner.status < 300, owner.body


@pytest.mark.parametrize("attack", ATTACKS_BY_LIST, ids=lambda a: f"{a.method} {a.route}")
def test_another_tenant_lists_nothing_of_it(
    api: Api, victim: dict[str, Any], attack: Attack
) -> None:
    reply = api.as_tenant("globex").request(attack.method, target(attack, victim))
    assert (reply.status, reply.json()) == (200, [])
    assert api.as_tenant("acme").request(attack.method, target(attack, victim)).json() != []


@pytest.mark.parametrize(("method", "route"), REPORTS)
def test_another_tenants_invoices_never_show_in_counts_or_totals(
    api: Api, method: str, route: str
) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    path = f"/api/v1{route}"
    nothing = globex.request(method, path).json()
    for state in ("draft", "sent", "paid"):
        acme_invoice(api, state)
    acme_invoice(api, "sent")  # a second one, left open
    ours = acme.request(method, path).json()
    assert globex.request(method, path).json() == nothing
    assert ours != nothing
    if route.endswith("count-by-status"):
        assert set(nothing.values()) == {0}
        assert ours == {**nothing, "DRAFT": 1, "SENT": 2, "PAID": 1}
    else:
        totals = ("totalInvoiced", "totalOutstanding", "totalOverdue", "totalPaid")
        assert [nothing[name] for name in totals] == [0, 0, 0, 0]
        assert set(nothing["countByStatus"].values()) == {0}
        assert [ours[name] for name in totals] == [27, 14, 0, 13]  # 9.00 each, 2.00 paid


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


def test_a_batch_writes_into_the_callers_tenant_and_only_it_reads_its_progress(
    api: Api,
) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    ours = acme.post(f"{BASE}/batch", {"invoices": [{"externalId": "erp-1"}]}).json()
    queued = acme.post(f"{BASE}/batch?async=true", {"invoices": [{}]})
    theirs = globex.post(f"{BASE}/batch", {"invoices": [{"externalId": "erp-1"}]}).json()

    assert queued.status == 202
    assert globex.get(f"{BASE}/{queued.headers['Location']}").status == 404
    assert acme.get(f"{BASE}/{queued.headers['Location']}").status == 200
    # The same externalId in another tenant is that tenant's own, new invoice.
    assert theirs["results"][0]["status"] == "created"
    assert theirs["results"][0]["invoice"]["tenantId"] == "globex"
    assert theirs["results"][0]["invoice"]["id"] != ours["results"][0]["invoice"]["id"]
    assert [i["id"] for i in acme.get(f"{BASE}/find-all").json()] == [
        ours["results"][0]["invoice"]["id"]
    ]


def test_a_tenant_reads_and_replaces_only_its_own_settings(api: Api) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    acme.request("PUT", "/api/v1/settings", {"numberingFormat": "ACME-{SEQ}"})
    reply = globex.request("PUT", "/api/v1/settings", {"numberingFormat": "G-{SEQ}"})
    assert reply.status == 200
    assert acme.get("/api/v1/settings").json()["numberingFormat"] == "ACME-{SEQ}"
    assert globex.get("/api/v1/settings").json()["numberingFormat"] == "G-{SEQ}"


def test_another_tenants_clients_are_not_found_listed_or_changed(api: Api) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    ours = acme.post("/api/v1/clients", {"name": "Secret client"}).json()
    theirs = globex.post("/api/v1/clients", {"name": "Theirs", "tenantId": "acme"}).json()
    assert theirs["tenantId"] == "globex"
    path = f"/api/v1/clients/{ours['id']}"
    attempts = [("GET", None), ("PUT", {"name": "pwned"}), ("DELETE", None)]
    assert [globex.request(m, path, body).status for m, body in attempts] == [404, 404, 404]
    assert [c["id"] for c in globex.get("/api/v1/clients").json()] == [theirs["id"]]
    assert acme.get(path).json() == ours
    assert [c["id"] for c in acme.get("/api/v1/clients").json()] == [ours["id"]]


def test_another_tenants_contracts_are_not_found_listed_or_changed_nor_named(api: Api) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    client = acme.post("/api/v1/clients", {"name": "Secret client"}).json()["id"]
    terms = {"clientId": client, "currency": "EUR", "activationAt": "2026-01-01",
             "items": [{"description": "Secret", "quantity": 1, "unitPrice": 9}]}  # fmt: skip
    ours = acme.post("/api/v1/contracts", terms).json()
    # globex may neither name acme's client nor reach acme's contract.
    assert globex.post("/api/v1/contracts", terms).status == 400
    path = f"/api/v1/contracts/{ours['id']}"
    attempts = [("GET", None), ("PUT", terms), ("DELETE", None)]
    assert [globex.request(m, path, body).status for m, body in attempts] == [404, 404, 404]
    assert globex.get("/api/v1/contracts").json() == []
    assert acme.get(path).json() == ours
    assert [c["id"] for c in acme.get("/api/v1/contracts").json()] == [ours["id"]]


def test_a_heffl_invoice_names_only_the_callers_client_and_is_created_in_its_tenant(
    api: Api,
) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    client = acme.post("/api/v1/clients", {"name": "Secret client"}).json()["id"]
    body = {"clientId": client, "date": "2026-11-21", "dueDate": "2026-12-05", "tenantId": "acme",
            "lineItems": [{"name": "Secret", "quantity": 1, "price": 9}]}  # fmt: skip
    refused = globex.post(HEFFL, body)
    assert refused.status == 400
    assert "Secret" not in refused.body.decode()
    assert globex.get(f"{BASE}/find-all").json() == acme.get(f"{BASE}/find-all").json() == []
    ours = acme.post(HEFFL, body).json()
    assert [i["id"] for i in acme.get(f"{BASE}/find-all").json()] == [ours["id"]]
    assert globex.get(f"{BASE}/find/{ours['id']}").status == 404
    assert ours["customFields"] == {"tenantId": "acme"}  # kept as a field, never as the tenant


def test_a_hevn_entry_invoices_only_the_callers_contract_and_in_its_tenant(api: Api) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    client = acme.post("/api/v1/clients", {"name": "Secret client"}).json()["id"]
    terms = {"clientId": client, "currency": "EUR", "activationAt": "2026-01-01",
             "items": [{"description": "Secret", "quantity": 1, "unitPrice": 9}]}  # fmt: skip
    contract = acme.post("/api/v1/contracts", terms).json()["id"]
    body = [{"contractId": contract, "items": [{}], "period": 0, "tenantId": "acme"}]
    refused = globex.post(HEVN, body)
    assert refused.status == 200
    [failed] = refused.json()["results"]
    assert (failed["status"], failed["counterpartyId"], failed["invoice"]) == ("failed", None, None)
    assert "Secret" not in refused.body.decode() and client not in refused.body.decode()
    assert globex.get(f"{BASE}/find-all").json() == acme.get(f"{BASE}/find-all").json() == []
    [ours] = acme.post(HEVN, body).json()["results"]
    assert ours["status"] == "created"
    assert [i["id"] for i in acme.get(f"{BASE}/find-all").json()] == [ours["invoice"]["id"]]
    assert globex.get(f"{BASE}/find/{ours['invoice']['id']}").status == 404
    # Sent again by globex, the same contract and period still finds nothing of acme's.
    assert globex.post(HEVN, body).json()["results"][0]["status"] == "failed"
    assert globex.get(f"{BASE}/find-all").json() == []


def test_a_leanpay_import_names_only_the_callers_client_and_upserts_only_its_invoices(
    api: Api,
) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    client = acme.post("/api/v1/clients", {"name": "Secret client"}).json()["id"]
    item = {"clientId": client, "reference": "SECRET-1", "amount": 119, "netAmount": 100,
            "issueDate": "2026-11-21", "dueDate": "2026-12-21", "externalId": "lp-1",
            "tenantId": "acme"}  # fmt: skip
    refused = globex.post(LEANPAY, {"invoices": [item]})
    assert refused.status == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["invoices[0].clientId"]
    assert "Secret" not in refused.body.decode()
    assert globex.get(f"{BASE}/find-all").json() == acme.get(f"{BASE}/find-all").json() == []
    [ours] = acme.post(LEANPAY, {"invoices": [item]}).json()["data"]
    assert ours["tenantId"] == "acme"
    assert globex.get(f"{BASE}/find/{ours['id']}").status == 404
    # The same externalId from globex, with its own client, is globex's own new invoice.
    theirs_client = globex.post("/api/v1/clients", {"name": "Theirs"}).json()["id"]
    theirs = {**item, "clientId": theirs_client, "reference": "G-1", "amount": 1, "netAmount": 1}
    [made] = globex.post(LEANPAY, {"invoices": [theirs]}).json()["data"]
    assert (made["tenantId"], made["reference"]) == ("globex", "G-1")
    assert made["id"] != ours["id"]
    mine = acme.get(f"{BASE}/find/{ours['id']}")
    assert (mine.json()["invoiceNumber"], mine.json()["totalWithTax"]) == ("SECRET-1", 119)
    assert mine.headers["ETag"] == '"1"'  # untouched by globex's import


def test_a_hyperline_batch_names_only_the_callers_customer_and_is_read_by_its_tenant_only(
    api: Api,
) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    customer = acme.post("/api/v1/clients", {"name": "Secret customer"}).json()["id"]
    line = {"name": "Secret seats", "unit_amount": 900, "tax_rate": 20}
    item = {"customer_id": customer, "line_items": [line], "tenant_id": "acme"}
    assert globex.post(HYPERLINE, {"invoices": [item], "batch_id": "b-1"}).status == 202
    assert acme.post(HYPERLINE, {"invoices": [item], "batch_id": "b-2"}).status == 202
    drain_jobs(acme)

    theirs = globex.get(f"{HYPERLINE}/b-1").json()
    assert (theirs["successes"], theirs["errors"][0]["error"]["errors"][0]["field"]) == (
        [],
        "invoices[0].customer_id",
    )
    assert "Secret" not in str(theirs)
    assert globex.get(f"{BASE}/find-all").json() == []
    assert globex.get(f"{HYPERLINE}/b-2").status == 404
    [ours] = acme.get(f"{HYPERLINE}/b-2").json()["successes"]
    assert globex.get(f"{BASE}/find/{ours['id']}").status == 404
    assert acme.get(f"{HYPERLINE}/b-1").status == 404


def test_a_tenant_lists_creates_and_revokes_only_its_own_api_keys(api: Api) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    ours = acme.post("/api/v1/api-keys", {"name": "Secret ERP"}).json()
    theirs = globex.post("/api/v1/api-keys", {"name": "theirs", "tenantId": "acme"}).json()

    assert [k["id"] for k in globex.get("/api/v1/api-keys").json()] == [theirs["id"]]
    assert globex.request("DELETE", f"/api/v1/api-keys/{ours['id']}").status == 404
    assert "Secret" not in globex.get("/api/v1/api-keys").body.decode()
    mine = api.with_headers({"x-api-key": ours["key"]})
    assert mine.get(f"{BASE}/find-all").status == 200  # not revoked by globex's attempt
    assert [k["id"] for k in acme.get("/api/v1/api-keys").json()] == [ours["id"]]
    assert api.with_headers({"x-api-key": theirs["key"]}).post(BASE, {}).json()["tenantId"] == (
        "globex"
    )


def test_a_tenant_named_in_the_body_or_query_is_ignored(api: Api, victim: dict[str, Any]) -> None:
    globex = api.as_tenant("globex")
    reply = globex.post(BASE, {"currency": "EUR", "tenantId": "acme"})
    assert reply.json()["tenantId"] == "globex"
    assert globex.get(f"{BASE}/find/{victim['id']}?tenantId=acme").status == 404


def test_another_tenant_finds_nothing_of_ours_in_the_index_lists(api: Api) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    agreement = {"intervalDays": 30, "nextInvoiceDate": "2026-12-01"}
    body = {"invoiceDate": "2001-01-01", "opportunityId": "deal", "recurringAgreement": agreement}
    assert acme.post(BASE, body).status == 201
    assert globex.get(f"{BASE}/by-opportunity/deal").json() == []
    assert globex.get(f"{BASE}/with-recurring-drafts").json() == []
    assert globex.get(f"{BASE}/date-range").json() == {"min": None, "max": None}
    assert len(acme.get(f"{BASE}/by-opportunity/deal").json()) == 1
    assert len(acme.get(f"{BASE}/with-recurring-drafts").json()) == 1
    assert acme.get(f"{BASE}/date-range").json()["min"] == "2001-01-01T00:00:00Z"


@pytest.mark.parametrize(("method", "route"), PAGES)
def test_another_tenant_pages_search_and_filters_nothing_of_ours(
    api: Api, method: str, route: str
) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    ours = acme_invoice(api, "sent")
    acme.post(f"{BASE}/{ours['id']}/comment", "x")
    acme.patch(f"{BASE}/{ours['id']}/update", {"note": "Secret project"})
    globex.post(BASE, {"currency": "USD", "note": "theirs"})
    query = {"search": ["secret"], "filters": {"status": "SENT", "currency": "EUR"}}
    # Each ask, and how many of globex's own invoices (one USD draft) it matches.
    asks = {
        "GET /invoices/page": [
            ("/page", 1),
            ("/page?search=secret", 0),
            ("/page?sortBy=status", 1),
        ],
        "GET /invoices/dynamic-search": [
            ("/dynamic-search?search=secret", 0),
            ("/dynamic-search?filters=status:SENT&filters=currency:EUR", 0),
            ("/dynamic-search?sort=total,desc", 1),
        ],
        "POST /invoices/dynamic-search": [("/dynamic-search", 0)],
    }[f"{method} {route}"]
    body = query if method == "POST" else None
    for ask, their_count in asks:
        theirs = globex.request(method, f"{BASE}{ask}", body).json()
        assert "Secret" not in str(theirs)
        assert [i["tenantId"] for i in theirs["content"]] == ["globex"] * their_count
        assert theirs["totalElements"] == their_count
        mine = acme.request(method, f"{BASE}{ask}", body).json()
        assert [invoice["id"] for invoice in mine["content"]] == [ours["id"]]


def test_another_tenants_export_holds_none_of_ours_nor_lands_in_our_prefix(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    ours = acme_invoice(api)
    acme.patch(f"{BASE}/{ours['id']}/update", {"note": "Secret project"})
    theirs = globex.post(BASE, {"currency": "USD", "note": "theirs"}).json()
    export = f"{BASE}/csv-export"
    for ask, expected in [
        ("", [theirs["id"]]),
        ("?search=secret", []),
        ("?filters=currency:EUR", []),
    ]:
        reply = globex.get(f"{export}{ask}", headers={"Accept": "text/csv"})
        assert reply.status == 200
        assert b"Secret" not in reply.body and ours["id"].encode() not in reply.body
        assert [line.split(",")[0] for line in reply.body.decode().splitlines()[1:]] == expected
    monkeypatch.setattr(exports, "INLINE_LIMIT", 10)  # every export is kept in S3 now
    assert globex.get(export).status == 303
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET_NAME)["Contents"]
    assert [item["Key"].split("/")[0] for item in listed] == ["globex"]


def test_every_route_is_covered_by_an_isolation_test(api: Api) -> None:
    registered = api_routes()
    covered = (
        {(a.method, a.route) for a in ATTACKS_BY_ID + ATTACKS_BY_LIST}
        | set(REPORTS)
        | set(INDEX_LISTS)
        | set(PAGES)
        | set(EXPORTS)
        | set(CREATES)
        | set(SETTINGS)
        | set(BATCHES)
        | set(CLIENTS)
        | set(CONTRACTS)
        | set(DOCUMENTS)
        | set(COMPAT)
        | set(API_KEYS)
        | set(CREDIT_NOTES)
        | set(EINVOICES)
        | set(CUSTOMER_CREDIT)
        | set(WEBHOOKS)
    )
    assert registered == covered
