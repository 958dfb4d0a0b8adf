"""Heffl's create-invoice endpoint through HTTP, as a Heffl client calls it (x-api-key): the
documented example answered field by field, drafts and issued invoices, inclusive prices to the
cent, and refusals that name Heffl's fields and write nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from moto.ses.models import ses_backends

from chalicelib.bootstrap import get_deps
from chalicelib.ports import SystemClock
from chalicelib.services.authentication import create_api_key
from invoicing_cli.local import REGION
from tests.documented import assert_documented
from tests.support import Api, Reply, stored_items

MOTO_ACCOUNT = "123456789012"  # the account moto answers as
HEFFL = "/compat/heffl/api/v1/invoices"
NATIVE = "/api/v1/invoices"
TAX_RATES = [
    {"id": "vat-standard", "name": "VAT 19 %", "rate": 19},
    {"id": "vat-reduced", "name": "VAT 7 %", "rate": 7},
]
DOCUMENTED_FIELDS = {
    "id", "number", "date", "dueDate", "status", "currency", "isInclusiveTax", "subTotal",
    "taxTotal", "discountTotal", "total", "pendingTotal", "paidTotal", "lineItems", "createdAt",
    "clientId", "contactId", "subject", "notes", "salesPersonId", "customFields",
}  # fmt: skip
DOCUMENTED_LINE_FIELDS = {
    "name", "quantity", "price", "tax", "discount", "discountType", "buyPrice", "viewType",
    "amount", "taxAmount", "discountAmount", "description", "productId",
}  # fmt: skip
# The document's example response, word for word: the fields and JSON types it promises.
DOCUMENTED_ANSWER = {
    "id": "<string>",
    "number": "<string>",
    "date": "2023-11-07T05:31:56Z",
    "dueDate": "2023-11-07T05:31:56Z",
    "status": "<string>",
    "currency": "<string>",
    "isInclusiveTax": True,
    "subTotal": 123,
    "taxTotal": 123,
    "discountTotal": 123,
    "total": 123,
    "pendingTotal": 123,
    "paidTotal": 123,
    "lineItems": [
        {
            "name": "<string>",
            "quantity": 123,
            "price": 123,
            "tax": 123,
            "discount": 123,
            "discountType": "fixed",
            "buyPrice": 123,
            "viewType": "LINE_ITEM",
            "amount": 123,
            "taxAmount": 123,
            "discountAmount": 123,
            "description": "<string>",
            "productId": 123,
        }
    ],
    "createdAt": "2023-11-07T05:31:56Z",
    "clientId": "<string>",
    "contactId": "<string>",
    "subject": "<string>",
    "notes": "<string>",
    "salesPersonId": 123,
    "customFields": {},
}
# What the document marks "| null".
NULLABLE = {"clientId", "contactId", "subject", "notes", "salesPersonId"}


def verbatim_example(client_id: str) -> dict[str, Any]:
    """The document's example request word for word, but for the ids that must name something:
    a client and a tax rate of the tenant's, and a product and sales person as Heffl's ids are
    (numbers, which its request types as strings and its response as numbers)."""
    return {
        "clientId": client_id,
        "date": "2023-11-07T05:31:56Z",
        "dueDate": "2023-11-07T05:31:56Z",
        "lineItems": [
            {
                "name": "<string>",
                "productId": "1017",
                "quantity": 0,
                "price": 0,
                "description": "<string>",
                "taxRateId": "vat-standard",
                "discount": 0,
                "discountType": "fixed",
                "buyPrice": 0,
            }
        ],
        "isInclusiveTax": False,
        "status": "DRAFT",
        "contactId": "<string>",
        "subject": "<string>",
        "notes": "<string>",
        "salesPersonId": "42",
        "templateId": "<string>",
        "tags": [],
    }


def documented_example(client_id: str) -> dict[str, Any]:
    """The document's example request, with a real client and tax rate and non-zero numbers."""
    return {
        "clientId": client_id,
        "date": "2023-11-07T05:31:56Z",
        "dueDate": "2023-11-07T05:31:56Z",
        "lineItems": [
            {
                "name": "<string>",
                "productId": "<string>",
                "quantity": 3,
                "price": 19.99,
                "description": "<string>",
                "taxRateId": "vat-standard",
                "discount": 5,
                "discountType": "fixed",
                "buyPrice": 12.5,
            }
        ],
        "isInclusiveTax": False,
        "status": "DRAFT",
        "contactId": "<string>",
        "subject": "<string>",
        "notes": "<string>",
        "salesPersonId": "<string>",
        "templateId": "<string>",
        "tags": [],
    }


@pytest.fixture
def acme(api: Api) -> Api:
    """acme's own API, to set things up and to look at what the Heffl calls did."""
    native = api.as_tenant("acme")
    assert native.request("PUT", "/api/v1/settings", {"taxRates": TAX_RATES}).status == 200
    return native


@pytest.fixture
def heffl(api: Api, acme: Api) -> Api:
    """acme's Heffl client: an API key in x-api-key, as Heffl's document shows."""
    key = create_api_key("acme", created_by="test", repo=get_deps().api_keys, clock=SystemClock())
    return api.with_headers({"x-api-key": key})


@pytest.fixture
def client_id(acme: Api) -> str:
    created: str = acme.post("/api/v1/clients", {"name": "Zoë Müller GmbH"}).json()["id"]
    return created


def exact(reply: Reply) -> Any:
    """The body with its numbers as written: 5.00 stays 5.00."""
    return json.loads(reply.body, parse_float=Decimal)


def assert_refused(reply: Reply, *fields: str) -> None:
    assert reply.status == 400, reply.body
    body = reply.json()
    assert {"title", "detail", "time"} <= body.keys()
    assert set(fields) <= {error["field"] for error in body["errors"]}, body
    assert stored_items("acme", "INV#") == []


def test_the_documents_own_example_is_answered_with_every_documented_field_and_type(
    heffl: Api, acme: Api, client_id: str
) -> None:
    reply = heffl.post(HEFFL, verbatim_example(client_id))

    assert reply.status == 200, reply.body
    answer = exact(reply)
    assert_documented(answer, DOCUMENTED_ANSWER, nullable=NULLABLE)
    native = acme.get(f"{NATIVE}/find/{answer['id']}").json()
    zero = Decimal("0.00")
    assert answer == {
        "id": native["id"],
        "number": "",  # a draft has none yet
        "date": "2023-11-07T00:00:00Z",
        "dueDate": "2023-11-07T00:00:00Z",
        "status": "DRAFT",
        "currency": "EUR",
        "isInclusiveTax": False,
        **dict.fromkeys(
            ("subTotal", "taxTotal", "discountTotal", "total", "pendingTotal", "paidTotal"), zero
        ),
        "lineItems": [
            {
                "name": "<string>",
                "quantity": 0,
                "price": 0,
                "tax": 19,
                "discount": 0,
                "discountType": "fixed",
                "buyPrice": 0,
                "viewType": "LINE_ITEM",
                "amount": zero,
                "taxAmount": zero,
                "discountAmount": zero,
                "description": "<string>",
                "productId": 1017,
            }
        ],
        "createdAt": native["created"],
        "clientId": client_id,
        "contactId": "<string>",
        "subject": "<string>",
        "notes": "<string>",
        "salesPersonId": 42,
        "customFields": {},
    }
    [row] = native["rows"]
    assert (row["productId"], row["quantity"], row["unitPrice"], row["taxRate"]) == (
        "1017",
        0,
        0,
        19,
    )
    assert len(stored_items("acme", "INV#")) == 1


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        ("42", 42),
        (42, 42),
        ("0", 0),
        ("9007199254740991", 9007199254740991),  # the largest integer a double holds exactly
        ("9007199254740992", "9007199254740992"),  # beyond it, a reader could not tell it apart
        ("042", "042"),  # a number would lose the zero
        ("4.2e1", "4.2e1"),
        ("usr_7Hk2", "usr_7Hk2"),
        (None, None),
    ],
)
def test_ids_heffl_answers_as_numbers_are_numbers_when_they_are_and_else_as_sent(
    heffl: Api, acme: Api, client_id: str, sent: Any, answered: Any
) -> None:
    body = verbatim_example(client_id)
    body["salesPersonId"] = sent
    body["lineItems"][0]["productId"] = sent

    reply = heffl.post(HEFFL, body)

    assert reply.status == 200, reply.body
    answer = reply.json()
    assert answer["salesPersonId"] == answered
    assert type(answer["salesPersonId"]) is type(answered)
    assert answer["lineItems"][0]["productId"] == answered
    assert type(answer["lineItems"][0]["productId"]) is type(answered)
    [row] = acme.get(f"{NATIVE}/find/{answer['id']}").json()["rows"]
    assert row["productId"] == (None if sent is None else str(sent))  # the id, as it was sent


@pytest.mark.parametrize("field", ["salesPersonId", "productId"])
def test_an_id_that_is_neither_text_nor_a_whole_number_is_a_400(
    heffl: Api, client_id: str, field: str
) -> None:
    for value in (True, 4.5, {"id": 1}):
        body = verbatim_example(client_id)
        where = body if field == "salesPersonId" else body["lineItems"][0]
        where[field] = value
        name = field if field == "salesPersonId" else f"lineItems[0].{field}"
        assert_refused(heffl.post(HEFFL, body), name)


def test_a_priced_example_is_answered_to_the_cent(heffl: Api, acme: Api, client_id: str) -> None:
    reply = heffl.post(HEFFL, documented_example(client_id))

    assert reply.status == 200, reply.body
    answer = exact(reply)
    assert set(answer) == DOCUMENTED_FIELDS
    [line] = answer["lineItems"]
    assert set(line) == DOCUMENTED_LINE_FIELDS
    # 3 x 19.99 = 59.97, less 5.00 = 54.97 net; 19 % of it = 10.4443 -> 10.44
    assert {name: str(line[name]) for name in ("quantity", "price", "tax", "discount")} == {
        "quantity": "3",
        "price": "19.99",
        "tax": "19",
        "discount": "5",
    }
    assert (str(line["amount"]), str(line["discountAmount"]), str(line["taxAmount"])) == (
        "59.97",
        "5.00",
        "10.44",
    )
    assert (line["discountType"], str(line["buyPrice"]), line["viewType"]) == (
        "fixed",
        "12.5",
        "LINE_ITEM",
    )
    assert (line["name"], line["description"], line["productId"]) == ("<string>",) * 3
    totals = ("subTotal", "discountTotal", "taxTotal", "total", "pendingTotal", "paidTotal")
    assert [str(answer[name]) for name in totals] == [
        "59.97",
        "5.00",
        "10.44",
        "65.41",
        "65.41",
        "0.00",
    ]
    native = acme.get(f"{NATIVE}/find/{answer['id']}").json()
    assert answer["number"] == "" and native["invoiceNumber"] is None  # a draft has none yet
    assert (answer["date"], answer["dueDate"]) == ("2023-11-07T00:00:00Z",) * 2
    assert (answer["status"], answer["currency"], answer["isInclusiveTax"]) == (
        "DRAFT",
        "EUR",
        False,
    )
    assert answer["createdAt"] == native["created"]
    assert answer["clientId"] == client_id
    echoed = ("contactId", "subject", "notes", "salesPersonId")
    assert [answer[name] for name in echoed] == ["<string>"] * 4
    assert answer["customFields"] == {}
    # The native invoice it is: one item, with what Heffl's body said.
    assert len(stored_items("acme", "INV#")) == 1
    assert (native["note"], native["paymentTermDays"]) == ("<string>\n\n<string>", 0)
    [row] = native["rows"]
    assert (row["description"], row["productId"], row["taxRate"]) == (
        "<string>\n<string>",
        "<string>",
        19,
    )
    assert (row["discountType"], row["total"], native["totalWithTax"]) == ("FIXED", 54.97, 65.41)


def test_sent_issues_it_with_the_next_number_and_emails_nothing(
    heffl: Api, acme: Api, client_id: str
) -> None:
    body = {**documented_example(client_id), "status": "SENT"}

    first = heffl.post(HEFFL, body).json()
    second = heffl.post(HEFFL, body).json()

    assert [first["number"], second["number"]] == ["INV-2023-0001", "INV-2023-0002"]
    assert (first["status"], first["pendingTotal"]) == ("SENT", 65.41)
    native = acme.get(f"{NATIVE}/find/{first['id']}").json()
    assert (native["status"], native["invoiceNumber"]) == ("SENT", "INV-2023-0001")
    assert native["client"]["name"] == "Zoë Müller GmbH"  # copied when issued
    assert native["sentMails"] == []
    assert list(ses_backends[MOTO_ACCOUNT][REGION].sent_messages) == []
    # The tenant's counter moved: the next native invoice of 2023 takes the next number.
    draft = acme.post(NATIVE, {"invoiceDate": "2023-12-01"}).json()
    issued = acme.patch(f"{NATIVE}/{draft['id']}/mark-as-sent").json()
    assert issued["invoiceNumber"] == "INV-2023-0003"


@pytest.mark.parametrize("field", ["clientId", "lineItems", "date", "dueDate"])
def test_a_missing_required_field_is_a_400_naming_it_and_writes_nothing(
    heffl: Api, client_id: str, field: str
) -> None:
    body = documented_example(client_id)
    del body[field]
    assert_refused(heffl.post(HEFFL, body), field)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lineItems": []}, "lineItems"),
        ({"dueDate": "2023-11-06T23:00:00Z"}, "dueDate"),  # before the date
        ({"dueDate": "2024-11-07"}, "dueDate"),  # 366 days after it
        ({"status": "PAID"}, "status"),
        ({"date": "07.11.2023"}, "date"),
    ],
)
def test_a_bad_invoice_field_is_a_400_naming_it_and_writes_nothing(
    heffl: Api, client_id: str, change: dict[str, Any], field: str
) -> None:
    assert_refused(heffl.post(HEFFL, {**documented_example(client_id), **change}), field)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"taxRateId": "vat-unknown"}, "lineItems[0].taxRateId"),
        ({"discount": 60}, "lineItems[0].discount"),  # fixed, above the line's 59.97
        ({"discount": 101, "discountType": "percentage"}, "lineItems[0].discount"),
        ({"discountType": "FIXED"}, "lineItems[0].discountType"),
        ({"price": "abc"}, "lineItems[0].price"),
        ({"quantity": None}, "lineItems[0].quantity"),
    ],
)
def test_a_bad_line_item_is_a_400_naming_it_and_writes_nothing(
    heffl: Api, client_id: str, change: dict[str, Any], field: str
) -> None:
    body = documented_example(client_id)
    body["lineItems"] = [{**body["lineItems"][0], **change}]
    assert_refused(heffl.post(HEFFL, body), field)


def test_another_tenants_client_is_refused_and_nothing_of_it_is_answered(
    api: Api, heffl: Api, client_id: str
) -> None:
    globex = api.as_tenant("globex")
    theirs = globex.post("/api/v1/clients", {"name": "Globex Secret Corp"}).json()

    reply = heffl.post(HEFFL, documented_example(theirs["id"]))

    assert_refused(reply, "clientId")
    assert b"Globex Secret Corp" not in reply.body
    assert stored_items("globex", "INV#") == []
    assert globex.get(f"{NATIVE}/find-all").json() == []


def test_inclusive_prices_are_split_to_the_cent_and_unknown_keys_kept(
    heffl: Api, acme: Api, client_id: str
) -> None:
    body = {
        **documented_example(client_id),
        "isInclusiveTax": True,
        "lineItems": [
            {"name": "Beratung", "quantity": 3, "price": 19.99, "taxRateId": "vat-standard",
             "discount": 10, "discountType": "percentage"},
            {"name": "Bücher", "quantity": 2, "price": 50, "taxRateId": "vat-reduced",
             "discount": 15.5, "discountType": "fixed"},
            {"name": "Porto", "quantity": 1, "price": 1.76},
        ],
        "projectCode": "P-17",
        "customFields": {"costCenter": 4711},
    }  # fmt: skip

    answer = exact(heffl.post(HEFFL, body))

    # Gross 59.97 less 6.00 = 53.97, tax 53.97 x 19 / 119 = 8.617 -> 8.62;
    # gross 100.00 less 15.50 = 84.50, tax 84.50 x 7 / 107 = 5.528 -> 5.53; 1.76 without tax.
    lines = [
        tuple(str(line[name]) for name in ("amount", "discountAmount", "taxAmount", "tax"))
        for line in answer["lineItems"]
    ]
    assert lines == [
        ("59.97", "6.00", "8.62", "19"),
        ("100.00", "15.50", "5.53", "7"),
        ("1.76", "0.00", "0.00", "0"),
    ]
    totals = ("subTotal", "discountTotal", "taxTotal", "total", "pendingTotal")
    # 161.73 - 21.50 = 140.23, which includes 14.15 of tax
    assert [str(answer[name]) for name in totals] == [
        "161.73",
        "21.50",
        "14.15",
        "140.23",
        "140.23",
    ]
    assert answer["isInclusiveTax"] is True
    assert answer["customFields"] == {"costCenter": 4711, "projectCode": "P-17"}
    native = acme.get(f"{NATIVE}/find/{answer['id']}").json()
    assert native["taxInclusive"] is True
    assert (native["totalExcludingTax"], native["totalWithTax"]) == (126.08, 140.23)
    assert native["customFields"] == {"costCenter": 4711, "projectCode": "P-17"}


def test_without_a_credential_it_is_a_401_and_writes_nothing(
    api: Api, acme: Api, client_id: str
) -> None:
    reply = api.post(HEFFL, documented_example(client_id))
    assert reply.status == 401
    assert stored_items("acme", "INV#") == []


def test_a_retry_with_the_same_idempotency_key_creates_one_invoice(
    heffl: Api, client_id: str
) -> None:
    body = {**documented_example(client_id), "status": "SENT"}
    key = {"Idempotency-Key": "heffl-1"}

    first = heffl.post(HEFFL, body, headers=key)
    again = heffl.post(HEFFL, body, headers=key)

    assert (first.status, again.status, again.headers["Idempotent-Replayed"]) == (200, 200, "true")
    assert again.body == first.body
    assert len(stored_items("acme", "INV#")) == 1
