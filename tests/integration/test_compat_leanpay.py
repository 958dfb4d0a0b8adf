"""Leanpay's invoice import through HTTP, as a Leanpay client calls it (the API key alone in
`Authorization`): the documented example answered field by field, totals kept to the cent, an
upsert by externalId that keeps payments and moves the figures once, and refusals that name
Leanpay's fields and write nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.ports import SystemClock
from chalicelib.services.authentication import create_api_key
from chalicelib.store.invoices import DynamoInvoiceRepository
from tests.documented import assert_documented
from tests.figures import exact_json
from tests.support import Api, DynamoCalls, Reply, stored_items

# "Today" is a pinned day, so an invoice issued today, due or late means the same on any day.
pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
TODAY = date(2026, 11, 21)
LEANPAY = "/compat/leanpay/v1/public/invoices/batch"
NATIVE = "/api/v1/invoices"
DOCUMENTED_FIELDS = {
    "id", "tenantId", "clientId", "externalId", "reference", "amount", "remainingAmount",
    "paidAmount", "offsetAmount", "sentDate", "issueDate", "dueDate", "status",
    "upcomingPaymentDate", "dueDates", "payments", "creditNoteLinks", "createdAt", "updatedAt",
}  # fmt: skip
SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
Json = dict[str, Any]
_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
_MOMENT = "2023-11-07T05:31:56Z"
# The document's example response, word for word: the fields and JSON types it promises.
DOCUMENTED_ANSWER = {
    "data": [
        {
            "id": _ID,
            "tenantId": _ID,
            "clientId": _ID,
            "externalId": "<string>",
            "reference": "<string>",
            "amount": 123,
            "remainingAmount": 123,
            "paidAmount": 123,
            "offsetAmount": 123,
            "sentDate": _MOMENT,
            "issueDate": _MOMENT,
            "dueDate": _MOMENT,
            "status": "due",
            "upcomingPaymentDate": _MOMENT,
            "dueDates": [
                {"dueDate": _MOMENT, "currency": "<string>", "amount": 1,
                 "defaultCurrencyAmount": 1},
            ],
            "payments": [
                {"date": _MOMENT, "amount": 1, "defaultCurrencyAmount": 1,
                 "externalId": "<string>"},
            ],
            "creditNoteLinks": [
                {
                    "date": _MOMENT,
                    "amount": 1,
                    "defaultCurrencyAmount": 1,
                    "externalId": "<string>",
                    "creditNote": {"id": _ID, "externalId": "<string>"},
                }
            ],
            "createdAt": _MOMENT,
            "updatedAt": _MOMENT,
        }
    ]
}  # fmt: skip
# The tenant is the one the credential names ("acme" here), whatever its form.
TENANT_ID = {"data[].tenantId"}


def verbatim_example(client_id: str) -> Json:
    """The document's example request, word for word, with a real client."""
    return {
        "invoices": [
            {
                "clientId": client_id,
                "reference": "<string>",
                "amount": 1,
                "netAmount": 1,
                "issueDate": "2023-12-25",
                "dueDate": "2023-12-25",
                "externalId": "<string>",
                "sentDate": "2023-12-25",
            }
        ]
    }


def documented_example(client_id: str) -> Json:
    """The document's example request, with a real client and real amounts (19 % tax)."""
    return {
        "invoices": [
            {
                "clientId": client_id,
                "reference": "<string>",
                "amount": 119.00,
                "netAmount": 100.00,
                "issueDate": "2023-12-25",
                "dueDate": "2023-12-25",
                "externalId": "<string>",
                "sentDate": "2023-12-25",
            }
        ]
    }


def invoice(client_id: str, external_id: str, **fields: Any) -> Json:
    """One invoice issued today, due in 30 days: "due"."""
    today = TODAY
    return {
        "clientId": client_id,
        "reference": f"LP-{external_id}",
        "amount": "1190.00",
        "netAmount": "1000.00",
        "issueDate": today.isoformat(),
        "dueDate": (today + timedelta(days=30)).isoformat(),
        "externalId": external_id,
        "sentDate": today.isoformat(),
        **fields,
    }


@pytest.fixture
def acme(api: Api) -> Api:
    """acme's own API, to set things up and to look at what the Leanpay calls did."""
    return api.as_tenant("acme")


@pytest.fixture
def leanpay(api: Api, acme: Api) -> Api:
    """acme's Leanpay client: its API key alone in Authorization, as Leanpay's document shows."""
    key = create_api_key("acme", created_by="test", repo=get_deps().api_keys, clock=SystemClock())
    return api.with_headers({"Authorization": key})


@pytest.fixture
def client_id(acme: Api) -> str:
    created: str = acme.post("/api/v1/clients", {"name": "Zoë Müller GmbH"}).json()["id"]
    return created


def ok(reply: Reply) -> list[Json]:
    assert reply.status == 200, reply.body
    data: list[Json] = exact_json(reply.body)["data"]
    return data


def native(acme: Api, invoice_id: str) -> Json:
    reply = acme.get(f"{NATIVE}/find/{invoice_id}")
    assert reply.status == 200, reply.body
    found: Json = exact_json(reply.body)
    return found


def assert_refused(reply: Reply, *fields: str, tenant: str = "acme") -> Json:
    assert reply.status == 400, reply.body
    body: Json = reply.json()
    assert {"title", "detail", "time"} <= body.keys()
    assert set(fields) <= {error["field"] for error in body["errors"]}, body
    assert stored_items(tenant, "INV#") == []
    return body


def test_the_documents_own_example_is_answered_with_every_documented_field_and_type(
    leanpay: Api, acme: Api, client_id: str
) -> None:
    reply = leanpay.post(LEANPAY, verbatim_example(client_id))

    assert reply.status == 200, reply.body
    assert_documented(exact_json(reply.body), DOCUMENTED_ANSWER, any_format=TENANT_ID)
    [answer] = ok(reply)
    stored = native(acme, answer["id"])
    midnight = "2023-12-25T00:00:00Z"
    # 1 with tax on a net 1: taxed at 0 %, and long past due.
    assert answer == {
        "id": stored["id"],
        "tenantId": "acme",
        "clientId": client_id,
        "externalId": "<string>",
        "reference": "<string>",
        "amount": Decimal("1.00"),
        "remainingAmount": Decimal("1.00"),
        "paidAmount": Decimal("0.00"),
        "offsetAmount": Decimal("0.00"),
        "sentDate": midnight,
        "issueDate": midnight,
        "dueDate": midnight,
        "status": "late",
        "upcomingPaymentDate": midnight,
        "dueDates": [
            {
                "dueDate": midnight,
                "currency": "EUR",
                "amount": Decimal("1.00"),
                "defaultCurrencyAmount": Decimal("1.00"),
            }
        ],
        "payments": [],
        "creditNoteLinks": [],
        "createdAt": stored["created"][:19] + "Z",
        "updatedAt": stored["updated"][:19] + "Z",
    }
    assert (stored["invoiceNumber"], stored["status"], stored["totalWithTax"]) == (
        "<string>",
        "OVERDUE",
        Decimal("1.00"),
    )
    [row] = stored["rows"]
    assert (row["unitPrice"], row["taxRate"]) == (1, 0)


def test_the_documented_example_with_tax_is_answered_with_every_documented_field(
    leanpay: Api, acme: Api, client_id: str
) -> None:
    [answer] = ok(leanpay.post(LEANPAY, documented_example(client_id)))

    assert set(answer) == DOCUMENTED_FIELDS
    stored = native(acme, answer["id"])
    assert (answer["id"], answer["tenantId"], answer["clientId"]) == (
        stored["id"],
        "acme",
        client_id,
    )
    assert (answer["externalId"], answer["reference"]) == ("<string>", "<string>")
    amounts = ("amount", "remainingAmount", "paidAmount", "offsetAmount")
    assert [str(answer[name]) for name in amounts] == ["119.00", "119.00", "0.00", "0.00"]
    dates = ("sentDate", "issueDate", "dueDate", "upcomingPaymentDate")
    assert [answer[name] for name in dates] == ["2023-12-25T00:00:00Z"] * 4
    assert answer["status"] == "late"  # due on 2023-12-25, long past
    assert answer["dueDates"] == [
        {
            "dueDate": "2023-12-25T00:00:00Z",
            "currency": "EUR",
            "amount": Decimal("119.00"),
            "defaultCurrencyAmount": Decimal("119.00"),
        }
    ]
    assert (answer["payments"], answer["creditNoteLinks"]) == ([], [])
    assert SECONDS.match(answer["createdAt"]) and SECONDS.match(answer["updatedAt"])
    assert answer["createdAt"] == stored["created"][:19] + "Z"
    assert answer["updatedAt"] == stored["updated"][:19] + "Z"
    # The native invoice it is: issued under its reference, one row, totals to the cent.
    assert (stored["status"], stored["invoiceNumber"], stored["externalId"]) == (
        "OVERDUE",
        "<string>",
        "leanpay:<string>",
    )
    assert [str(stored[name]) for name in ("totalExcludingTax", "totalTax", "totalWithTax")] == [
        "100.00",
        "19.00",
        "119.00",
    ]
    [row] = stored["rows"]
    assert (row["quantity"], row["unitPrice"], row["taxRate"]) == (1, 100, 19)
    assert (stored["client"]["name"], stored["paymentTermDays"]) == ("Zoë Müller GmbH", 0)
    assert [e["type"] for e in stored["events"]] == [
        "CREATE",
        "MARKED_AS_SENT",
        "MARKED_AS_OVERDUE",
    ]
    assert len(stored_items("acme", "INV#")) == 1
    # Its own number: the tenant's series is untouched, so the next native one is the first.
    draft = acme.post(NATIVE, {"invoiceDate": "2023-12-01"}).json()
    issued = acme.patch(f"{NATIVE}/{draft['id']}/mark-as-sent").json()
    assert issued["invoiceNumber"] == "INV-2023-0001"


@pytest.mark.parametrize(
    ("net", "amount"),
    [
        ("123456.78", "148148.13"),  # 20 % is 24691.36: no rate of 4 places gives 24691.35
        ("0.01", "0.02"),  # 100 %
        ("0.03", "0.04"),  # 33.3333 % gives 0.01
        ("999999999.99", "1000000000.00"),  # one cent of tax on a billion
        ("1", "1"),  # no tax
        ("0", "0"),
        ("33.33", "39.66"),  # 18.99 %
    ],
)
def test_totals_come_back_to_the_cent_whatever_the_pair(
    leanpay: Api, acme: Api, client_id: str, net: str, amount: str
) -> None:
    body = invoice(client_id, "pair", netAmount=net, amount=amount)

    [answer] = ok(leanpay.post(LEANPAY, {"invoices": [body]}))

    assert answer["amount"] == Decimal(amount)
    stored = native(acme, answer["id"])
    assert stored["totalWithTax"] == Decimal(amount)
    assert stored["totalExcludingTax"] == Decimal(net)
    assert stored["totalTax"] == Decimal(amount) - Decimal(net)
    assert str(stored["totalWithTax"]) == str(Decimal(amount).quantize(Decimal("0.01")))


def test_the_same_external_id_again_replaces_the_one_invoice_and_keeps_its_payments(
    leanpay: Api, acme: Api, client_id: str
) -> None:
    [first] = ok(leanpay.post(LEANPAY, {"invoices": [invoice(client_id, "lp-1")]}))
    paid = acme.patch(f"{NATIVE}/{first['id']}/add-payment", {"amount": "190.00"})
    assert paid.status == 200, paid.body
    other = acme.post("/api/v1/clients", {"name": "Łódź Sp. z o.o."}).json()["id"]
    today = TODAY
    changed = invoice(
        other,
        "lp-1",
        reference="LP-1-B",
        amount="2380.00",
        netAmount="2000.00",
        dueDate=(today + timedelta(days=60)).isoformat(),
    )

    reply = leanpay.post(LEANPAY, {"invoices": [changed]})

    # Its payment's fields as documented too.
    assert_documented(exact_json(reply.body), DOCUMENTED_ANSWER, any_format=TENANT_ID)
    [again] = ok(reply)
    assert again["id"] == first["id"]
    assert (again["reference"], again["clientId"], again["status"]) == ("LP-1-B", other, "due")
    figures = ("amount", "paidAmount", "remainingAmount")
    assert [str(again[name]) for name in figures] == ["2380.00", "190.00", "2190.00"]
    [payment] = again["payments"]
    assert (str(payment["amount"]), str(payment["defaultCurrencyAmount"])) == ("190.00",) * 2
    assert SECONDS.match(payment["date"]) and payment["externalId"]
    assert again["dueDate"] == again["upcomingPaymentDate"] == f"{today + timedelta(60)}T00:00:00Z"
    assert len(stored_items("acme", "INV#")) == 1
    stored = native(acme, first["id"])
    assert (stored["totalWithTax"], stored["paid"], stored["client"]["name"]) == (
        Decimal("2380.00"),
        Decimal("190.00"),
        "Łódź Sp. z o.o.",
    )
    assert stored["events"][-1]["description"] == (
        "Imported again from Leanpay: changed clientId, reference, amount, netAmount, dueDate"
    )
    counts = exact_json(acme.get(f"{NATIVE}/count-by-status").body)
    assert (counts["SENT"], sum(counts.values())) == (1, 1)
    stats = exact_json(acme.get(f"{NATIVE}/stats").body)
    assert [str(stats[name]) for name in ("totalInvoiced", "totalOutstanding", "totalPaid")] == [
        "2380.00",
        "2190.00",
        "190.00",
    ]


def test_one_imported_by_another_request_since_it_was_read_is_replaced_not_doubled(
    leanpay: Api, acme: Api, client_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check read no invoice under the externalId, and another request imported it just
    after: the write finds it (its conditional put is refused) and replaces it instead."""
    [first] = ok(leanpay.post(LEANPAY, {"invoices": [invoice(client_id, "lp-1")]}))
    monkeypatch.setattr(DynamoInvoiceRepository, "get_many", lambda *_: [])

    [again] = ok(leanpay.post(LEANPAY, {"invoices": [invoice(client_id, "lp-1", reference="B")]}))

    assert (again["id"], again["reference"]) == (first["id"], "B")
    assert len(stored_items("acme", "INV#")) == 1
    counts = exact_json(acme.get(f"{NATIVE}/count-by-status").body)
    assert sum(counts.values()) == 1


def test_an_unchanged_import_writes_nothing_and_a_settling_one_is_paid(
    leanpay: Api, acme: Api, client_id: str
) -> None:
    body = invoice(client_id, "lp-2")
    [first] = ok(leanpay.post(LEANPAY, {"invoices": [body]}))
    acme.patch(f"{NATIVE}/{first['id']}/add-payment", {"amount": "1000.00"})
    version = acme.get(f"{NATIVE}/find/{first['id']}").headers["ETag"]

    [same] = ok(leanpay.post(LEANPAY, {"invoices": [body]}))
    assert acme.get(f"{NATIVE}/find/{first['id']}").headers["ETag"] == version
    assert (same["status"], str(same["remainingAmount"])) == ("due", "190.00")

    settled = invoice(client_id, "lp-2", amount="1000.00", netAmount="840.34")
    [paid] = ok(leanpay.post(LEANPAY, {"invoices": [settled]}))
    assert (paid["status"], str(paid["remainingAmount"]), paid["upcomingPaymentDate"]) == (
        "paid",
        "0.00",
        None,
    )
    stats = exact_json(acme.get(f"{NATIVE}/stats").body)
    assert (stats["countByStatus"]["PAID"], str(stats["totalOutstanding"])) == (1, "0.00")


def test_an_import_below_what_was_paid_or_of_a_cancelled_invoice_is_refused(
    leanpay: Api, acme: Api, client_id: str
) -> None:
    [first, second] = ok(
        leanpay.post(LEANPAY, {"invoices": [invoice(client_id, "a"), invoice(client_id, "b")]})
    )
    acme.patch(f"{NATIVE}/{first['id']}/add-payment", {"amount": "500.00"})
    acme.patch(f"{NATIVE}/{second['id']}/cancel")
    before = stored_items("acme", "INV#")

    lower = invoice(client_id, "a", amount="499.99", netAmount="420.16")
    moved = invoice(client_id, "b", reference="LP-B-2")
    reply = leanpay.post(LEANPAY, {"invoices": [lower, moved, invoice(client_id, "c")]})

    assert reply.status == 400, reply.body
    errors = {e["field"]: e["message"] for e in reply.json()["errors"]}
    assert set(errors) == {"invoices[0].amount", "invoices[1].externalId"}
    assert "500.00 EUR already paid" in errors["invoices[0].amount"]
    assert stored_items("acme", "INV#") == before  # not even the new third one
    [cancelled] = ok(leanpay.post(LEANPAY, {"invoices": [invoice(client_id, "b")]}))
    assert (cancelled["status"], str(cancelled["remainingAmount"])) == ("cancelled", "0.00")


def test_a_past_due_import_is_late_and_a_current_one_due(
    leanpay: Api, acme: Api, client_id: str
) -> None:
    yesterday = TODAY - timedelta(days=1)
    issued, sent = yesterday - timedelta(days=30), yesterday - timedelta(days=29)
    late = invoice(client_id, "late", issueDate=issued.isoformat(), dueDate=yesterday.isoformat())
    late["sentDate"] = sent.isoformat()

    answers = ok(leanpay.post(LEANPAY, {"invoices": [late, invoice(client_id, "due")]}))

    assert [a["status"] for a in answers] == ["late", "due"]
    assert answers[0]["sentDate"] == f"{sent}T00:00:00Z"
    counts = exact_json(acme.get(f"{NATIVE}/count-by-status").body)
    assert (counts["OVERDUE"], counts["SENT"]) == (1, 1)


def test_101_invoices_are_a_400_naming_the_limit_and_write_nothing(
    leanpay: Api, client_id: str
) -> None:
    items = [invoice(client_id, f"lp-{n}") for n in range(101)]

    body = assert_refused(leanpay.post(LEANPAY, {"invoices": items}), "invoices")

    assert "100" in body["detail"]
    assert len(ok(leanpay.post(LEANPAY, {"invoices": items[:100]}))) == 100
    assert len(stored_items("acme", "INV#")) == 100


def test_100_invoices_cost_a_read_of_their_clients_one_of_the_ids_and_a_write_per_48(
    leanpay: Api, acme: Api, client_id: str, dynamo_calls: DynamoCalls
) -> None:
    ok(leanpay.post(LEANPAY, {"invoices": [invoice(client_id, "warm")]}))  # reads the settings
    other = acme.post("/api/v1/clients", {"name": "Other GmbH"}).json()["id"]
    items = [invoice([client_id, other][n % 2], f"lp-{n}") for n in range(100)]
    dynamo_calls.reset()

    ok(leanpay.post(LEANPAY, {"invoices": items}))
    created = list(dynamo_calls.operations)
    dynamo_calls.reset()
    ok(leanpay.post(LEANPAY, {"invoices": items}))
    unchanged = list(dynamo_calls.operations)
    dynamo_calls.reset()
    ok(leanpay.post(LEANPAY, {"invoices": [*items[:99], {**items[99], "reference": "new"}]}))
    one_changed = list(dynamo_calls.operations)

    # The API key and the two clients in one read, then the derived ids (read once, to check
    # the request whole), then three transactions of new invoices, each invoice with the item
    # that holds its reference (48 and theirs, 2 clients, the counter's check and the figures
    # make 100: decision 0057); a replacement is one write of its own.
    reads = ["GetItem", "BatchGetItem", "BatchGetItem"]
    assert created == [*reads, "TransactWriteItems", "TransactWriteItems", "TransactWriteItems"]
    assert unchanged == reads
    # A new reference moves no figure, and takes its own item in the same write.
    assert one_changed == [*reads, "TransactWriteItems"]
    assert len(stored_items("acme", "INV#")) == 101
    assert len(stored_items("acme", "NUMBER#")) == 102  # the old reference stays used


@pytest.mark.parametrize(
    "field", ["clientId", "reference", "amount", "netAmount", "issueDate", "dueDate", "externalId"]
)
def test_a_missing_required_field_is_a_400_naming_it_and_writes_nothing(
    leanpay: Api, client_id: str, field: str
) -> None:
    broken = invoice(client_id, "broken")
    del broken[field]

    reply = leanpay.post(LEANPAY, {"invoices": [invoice(client_id, "fine"), broken]})

    assert_refused(reply, f"invoices[1].{field}")


def test_a_missing_sent_date_is_the_issue_date(leanpay: Api, client_id: str) -> None:
    body = invoice(client_id, "unsent")
    del body["sentDate"]

    [answer] = ok(leanpay.post(LEANPAY, {"invoices": [body]}))

    assert answer["sentDate"] == answer["issueDate"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "999.99"}, "amount"),  # below netAmount
        ({"amount": "2000.01"}, "amount"),  # more tax than 100 %
        ({"amount": "1190.001"}, "amount"),  # EUR has 2 decimal places
        ({"netAmount": -1}, "netAmount"),
        ({"dueDate": "2000-01-01"}, "dueDate"),  # before issueDate
        ({"issueDate": "25.12.2023"}, "issueDate"),
        ({"reference": ""}, "reference"),
        ({"externalId": "x" * 121}, "externalId"),
    ],
)
def test_a_bad_field_is_a_400_naming_it_and_writes_nothing(
    leanpay: Api, client_id: str, change: Json, field: str
) -> None:
    body = invoice(client_id, "bad", **change)
    assert_refused(leanpay.post(LEANPAY, {"invoices": [body]}), f"invoices[0].{field}")


def test_an_external_id_twice_in_one_request_is_refused(leanpay: Api, client_id: str) -> None:
    items = [invoice(client_id, "twice"), invoice(client_id, "twice", amount="1")]
    assert_refused(leanpay.post(LEANPAY, {"invoices": items}), "invoices[1].externalId")


def test_another_tenants_client_is_refused_and_nothing_leaks(
    api: Api, leanpay: Api, client_id: str
) -> None:
    globex = api.as_tenant("globex")
    theirs = globex.post("/api/v1/clients", {"name": "Globex Secret Corp"}).json()["id"]
    items = [invoice(client_id, "ours"), invoice(theirs, "theirs")]

    reply = leanpay.post(LEANPAY, {"invoices": items})

    body = assert_refused(reply, "invoices[1].clientId")
    assert [e["field"] for e in body["errors"]] == ["invoices[1].clientId"]
    assert b"Globex Secret Corp" not in reply.body
    assert stored_items("globex", "INV#") == []
    assert globex.get(f"{NATIVE}/find-all").json() == []


def test_without_a_key_it_is_a_401_and_an_empty_import_imports_nothing(
    api: Api, leanpay: Api
) -> None:
    assert api.post(LEANPAY, {"invoices": []}).status == 401
    assert ok(leanpay.post(LEANPAY, {"invoices": []})) == []
    assert ok(leanpay.post(LEANPAY, {})) == []  # the document does not require `invoices`
    assert stored_items("acme", "INV#") == []


def test_dates_are_calendar_days(leanpay: Api, client_id: str) -> None:
    body = invoice(client_id, "d", issueDate="2026-03-01T23:30:00-05:00", dueDate="2026-03-31")
    [answer] = ok(leanpay.post(LEANPAY, {"invoices": [body]}))
    assert answer["issueDate"] == "2026-03-01T00:00:00Z"
    assert date.fromisoformat(answer["dueDate"][:10]) == date(2026, 3, 31)


def test_credit_notes_are_offset_and_linked_as_the_document_shows(
    leanpay: Api, acme: Api, client_id: str
) -> None:
    """Issue 21: offsetAmount and creditNoteLinks come from the invoice's real credit notes,
    each link's creditNote naming the note (its externalId its number)."""
    body = invoice(client_id, "lp-cn")
    [first] = ok(leanpay.post(LEANPAY, {"invoices": [body]}))
    credit = {"reason": "Discount", "amounts": [{"taxRate": 19, "amount": "100.00"}]}
    note = acme.post(f"{NATIVE}/{first['id']}/credit-notes", credit)
    assert note.status == 201, note.body
    made = note.json()

    reply = leanpay.post(LEANPAY, {"invoices": [body]})  # the same again: answered as it stands

    assert_documented(exact_json(reply.body), DOCUMENTED_ANSWER, any_format=TENANT_ID)
    [answer] = ok(reply)
    figures = ("amount", "offsetAmount", "remainingAmount")
    assert [str(answer[name]) for name in figures] == ["1190.00", "119.00", "1071.00"]
    [link] = answer["creditNoteLinks"]
    assert link == {
        "date": f"{TODAY}T00:00:00Z",
        "amount": Decimal("119.00"),
        "defaultCurrencyAmount": Decimal("119.00"),
        "externalId": made["id"],
        "creditNote": {"id": made["id"], "externalId": made["creditNoteNumber"]},
    }
