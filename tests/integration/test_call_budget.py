"""What each request costs in DynamoDB calls: the issue's bars, counted, never timed.

Issue 2: a read by id or a create is 1 call; a change is a read and a conditional write (2).
Issue 3: a state change or payment costs one TransactWriteItems or one conditional write after
its read (2 calls), plus the idempotency record's own calls when the request carries an
Idempotency-Key: Powertools' conditional PutItem of the in-progress record before the work and
its UpdateItem of the completed one after it. A replay costs that one PutItem, which fails and
returns the stored record."""

from __future__ import annotations

import re
import subprocess
import sys
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.api.idempotency import READ_ONLY_ROUTES
from chalicelib.bootstrap import get_deps
from chalicelib.domain.invoice import InvoiceStatus
from chalicelib.domain.values import new_id
from invoicing_cli.local import PROJECT_DIR, TABLE_NAME
from tests.figures import load_straight
from tests.integration import test_api_keys_api as api_keys_api
from tests.integration import test_batches_api as batches_api
from tests.integration import test_compat_hyperline as compat_hyperline
from tests.integration import test_documents_calls as documents_calls
from tests.integration import test_einvoices_api as einvoices_api
from tests.integration import test_webhooks_api as webhooks_api
from tests.support import Api, DynamoCalls, Reply, api_path, api_routes, drain_jobs, filled

BASE = "/api/v1/invoices"
CLIENTS = "/api/v1/clients"
CONTRACTS = "/api/v1/contracts"
ROW = {"description": "Item", "quantity": 2, "unitPrice": 10, "taxRate": 20}
# "{client}" is filled in with the id of a client prepare() made, as in a path.
CONTRACT = {"clientId": "{client}", "currency": "EUR", "activationAt": "2026-01-01", "items": [ROW]}
HEFFL = "/compat/heffl/api/v1/invoices"
HEFFL_BODY = {
    "clientId": "{client}",
    "date": "2026-11-21T10:00:00Z",
    "dueDate": "2026-12-05T10:00:00Z",
    "lineItems": [{"name": "Item", "quantity": 2, "price": 10, "discount": 5}],
}
HEVN = "/compat/hevn/api/v1/invoices/documents/contracts/invoices/batch_invoicing"
HEVN_BODY = [{"contractId": "{contract}", "items": [{}], "period": 0}]
LEANPAY = "/compat/leanpay/v1/public/invoices/batch"
LEANPAY_INVOICE = {
    "clientId": "{client}",
    "reference": "LP-1",
    "amount": 119,
    "netAmount": 100,
    "issueDate": "2026-11-21",
    "dueDate": "2026-12-21",
    "externalId": "lp-1",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CREDIT = {"reason": "Returned", "rows": [{"rowId": "{row}", "quantity": 1}]}
NOTE = "/api/v1/credit-notes/{note}"
# Powertools' record of an Idempotency-Key: put in progress before the work, completed after.
KEYED_BEFORE, KEYED_AFTER = ["PutItem"], ["UpdateItem"]


@dataclass(frozen=True)
class Budget:
    name: str
    method: str
    route: str  # as registered under /api/v1, to prove every route has a budget
    path: str  # under /api/v1/invoices, with {id}, {row}, {tx} and {other} from prepare()
    operations: list[str]  # exactly the DynamoDB calls one request makes, in order
    body: Any = None
    state: str = "draft"  # what the invoice must be for the request to succeed


BUDGETS = [
    # A write that moves the tenant's figures (a status, an amount) carries their change in the
    # same transaction; one that moves none (a note, a draft's rows) is a single PutItem.
    Budget("create", "POST", "/invoices", "", ["TransactWriteItems"], {"rows": [ROW]}),
    # Naming a client adds its count's update to the same transaction: still one call.
    Budget(
        "create naming a client",
        "POST",
        "/invoices",
        "",
        ["TransactWriteItems"],
        {"clientId": "{client}", "rows": [ROW]},
    ),
    Budget("create empty", "POST", "/invoices/empty", "/empty", ["TransactWriteItems"]),
    Budget("read by id", "GET", "/invoices/find/{invoiceId}", "/find/{id}", ["GetItem"]),
    Budget("find ids", "GET", "/invoices/find", "/find?ids={id},x", ["BatchGetItem"]),
    Budget("find list", "GET", "/invoices/find-list", "/find-list?ids={id}", ["BatchGetItem"]),
    Budget("find-all page", "GET", "/invoices/find-all", "/find-all?limit=2", ["Query"]),
    # Issue 17: without limit or cursor, every invoice: one Query per page of 500 (one here).
    Budget("find-all whole", "GET", "/invoices/find-all", "/find-all", ["Query"]),
    # Issue 4: the tenant's figures are read from their 8 shard items in one BatchGetItem.
    Budget(
        "count by status",
        "GET",
        "/invoices/count-by-status",
        "/count-by-status",
        ["BatchGetItem"],
    ),
    Budget("stats", "GET", "/invoices/stats", "/stats", ["BatchGetItem"]),
    Budget("date range", "GET", "/invoices/date-range", "/date-range", ["Query", "Query"]),
    Budget(
        "by opportunity",
        "GET",
        "/invoices/by-opportunity/{opportunityId}",
        "/by-opportunity/deal",
        ["Query", "BatchGetItem"],
    ),
    Budget(
        "with recurring agreements",
        "GET",
        "/invoices/with-recurring-drafts",
        "/with-recurring-drafts",
        ["Query", "BatchGetItem"],
    ),
    # Issue 4: a page reads the figures for its total (no filter but status), one page of the
    # sort field's index and the page's invoices; nothing in proportion to the tenant's size.
    Budget(
        "page by created",
        "GET",
        "/invoices/page",
        "/page?pageSize=2",
        ["BatchGetItem", "Query", "BatchGetItem"],
    ),
    Budget(
        "dynamic search by query",
        "GET",
        "/invoices/dynamic-search",
        "/dynamic-search?size=2&sort=total,desc",
        ["BatchGetItem", "Query", "BatchGetItem"],
    ),
    Budget(
        "dynamic search by body",
        "POST",
        "/invoices/dynamic-search",
        "/dynamic-search",
        ["BatchGetItem", "Query", "BatchGetItem"],
        {"size": 2, "sort": [{"field": "dueDate", "ascending": False}]},
    ),
    # The export reads every match's keys (one Query per MB of index) and the invoices in
    # BatchGetItems of 100, and no total.
    Budget("csv export", "GET", "/invoices/csv-export", "/csv-export", ["Query", "BatchGetItem"]),
    Budget(
        "link opportunity",
        "PATCH",
        "/invoices/{invoiceId}/link-opportunity/{opportunityId}",
        "/{id}/link-opportunity/deal",
        ["GetItem", "PutItem"],
    ),
    Budget(
        "update",
        "PATCH",
        "/invoices/{invoiceId}/update",
        "/{id}/update",
        ["GetItem", "PutItem"],
        {"note": "n"},
    ),
    # A draft that names another client moves the clients' counts with it: one transaction.
    Budget(
        "update naming a client",
        "PATCH",
        "/invoices/{invoiceId}/update",
        "/{id}/update",
        ["GetItem", "TransactWriteItems"],
        {"clientId": "{client}"},
    ),
    Budget(
        "add row", "POST", "/invoices/{invoiceId}/rows", "/{id}/rows", ["GetItem", "PutItem"], ROW
    ),
    Budget(
        "remove row",
        "DELETE",
        "/invoices/{invoiceId}/rows/{rowId}",
        "/{id}/rows/{row}",
        ["GetItem", "PutItem"],
    ),
    Budget(
        "comment",
        "POST",
        "/invoices/{invoiceId}/comment",
        "/{id}/comment",
        ["GetItem", "PutItem"],
        "hi",
    ),
    Budget(
        "delete", "DELETE", "/invoices/{invoiceId}", "/{id}", ["BatchGetItem", "TransactWriteItems"]
    ),
    Budget(
        "delete list",
        "DELETE",
        "/invoices/delete-list",
        "/delete-list?ids={id},{other}",
        ["BatchGetItem", "TransactWriteItems"],
    ),
    # Issuing reads invoice, counter and settings in one BatchGetItem, then writes the invoice
    # and its counter in one transaction.
    Budget(
        "mark as sent",
        "PATCH",
        "/invoices/{invoiceId}/mark-as-sent",
        "/{id}/mark-as-sent",
        ["BatchGetItem", "TransactWriteItems"],
    ),
    # Cancelling an issued invoice issues the credit note for what it has open: invoice,
    # counter and settings in one read, and one transaction, as a credit note is.
    Budget(
        "cancel",
        "PATCH",
        "/invoices/{invoiceId}/cancel",
        "/{id}/cancel",
        ["BatchGetItem", "TransactWriteItems"],
        state="sent",
    ),
    Budget(
        "add payment",
        "PATCH",
        "/invoices/{invoiceId}/add-payment",
        "/{id}/add-payment",
        ["GetItem", "TransactWriteItems"],
        {"amount": 5},
        state="sent",
    ),
    Budget(
        "remove payment",
        "DELETE",
        "/invoices/{invoiceId}/{transactionId}/remove-payment",
        "/{id}/{tx}/remove-payment",
        ["GetItem", "TransactWriteItems"],
        state="sent",
    ),
    Budget(
        "mark as paid",
        "PATCH",
        "/invoices/{invoiceId}/mark-as-paid",
        "/{id}/mark-as-paid",
        ["GetItem", "TransactWriteItems"],
        state="sent",
    ),
    Budget(
        "unmark as paid",
        "PATCH",
        "/invoices/{invoiceId}/unmark-as-paid",
        "/{id}/unmark-as-paid",
        ["GetItem", "TransactWriteItems"],
        state="paid",
    ),
    # Issue 21: a credit note reads the invoice, the counter and the settings in one
    # BatchGetItem, then writes the note, the counter, the invoice and its figures in one
    # transaction: 2 calls, within the 3.
    Budget(
        "credit note",
        "POST",
        "/invoices/{invoiceId}/credit-notes",
        "/{id}/credit-notes",
        ["BatchGetItem", "TransactWriteItems"],
        CREDIT,
        state="sent",
    ),
    Budget(
        "read credit note",
        "GET",
        "/credit-notes/{creditNoteId}",
        NOTE,
        ["GetItem"],
        state="credited",
    ),
    # The invoice (for a 404, and the notes its summary lists), then its notes by key.
    Budget(
        "list credit notes",
        "GET",
        "/invoices/{invoiceId}/credit-notes",
        "/{id}/credit-notes",
        ["GetItem", "BatchGetItem"],
        state="credited",
    ),
    # An e-invoice: the invoice (or the credit note and then its invoice); the seller's settings
    # come from what this process holds. Kept after, so asking again reads the invoice alone.
    Budget(
        "e-invoice",
        "GET",
        "/invoices/{invoiceId}/e-invoice",
        "/{id}/e-invoice?format=peppol-ubl",
        ["GetItem"],
        state="e-invoiceable sent",
    ),
    Budget(
        "credit note e-invoice",
        "GET",
        "/credit-notes/{creditNoteId}/e-invoice",
        NOTE + "/e-invoice?format=xrechnung-cii",
        ["GetItem", "GetItem"],
        state="e-invoiceable credited",
    ),
    # The tenant's credit notes: one Query of the CreditNotes index, which holds whole notes.
    Budget(
        "every credit note",
        "GET",
        "/credit-notes",
        "/api/v1/credit-notes?currency=EUR&newestFirst=true",
        ["Query"],
        state="credited",
    ),
    # Their CSV: the same Query, a page at a time (the tenant's day that names the file is
    # read from the settings this process already holds).
    Budget(
        "credit notes csv",
        "GET",
        "/credit-notes/csv-export",
        "/api/v1/credit-notes/csv-export?dateFrom=2026-01-01",
        ["Query"],
        state="credited",
    ),
    # Its PDF: the note (it names the parties and the logo; the PDF itself is in S3). Sending it:
    # the note, then its SENT event written over the version read.
    Budget(
        "credit note pdf",
        "GET",
        "/credit-notes/{creditNoteId}/pdf",
        NOTE + "/pdf",
        ["GetItem"],
        state="credited",
    ),
    Budget(
        "send credit note",
        "POST",
        "/credit-notes/{creditNoteId}/send",
        NOTE + "/send",
        ["GetItem", "PutItem"],
        state="credited",
    ),
    # Issue 21, part 5: a payment beyond what is open, or of method CREDIT, costs what any
    # payment does: its client's balance and the move ride in the payment's own transaction.
    Budget(
        "add payment beyond what is open",
        "PATCH",
        "/invoices/{invoiceId}/add-payment",
        "/{id}/add-payment",
        ["GetItem", "TransactWriteItems"],
        {"amount": 500},
        state="client sent",
    ),
    Budget(
        "add payment from the client's credit",
        "PATCH",
        "/invoices/{invoiceId}/add-payment",
        "/{id}/add-payment",
        ["GetItem", "TransactWriteItems"],
        {"amount": 5, "paymentMethod": "CREDIT"},
        state="client credit",
    ),
    # The client and its balances in one BatchGetItem, then a page of its moves (one Query).
    Budget(
        "client balance",
        "GET",
        "/clients/{clientId}/balance",
        CLIENTS + "/{client}/balance",
        ["BatchGetItem", "Query"],
        state="client credit",
    ),
    # The client checked, its balance drawn and the move put in one transaction.
    Budget(
        "refund client credit",
        "POST",
        "/clients/{clientId}/balance/refunds",
        CLIENTS + "/{client}/balance/refunds",
        ["TransactWriteItems"],
        {"amount": 1, "currency": "EUR"},
        state="client credit",
    ),
    Budget("read settings", "GET", "/settings", "/api/v1/settings", ["GetItem"]),
    # Clients: a read, a page and a create are one call each; a replace reads the version it
    # writes over (an UpdateItem of the details, leaving the count of invoices naming it); a
    # delete reads it too, and its own condition refuses it while that count is not zero.
    Budget("create client", "POST", "/clients", CLIENTS, ["PutItem"], {"name": "Zoë"}),
    Budget("list clients", "GET", "/clients", CLIENTS + "?limit=2", ["Query"]),
    Budget("read client", "GET", "/clients/{clientId}", CLIENTS + "/{client}", ["GetItem"]),
    Budget(
        "replace client",
        "PUT",
        "/clients/{clientId}",
        CLIENTS + "/{client}",
        ["GetItem", "UpdateItem"],
        {"name": "Zoë AG"},
    ),
    Budget(
        "delete client",
        "DELETE",
        "/clients/{clientId}",
        CLIENTS + "/{client}",
        ["GetItem", "DeleteItem"],
    ),
    # Contracts: a read and a page are one call each; a create first reads the client it names
    # (a replace does only when it names another one), then writes conditionally.
    Budget("create contract", "POST", "/contracts", CONTRACTS, ["GetItem", "PutItem"], CONTRACT),
    Budget("list contracts", "GET", "/contracts", CONTRACTS + "?limit=2", ["Query"]),
    Budget(
        "read contract", "GET", "/contracts/{contractId}", CONTRACTS + "/{contract}", ["GetItem"]
    ),
    Budget(
        "replace contract",
        "PUT",
        "/contracts/{contractId}",
        CONTRACTS + "/{contract}",
        ["GetItem", "PutItem"],
        CONTRACT,
    ),
    Budget(
        "delete contract",
        "DELETE",
        "/contracts/{contractId}",
        CONTRACTS + "/{contract}",
        ["GetItem", "DeleteItem"],
    ),
    # A replace keeps the logo, which only its own endpoint sets: it reads the settings first,
    # then writes over the version read.
    Budget(
        "replace settings",
        "PUT",
        "/settings",
        "/api/v1/settings",
        ["GetItem", "PutItem"],
        {"numberingFormat": "F-{SEQ}"},
    ),
    # Heffl's create reads the tenant's settings (its tax rates) and the client it names, then
    # creates as the native create does; SENT creates it issued as mark-as-sent issues it.
    Budget(
        "heffl create",
        "POST",
        HEFFL,
        HEFFL,
        ["GetItem", "GetItem", "TransactWriteItems"],
        HEFFL_BODY,
    ),
    Budget(
        "heffl create sent",
        "POST",
        HEFFL,
        HEFFL,
        # Created issued: the counter and settings in one read, then one transaction with it.
        ["GetItem", "GetItem", "BatchGetItem", "TransactWriteItems"],
        {**HEFFL_BODY, "status": "SENT"},
    ),
    # hevn's batch reads its contracts, then their clients (a BatchGetItem each), then creates its
    # drafts as the native batch does (its derived ids in one BatchGetItem, one transaction per
    # 99 invoices); each entry to finalize is created issued, in one write with the counter.
    Budget(
        "hevn batch invoicing",
        "POST",
        HEVN,
        HEVN,
        ["BatchGetItem", "BatchGetItem", "BatchGetItem", "TransactWriteItems"],
        HEVN_BODY,
    ),
    Budget(
        "hevn batch invoicing finalized",
        "POST",
        HEVN,
        HEVN,
        # Created issued: the counter and settings, then the invoice with the counter.
        ["BatchGetItem", "BatchGetItem", "BatchGetItem", "TransactWriteItems"],
        [{**HEVN_BODY[0], "finalize": True}],
    ),
    # Leanpay's import reads the clients it names (one BatchGetItem) and the invoices its
    # externalIds name, to check the request whole before writing; then writes the new ones as
    # the native batch does (one transaction per 99), without reading them again.
    Budget(
        "leanpay import",
        "POST",
        LEANPAY,
        LEANPAY,
        ["BatchGetItem", "BatchGetItem", "TransactWriteItems"],
        {"invoices": [LEANPAY_INVOICE]},
    ),
]
WRITES = [
    budget
    for budget in BUDGETS
    if budget.method in WRITE_METHODS and f"/api/v1{budget.route}" not in READ_ONLY_ROUTES
]
# An invoice that already has its number (scheduled after numbering) keeps it: no counter step.
MARK_NUMBERED_AS_SENT = Budget(
    "mark as sent, numbered",
    "PATCH",
    "/invoices/{invoiceId}/mark-as-sent",
    "/{id}/mark-as-sent",
    ["BatchGetItem", "TransactWriteItems"],
    state="numbered",
)


def prepare(acme: Api, state: str) -> dict[str, str]:
    """A few invoices, then one in `state` (draft with two rows; sent with one payment; paid;
    credited: sent with one payment and a credit note; numbered: scheduled with a number already
    taken) and a second draft, all before counting."""
    for _ in range(3):
        created(acme, deal="deal")  # in the opportunity's and the agreements' index lists too
    invoice = created(acme, rows=[ROW, ROW])
    path = f"{BASE}/{invoice['id']}"
    owner = None
    if state.startswith("e-invoiceable"):  # a seller and a buyer an e-invoice can name
        assert acme.request("PUT", "/api/v1/settings", einvoices_api.SELLER).status == 200
        owner = acme.post(CLIENTS, einvoices_api.BUYER).json()["id"]
        assert acme.patch(f"{path}/update", {"clientId": owner}).status == 200
        state = state.removeprefix("e-invoiceable ")
    if state in ("client sent", "client credit"):  # it names a client, who may have credit
        owner = acme.post(CLIENTS, {"name": "Émile Crédit SARL"}).json()["id"]
        assert acme.patch(f"{path}/update", {"clientId": owner}).status == 200
        state = "sent" if state == "client sent" else overpaid(acme, owner)
    if state == "credited":  # someone to email its credit note to
        acme.patch(f"{path}/update", {"contactEmail": "client@example.com"})
    if state in ("sent", "paid", "credited"):
        assert acme.patch(f"{path}/mark-as-sent").status == 200
        invoice = acme.patch(f"{path}/add-payment", {"amount": 5}).json()
    if state == "paid":
        invoice = acme.patch(f"{path}/mark-as-paid").json()
    note = "none"
    if state == "credited":
        credit = filled(CREDIT, {"row": invoice["rows"][0]["id"]})
        note = acme.post(f"{path}/credit-notes", credit).json()["id"]
    if state == "numbered":
        schedule_with_a_number(invoice["id"])
    payments = invoice["transactions"]
    ids = {
        "id": invoice["id"],
        "row": invoice["rows"][0]["id"],
        "tx": payments[0]["id"] if payments else "none",
        "other": created(acme)["id"],
        "client": owner or acme.post(CLIENTS, {"name": "Zoë Müller GmbH"}).json()["id"],
        "note": note,
    }
    return ids | {"contract": acme.post(CONTRACTS, filled(CONTRACT, ids)).json()["id"]}


def overpaid(acme: Api, client_id: str) -> str:
    """Another invoice of the client's, paid 100.00 beyond its 24.00: the client's credit. The
    invoice being prepared is then to be sent."""
    other = acme.post(BASE, {"clientId": client_id, "rows": [ROW]}).json()["id"]
    assert acme.patch(f"{BASE}/{other}/mark-as-sent").status == 200
    assert acme.patch(f"{BASE}/{other}/add-payment", {"amount": 124}).status == 200
    return "sent"


def created(
    acme: Api, rows: list[dict[str, Any]] | None = None, deal: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"rows": rows or [ROW]}
    if deal is not None:
        agreement = {"intervalMonths": 1, "nextInvoiceDate": "2026-12-01"}
        body |= {"opportunityId": deal, "recurringAgreement": agreement}
    invoice: dict[str, Any] = acme.post(BASE, body).json()
    return invoice


def schedule_with_a_number(invoice_id: str) -> None:
    repo = get_deps().invoices
    draft = repo.get("acme", invoice_id)
    assert draft is not None
    numbered = draft.model_copy(
        update={"status": InvoiceStatus.SCHEDULED, "invoice_number": "INV-2026-0042"}
    )
    repo.save(numbered, previous=draft)


def send(acme: Api, budget: Budget, ids: dict[str, str], **headers: str) -> Reply:
    path = api_path(budget.path.format(**ids))
    return acme.request(budget.method, path, filled(budget.body, ids), headers=headers)


def test_every_route_has_a_budget() -> None:
    """Documents and delivery are counted in test_documents_calls, in a client's order,
    batches in test_batches_api and test_compat_hyperline, which need one queued first, and API
    keys in test_api_keys_api."""
    budgeted = {(budget.method, budget.route) for budget in BUDGETS}
    elsewhere = (
        documents_calls.ROUTES
        | batches_api.ROUTES
        | compat_hyperline.ROUTES
        | api_keys_api.ROUTES
        | webhooks_api.ROUTES  # counted in test_webhooks_api, with a receiver to send to
    )
    assert api_routes() == budgeted | elsewhere
    assert not budgeted & elsewhere


@pytest.mark.parametrize(
    "budget", [*BUDGETS, MARK_NUMBERED_AS_SENT], ids=lambda budget: budget.name
)
def test_each_request_makes_exactly_its_budgeted_dynamodb_calls(
    acme: Api, dynamo_calls: DynamoCalls, budget: Budget
) -> None:
    ids = prepare(acme, budget.state)
    assert "Scan" not in dynamo_calls.operations  # nor did the requests that prepared it
    dynamo_calls.reset()
    reply = send(acme, budget, ids)
    assert reply.status in (200, 201, 204, 303), reply.body  # 303: a link to a PDF
    assert dynamo_calls.operations == budget.operations  # so never a Scan, keyed or replayed


@pytest.mark.parametrize("budget", WRITES, ids=lambda budget: budget.name)
def test_every_write_is_conditional(acme: Api, budget: Budget) -> None:
    """On the version read, or on the item not existing yet: never a blind overwrite. The one
    unconditional action, the tenant's figures `ADD`, only rides in a transaction whose invoice
    write is conditional, so it applies exactly when that write does."""
    ids = prepare(acme, budget.state)
    sent: list[tuple[str, dict[str, Any]]] = []

    def capture(params: dict[str, Any], model: Any, **_: Any) -> None:
        sent.append((model.name, params))

    get_deps().dynamodb.meta.events.register("provide-client-params.dynamodb", capture)
    assert send(acme, budget, ids).status in (200, 201, 204)
    writes = [
        action
        for operation, params in sent
        for action in (
            [next(iter(item.values())) for item in params["TransactItems"]]
            if operation == "TransactWriteItems"
            else [params]
        )
        if operation in ("PutItem", "DeleteItem", "UpdateItem", "TransactWriteItems")
    ]
    figures = [
        w for w in writes if w.get("Key", {}).get("SK", {}).get("S", "").startswith("STATS#")
    ]
    # A client's credit moved up: an `ADD` as unconditional as the figures', riding in the same
    # transaction as the conditional write that moves it (one moved down is conditional).
    credit = [
        w
        for w in writes
        if w.get("Key", {}).get("SK", {}).get("S", "").startswith("CREDIT#")
        and "ConditionExpression" not in w
    ]
    others = [w for w in writes if w not in figures and w not in credit]
    assert others
    assert all("ConditionExpression" in write for write in others)
    assert all(w["UpdateExpression"].startswith("ADD ") for w in figures + credit)
    in_transactions = [op for op, _ in sent if op == "TransactWriteItems"]
    assert len(figures) <= len(in_transactions) and len(credit) <= len(in_transactions)


@pytest.mark.parametrize("budget", WRITES, ids=lambda budget: budget.name)
def test_a_keyed_write_costs_its_budget_plus_the_records_put_and_update(
    acme: Api, dynamo_calls: DynamoCalls, budget: Budget
) -> None:
    ids = prepare(acme, budget.state)
    dynamo_calls.reset()
    reply = send(acme, budget, ids, **{"Idempotency-Key": str(uuid.uuid4())})
    assert reply.status in (200, 201, 204), reply.body
    assert dynamo_calls.operations == [*KEYED_BEFORE, *budget.operations, *KEYED_AFTER]


@pytest.mark.parametrize("budget", WRITES, ids=lambda budget: budget.name)
def test_a_replay_costs_one_conditional_put_and_no_scan(
    acme: Api, dynamo_calls: DynamoCalls, budget: Budget
) -> None:
    ids = prepare(acme, budget.state)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = send(acme, budget, ids, **key)
    dynamo_calls.reset()
    replay = send(acme, budget, ids, **key)
    assert (replay.status, replay.headers.get("Idempotent-Replayed")) == (first.status, "true")
    assert dynamo_calls.operations == ["PutItem"]


REPORTS = [budget for budget in BUDGETS if budget.name in ("count by status", "stats")]
STATS_SHARDS = [f"STATS#{shard}" for shard in range(8)]


def fill(acme: Api, invoices: int) -> Counter[str]:
    """`invoices` invoices of acme's across every status: copies of one created through the API,
    loaded straight into the table with their figures. Returns how many are in each status."""
    repo = get_deps().invoices
    first = repo.get("acme", created(acme)["id"])
    assert first is not None
    statuses = list(InvoiceStatus)
    copies = []
    for n in range(1, invoices):
        status = statuses[n % len(statuses)]
        paid = first.total if status == InvoiceStatus.PAID else first.paid
        copies.append(first.model_copy(update={"id": new_id(), "status": status, "paid": paid}))
    load_straight(get_deps().dynamodb, TABLE_NAME, copies)
    return Counter(str(statuses[n % len(statuses)]) for n in range(invoices))


def test_a_report_reads_the_8_figure_shards_in_one_call_whatever_the_number_of_invoices(
    acme: Api, dynamo_calls: DynamoCalls
) -> None:
    in_each_status = fill(acme, 200)
    batch_gets: list[dict[str, Any]] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        batch_gets.append(params)

    get_deps().dynamodb.meta.events.register("provide-client-params.dynamodb.BatchGetItem", capture)
    for budget in REPORTS:
        batch_gets.clear()
        dynamo_calls.reset()
        reply = send(acme, budget, {})
        assert reply.status == 200, reply.body
        assert dynamo_calls.operations == ["BatchGetItem"], budget.name
        (request,) = batch_gets
        (keys,) = [table["Keys"] for table in request["RequestItems"].values()]
        assert sorted(key["SK"]["S"] for key in keys) == STATS_SHARDS
        assert {key["PK"]["S"] for key in keys} == {"T#acme"}
        counts = reply.json() if budget.name == "count by status" else reply.json()["countByStatus"]
        assert counts == in_each_status


def test_a_lost_race_costs_one_more_read_and_write_not_an_error(
    acme: Api, dynamo_calls: DynamoCalls
) -> None:
    invoice = created(acme)
    repo = get_deps().invoices
    original_get = repo.get
    raced = False

    def get_then_race(tenant_id: str, invoice_id: str) -> Any:
        nonlocal raced
        current = original_get(tenant_id, invoice_id)
        if not raced and current is not None:
            raced = True  # another writer saves between our read and our write
            repo.save(current.model_copy(update={"note": "other"}), previous=current)
        return current

    repo.get = get_then_race  # type: ignore[method-assign]
    dynamo_calls.reset()
    reply = acme.post(f"{BASE}/{invoice['id']}/comment", "mine")
    assert reply.status == 200
    assert reply.json()["note"] == "other"
    assert reply.json()["events"][-1]["description"] == "mine"
    assert dynamo_calls.by_operation["PutItem"] == 3  # the rival's, our failed one, our retry


def test_no_code_calls_scan() -> None:
    sources = [*Path(PROJECT_DIR, "chalicelib").rglob("*.py"), Path(PROJECT_DIR, "app.py")]
    offenders = [str(p) for p in sources if re.search(r"\.scan\(|[\"']Scan[\"']", p.read_text())]
    assert offenders == []


def printed_by_a_fresh_process(probe: str) -> str:
    """What `probe` prints in a new interpreter with the app's settings and nothing else, as a
    Lambda cold start has them."""
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "AWS_DEFAULT_REGION": "eu-west-1", "TABLE_NAME": "t"},
    )
    return result.stdout.strip()


def test_importing_the_app_creates_no_aws_client() -> None:
    probe = (
        "import botocore.session\n"
        "created = []\n"
        "original = botocore.session.Session.create_client\n"
        "def spy(self, *args, **kwargs):\n"
        "    created.append(args[0] if args else kwargs.get('service_name'))\n"
        "    return original(self, *args, **kwargs)\n"
        "botocore.session.Session.create_client = spy\n"
        "import app\n"
        "assert app.app.routes, 'the app should have routes'\n"
        "print(created)\n"
    )
    assert printed_by_a_fresh_process(probe) == "[]"


def test_importing_the_app_loads_no_library_that_only_some_requests_need() -> None:
    """Cold starts pay for routing and auth only: locale data, IBAN and VAT rules, the OpenAPI
    document's object model load on use."""
    probe = (
        "import sys\n"
        "import app\n"
        "heavy = ('babel', 'schwifty', 'stdnum', 'fpdf', 'jinja2', 'segno', 'fontTools', 'PIL',"
        " 'puremagic', 'python_multipart', 'openapi_pydantic')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}))\n"
    )
    assert printed_by_a_fresh_process(probe) == "[]"


def test_no_adapter_is_built_per_request(
    acme: Api, globex: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each AWS client is built once per process (the composition root keeps its adapters):
    100 requests of every kind, queued batches and PDFs included, build no client after the
    first ones; another tenant's requests share them and still see nothing of acme's."""
    built: list[str] = []
    make_client: Any = boto3.session.Session.client

    def counted(self: boto3.session.Session, service: str, *args: Any, **kwargs: Any) -> Any:
        # The app's clients only: the test's own (reading the queue) are not adapters.
        if any("/chalicelib/" in frame.filename for frame in traceback.extract_stack()):
            built.append(service)
        return make_client(self, service, *args, **kwargs)

    monkeypatch.setattr(boto3.session.Session, "client", counted)
    get_deps.cache_clear()

    def twenty_requests(n: int) -> None:
        for _ in range(4):
            made = acme.post(BASE, {"currency": "EUR", "rows": [ROW]}).json()
            assert acme.get(f"{BASE}/find/{made['id']}").status == 200
            assert globex.get(f"{BASE}/find/{made['id']}").status == 404
            queued = acme.post(f"{BASE}/batch?async=true", {"invoices": [{"rows": [ROW]}]})
            assert queued.status == 202, queued.body
            sent = acme.request("PATCH", f"{BASE}/{made['id']}/mark-as-sent", None)
            assert sent.status == 200, (n, sent.body)
        assert drain_jobs(acme) == 4

    twenty_requests(0)
    first = Counter(built)
    for n in range(1, 5):
        twenty_requests(n)
    assert Counter(built) == first
    assert all(count == 1 for count in first.values()), first
