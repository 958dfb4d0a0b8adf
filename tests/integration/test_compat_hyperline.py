"""Hyperline's asynchronous batch through HTTP and the jobs' worker, as a Hyperline client calls
it (`Authorization: Bearer`): the documented example answered 202 with its batch_id, amounts in
minor units kept to the cent in any currency, coupons spread over their line items, paid and
to-pay invoices issued with their payments, refusals that name Hyperline's fields and write
nothing, and a batch that is only ever its tenant's and never creates anything twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.domain.due import Job
from chalicelib.ports import SystemClock
from chalicelib.services.authentication import create_api_key
from chalicelib.store.batches import DynamoBatchRepository
from invoicing_cli.local import BUCKET_NAME, TABLE_NAME
from tests.documented import assert_documented
from tests.figures import exact_json
from tests.integration.test_jobs import run_job
from tests.support import (
    Api,
    DynamoCalls,
    Reply,
    drain_jobs,
    queued_chunks,
    stored_items,
    take_chunk,
    take_chunk_dying_before_its_progress,
)

# "Now" is a pinned moment, so emitted today, due or late means the same on any day.
pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
HYPERLINE = "/compat/hyperline/v2/invoices/batch"
NATIVE = "/api/v1/invoices"
EXAMPLE_BATCH_ID = "f65f58f3-ecb0-4711-be22-1e64102a380d"
# The document's example response, word for word: its one field, a string (here a UUID).
DOCUMENTED_ANSWER = {"batch_id": "f65f58f3-ecb0-4711-be22-1e64102a380d"}
Json = dict[str, Any]


def documented_example(customer_id: str) -> Json:
    """The document's example request, word for word, with a real customer."""
    return {
        "invoices": [
            {
                "customer_id": customer_id,
                "line_items": [
                    {
                        "name": "Platform access",
                        "unit_amount": 24000,
                        "description": "Access fee for the period of November 2024",
                        "units_count": 1,
                        "tax_rate": 20,
                        "period_start": "2024-10-13T00:00:00.000Z",
                        "period_end": "2024-11-13T00:00:00.000Z",
                        "display_unit_amount": True,
                        "display_service_period": False,
                        "product_id": "itm_KbLcWt2qm5p1S2",
                    }
                ],
                "batch_invoice_id": "invoice-123",
                "currency": "EUR",
                "status": "paid",
                "invoicing_entity_id": "ive_47484fjdhy5",
                "number": "INV-35",
                "type": "invoice",
                "document_name": "<string>",
                "reference": "V0KAHOU6J3",
                "purchase_order": "PO-12345",
                "custom_note": "Thank you for your purchase!",
                "additional_info": "This invoice must be paid within the payment delay indicated. "
                "After this period a late payment penalty of 10% will be applied.",
                "footer": "ACME (Acme SAS) is a company registered in France | SIREN N°123456",
                "tax_rate": 50,
                "tax_scheme": "auto",
                "payment_method_strategy": "external",
                "payment_method_id": "pm_1ryTrMj4TTAT1N",
                "bank_account_id": "bac_KJyPrMA1toAqRG",
                "emitted_at": "2024-10-13T00:00:00.000Z",
                "due_at": "2024-11-12T00:00:00.000Z",
                "settled_at": "2024-10-15T14:01:56.000Z",
                "properties": {},
                "transactions": [
                    {
                        "amount": 31500,
                        "process_at": "2024-11-12T07:38:39.222Z",
                        "payment_method_id": "pm_1xMpj5bwRqN7LM",
                    }
                ],
                "coupons": [
                    {
                        "coupon_id": "cou_1eTaiytfA0i2Vb",
                        "name": "Black Friday 2023",
                        "discount_amount": 500,
                        "line_item_indexes": [0, 1],
                    }
                ],
            }
        ],
        "batch_id": EXAMPLE_BATCH_ID,
    }


def invoice(customer_id: str, **fields: Any) -> Json:
    """A draft of one line item of 100.00 EUR at 20 %."""
    line = {"name": "Seats", "unit_amount": 10000, "units_count": 1, "tax_rate": 20}
    return {"customer_id": customer_id, "currency": "EUR", "line_items": [line], **fields}


def new_customer(tenant: Api, name: str = "Zoë Müller GmbH") -> str:
    created: str = tenant.post("/api/v1/clients", {"name": name}).json()["id"]
    return created


@pytest.fixture
def customer(acme: Api) -> str:
    return new_customer(acme)


def accepted(reply: Reply) -> str:
    assert reply.status == 202, reply.body
    body = reply.json()
    assert list(body) == ["batch_id"]
    batch_id: str = body["batch_id"]
    return batch_id


def outcome(tenant: Api, batch_id: str) -> Json:
    reply = tenant.get(f"{HYPERLINE}/{batch_id}")
    assert reply.status == 200, reply.body
    found: Json = exact_json(reply.body)
    return found


def native(acme: Api, invoice_id: str) -> Json:
    reply = acme.get(f"{NATIVE}/find/{invoice_id}")
    assert reply.status == 200, reply.body
    found: Json = exact_json(reply.body)
    return found


def assert_refused(reply: Reply, *fields: str) -> Json:
    """A 400 naming the fields, with nothing stored or queued."""
    assert reply.status == 400, reply.body
    body: Json = reply.json()
    assert {"title", "detail", "time"} <= body.keys()
    assert set(fields) <= {error["field"] for error in body["errors"]}, body
    assert stored_items("acme", "INV#") == [] and stored_items("acme", "BATCH#") == []
    assert boto3.client("s3").list_objects_v2(Bucket=BUCKET_NAME).get("Contents", []) == []
    assert queued_chunks() == []
    return body


def test_the_documented_example_is_answered_202_with_its_batch_id_and_worked_through(
    acme: Api, customer: str
) -> None:
    """Its one invoice is 240.00 less the 5.00 coupon, at its line item's 20 % (over the
    invoice's 50 %): 282.00, and its transaction of 315.00 pays that and 33.00 more, which
    becomes the customer's credit (decision 0056): the invoice is stored PAID, as the document
    has it, and the customer has 33.00 EUR of credit. Its coupon names line items 0 and 1 of an
    invoice of one: the one there is takes it."""
    reply = acme.post(HYPERLINE, documented_example(customer))

    assert accepted(reply) == EXAMPLE_BATCH_ID
    assert_documented(reply.json(), DOCUMENTED_ANSWER)
    assert reply.headers["Location"] == f"batch/{EXAMPLE_BATCH_ID}"
    waiting = outcome(acme, EXAMPLE_BATCH_ID)
    assert (waiting["status"], waiting["invoices_count"], waiting["processed_count"]) == (
        "pending",
        1,
        0,
    )
    assert stored_items("acme", "INV#") == []

    assert drain_jobs(acme) == 1

    done = outcome(acme, EXAMPLE_BATCH_ID)
    assert (done["status"], done["processed_count"], done["errors"]) == ("completed", 1, [])
    [made] = done["successes"]
    assert (made["number"], made["status"], made["customer_id"]) == ("INV-35", "paid", customer)
    assert (made["total_amount"], made["amount_paid"], made["amount_due"]) == (28200, 31500, 0)
    invoice = native(acme, made["id"])
    assert (invoice["status"], str(invoice["paid"]), str(invoice["clientCredit"])) == (
        "PAID",
        "315.00",
        "33.00",
    )
    credit = acme.get(f"/api/v1/clients/{customer}/balance")
    assert credit.status == 200, credit.body
    assert '"amount": 33.00' in credit.body.decode()
    [eur] = exact_json(credit.body)["balances"]
    assert (eur["currency"], str(eur["amount"])) == ("EUR", "33.00")
    [move] = exact_json(credit.body)["movements"]
    assert (move["kind"], move["invoiceId"], move["invoiceNumber"]) == (
        "OVERPAYMENT",
        made["id"],
        "INV-35",
    )


def test_the_example_paid_in_full_is_stored_paid_under_its_own_number(
    acme: Api, customer: str
) -> None:
    example = documented_example(customer)
    example["invoices"][0]["transactions"][0]["amount"] = 28200
    accepted(acme.post(HYPERLINE, example))
    drain_jobs(acme)

    [made] = outcome(acme, EXAMPLE_BATCH_ID)["successes"]
    assert made == {
        "index": 0,
        "batch_invoice_id": "invoice-123",
        "id": made["id"],
        "number": "INV-35",
        "type": "invoice",
        "status": "paid",
        "customer_id": customer,
        "currency": "EUR",
        "reference": "V0KAHOU6J3",
        "total_amount": 28200,
        "amount_excluding_tax": 23500,
        "tax_amount": 4700,
        "discount_amount": 500,
        "amount_paid": 28200,
        "amount_due": 0,
        "emitted_at": "2024-10-13T00:00:00.000Z",
        "due_at": "2024-11-12T00:00:00.000Z",
        # Its transaction paid it in full, so it was settled then, whatever settled_at says.
        "settled_at": "2024-11-12T07:38:39.222Z",
    }
    invoice = native(acme, made["id"])
    assert (invoice["status"], invoice["invoiceNumber"]) == ("PAID", "INV-35")
    assert (invoice["invoiceDate"], invoice["dueDate"]) == (
        "2024-10-13T00:00:00Z",
        "2024-11-12T00:00:00Z",
    )
    [row] = invoice["rows"]
    assert row["description"] == "Platform access\nAccess fee for the period of November 2024"
    assert (row["productId"], row["quantity"], row["unitPrice"]) == (
        "itm_KbLcWt2qm5p1S2",
        Decimal("1"),
        Decimal("240.00"),
    )
    assert (row["taxRate"], row["discountType"], row["discount"]) == (
        Decimal("20"),
        "FIXED",
        Decimal("5.00"),
    )
    assert (invoice["totalWithTax"], invoice["paid"]) == (Decimal("282.00"), Decimal("282.00"))
    [payment] = invoice["transactions"]
    assert payment["amount"] == Decimal("282.00")
    assert payment["date"].startswith("2024-11-12T07:38:39.222")
    assert invoice["note"].startswith("Thank you for your purchase!\n\nThis invoice must be paid")
    assert invoice["note"].endswith("SIREN N°123456")
    assert invoice["paymentReference"] == "V0KAHOU6J3"
    assert invoice["customFields"] == {
        "purchase_order": "PO-12345",
        "batch_invoice_id": "invoice-123",
    }


def test_paid_without_transactions_is_settled_in_full_on_settled_at(
    acme: Api, customer: str
) -> None:
    paid = invoice(
        customer,
        status="paid",
        number="HL-7",
        emitted_at="2026-10-01T09:00:00Z",
        due_at="2026-10-31T09:00:00Z",
        settled_at="2026-10-20T15:30:00.250Z",
        transactions=[{"amount": 2000, "process_at": "2026-10-05T00:00:00Z"}],
    )
    batch_id = accepted(acme.post(HYPERLINE, {"invoices": [paid]}))
    drain_jobs(acme)

    [made] = outcome(acme, batch_id)["successes"]
    assert (made["status"], made["number"], made["amount_paid"], made["amount_due"]) == (
        "paid",
        "HL-7",
        12000,
        0,
    )
    assert made["settled_at"] == "2026-10-20T15:30:00.250Z"
    payments = native(acme, made["id"])["transactions"]
    assert [(p["amount"], p["date"]) for p in payments] == [
        (Decimal("20.00"), "2026-10-05T00:00:00.000Z"),
        (Decimal("100.00"), "2026-10-20T15:30:00.250Z"),
    ]


def test_minor_units_follow_the_currency_and_a_line_items_rate_wins(
    acme: Api, customer: str
) -> None:
    yen = invoice(customer, currency="JPY", line_items=[
        {"name": "Seats", "unit_amount": 1234, "units_count": 3, "tax_rate": 10},
    ])  # fmt: skip
    dinar = invoice(customer, currency="KWD", tax_rate=5, line_items=[
        {"name": "Seats", "unit_amount": 1500, "units_count": 2},
        {"name": "Support", "unit_amount": 1001, "units_count": 1, "tax_rate": 0},
    ])  # fmt: skip
    batch_id = accepted(acme.post(HYPERLINE, {"invoices": [yen, dinar]}))
    drain_jobs(acme)

    made = outcome(acme, batch_id)["successes"]
    totals = [
        (m["currency"], m["amount_excluding_tax"], m["tax_amount"], m["total_amount"]) for m in made
    ]
    # 3,702 yen and 370 of tax (370.2); 3.000 + 1.001 dinars, and 5 % of the first only.
    assert totals == [("JPY", 3702, 370, 4072), ("KWD", 4001, 150, 4151)]
    dinars = native(acme, made[1]["id"])
    assert [row["unitPrice"] for row in dinars["rows"]] == [Decimal("1.500"), Decimal("1.001")]
    assert [row["taxRate"] for row in dinars["rows"]] == [Decimal("5"), Decimal("0")]
    assert dinars["totalWithTax"] == Decimal("4.151")


def test_a_coupon_is_spread_over_its_line_items_in_proportion_the_remainder_on_the_last(
    acme: Api, customer: str
) -> None:
    lines = [
        {"name": "A", "unit_amount": 10000, "units_count": 1, "tax_rate": 20},
        {"name": "B", "unit_amount": 20000, "units_count": 1, "tax_rate": 20},
        {"name": "C", "unit_amount": 5000, "units_count": 1, "tax_rate": 20},
    ]
    coupons = [
        {"discount_amount": 1000, "line_item_indexes": [0, 1]},  # 3.33 and 6.67
        {"discount_amount": 300},  # what is left of each: 0.85, 1.71 and the rest, 0.44
    ]
    batch_id = accepted(acme.post(HYPERLINE, {"invoices": [
        invoice(customer, line_items=lines, coupons=coupons),
    ]}))  # fmt: skip
    drain_jobs(acme)

    [made] = outcome(acme, batch_id)["successes"]
    rows = native(acme, made["id"])["rows"]
    assert [row["discount"] for row in rows] == [
        Decimal("4.18"),
        Decimal("8.38"),
        Decimal("0.44"),
    ]
    assert made["discount_amount"] == 1300
    # Net 95.82 + 191.62 + 49.56 = 337.00; tax 19.16 + 38.32 + 9.91 = 67.39, each row rounded.
    assert (made["amount_excluding_tax"], made["tax_amount"], made["total_amount"]) == (
        33700,
        6739,
        40439,
    )


def test_to_pay_takes_the_series_next_number_and_its_transactions_as_payments(
    acme: Api, customer: str
) -> None:
    today = NOW
    emitted = today.isoformat().replace("+00:00", "Z")
    due = (today + timedelta(days=30)).isoformat().replace("+00:00", "Z")
    long_due = (today - timedelta(days=40)).isoformat().replace("+00:00", "Z")
    part = {"amount": 5000, "process_at": emitted}
    items = [
        invoice(customer, status="to_pay", emitted_at=emitted, due_at=due, transactions=[part]),
        invoice(customer, status="to_pay", emitted_at=long_due, due_at=long_due),
        invoice(customer, batch_invoice_id="a-draft"),
    ]
    batch_id = accepted(acme.post(HYPERLINE, {"invoices": items}))
    drain_jobs(acme)

    partly, late, draft = outcome(acme, batch_id)["successes"]
    assert (partly["status"], partly["amount_paid"], partly["amount_due"]) == (
        "partially_paid",
        5000,
        7000,
    )
    assert late["status"] == "late" and late["amount_due"] == 12000
    assert (draft["status"], draft["number"], draft["batch_invoice_id"]) == (
        "draft",
        None,
        "a-draft",
    )
    first, second = native(acme, partly["id"]), native(acme, late["id"])
    assert first["status"] == "SENT" and second["status"] == "OVERDUE"
    assert {first["invoiceNumber"], second["invoiceNumber"]} == {partly["number"], late["number"]}
    assert partly["number"] != late["number"]
    # The series moved on: the next native invoice issued takes the number after both.
    issued = acme.patch(f"{NATIVE}/{draft['id']}/mark-as-sent", {})
    assert issued.status == 200, issued.body
    assert issued.json()["invoiceNumber"] not in {partly["number"], late["number"]}


def test_51_invoices_are_a_400_naming_the_limit_and_write_nothing(acme: Api, customer: str) -> None:
    body = assert_refused(acme.post(HYPERLINE, {"invoices": [invoice(customer)] * 51}), "invoices")
    assert any("50" in error["message"] for error in body["errors"])


LINE = "invoices[0].line_items[0]"
A_PAYMENT = {"amount": 100, "process_at": "2024-01-01T00:00:00Z"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda item: item.pop("customer_id"), "invoices[0].customer_id"),
        (lambda item: item.pop("line_items"), "invoices[0].line_items"),
        (lambda item: item["line_items"][0].pop("unit_amount"), f"{LINE}.unit_amount"),
        (lambda item: item["line_items"][0].update(unit_amount=10.5), f"{LINE}.unit_amount"),
        (lambda item: item["line_items"][0].update(tax_rate=101), f"{LINE}.tax_rate"),
        (lambda item: item.update(currency="XXY"), "invoices[0].currency"),
        (lambda item: item.update(status="voided"), "invoices[0].status"),
        (lambda item: item.update(type="credit_note"), "invoices[0].type"),
        (lambda item: item.update(transactions=[A_PAYMENT]), "invoices[0]"),  # on a draft
        (lambda item: item.update(coupons=[{"discount_amount": 1, "line_item_indexes": [-1]}]),
         "invoices[0].coupons[0].line_item_indexes[0]"),
        (lambda item: item.update(batch_invoice_id="same"), "invoices"),  # as the one before
    ],
)  # fmt: skip
def test_a_bad_or_missing_field_is_a_400_naming_it_and_writes_nothing(
    acme: Api, customer: str, change: Any, field: str
) -> None:
    item = invoice(customer)
    change(item)
    reply = acme.post(HYPERLINE, {"invoices": [invoice(customer, batch_invoice_id="same"), item]})
    assert_refused(reply, field.replace("invoices[0]", "invoices[1]", 1))


def kept_files() -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET_NAME).get("Contents", [])
    return [item["Key"] for item in listed]


def test_a_batch_id_sent_again_with_the_same_body_answers_the_first_batch(
    acme: Api, customer: str
) -> None:
    """The same body, however it is written (its keys in another order, other whitespace)."""
    body = {"invoices": [invoice(customer)], "batch_id": "nightly-2026-11-21"}
    assert accepted(acme.post(HYPERLINE, body)) == "nightly-2026-11-21"
    recorded, files = stored_items("acme", "BATCH#"), kept_files()
    rewritten = json.dumps(dict(reversed(body.items())), indent=4)
    json_type = {"Content-Type": "application/json"}

    again = acme.post(HYPERLINE, body=rewritten, headers=json_type)

    assert accepted(again) == "nightly-2026-11-21"
    assert again.headers["Location"] == "batch/nightly-2026-11-21"
    assert (stored_items("acme", "BATCH#"), kept_files()) == (recorded, files)
    assert drain_jobs(acme) == 1  # queued once
    done = outcome(acme, "nightly-2026-11-21")
    assert (done["invoices_count"], len(done["successes"])) == (1, 1)
    assert len(stored_items("acme", "INV#")) == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda body: body["invoices"].append(invoice(body["invoices"][0]["customer_id"])),
        lambda body: body["invoices"][0]["line_items"][0].update(unit_amount=10001),
        lambda body: body["invoices"][0].update(status="to_pay"),
        # Not kept, but said: the same batch_id names one body, every field of it.
        lambda body: body["invoices"][0]["line_items"][0].update(display_unit_amount=False),
    ],
)
def test_a_batch_id_sent_again_with_another_body_is_a_409_and_changes_nothing(
    acme: Api, customer: str, change: Any
) -> None:
    """As an Idempotency-Key reused with another request is refused: answering the first batch
    would drop what the second body says, unsaid."""
    body = {"invoices": [invoice(customer)], "batch_id": "nightly-2026-11-21"}
    assert accepted(acme.post(HYPERLINE, body)) == "nightly-2026-11-21"
    recorded, files = stored_items("acme", "BATCH#"), kept_files()
    other = json.loads(json.dumps(body))
    change(other)

    reply = acme.post(HYPERLINE, other)

    assert reply.status == 409, reply.body
    problem = reply.json()
    assert set(problem) == {"title", "detail", "time"}
    assert problem["title"] == "Conflict"
    assert problem["detail"].startswith(
        "Batch id nightly-2026-11-21 already names a batch queued with a different body"
    )
    assert (stored_items("acme", "BATCH#"), kept_files()) == (recorded, files)
    assert drain_jobs(acme) == 1  # the first request's, alone
    [made] = outcome(acme, "nightly-2026-11-21")["successes"]
    assert (made["status"], made["total_amount"]) == ("draft", 12000)  # as the first body said
    assert len(stored_items("acme", "INV#")) == 1


def test_a_batch_recorded_before_its_body_was_kept_answers_as_it_did(
    acme: Api, customer: str
) -> None:
    """No fingerprint to compare: the batch id is answered as it was, whatever the body."""
    body = {"invoices": [invoice(customer)], "batch_id": "older"}
    accepted(acme.post(HYPERLINE, body))
    [item] = stored_items("acme", "BATCH#")
    assert "fingerprint" in item
    del item["fingerprint"]
    boto3.client("dynamodb").put_item(TableName=TABLE_NAME, Item=item)

    other = {"invoices": [invoice(customer), invoice(customer)], "batch_id": "older"}
    assert accepted(acme.post(HYPERLINE, other)) == "older"

    assert drain_jobs(acme) == 1
    assert len(stored_items("acme", "INV#")) == 1


@pytest.mark.parametrize("same_body", [True, False])
def test_two_requests_racing_with_one_batch_id_never_mix_their_items(
    acme: Api, customer: str, monkeypatch: pytest.MonkeyPatch, same_body: bool
) -> None:
    """The second request read no batch under the id just before the first recorded it: it
    keeps its items apart, loses the conditional write, deletes its items, and answers the
    first batch when it said the same, a 409 when it said something else."""
    first = {"invoices": [invoice(customer, batch_invoice_id="first")], "batch_id": "raced"}
    accepted(acme.post(HYPERLINE, first))
    read = DynamoBatchRepository.get
    reads: list[str] = []

    def first_read_misses(self: DynamoBatchRepository, tenant_id: str, batch_id: str) -> Any:
        reads.append(batch_id)
        return None if len(reads) == 1 else read(self, tenant_id, batch_id)

    monkeypatch.setattr(DynamoBatchRepository, "get", first_read_misses)
    items = [invoice(customer, batch_invoice_id=key) for key in ("second", "third")]
    second = first if same_body else {"invoices": items, "batch_id": "raced"}
    reply = acme.post(HYPERLINE, second)
    monkeypatch.setattr(DynamoBatchRepository, "get", read)

    if same_body:
        assert accepted(reply) == "raced"
    else:
        assert reply.status == 409, reply.body
    assert len(reads) == 2  # it read the batch again after losing the write
    kept = boto3.client("s3").list_objects_v2(Bucket=BUCKET_NAME, Prefix="acme/batches/raced/")
    assert len(kept["Contents"]) == 1  # the second request's items were deleted, not used

    assert drain_jobs(acme) == 1
    done = outcome(acme, "raced")
    assert [m["batch_invoice_id"] for m in done["successes"]] == ["first"]
    assert len(stored_items("acme", "INV#")) == 1


def test_a_batch_without_an_id_gets_a_new_one(acme: Api, customer: str) -> None:
    reply = acme.post(HYPERLINE, {"invoices": [invoice(customer)]})
    assert_documented(reply.json(), DOCUMENTED_ANSWER)  # a UUID, as the document's
    first = accepted(reply)
    second = accepted(acme.post(HYPERLINE, {"invoices": [invoice(customer)]}))
    assert first != second
    assert drain_jobs(acme) == 2


def test_a_chunk_taken_again_creates_nothing_twice(acme: Api, customer: str) -> None:
    """As if the worker died after creating the invoices and before recording them; the item
    to pay without a number of its own is not numbered twice either."""
    items = [invoice(customer), invoice(customer, status="to_pay")]
    batch_id = accepted(acme.post(HYPERLINE, {"invoices": items}))
    (chunk,) = queued_chunks()
    take_chunk_dying_before_its_progress(acme, chunk)
    assert len(stored_items("acme", "INV#")) == 2
    assert outcome(acme, batch_id)["processed_count"] == 0
    take_chunk(acme, chunk)

    done = outcome(acme, batch_id)
    assert [m["status"] for m in done["successes"]] == ["draft", "to_pay"]
    assert len(stored_items("acme", "INV#")) == 2
    counts = exact_json(acme.get(f"{NATIVE}/count-by-status").body)
    assert (counts["DRAFT"], counts["SENT"]) == (1, 1)


def test_a_customer_of_another_tenant_fails_its_item_and_leaks_nothing(
    acme: Api, globex: Api, customer: str
) -> None:
    theirs = new_customer(globex, "Globex Secret Customer")
    items = [invoice(customer), invoice(theirs, batch_invoice_id="theirs"), invoice("no-such")]
    batch_id = accepted(acme.post(HYPERLINE, {"invoices": items}))
    drain_jobs(acme)

    done = outcome(acme, batch_id)
    assert [m["index"] for m in done["successes"]] == [0]
    assert [(e["index"], e["batch_invoice_id"]) for e in done["errors"]] == [
        (1, "theirs"),
        (2, None),
    ]
    for error in done["errors"]:
        assert error["error"]["errors"] == [
            {
                "field": f"invoices[{error['index']}].customer_id",
                "message": "names no customer of yours",
            }
        ]
    assert "Globex" not in str(done)
    assert len(stored_items("acme", "INV#")) == 1 and stored_items("globex", "INV#") == []


def test_a_batch_is_its_tenants_and_of_its_kind_only(acme: Api, globex: Api, customer: str) -> None:
    batch_id = accepted(acme.post(HYPERLINE, {"invoices": [invoice(customer)], "batch_id": "b-1"}))
    drain_jobs(acme)

    assert globex.get(f"{HYPERLINE}/{batch_id}").status == 404
    assert acme.get(f"{NATIVE}/batches/{batch_id}").status == 404  # not a native batch
    # The same id is globex's own to use, with a body of its own (no 409: acme's batch is not
    # globex's to be compared with), and makes globex's batch.
    theirs = new_customer(globex)
    assert (
        accepted(globex.post(HYPERLINE, {"invoices": [invoice(theirs)], "batch_id": "b-1"}))
        == "b-1"
    )
    drain_jobs(globex)
    assert len(outcome(globex, "b-1")["successes"]) == 1
    assert len(stored_items("globex", "INV#")) == 1
    assert len(outcome(acme, "b-1")["successes"]) == 1
    # A native batch's id is not Hyperline's to reuse, nor the other way round.
    native_batch = acme.post(f"{NATIVE}/batch?async=true", {"invoices": [{}]}).json()["batchId"]
    taken = acme.post(HYPERLINE, {"invoices": [invoice(customer)], "batch_id": native_batch})
    assert taken.status == 409, taken.body
    assert acme.get(f"{HYPERLINE}/{native_batch}").status == 404
    assert acme.get(f"{HYPERLINE}/no-such-batch").status == 404


def test_it_takes_a_bearer_token_or_api_key_and_nothing_less(api: Api, customer: str) -> None:
    body = {"invoices": [invoice(customer)]}
    refused = api.post(HYPERLINE, body)
    assert refused.status == 401
    assert stored_items("acme", "BATCH#") == [] and queued_chunks() == []
    key = create_api_key("acme", created_by="test", repo=get_deps().api_keys, clock=SystemClock())
    keyed = api.with_headers({"Authorization": f"Bearer {key}"})
    batch_id = accepted(keyed.post(HYPERLINE, body))
    assert keyed.get(f"{HYPERLINE}/{batch_id}").json()["invoices_count"] == 1


def test_each_request_makes_exactly_its_budgeted_calls(
    acme: Api, customer: str, dynamo_calls: DynamoCalls
) -> None:
    acme.post(NATIVE, {})  # reads the tenant's defaults
    batch_id = accepted(acme.post(HYPERLINE, {"invoices": [invoice(customer)]}))
    drain_jobs(acme)
    for method, _, path, payload, operations in CALLS:
        dynamo_calls.reset()
        reply = acme.request(method, path.format(batch=batch_id), payload)
        assert reply.status in (200, 202), reply.body
        assert dynamo_calls.operations == operations, path
    assert get_deps().settings.table_name == TABLE_NAME


# Queueing checks the batch id is free and records the batch; reading it is one read of the
# batch and one of the invoices it made.
CALLS: list[tuple[str, str, str, Any, list[str]]] = [
    ("POST", "/compat/hyperline/v2/invoices/batch", HYPERLINE,
     {"invoices": [{"customer_id": "c", "line_items": [{"unit_amount": 1}]}]},
     ["GetItem", "PutItem"]),
    ("GET", "/compat/hyperline/v2/invoices/batch/{batch_id}", f"{HYPERLINE}/{{batch}}", None,
     ["GetItem", "BatchGetItem"]),
]  # fmt: skip
ROUTES = {(method, route) for method, route, *_ in CALLS}


def test_the_worker_makes_50_paid_invoices_in_a_few_calls(
    acme: Api, customer: str, dynamo_calls: DynamoCalls
) -> None:
    """No call per invoice, and no Scan."""
    items = [
        invoice(customer, status="paid", number=f"HL-{n}", batch_invoice_id=f"i-{n}")
        for n in range(50)
    ]
    batch_id = accepted(acme.post(HYPERLINE, {"invoices": items}))
    (chunk,) = queued_chunks()
    dynamo_calls.reset()
    take_chunk(acme, chunk)

    assert dynamo_calls.operations == [
        "GetItem",  # the batch
        "GetItem",  # the tenant's settings, read at most a minute ago
        "BatchGetItem",  # the customers, once for the 50 invoices
        # 48 invoices, the items that hold their numbers, the customer, the counter's check and
        # the tenant's figures; then the last 2 (one transaction holds 100 writes: 0057)
        "TransactWriteItems",
        "TransactWriteItems",
        "PutItem",  # the batch's results, over the version read
    ]
    done = outcome(acme, batch_id)
    assert [m["number"] for m in done["successes"]] == [f"HL-{n}" for n in range(50)]
    assert {m["status"] for m in done["successes"]} == {"paid"}


def test_each_invoice_numbered_from_the_series_is_written_with_the_counter(
    acme: Api, customer: str, dynamo_calls: DynamoCalls
) -> None:
    items = [invoice(customer, status="to_pay"), invoice(customer, status="to_pay")]
    accepted(acme.post(HYPERLINE, {"invoices": items}))
    (chunk,) = queued_chunks()
    dynamo_calls.reset()
    take_chunk(acme, chunk)

    # Never a draft first: the counter and settings, then the invoice with the counter.
    created_issued = ["BatchGetItem", "TransactWriteItems"]
    assert dynamo_calls.operations == [
        "GetItem",  # the batch
        "GetItem",  # the settings
        "BatchGetItem",  # the customer
        *created_issued,
        *created_issued,
        "PutItem",  # the results
    ]


def test_an_import_reminds_no_one_of_the_steps_that_passed_before_it(
    api: Api, acme: Api, customer: str
) -> None:
    """With the default steps (3 days before the due date, 1, 7 and 14 after), an invoice due 5
    days ago waits for day +7, and one due 40 days ago for nothing: the next reminder run
    emails no one."""
    today = NOW.date()

    def due_days_ago(days: int) -> Json:
        due = (today - timedelta(days=days)).isoformat()
        return invoice(
            customer, status="to_pay", emitted_at=f"{due}T00:00:00Z", due_at=f"{due}T00:00:00Z"
        )

    batch_id = accepted(acme.post(HYPERLINE, {"invoices": [due_days_ago(5), due_days_ago(40)]}))
    drain_jobs(acme)

    recent, old = (native(acme, m["id"]) for m in outcome(acme, batch_id)["successes"])
    assert recent["nextReminderAt"] == f"{today + timedelta(days=2)}T00:00:00.000Z"
    assert old["nextReminderAt"] is None
    assert run_job(api, Job.REMINDERS, NOW)["done"] == 0
