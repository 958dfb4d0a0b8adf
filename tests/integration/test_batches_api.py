"""Batches of invoices through HTTP and the jobs' worker: each item stands alone unless the batch
is atomic, an externalId never makes a second invoice, and a queued batch is created once
however often the worker takes it. Another tenant sees none of it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest

from chalicelib.bootstrap import get_deps
from invoicing_cli.local import BUCKET_NAME, TABLE_NAME
from tests.figures import exact_json
from tests.support import (
    Api,
    DynamoCalls,
    drain_jobs,
    queued_chunks,
    take_chunk,
    take_chunk_dying_before_its_progress,
)

INVOICES = "/api/v1/invoices"
BATCH = f"{INVOICES}/batch"
Json = dict[str, Any]


def body(n: int = 1, **fields: Any) -> Json:
    return {
        "currency": "EUR",
        "invoiceDate": "2026-11-02",
        "paymentTermDays": 30,
        "rows": [{"description": f"Consulting {n}", "quantity": "1.5", "unitPrice": "33.33",
                  "taxRate": 19}],
        **fields,
    }  # fmt: skip


def ok(reply: Any, status: int = 200) -> Json:
    assert reply.status == status, reply.body
    answered: Json = exact_json(reply.body)
    return answered


def stored_invoices(tenant: str) -> list[Json]:
    table = boto3.resource("dynamodb").Table(TABLE_NAME)
    reply = table.query(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :inv)",
        ExpressionAttributeValues={":pk": f"T#{tenant}", ":inv": "INV#"},
    )
    return [dict(item) for item in reply["Items"]]


def test_each_item_stands_alone_with_its_own_result(acme: Api) -> None:
    bad = body(2, rows=[{"quantity": "many", "unitPrice": 1}])
    reply = ok(acme.post(BATCH, {"invoices": [body(1), bad, body(3, externalId="erp-3")]}))

    assert (reply["created"], reply["duplicate"], reply["failed"]) == (2, 0, 1)
    first, failed, third = reply["results"]
    assert first["status"] == "created" and first["index"] == 0
    invoice = first["invoice"]
    # 1.5 x 33.33 = 49.995 -> 50.00; tax 19% of 50.00 = 9.50
    assert invoice["totalExcludingTax"] == Decimal("50.00")
    assert invoice["totalTax"] == Decimal("9.50")
    assert invoice["total"] == Decimal("59.50")
    assert invoice["status"] == "DRAFT"
    assert failed["status"] == "failed" and "invoice" not in failed
    assert failed["error"]["status"] == 400
    assert failed["error"]["errors"][0]["field"] == "invoices[1].rows[0].quantity"
    assert third["externalId"] == "erp-3"
    assert third["invoice"]["externalId"] == "erp-3"
    stored = {item["id"] for item in stored_invoices("acme")}
    assert stored == {first["invoice"]["id"], third["invoice"]["id"]}
    assert ok(acme.get(f"{INVOICES}/find/{invoice['id']}")) == invoice


def test_an_external_id_sent_again_returns_the_invoice_made_the_first_time(
    acme: Api, globex: Api
) -> None:
    first = ok(acme.post(BATCH, {"invoices": [body(1, externalId="erp-1")]}))["results"][0]
    again = ok(acme.post(BATCH, {"invoices": [body(9, externalId="erp-1"), body(2)]}))
    repeat = ok(acme.post(BATCH, {"invoices": [body(5, externalId="erp-5")] * 3}))

    assert again["results"][0]["status"] == "duplicate"
    assert again["results"][0]["invoice"] == first["invoice"]  # the first body, not the second
    assert [r["status"] for r in repeat["results"]] == ["created", "duplicate", "duplicate"]
    assert len({r["invoice"]["id"] for r in repeat["results"]}) == 1
    assert len(stored_invoices("acme")) == 3
    counts = ok(acme.get(f"{INVOICES}/count-by-status"))
    assert counts["DRAFT"] == 3
    # The same externalId is another tenant's own invoice.
    theirs = ok(globex.post(BATCH, {"invoices": [body(1, externalId="erp-1")]}))["results"][0]
    assert theirs["status"] == "created"
    assert theirs["invoice"]["id"] != first["invoice"]["id"]
    assert len(stored_invoices("acme")) == 3


def test_a_single_create_with_an_external_id_is_idempotent(acme: Api) -> None:
    created = acme.post(INVOICES, body(1, externalId="erp-7"))
    again = acme.post(INVOICES, body(2, externalId="erp-7"))

    assert created.status == 201 and again.status == 200
    assert ok(again) == ok(created, 201)
    assert again.headers["Location"] == f"invoices/find/{ok(created, 201)['id']}"
    assert len(stored_invoices("acme")) == 1


def test_an_atomic_batch_with_one_bad_item_writes_nothing(acme: Api) -> None:
    bad = body(2, paymentTermDays=400)
    reply = acme.post(BATCH, {"atomic": True, "invoices": [body(1), bad, body(3)]})

    assert reply.status == 400
    assert [e["field"] for e in reply.json()["errors"]] == ["invoices[1].paymentTermDays"]
    assert stored_invoices("acme") == []
    assert ok(acme.get(f"{INVOICES}/count-by-status"))["DRAFT"] == 0


def test_an_atomic_batch_is_written_in_one_transaction(
    acme: Api, dynamo_calls: DynamoCalls
) -> None:
    items = [body(n, externalId=f"erp-{n}") for n in range(99)]
    ok(acme.post(BATCH, {"atomic": True, "invoices": items[:1]}))  # erp-0 exists already
    dynamo_calls.reset()

    reply = ok(acme.post(BATCH, {"atomic": True, "invoices": items}))

    assert [r["status"] for r in reply["results"]] == ["duplicate"] + ["created"] * 98
    assert dynamo_calls.by_operation["TransactWriteItems"] == 1
    assert len(stored_invoices("acme")) == 99
    assert ok(acme.get(f"{INVOICES}/count-by-status"))["DRAFT"] == 99


def test_an_atomic_batch_larger_than_one_transaction_is_refused(acme: Api) -> None:
    reply = acme.post(BATCH, {"atomic": True, "invoices": [body(n) for n in range(100)]})

    assert reply.status == 400
    assert reply.json()["errors"][0]["field"] == "invoices"
    assert "at most 99" in reply.json()["errors"][0]["message"]
    assert stored_invoices("acme") == []


def test_a_batch_of_100_new_invoices_costs_at_most_8_calls(
    acme: Api, dynamo_calls: DynamoCalls
) -> None:
    items = [body(n, externalId=f"erp-{n}") for n in range(100)]
    dynamo_calls.reset()

    reply = ok(acme.post(BATCH, {"invoices": items}))

    assert reply["created"] == 100
    calls = dynamo_calls.by_operation
    assert sum(calls.values()) <= 8, calls
    # The tenant's defaults (read at most once a minute), the externalIds in one read, and two
    # transactions of 99 and 1 invoices, each with the tenant's figures.
    assert calls == {"GetItem": 1, "BatchGetItem": 1, "TransactWriteItems": 2}
    stored = stored_invoices("acme")
    assert len(stored) == 100 and len({item["externalId"] for item in stored}) == 100
    figures = ok(acme.get(f"{INVOICES}/count-by-status"))
    assert figures["DRAFT"] == 100


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "invoices"),
        ({"invoices": []}, "invoices"),
        ({"invoices": [body()] * 1001}, "invoices"),
        ({"invoices": "all of them"}, "invoices"),
        ({"invoices": [body()], "atomic": "maybe"}, "atomic"),
    ],
)
def test_a_bad_batch_is_refused_whole(acme: Api, payload: Json, field: str) -> None:
    reply = acme.post(BATCH, payload)

    assert reply.status == 400
    assert reply.json()["errors"][0]["field"] == field
    assert stored_invoices("acme") == []
    assert queued_chunks() == []


def test_a_queued_batch_is_created_by_the_worker_and_reported(acme: Api, globex: Api) -> None:
    items = [body(1, externalId="erp-1"), body(2, rows=[{"quantity": 1}]), body(3)]
    accepted = acme.post(f"{BATCH}?async=true", {"invoices": items})
    batch = ok(accepted, 202)
    location = accepted.headers["Location"]

    assert batch["status"] == "QUEUED" and batch["total"] == 3 and batch["processed"] == 0
    assert location == f"batches/{batch['batchId']}"
    assert stored_invoices("acme") == []
    assert globex.get(f"{INVOICES}/{location}").status == 404

    assert drain_jobs(acme) == 1
    done = ok(acme.get(f"{INVOICES}/{location}"))

    assert done["status"] == "COMPLETED" and done["processed"] == 3
    assert (done["created"], done["duplicate"], done["failed"]) == (2, 0, 1)
    first, failed, third = done["results"]
    assert first["externalId"] == "erp-1" and first["status"] == "created"
    assert failed["error"]["errors"][0]["field"] == "invoices[1].rows[0].unitPrice"
    stored = {item["id"]: item for item in stored_invoices("acme")}
    assert set(stored) == {first["invoiceId"], third["invoiceId"]}
    assert stored[third["invoiceId"]]["total"] == Decimal("59.50")
    assert globex.get(f"{INVOICES}/find/{third['invoiceId']}").status == 404
    # Every item has its result: the items themselves are no longer kept.
    kept = boto3.client("s3").list_objects_v2(Bucket=BUCKET_NAME, Prefix="acme/batches/")
    assert kept.get("Contents", []) == []


def test_a_queued_batch_taken_again_creates_nothing_twice(acme: Api) -> None:
    """As if the worker died after creating the invoices and before recording them."""
    batch = ok(acme.post(f"{BATCH}?async=true", {"invoices": [body(n) for n in range(3)]}), 202)
    (chunk,) = queued_chunks()
    take_chunk_dying_before_its_progress(acme, chunk)
    assert len(stored_invoices("acme")) == 3
    assert ok(acme.get(f"{INVOICES}/batches/{batch['batchId']}"))["processed"] == 0

    take_chunk(acme, chunk)
    take_chunk(acme, chunk)

    again = ok(acme.get(f"{INVOICES}/batches/{batch['batchId']}"))
    assert again["status"] == "COMPLETED"
    assert [r["status"] for r in again["results"]] == ["created"] * 3
    assert len(stored_invoices("acme")) == 3
    assert ok(acme.get(f"{INVOICES}/count-by-status"))["DRAFT"] == 3


def test_more_than_100_invoices_are_queued_and_created_in_chunks(acme: Api) -> None:
    batch = ok(acme.post(BATCH, {"invoices": [body(n) for n in range(150)]}), 202)

    drain_jobs(acme)

    done = ok(acme.get(f"{INVOICES}/batches/{batch['batchId']}"))
    assert (done["status"], done["processed"], done["created"]) == ("COMPLETED", 150, 150)
    assert [r["index"] for r in done["results"]] == list(range(150))
    assert len(stored_invoices("acme")) == 150


# What each batch request costs, warm (the tenant's defaults read within the minute): a synchronous
# batch reads the invoices its externalIds name in one call and writes up to 99 new ones per
# transaction; queueing one checks its id and records it; its progress is one read.
CALLS: list[tuple[str, str, str, Any, list[str]]] = [
    ("POST", "/invoices/batch", BATCH, {"invoices": [body(1, externalId="e-1"), body(2)]},
     ["BatchGetItem", "TransactWriteItems"]),
    ("POST", "/invoices/batch", BATCH, {"invoices": [body(1), body(2)]}, ["TransactWriteItems"]),
    ("POST", "/invoices/batch", f"{BATCH}?async=true", {"invoices": [body(1)]},
     ["GetItem", "PutItem"]),
    ("GET", "/invoices/batches/{batchId}", f"{INVOICES}/batches/{{batch}}", None, ["GetItem"]),
]  # fmt: skip
ROUTES = {(method, route) for method, route, *_ in CALLS}


def test_each_batch_request_makes_exactly_its_budgeted_calls(
    acme: Api, dynamo_calls: DynamoCalls
) -> None:
    acme.post(INVOICES, body())  # reads the tenant's defaults
    batch = ok(acme.post(f"{BATCH}?async=true", {"invoices": [body()]}), 202)
    for method, _, path, payload, operations in CALLS:
        dynamo_calls.reset()
        reply = acme.request(method, path.format(batch=batch["batchId"]), payload)
        assert reply.status in (200, 202), reply.body
        assert dynamo_calls.operations == operations, path


def test_an_unknown_batch_is_not_found(acme: Api) -> None:
    assert acme.get(f"{INVOICES}/batches/no-such-batch").status == 404
    assert acme.get(f"{INVOICES}/batches/{'x' * 70}").status == 404
    assert get_deps().settings.table_name == TABLE_NAME


def test_a_batch_whose_items_are_gone_fails_in_the_worker_instead_of_looping(acme: Api) -> None:
    batch = ok(acme.post(f"{BATCH}?async=true", {"invoices": [body(1)]}), 202)
    s3 = boto3.client("s3")
    for item in s3.list_objects_v2(Bucket=BUCKET_NAME, Prefix="acme/batches/")["Contents"]:
        s3.delete_object(Bucket=BUCKET_NAME, Key=item["Key"])
    (chunk,) = queued_chunks()

    take_chunk(acme, chunk)  # the item fails and goes back to the queue, to be dead-lettered

    waiting = ok(acme.get(f"{INVOICES}/batches/{batch['batchId']}"))
    assert (waiting["status"], waiting["processed"]) == ("QUEUED", 0)
    assert stored_invoices("acme") == []
