"""GET /openapi.json: an operation for every route the app serves (a route added without one fails
here), a valid OpenAPI 3.1 document the same for every caller, examples that fit their schemas,
the same document `make spec` writes, and answers of every kind that conform to it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from urllib3 import encode_multipart_formdata

from chalicelib.bootstrap import get_deps
from invoicing_cli.local import PROJECT_DIR
from invoicing_cli.main import cli
from tests.conformance import CheckedApi, Conformance, spec_of
from tests.images import image_bytes
from tests.support import Api, Reply, drain_jobs

BASE = "/api/v1/invoices"
pytestmark = pytest.mark.now("2026-11-21T09:30:00Z", tick=False)


@pytest.fixture
def checked(api: Api) -> CheckedApi:
    """acme, each answer checked against the document."""
    return CheckedApi(api.as_tenant("acme"), Conformance(spec_of(api)))


def test_every_route_has_an_operation_and_every_operation_a_route(api: Api) -> None:
    from app import app

    served = {(path, method.lower()) for path, by in app.routes.items() for method in by}
    documented = {(path, method) for path, item in spec_of(api)["paths"].items() for method in item}
    undocumented = served - documented
    assert undocumented == set(), "routes without an operation (`operation=`)"
    assert documented - served == set()


def test_paths_are_the_deployments_own_wherever_the_document_is_read(api: Api) -> None:
    """Swagger UI's "Try it out" and generators resolve the server against the document's URL:
    under a stage prefix, the calls stay under it."""
    (server,) = spec_of(api)["servers"]
    base = urljoin("https://api.example.com/prod/openapi.json", server["url"])
    assert urljoin(base, "api/v1/invoices/find-all") == (
        "https://api.example.com/prod/api/v1/invoices/find-all"
    )


def test_the_reference_page_and_its_files_are_described_as_served(api: Api) -> None:
    paths = spec_of(api)["paths"]
    page, asset = paths["/docs"]["get"], paths["/docs/{asset}"]["get"]
    assert list(page["responses"]["200"]["content"]) == ["text/html"]
    assert page["responses"]["301"]["headers"] == {
        "Location": {"$ref": "#/components/headers/Location"},
        "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
    }
    assert sorted(asset["responses"]["200"]["content"]) == ["text/css", "text/javascript"]
    assert "404" in asset["responses"]
    assert api.get("/docs/no-such-file.js").status == 404


def test_operation_ids_are_unique_and_read_as_function_names(api: Api) -> None:
    ids = [op["operationId"] for item in spec_of(api)["paths"].values() for op in item.values()]
    assert [name for name, count in Counter(ids).items() if count > 1] == []
    assert all(name.isidentifier() and name[0].islower() for name in ids)


def test_the_document_is_valid_openapi_3_1(api: Api) -> None:
    document = spec_of(api)
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_it_answers_without_a_credential_and_the_same_to_every_tenant(api: Api) -> None:
    anonymous = api.get("/openapi.json")
    acme, globex = api.as_tenant("acme"), api.as_tenant("globex")
    acme.post(BASE, {"currency": "EUR", "note": "acme's own"})
    assert acme.get("/openapi.json").body == anonymous.body
    assert globex.get("/openapi.json").body == anonymous.body
    assert b"acme" not in anonymous.body


def test_every_operation_but_the_public_ones_asks_for_a_credential(api: Api) -> None:
    document = spec_of(api)
    assert {
        name: scheme["type"] for name, scheme in document["components"]["securitySchemes"].items()
    } == {
        "bearerJwt": "http",
        "apiKey": "apiKey",
        "apiKeyInAuthorization": "apiKey",
    }
    public = {
        path
        for path, item in document["paths"].items()
        for op in item.values()
        if op.get("security") == []
    }
    assert public == {"/health", "/openapi.json", "/docs", "/docs/{asset}"}
    for path, item in document["paths"].items():
        for op in item.values():
            assert ("401" in op["responses"]) == (path not in public), path


def test_writes_take_an_idempotency_key_and_answers_say_when_replayed(api: Api) -> None:
    operation = spec_of(api)["paths"][f"{BASE}/{{invoiceId}}/update"]["patch"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert headers == {"Idempotency-Key", "If-Match"}
    assert {"400", "409", "412", "422"} <= set(operation["responses"])
    assert "Idempotent-Replayed" in operation["responses"]["200"]["headers"]


def test_every_example_fits_its_schema(api: Api) -> None:
    document = spec_of(api)
    checked = 0
    for path, item in document["paths"].items():
        for method, op in item.items():
            contents = [op.get("requestBody", {}).get("content", {})] + [
                response.get("content", {}) for response in op["responses"].values()
            ]
            for content in contents:
                for media_type, described in content.items():
                    for name, example in (described.get("examples") or {}).items():
                        schema = {**described["schema"], "components": document["components"]}
                        errors = list(Draft202012Validator(schema).iter_errors(example["value"]))
                        where = f"{method} {path} {media_type} example {name}"
                        assert errors == [], f"{where}: {[e.message[:200] for e in errors]}"
                        checked += 1
    assert checked >= 10


def test_make_spec_writes_what_get_answers(api: Api, tmp_path: Path) -> None:
    written = tmp_path / "openapi.json"
    result = CliRunner().invoke(cli, ["spec", str(written)])
    assert result.exit_code == 0, result.output
    assert json.loads(written.read_text()) == spec_of(api)
    assert "$(BIN)/invoicing spec build/openapi.json" in (PROJECT_DIR / "Makefile").read_text()


# Answers of every kind, each checked against the document as it is made.


def multipart(client: CheckedApi, path: str, fields: list[tuple[str, Any]], **kw: Any) -> Reply:
    body, content_type = encode_multipart_formdata(fields)
    headers = {"Content-Type": content_type, **kw.pop("headers", {})}
    return client.post(path, body=body, headers=headers, **kw)


def new_client(checked: CheckedApi) -> str:
    client = {"name": "Zoë Müller GmbH", "email": "zoe@example.com", "locale": "de-DE"}
    reply = checked.post("/api/v1/clients", client)
    assert reply.status == 201, reply.body
    client_id: str = reply.json()["id"]
    return client_id


def draft(checked: CheckedApi, client_id: str | None = None) -> dict[str, Any]:
    rows = [{"description": "Consulting", "quantity": 2, "unitPrice": "150.00", "taxRate": 19}]
    body = {"currency": "EUR", "rows": rows, "contactEmail": "ap@example.com"}
    reply = checked.post(BASE, {**body, "clientId": client_id} if client_id else body)
    assert reply.status == 201, reply.body
    invoice: dict[str, Any] = reply.json()
    return invoice


def test_an_invoice_from_draft_to_paid_answers_as_documented(checked: CheckedApi) -> None:
    invoice_id = draft(checked, new_client(checked))["id"]
    at = f"{BASE}/{invoice_id}"
    assert checked.get(f"{BASE}/find/{invoice_id}").status == 200
    assert checked.get(f"{BASE}/find?ids={invoice_id},unknown").status == 200
    assert checked.get(f"{BASE}/find-list").status == 200
    assert checked.patch(f"{at}/update", {"note": "First", "paymentTermDays": 14}).status == 200
    row = checked.post(f"{at}/rows", {"quantity": "1.5", "unitPrice": 10, "taxRate": 7}).json()
    assert checked.delete(f"{at}/rows/{row['rows'][-1]['id']}").status == 200
    assert (
        checked.post(
            f"{at}/comment", body="Looks right", headers={"Content-Type": "text/plain"}
        ).status
        == 200
    )
    assert checked.patch(f"{at}/link-opportunity/deal-7").status == 200
    assert checked.post(f"{at}/generate-pdf").status == 200
    assert checked.get(f"{at}/pdf").status == 303
    assert checked.get(f"{at}/pdf", headers={"Accept": "application/pdf"}).status == 200
    assert checked.patch(f"{at}/mark-as-sent").status == 200
    paid = checked.patch(f"{at}/add-payment", {"amount": "100.00", "paymentMethod": "CASH"})
    assert (
        checked.delete(f"{at}/{paid.json()['transactions'][0]['id']}/remove-payment").status == 204
    )
    assert (
        checked.patch(f"{at}/mark-as-paid?date=2026-11-20&paymentMethod=BANK_TRANSFER").status
        == 200
    )
    assert checked.patch(f"{at}/unmark-as-paid").status == 200
    assert checked.post(f"{at}/send-reminder").status == 200
    assert checked.patch(f"{at}/cancel").status == 200


def test_lists_pages_searches_and_reports_answer_as_documented(checked: CheckedApi) -> None:
    for _ in range(3):
        invoice = draft(checked)
        checked.patch(f"{BASE}/{invoice['id']}/link-opportunity/deal-1")
    assert checked.get(f"{BASE}/find-all").status == 200
    paged = checked.get(f"{BASE}/find-all?limit=2")
    assert paged.status == 200 and "Link" in paged.headers
    assert checked.get(f"{BASE}/by-opportunity/deal-1").status == 200
    assert checked.get(f"{BASE}/by-opportunity/deal-1?limit=1").status == 200
    assert checked.get(f"{BASE}/with-recurring-drafts").status == 200
    assert (
        checked.get(f"{BASE}/page?pageNumber=0&pageSize=2&sortBy=total&direction=DESC").status
        == 200
    )
    assert checked.get(f"{BASE}/dynamic-search?filters=status:DRAFT&sort=total,desc").status == 200
    query = {"search": [], "filters": {"currency": "EUR"}, "sort": [{"field": "created"}]}
    assert checked.post(f"{BASE}/dynamic-search", query).status == 200
    assert checked.get(f"{BASE}/csv-export").status == 200
    assert checked.get(f"{BASE}/csv-export", headers={"Accept": "text/csv"}).status == 200
    assert checked.get(f"{BASE}/count-by-status").status == 200
    assert checked.get(f"{BASE}/stats").status == 200
    assert checked.get(f"{BASE}/date-range").status == 200
    dollars = checked.post(BASE, {"currency": "USD", "rows": [{"quantity": 1, "unitPrice": 5}]})
    checked.patch(f"{BASE}/{dollars.json()['id']}/mark-as-sent")
    euros = draft(checked)
    checked.patch(f"{BASE}/{euros['id']}/mark-as-sent")
    assert "byCurrency" in checked.get(f"{BASE}/stats").json()


def test_deletes_schedules_and_sends_answer_as_documented(checked: CheckedApi) -> None:
    ids = [draft(checked)["id"] for _ in range(3)]
    assert checked.delete(f"{BASE}/{ids[0]}").status == 204
    assert checked.delete(f"{BASE}/delete-list?ids={ids[1]}").status == 204
    at = f"{BASE}/{ids[2]}"
    assert checked.post(f"{at}/schedule", {"sendAt": "2026-11-25T08:00:00Z"}).status == 200
    assert checked.patch(f"{at}/unschedule").status == 200
    assert checked.post(f"{at}/send").status == 200
    assert checked.post(f"{BASE}/empty").status == 201


def test_attachments_answer_as_documented(checked: CheckedApi) -> None:
    at = f"{BASE}/{draft(checked)['id']}"
    png = ("files", ("logo.png", image_bytes("PNG"), "image/png"))
    attached = multipart(checked, f"{at}/upload-attachments", [png]).json()
    blob_id = attached["attachments"][0]["blobId"]
    assert checked.get(f"{at}/attachments/{blob_id}").status == 303
    assert checked.delete(f"{at}/attachments/{blob_id}").status == 200
    asked = {"name": "big.pdf", "contentType": "application/pdf"}
    assert checked.post(f"{at}/attachments/upload-url", asked).status == 201


def test_settings_clients_contracts_and_keys_answer_as_documented(checked: CheckedApi) -> None:
    assert checked.get("/api/v1/settings").status == 200
    seller = {"companyName": "Acme", "defaultCurrency": "EUR", "taxRates": [
        {"id": "std", "name": "Standard", "rate": 19}]}  # fmt: skip
    assert checked.request("PUT", "/api/v1/settings", seller).status == 200
    logo = [("file", ("logo.png", image_bytes("PNG"), "image/png"))]
    body, content_type = encode_multipart_formdata(logo)
    put = checked.request(
        "PUT", "/api/v1/settings/logo", body=body, headers={"Content-Type": content_type}
    )
    assert put.status == 200
    assert checked.delete("/api/v1/settings/logo").status == 200
    client_id = new_client(checked)
    assert checked.get("/api/v1/clients?limit=1").status == 200
    assert checked.put(f"/api/v1/clients/{client_id}", {"name": "Acme Buyer"}).status == 200
    terms = {"clientId": client_id, "currency": "EUR", "activationAt": "2026-01-31",
             "items": [{"description": "Retainer", "quantity": 1, "unitPrice": 100}]}  # fmt: skip
    contract_id = checked.post("/api/v1/contracts", terms).json()["id"]
    assert checked.get(f"/api/v1/contracts/{contract_id}").status == 200
    assert checked.get("/api/v1/contracts").status == 200
    assert checked.put(f"/api/v1/contracts/{contract_id}", terms).status == 200
    assert checked.delete(f"/api/v1/contracts/{contract_id}").status == 204
    assert checked.delete(f"/api/v1/clients/{client_id}").status == 204
    key = checked.post("/api/v1/api-keys", {"name": "ERP"}).json()
    assert checked.get("/api/v1/api-keys").status == 200
    assert checked.delete(f"/api/v1/api-keys/{key['id']}").status == 204


def test_batches_answer_as_documented(api: Api, checked: CheckedApi) -> None:
    items = [{"currency": "EUR", "externalId": "erp-1"}, {"currency": "nope"}]
    assert checked.post(f"{BASE}/batch", {"invoices": items}).status == 200
    queued = checked.post(f"{BASE}/batch?async=true", {"invoices": items})
    assert queued.status == 202
    drain_jobs(api)
    assert checked.get(f"{BASE}/batches/{queued.json()['batchId']}").status == 200


def test_the_vendor_dialects_answer_as_documented(api: Api, checked: CheckedApi) -> None:
    checked.request(
        "PUT", "/api/v1/settings", {"taxRates": [{"id": "std", "name": "VAT", "rate": 20}]}
    )
    client_id = new_client(checked)
    heffl = {"clientId": client_id, "date": "2026-11-21", "dueDate": "2026-12-21", "status": "SENT",
             "lineItems": [{"name": "Seats", "quantity": 2, "price": 10, "taxRateId": "std",
                            "productId": "42"}], "salesPersonId": "7"}  # fmt: skip
    assert checked.post("/compat/heffl/api/v1/invoices", heffl).status == 200
    terms = {"clientId": client_id, "currency": "EUR", "activationAt": "2026-01-31",
             "isRecurring": True, "period": "MONTHLY",
             "items": [{"description": "Retainer", "quantity": 1, "unitPrice": 100}]}  # fmt: skip
    contract_id = checked.post("/api/v1/contracts", terms).json()["id"]
    nobodys = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
    hevn = [{"contractId": contract_id, "items": [{}], "period": 1, "finalize": True},
            {"contractId": nobodys, "items": [{}], "period": 1}]  # fmt: skip
    hevn_path = "/compat/hevn/api/v1/invoices/documents/contracts/invoices/batch_invoicing"
    assert checked.post(hevn_path, hevn).status == 200
    line = {"name": "Seats", "unit_amount": 10000, "units_count": 1, "tax_rate": 20}
    hyperline = {"invoices": [
        {"customer_id": client_id, "line_items": [line], "status": "to_pay"},
        {"customer_id": "nobody", "line_items": [line]}]}  # fmt: skip
    queued = checked.post("/compat/hyperline/v2/invoices/batch", hyperline)
    assert queued.status == 202
    drain_jobs(api)
    assert (
        checked.get(f"/compat/hyperline/v2/invoices/batch/{queued.json()['batch_id']}").status
        == 200
    )
    leanpay = {"invoices": [{"clientId": client_id, "reference": "LP-1", "amount": 120,
               "netAmount": 100, "issueDate": "2026-11-01", "dueDate": "2026-12-01",
               "externalId": "lp-1"}]}  # fmt: skip
    assert checked.post("/compat/leanpay/v1/public/invoices/batch", leanpay).status == 200


def test_refusals_answer_the_documented_error_body(api: Api, checked: CheckedApi) -> None:
    assert checked.post(BASE, {"currency": "nope", "rows": [{"quantity": "x"}]}).status == 400
    assert checked.get(f"{BASE}/find/nothing-here").status == 404
    anonymous = CheckedApi(api, checked.conformance)
    assert anonymous.get(f"{BASE}/find-all").status == 401
    at = f"{BASE}/{draft(checked)['id']}"
    stale = checked.patch(f"{at}/update", {"note": "x"}, headers={"If-Match": '"99"'})
    assert stale.status == 412
    assert checked.patch(f"{at}/unmark-as-paid").status == 409
    first = checked.patch(f"{at}/update", {"note": "a"}, headers={"Idempotency-Key": "k-1"})
    again = checked.patch(f"{at}/update", {"note": "a"}, headers={"Idempotency-Key": "k-1"})
    assert (first.status, again.status, again.headers.get("Idempotent-Replayed")) == (
        200,
        200,
        "true",
    )
    assert (
        checked.patch(f"{at}/update", {"note": "b"}, headers={"Idempotency-Key": "k-1"}).status
        == 422
    )
    xml = checked.post(f"{at}/rows", body="<row/>", headers={"Content-Type": "application/xml"})
    assert xml.status == 415
    assert checked.get("/health").status == 200
    get_deps()  # the app's adapters stay as the calls left them
