"""The issue-3 cases: issuing, cancelling and paying an invoice, each plain and with an
Idempotency-Key, and a keyed request replayed. Invoices are brought into the state a request
needs before its timing starts."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

from bench.harness import Call, json_call
from bench.workload import API, Bench, Case

KEY_HEADER = "Idempotency-Key"
# Powertools' record of a key: a conditional PutItem before the work, an UpdateItem after it.
KEYED_CALLS = 2
# Sent invoices that payments go to in turn: issuing costs a transaction, which moto makes slow.
POOL_SIZE = 10
# Keyed requests one process serves before the reads of the last case (see reads_after_keyed).
KEYED_BEFORE_READS = 500

Builder = Callable[[Bench, int], list[Call]]


def action(b: Bench, method: str, invoice_id: str, name: str, status: int = 200) -> Call:
    return Call(method, f"{API}/{invoice_id}/{name}", status, b.auth)


def payment(b: Bench, invoice_id: str) -> Call:
    """A payment of a few cents: a pool invoice takes hundreds before its balance runs out."""
    body = {"amount": b.rng.choice([0.01, 0.02, 0.05]), "paymentMethod": "BANK_TRANSFER"}
    path = f"{API}/{invoice_id}/add-payment"
    return json_call("PATCH", path, body, headers=b.auth, expected_status=200)


def sent_pool(b: Bench) -> list[str]:
    ids = [b.fresh_invoice()["id"] for _ in range(POOL_SIZE)]
    for invoice_id in ids:
        b.send(action(b, "PATCH", invoice_id, "mark-as-sent"))
    return ids


def marks_as_sent(b: Bench, n: int) -> list[Call]:
    """Each on a new draft, so each takes the next number in a transaction with the counter."""
    drafts = [b.fresh_invoice()["id"] for _ in range(n)]
    return [action(b, "PATCH", invoice_id, "mark-as-sent") for invoice_id in drafts]


def cancels(b: Bench, n: int) -> list[Call]:
    drafts = [b.fresh_invoice()["id"] for _ in range(n)]
    return [action(b, "PATCH", invoice_id, "cancel") for invoice_id in drafts]


def payments(b: Bench, n: int) -> list[Call]:
    pool = sent_pool(b)
    return [payment(b, pool[i % POOL_SIZE]) for i in range(n)]


def payment_removals(b: Bench, n: int) -> list[Call]:
    pool = sent_pool(b)
    calls = []
    for i in range(n):
        invoice_id = pool[i % POOL_SIZE]
        paid: dict[str, Any] = b.send(payment(b, invoice_id))
        transaction_id = paid["transactions"][-1]["id"]
        calls.append(action(b, "DELETE", invoice_id, f"{transaction_id}/remove-payment", 204))
    return calls


def marks_as_paid(b: Bench, n: int) -> list[Call]:
    """Pool invoices start paid; each is unmarked, untimed, right before it is marked again."""
    pool = sent_pool(b)
    for invoice_id in pool:
        b.send(action(b, "PATCH", invoice_id, "mark-as-paid"))
    return [
        dataclasses.replace(
            action(b, "PATCH", pool[i % POOL_SIZE], "mark-as-paid"),
            prepare=(action(b, "PATCH", pool[i % POOL_SIZE], "unmark-as-paid"),),
        )
        for i in range(n)
    ]


def unmarks_as_paid(b: Bench, n: int) -> list[Call]:
    """Each pool invoice is marked as paid, untimed, right before it is unmarked."""
    pool = sent_pool(b)
    return [
        dataclasses.replace(
            action(b, "PATCH", pool[i % POOL_SIZE], "unmark-as-paid"),
            prepare=(action(b, "PATCH", pool[i % POOL_SIZE], "mark-as-paid"),),
        )
        for i in range(n)
    ]


def keyed(builder: Builder) -> Builder:
    """The same requests, each with its own Idempotency-Key (seeded, so runs repeat)."""

    def calls(b: Bench, n: int) -> list[Call]:
        return [
            dataclasses.replace(call, headers={**call.headers, KEY_HEADER: new_key(b)})
            for call in builder(b, n)
        ]

    return calls


def replayed(builder: Builder) -> Builder:
    """Keyed requests already sent once, before timing: what is timed is the client's retry."""

    def calls(b: Bench, n: int) -> list[Call]:
        first = keyed(builder)(b, n)
        for call in first:
            b.send(call)
        return first

    return calls


def reads(b: Bench, n: int) -> list[Call]:
    return [Call("GET", f"{API}/find/{b.pick(i)}", 200, b.auth) for i in range(n)]


def reads_after_keyed(b: Bench, n: int) -> list[Call]:
    """Reads by id in a process that has served keyed requests before: each keyed request leaves
    one more handler on the app's DynamoDB client, which every later call runs."""
    for _ in range(KEYED_BEFORE_READS):
        b.send(Call("POST", f"{API}/empty", 201, {**b.auth, KEY_HEADER: new_key(b)}))
    return reads(b, n)


def new_key(b: Bench) -> str:
    return str(uuid.UUID(int=b.rng.getrandbits(128), version=4))


def plain_and_keyed(endpoint: str, bar: int, builder: Builder) -> tuple[Case, Case]:
    return (
        Case(endpoint, bar, builder),
        Case(f"{endpoint} with `Idempotency-Key`", bar + KEYED_CALLS, keyed(builder)),
    )


ISSUE_3_CASES = (
    *plain_and_keyed("`PATCH /invoices/{invoiceId}/mark-as-sent` (draft)", 2, marks_as_sent),
    *plain_and_keyed("`PATCH /invoices/{invoiceId}/cancel` (draft)", 2, cancels),
    *plain_and_keyed("`PATCH /invoices/{invoiceId}/add-payment`", 2, payments),
    *plain_and_keyed(
        "`DELETE /invoices/{invoiceId}/{transactionId}/remove-payment`", 2, payment_removals
    ),
    *plain_and_keyed("`PATCH /invoices/{invoiceId}/mark-as-paid`", 2, marks_as_paid),
    *plain_and_keyed("`PATCH /invoices/{invoiceId}/unmark-as-paid`", 2, unmarks_as_paid),
    Case("`PATCH /invoices/{invoiceId}/add-payment`, replayed (same key)", 1, replayed(payments)),
    Case("`GET /invoices/find/{invoiceId}` in a fresh process", 1, reads),
    Case(
        f"`GET /invoices/find/{{invoiceId}}` after {KEYED_BEFORE_READS} keyed requests",
        1,
        reads_after_keyed,
    ),
)
