"""hevn's batch invoicing through HTTP, as a hevn client calls it (a bearer token): the documented
example answered field by field, drafts and issued invoices, one invoice per contract and period
however often asked, and refusals: a whole request that breaks the schema writes nothing, an
entry that cannot be invoiced fails alone and shows nothing of another tenant."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from moto.ses.models import ses_backends
from pypdf import PdfReader

from chalicelib.bootstrap import get_deps
from chalicelib.ports import SystemClock
from chalicelib.services.authentication import create_api_key
from invoicing_cli.local import REGION
from tests.documented import assert_documented
from tests.support import Api, DynamoCalls, Reply, stored_items

MOTO_ACCOUNT = "123456789012"  # the account moto answers as
HEVN = "/compat/hevn/api/v1/invoices/documents/contracts/invoices/batch_invoicing"
NATIVE = "/api/v1/invoices"
SETTINGS = {
    "companyName": "Acme GmbH",
    "senderEmail": "billing@acme.example",
    "address": {"street": "Kaiserstraße 1", "addressLine2": "Turm B, 12. OG",
                "postalCode": "60311", "city": "Frankfurt am Main", "region": "Hessen",
                "country": "DE"},
}  # fmt: skip
CLIENT: dict[str, Any] = {
    "name": "Zoë Müller GmbH",
    "email": "ap@zoe.example",
    "address": {"street": "Hauptstraße 5", "addressLine2": "Hinterhaus, 3. Etage",
                "postalCode": "10115", "city": "Berlin", "region": "Berlin", "country": "DE"},
}  # fmt: skip
ACCOUNT: dict[str, Any] = {
    "name": "Main account",
    "iban": "DE89 3704 0044 0532 0130 00",
    "bic": "cobadeffxxx",
    "bankName": "Commerzbank",
    "beneficiaryName": "Acme GmbH",
    "bankAddress": "Kaiserplatz, Frankfurt am Main",
    "currency": "eur",
    "paymentReference": "ACME-RETAINER",
    "accountHolderFirstName": "Jörg",
    "accountHolderLastName": "Weiß",
    "accountHolderBusinessName": "Acme GmbH",
    "accountHolderAddress": {"street": "Kaiserstraße 1", "addressLine2": "Turm B",
                             "postalCode": "60311", "city": "Frankfurt am Main",
                             "region": "Hessen", "country": "DE"},
}  # fmt: skip
RESULT_FIELDS = {"contractId", "status", "counterpartyId", "periodNumber", "invoice", "detail"}
INVOICE_FIELDS = {
    "id", "amount", "createdAt", "updatedAt", "onchainTransactionId", "transaction", "discount",
    "comment", "emailMessage", "invoiceNumber", "periodNumber", "issuedDate", "dueDate", "items",
    "paymentMethods", "client", "contractor", "contract", "invoiceLink", "documents", "paidAt",
}  # fmt: skip
_ADDRESS = {
    "streetAddress": "<string>",
    "addressLine2": "<string>",
    "city": "<string>",
    "state": "<string>",
    "zip": "<string>",
}
_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
_MOMENT = "2023-11-07T05:31:56Z"
# The document's example response, word for word: the fields and JSON types it promises.
DOCUMENTED_ANSWER = {
    "results": [
        {
            "contractId": _ID,
            "status": "<string>",
            "counterpartyId": _ID,
            "periodNumber": 123,
            "invoice": {
                "id": _ID,
                "amount": "<string>",
                "createdAt": _MOMENT,
                "updatedAt": _MOMENT,
                "onchainTransactionId": "<string>",
                "transaction": {
                    "onchainTransactionId": "<string>",
                    "amount": 123,
                    "txHash": "<string>",
                    "type": "<string>",
                    "createdAt": _MOMENT,
                },
                "discount": "<string>",
                "comment": "<string>",
                "emailMessage": "<string>",
                "invoiceNumber": "<string>",
                "periodNumber": 123,
                "issuedDate": "2023-12-25",
                "dueDate": "2023-12-25",
                "items": [{}],
                "paymentMethods": [
                    {
                        "bankName": "<string>",
                        "ibanNumber": "<string>",
                        "beneficiaryName": "<string>",
                        "bankAddress": "<string>",
                        "currency": "<string>",
                        "accountHolderFirstName": "<string>",
                        "accountHolderLastName": "<string>",
                        "accountHolderBusinessName": "<string>",
                        "accountHolderAddress": _ADDRESS,
                        "paymentReference": "<string>",
                        "accountType": "sepa",
                        "bic": "<string>",
                    }
                ],
                "client": {"email": "<string>", "displayName": "<string>", "address": _ADDRESS},
                "contractor": {
                    "email": "<string>",
                    "displayName": "<string>",
                    "address": _ADDRESS,
                },
                "contract": {
                    "id": _ID,
                    "isRecurring": True,
                    "period": "<string>",
                    "activationAt": _MOMENT,
                    "expirationAt": _MOMENT,
                },
                "invoiceLink": "<string>",
                "documents": [{"id": _ID, "name": "<string>", "key": "<string>"}],
                "paidAt": _MOMENT,
            },
            "detail": "<string>",
        }
    ]
}
# What a draft of this period has not yet: no number, payment, email or chain transaction.
_DRAFT_NULLS = {
    f"results[].invoice.{name}"
    for name in ("onchainTransactionId", "transaction", "emailMessage", "invoiceNumber", "paidAt")
}


def documented_example(contract_id: str) -> list[dict[str, Any]]:
    """The document's example request, exactly, with a real contract."""
    return [
        {
            "contractId": contract_id,
            "items": [{}],
            "period": 1,
            "memo": "<string>",
            "finalize": False,
        }
    ]


def entry(contract_id: str, period: int = 1, **fields: Any) -> dict[str, Any]:
    return {"contractId": contract_id, "items": [{}], "period": period, **fields}


@pytest.fixture
def acme(api: Api) -> Api:
    """acme's client: a bearer token, as hevn's document shows."""
    native = api.as_tenant("acme")
    assert native.request("PUT", "/api/v1/settings", SETTINGS).status == 200
    return native


@pytest.fixture
def client_id(acme: Api) -> str:
    created: str = acme.post("/api/v1/clients", CLIENT).json()["id"]
    return created


def terms(client_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "currency": "EUR",
        "isRecurring": True,
        "period": "MONTHLY",
        "activationAt": "2026-01-31T09:00:00Z",
        "expirationAt": "2027-01-31",
        "items": [
            {"description": "Retainer", "quantity": 1, "unitPrice": "1500.10", "taxRate": "19"},
            {"description": "Hosting", "quantity": "2.5", "unitPrice": "0.1"},
        ],
        "paymentMethods": [ACCOUNT],
        "paymentTermDays": 30,
        **changes,
    }


@pytest.fixture
def contract(acme: Api, client_id: str) -> dict[str, Any]:
    reply = acme.post("/api/v1/contracts", terms(client_id))
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.json()
    return created


def exact(reply: Reply) -> Any:
    """The body with its numbers as written."""
    return json.loads(reply.body, parse_float=Decimal)


def results(reply: Reply) -> list[dict[str, Any]]:
    assert reply.status == 200, reply.body
    answer = exact(reply)
    assert set(answer) == {"results"}
    found: list[dict[str, Any]] = answer["results"]
    return found


def assert_refused(reply: Reply, field: str) -> dict[str, Any]:
    assert reply.status == 400, reply.body
    body: dict[str, Any] = reply.json()
    assert {"title", "detail", "time"} <= body.keys()
    assert any(field in error["field"] for error in body["errors"]), body
    assert stored_items("acme", "INV#") == []
    return body


def test_the_documented_example_is_answered_with_every_documented_field(
    acme: Api, client_id: str, contract: dict[str, Any]
) -> None:
    reply = acme.post(HEVN, documented_example(contract["id"]))

    assert_documented(exact(reply), DOCUMENTED_ANSWER, nullable=_DRAFT_NULLS)
    [result] = results(reply)
    assert set(result) == RESULT_FIELDS
    invoice = result.pop("invoice")
    assert result == {
        "contractId": contract["id"],
        "status": "created",
        "counterpartyId": client_id,
        "periodNumber": 1,
        "detail": "Invoice created as a draft",
    }
    assert set(invoice) == INVOICE_FIELDS
    native = acme.get(f"{NATIVE}/find/{invoice['id']}").json()
    # Period 1 of a monthly contract from Jan 31 starts on Feb 28; due 30 days later.
    # 1 x 1500.10 at 19 % = 1500.10 + 285.02 (285.019); 2.5 x 0.10 = 0.25 without tax.
    assert {name: invoice[name] for name in ("amount", "discount", "issuedDate", "dueDate")} == {
        "amount": "1785.37",
        "discount": "0.00",
        "issuedDate": "2026-02-28",
        "dueDate": "2026-03-30",
    }
    assert invoice["items"] == [
        {"id": native["rows"][0]["id"], "description": "Retainer", "quantity": "1",
         "unitPrice": "1500.1", "taxRate": "19", "amount": "1500.10", "taxAmount": "285.02",
         "total": "1785.12"},
        {"id": native["rows"][1]["id"], "description": "Hosting", "quantity": "2.5",
         "unitPrice": "0.1", "taxRate": "0", "amount": "0.25", "taxAmount": "0.00",
         "total": "0.25"},
    ]  # fmt: skip
    assert (invoice["createdAt"], invoice["updatedAt"]) == (native["created"], native["updated"])
    assert (invoice["onchainTransactionId"], invoice["transaction"], invoice["paidAt"]) == (
        None,
        None,
        None,
    )
    assert (invoice["comment"], invoice["emailMessage"]) == ("<string>", None)
    assert (invoice["invoiceNumber"], invoice["periodNumber"]) == (None, 1)  # a draft has none
    assert invoice["paymentMethods"] == [
        {
            "bankName": "Commerzbank",
            "ibanNumber": "DE89370400440532013000",
            "beneficiaryName": "Acme GmbH",
            "bankAddress": "Kaiserplatz, Frankfurt am Main",
            "currency": "EUR",
            "accountHolderFirstName": "Jörg",
            "accountHolderLastName": "Weiß",
            "accountHolderBusinessName": "Acme GmbH",
            "accountHolderAddress": {
                "streetAddress": "Kaiserstraße 1",
                "addressLine2": "Turm B",
                "city": "Frankfurt am Main",
                "state": "Hessen",
                "zip": "60311",
            },
            "paymentReference": "ACME-RETAINER",
            "accountType": "sepa",
            "bic": "COBADEFFXXX",
        }
    ]
    assert invoice["client"] == {
        "email": "ap@zoe.example",
        "displayName": "Zoë Müller GmbH",
        "address": {"streetAddress": "Hauptstraße 5", "addressLine2": "Hinterhaus, 3. Etage",
                    "city": "Berlin", "state": "Berlin", "zip": "10115"},
    }  # fmt: skip
    assert invoice["contractor"] == {
        "email": "billing@acme.example",
        "displayName": "Acme GmbH",
        "address": {"streetAddress": "Kaiserstraße 1", "addressLine2": "Turm B, 12. OG",
                    "city": "Frankfurt am Main", "state": "Hessen", "zip": "60311"},
    }  # fmt: skip
    assert invoice["contract"] == {
        "id": contract["id"],
        "isRecurring": True,
        "period": "MONTHLY",
        "activationAt": "2026-01-31T09:00:00.000Z",
        "expirationAt": "2027-01-31T00:00:00.000Z",
    }
    assert invoice["invoiceLink"] == f"{NATIVE}/find/{invoice['id']}"
    assert invoice["documents"] == []
    # The native invoice it is: a draft of the contract's client, terms and reference.
    assert len(stored_items("acme", "INV#")) == 1
    assert (native["status"], native["clientId"], native["currency"]) == ("DRAFT", client_id, "EUR")
    assert (native["note"], native["paymentReference"]) == ("<string>", "ACME-RETAINER")
    assert native["externalId"] == f"hevn:{contract['id']}:1"


def test_finalize_issues_it_with_the_next_number_and_emails_nothing(
    acme: Api, contract: dict[str, Any]
) -> None:
    reply = acme.post(HEVN, [entry(contract["id"], 1, finalize=True), entry(contract["id"], 2)])

    issued, draft = results(reply)
    assert (issued["status"], issued["detail"]) == (
        "created",
        "Invoice created and issued as INV-2026-0001",
    )
    assert issued["invoice"]["invoiceNumber"] == "INV-2026-0001"
    assert issued["invoice"]["client"]["displayName"] == "Zoë Müller GmbH"  # copied when issued
    native = acme.get(f"{NATIVE}/find/{issued['invoice']['id']}").json()
    assert (native["status"], native["invoiceNumber"], native["sentMails"]) == (
        "SENT",
        "INV-2026-0001",
        [],
    )
    assert list(ses_backends[MOTO_ACCOUNT][REGION].sent_messages) == []
    assert (draft["status"], draft["invoice"]["invoiceNumber"]) == ("created", None)
    assert acme.get(f"{NATIVE}/find/{draft['invoice']['id']}").json()["status"] == "DRAFT"
    # The tenant's counter moved: the next invoice of 2026 takes the next number.
    other = acme.patch(f"{NATIVE}/{draft['invoice']['id']}/mark-as-sent").json()
    assert other["invoiceNumber"] == "INV-2026-0002"


def test_the_same_contract_and_period_again_answers_the_existing_invoice(
    acme: Api, contract: dict[str, Any]
) -> None:
    first = results(acme.post(HEVN, [entry(contract["id"], 3)]))[0]
    again, twin = results(
        acme.post(HEVN, [entry(contract["id"], 3, memo="other"), entry(contract["id"], 3)])
    )
    issued = results(acme.post(HEVN, [entry(contract["id"], 3, finalize=True)]))[0]
    repeat = results(acme.post(HEVN, [entry(contract["id"], 3, finalize=True)]))[0]

    assert len(stored_items("acme", "INV#")) == 1
    assert first["status"] == "created"
    assert [again["status"], twin["status"], issued["status"], repeat["status"]] == ["existing"] * 4
    assert again["invoice"] == twin["invoice"] == first["invoice"]  # answered as it is
    assert again["detail"] == (
        "The invoice of this contract and period exists already: DRAFT, answered as it is"
    )
    assert issued["detail"] == (
        "The invoice of this contract and period existed as a draft; issued now as INV-2026-0001"
    )
    assert repeat["detail"] == (
        "The invoice of this contract and period exists already: SENT INV-2026-0001, "
        "answered as it is"
    )
    assert {r["invoice"]["id"] for r in (first, again, issued, repeat)} == {first["invoice"]["id"]}


def test_two_entries_of_one_period_in_a_request_make_one_invoice_issued_by_the_second(
    acme: Api, contract: dict[str, Any]
) -> None:
    body = [entry(contract["id"], 6), entry(contract["id"], 6, finalize=True)]

    first, second = results(acme.post(HEVN, body))

    assert len(stored_items("acme", "INV#")) == 1
    assert (first["status"], second["status"]) == ("created", "existing")
    assert first["detail"] == "Invoice created as a draft; now SENT INV-2026-0001"
    assert second["detail"] == (
        "The invoice of this contract and period existed as a draft; issued now as INV-2026-0001"
    )
    assert first["invoice"] == second["invoice"]  # each answers it as it ends up
    assert first["invoice"]["invoiceNumber"] == "INV-2026-0001"


def test_an_existing_invoice_is_answered_with_its_payment_and_pdf(
    acme: Api, contract: dict[str, Any]
) -> None:
    [made] = results(acme.post(HEVN, [entry(contract["id"], 0, finalize=True)]))
    path = f"{NATIVE}/{made['invoice']['id']}"
    assert acme.patch(f"{path}/mark-as-paid?paymentMethod=BANK_TRANSFER").status == 200
    native = acme.post(f"{path}/generate-pdf").json()

    reply = acme.post(HEVN, [entry(contract["id"], 0)])

    # Paid, numbered and rendered: every documented field has its value, of its type, but what
    # was never given (a memo, an email, anything on a chain).
    unknown = ("comment", "onchainTransactionId", "emailMessage",
               "transaction.onchainTransactionId", "transaction.txHash")  # fmt: skip
    nullable = {f"results[].invoice.{name}" for name in unknown}
    assert_documented(exact(reply), DOCUMENTED_ANSWER, nullable=nullable)
    [found] = results(reply)
    invoice = found["invoice"]
    [payment] = native["transactions"]
    assert invoice["transaction"] == {
        "onchainTransactionId": None,
        "amount": Decimal("1785.37"),
        "txHash": None,
        "type": "BANK_TRANSFER",
        "createdAt": payment["date"],
    }
    assert invoice["paidAt"] == native["datePaid"]
    assert invoice["documents"] == [
        {"id": native["pdf"]["blobId"], "name": native["pdf"]["name"], "key": f"{path}/pdf"}
    ]
    assert found["detail"].endswith("exists already: PAID INV-2026-0001, answered as it is")


def test_own_items_are_invoiced_instead_of_the_contracts(
    acme: Api, contract: dict[str, Any]
) -> None:
    items = [
        {"name": "Audit", "quantity": 2, "price": "99.99", "taxRate": 19},
        {"description": "Travel", "amount": "12.5"},
    ]
    bad = [{"name": "Audit", "quantity": "two", "price": 1}, {"name": "No price"}]

    ok, refused = results(
        acme.post(
            HEVN, [entry(contract["id"], 4, items=items), entry(contract["id"], 5, items=bad)]
        )
    )

    # 2 x 99.99 = 199.98 + 38.00 (37.9962) tax; 1 x 12.50 without tax.
    assert [(i["description"], i["amount"], i["taxAmount"]) for i in ok["invoice"]["items"]] == [
        ("Audit", "199.98", "38.00"),
        ("Travel", "12.50", "0.00"),
    ]
    assert ok["invoice"]["amount"] == "250.48"
    assert (refused["status"], refused["invoice"]) == ("failed", None)
    fields = [error["field"] for error in refused["error"]["errors"]]
    assert fields == ["items[0].quantity", "items[1].unitPrice"]
    assert "items[1].unitPrice: required (or price, amount)" in refused["detail"]
    assert len(stored_items("acme", "INV#")) == 1


def test_more_than_100_entries_is_a_400_naming_the_limit_and_writes_nothing(
    acme: Api, contract: dict[str, Any]
) -> None:
    body = [entry(contract["id"], period) for period in range(101)]

    refused = assert_refused(acme.post(HEVN, body), "body")

    assert "at most 100 entries" in refused["detail"]
    assert len(results(acme.post(HEVN, body[:100]))) == 100  # the limit itself is fine
    assert len(stored_items("acme", "INV#")) == 12  # periods 0 to 11; 12 on start after expiration


def test_100_entries_cost_one_read_of_their_contracts_one_of_their_clients_and_the_writes(
    acme: Api, dynamo_calls: DynamoCalls
) -> None:
    """However many contracts and clients the entries name (here 4 of each, 25 periods each)."""
    contracts = []
    for n in range(4):
        client = acme.post("/api/v1/clients", {**CLIENT, "name": f"Client {n}"}).json()["id"]
        contracts.append(acme.post("/api/v1/contracts", terms(client, expirationAt=None)).json())
    body = [entry(contract["id"], period) for contract in contracts for period in range(25)]
    dynamo_calls.reset()

    made = results(acme.post(HEVN, body))

    assert {result["status"] for result in made} == {"created"}
    assert dynamo_calls.operations == [
        "BatchGetItem",  # the 4 contracts
        "BatchGetItem",  # their 4 clients
        "BatchGetItem",  # the 100 ids derived from contract and period
        "TransactWriteItems",  # 99 invoices and the tenant's figures
        "TransactWriteItems",  # the 100th
    ]
    assert len(stored_items("acme", "INV#")) == 100
    assert {result["counterpartyId"] for result in made} == {
        contract["clientId"] for contract in contracts
    }


@pytest.mark.parametrize("field", ["contractId", "period", "items"])
def test_a_missing_required_field_is_a_400_naming_it_and_writes_nothing(
    acme: Api, contract: dict[str, Any], field: str
) -> None:
    broken = documented_example(contract["id"])[0]
    del broken[field]
    # The whole request is refused, as hevn's schema check refuses it: the valid entry too.
    body = [entry(contract["id"], 0), broken]
    assert_refused(acme.post(HEVN, body), f"[1].{field}")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"contractId": "not-a-uuid"}, "contractId"),
        ({"items": []}, "items"),
        ({"items": ["text"]}, "items[0]"),
        ({"period": -1}, "period"),
        ({"period": True}, "period"),
        ({"finalize": "perhaps"}, "finalize"),
    ],
)
def test_a_bad_schema_field_is_a_400_naming_it_and_writes_nothing(
    acme: Api, contract: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    assert_refused(acme.post(HEVN, [{**entry(contract["id"]), **change}]), f"[0].{field}")


@pytest.mark.parametrize("body", [[], {"contractId": "x"}])
def test_a_body_that_is_not_a_list_of_entries_is_a_400(acme: Api, body: Any) -> None:
    assert_refused(acme.post(HEVN, body), "body")


def test_another_tenants_contract_fails_alone_and_nothing_of_it_is_answered(
    api: Api, acme: Api, contract: dict[str, Any]
) -> None:
    globex = api.as_tenant("globex")
    secret = globex.post("/api/v1/clients", {"name": "Globex Secret Corp"}).json()["id"]
    theirs = globex.post("/api/v1/contracts", terms(secret, paymentMethods=[])).json()

    reply = acme.post(HEVN, [entry(theirs["id"]), entry(contract["id"])])

    failed, ok = results(reply)
    assert {k: failed[k] for k in RESULT_FIELDS} == {
        "contractId": theirs["id"],
        "status": "failed",
        "counterpartyId": None,
        "periodNumber": 1,
        "invoice": None,
        "detail": f"Contract not found: {theirs['id']}",
    }
    assert failed["error"]["status"] == 404
    assert ok["status"] == "created"
    assert secret.encode() not in reply.body and b"Globex" not in reply.body
    assert stored_items("globex", "INV#") == []
    assert len(stored_items("acme", "INV#")) == 1


def test_a_period_beyond_the_expiration_fails_alone(acme: Api, contract: dict[str, Any]) -> None:
    late, ok = results(acme.post(HEVN, [entry(contract["id"], 12), entry(contract["id"], 11)]))

    assert (late["status"], late["invoice"], late["periodNumber"]) == ("failed", None, 12)
    assert late["counterpartyId"] == contract["clientId"]
    assert late["detail"].startswith("period: period 12 would start on 2027-01-31, after the")
    assert [e["field"] for e in late["error"]["errors"]] == ["period"]
    assert (ok["status"], ok["invoice"]["issuedDate"]) == ("created", "2026-12-31")
    assert len(stored_items("acme", "INV#")) == 1


def test_a_contract_whose_client_is_gone_fails(acme: Api, contract: dict[str, Any]) -> None:
    assert acme.delete(f"/api/v1/clients/{contract['clientId']}").status == 204

    [gone] = results(acme.post(HEVN, [entry(contract["id"])]))

    assert gone["status"] == "failed"
    assert gone["detail"] == f"contractId: its client {contract['clientId']} no longer exists"
    assert stored_items("acme", "INV#") == []


def test_an_api_key_in_x_api_key_is_accepted_and_no_credential_is_a_401(
    api: Api, contract: dict[str, Any]
) -> None:
    assert api.post(HEVN, documented_example(contract["id"])).status == 401
    assert stored_items("acme", "INV#") == []
    key = create_api_key("acme", created_by="test", repo=get_deps().api_keys, clock=SystemClock())

    reply = api.with_headers({"x-api-key": key}).post(HEVN, documented_example(contract["id"]))

    assert results(reply)[0]["status"] == "created"


def test_a_payment_method_without_its_holder_answers_the_beneficiary_as_its_business(
    acme: Api, client_id: str
) -> None:
    """As contracts made before the holder was kept are answered; a person's names say a
    person holds it, so no business is answered for them."""
    unnamed = {key: value for key, value in ACCOUNT.items() if not key.startswith("accountHolder")}
    person = {**unnamed, "accountHolderFirstName": "Jörg", "accountHolderLastName": "Weiß"}
    made = acme.post("/api/v1/contracts", terms(client_id, paymentMethods=[unnamed, person]))
    assert made.status == 201, made.body

    [result] = results(acme.post(HEVN, [entry(made.json()["id"])]))

    holders = [
        {name: method[name] for name in method if name.startswith("accountHolder")}
        for method in result["invoice"]["paymentMethods"]
    ]
    assert holders == [
        {"accountHolderFirstName": None, "accountHolderLastName": None,
         "accountHolderBusinessName": "Acme GmbH", "accountHolderAddress": None},
        {"accountHolderFirstName": "Jörg", "accountHolderLastName": "Weiß",
         "accountHolderBusinessName": None, "accountHolderAddress": None},
    ]  # fmt: skip


def test_the_native_api_keeps_and_answers_the_holder(
    acme: Api, client_id: str, contract: dict[str, Any]
) -> None:
    [method] = acme.get(f"/api/v1/contracts/{contract['id']}").json()["paymentMethods"]

    assert {name: method[name] for name in method if name.startswith("accountHolder")} == {
        "accountHolderFirstName": "Jörg",
        "accountHolderLastName": "Weiß",
        "accountHolderBusinessName": "Acme GmbH",
        "accountHolderAddress": {**ACCOUNT["accountHolderAddress"], "country": "DE"},
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"accountHolderLastName": "Weiß\nX"}, "accountHolderLastName"),
        ({"accountHolderAddress": {"addressLine2": "A\tB"}}, "accountHolderAddress.addressLine2"),
        ({"accountHolderAddress": {"country": "Germany"}}, "accountHolderAddress.country"),
    ],
)
def test_a_holder_a_document_cannot_carry_is_a_400_naming_it_and_stores_nothing(
    acme: Api, client_id: str, change: dict[str, Any], field: str
) -> None:
    reply = acme.post("/api/v1/contracts", terms(client_id, paymentMethods=[{**ACCOUNT, **change}]))

    assert reply.status == 400, reply.body
    assert [error["field"] for error in reply.json()["errors"]] == [f"paymentMethods[0].{field}"]
    assert stored_items("acme", "CONTRACT#") == []


def test_a_clients_address_line_2_is_kept_answered_and_printed(
    acme: Api, client_id: str, contract: dict[str, Any]
) -> None:
    """The native client answers it, a PUT without it clears it, and an invoice issued to the
    client carries it: in its copy of the client, in hevn's answer and on the PDF."""
    clients = "/api/v1/clients"
    assert acme.get(f"{clients}/{client_id}").json()["address"] == {
        **CLIENT["address"],
        "region": "Berlin",
    }
    refused = acme.post(clients, {"name": "X", "address": {"addressLine2": "3. OG\r\nlinks"}})
    assert refused.status == 400, refused.body
    assert [error["field"] for error in refused.json()["errors"]] == ["address.addressLine2"]

    [issued] = results(acme.post(HEVN, [entry(contract["id"], 0, finalize=True)]))

    invoice_id = issued["invoice"]["id"]
    assert issued["invoice"]["client"]["address"]["addressLine2"] == "Hinterhaus, 3. Etage"
    native = acme.get(f"{NATIVE}/find/{invoice_id}").json()
    assert native["client"]["address"]["addressLine2"] == "Hinterhaus, 3. Etage"
    assert native["seller"]["address"]["addressLine2"] == "Turm B, 12. OG"
    assert acme.post(f"{NATIVE}/{invoice_id}/generate-pdf").status == 200
    pdf = acme.get(f"{NATIVE}/{invoice_id}/pdf", headers={"Accept": "application/pdf"}).body
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    lines = text.splitlines()
    assert lines.index("Hinterhaus, 3. Etage") == lines.index("Hauptstraße 5") + 1
    assert lines.index("Turm B, 12. OG") == lines.index("Kaiserstraße 1") + 1
    # A client replaced without it has none; the issued invoice keeps the one it copied.
    replaced = acme.request("PUT", f"{clients}/{client_id}", {**CLIENT, "address": {"city": "B"}})
    assert replaced.json()["address"]["addressLine2"] is None
    kept = acme.get(f"{NATIVE}/find/{invoice_id}").json()["client"]["address"]
    assert kept["addressLine2"] == "Hinterhaus, 3. Etage"
