"""Safe retries through HTTP: a POST, PATCH or DELETE with an Idempotency-Key runs once per tenant
and key; a retry within 24 hours gets the first response back and changes nothing more. Each test
checks what DynamoDB holds afterwards, not only what the API answers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError

from chalicelib.api.idempotency import READ_ONLY_ROUTES
from chalicelib.bootstrap import get_deps, use_cases
from invoicing_cli.local import TABLE_NAME
from tests.integration import test_api_keys_api as api_keys_api
from tests.integration import test_credit_note_documents_api as credit_note_documents_api
from tests.integration import test_customer_credit_api as customer_credit_api
from tests.integration import test_documents_calls as documents_calls
from tests.integration import test_webhooks_api as webhooks_api
from tests.support import (
    Api,
    DynamoCalls,
    Reply,
    api_path,
    api_routes,
    filled,
    tenant_partition,
)

BASE = "/api/v1/invoices"
CLIENTS = "/api/v1/clients"
CONTRACTS = "/api/v1/contracts"
KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
DAY_SECONDS = 24 * 3600
ROW = {"description": "Consulting", "quantity": 2, "unitPrice": 10}
# "{client}" is filled in with the id of the client prepare() made, as in a path.
CONTRACT = {"clientId": "{client}", "currency": "EUR", "activationAt": "2026-01-01", "items": [ROW]}
HEFFL = "/compat/heffl/api/v1/invoices"
HEFFL_BODY = {
    "clientId": "{client}",
    "date": "2026-11-21",
    "dueDate": "2026-12-21",
    "lineItems": [{"name": "Consulting", "quantity": 2, "price": 10}],
}
HEVN = "/compat/hevn/api/v1/invoices/documents/contracts/invoices/batch_invoicing"
HEVN_BODY = [{"contractId": "{contract}", "items": [{}], "period": 0, "finalize": True}]
LEANPAY = "/compat/leanpay/v1/public/invoices/batch"
HYPERLINE = "/compat/hyperline/v2/invoices/batch"
LEANPAY_INVOICE = {
    "clientId": "{client}",
    "reference": "LP-1",
    "amount": 119,
    "netAmount": 100,
    "issueDate": "2026-11-21",
    "dueDate": "2026-12-21",
    "externalId": "lp-1",
}
HYPERLINE_BODY = {"invoices": [{"customer_id": "{client}", "line_items": [{"unit_amount": 900}]}]}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_deserializer = TypeDeserializer()


@pytest.fixture
def acme(api: Api) -> Api:
    return api.as_tenant("acme", user="alice")


def new_key() -> dict[str, str]:
    return {KEY: str(uuid.uuid4())}


@dataclass(frozen=True)
class Stored:
    """Everything one tenant's partition holds, by sort key, read straight from the table."""

    items: dict[str, dict[str, Any]]

    @classmethod
    def of(cls, tenant: str) -> Stored:
        items = {
            sort_key: {name: _deserializer.deserialize(v) for name, v in item.items()}
            for sort_key, item in tenant_partition(tenant).items()
        }
        return cls(items)

    @property
    def invoices(self) -> dict[str, dict[str, Any]]:
        return {sk.removeprefix("INV#"): i for sk, i in self.items.items() if sk.startswith("INV#")}

    @property
    def clients(self) -> dict[str, dict[str, Any]]:
        prefix = "CLIENT#"
        return {sk.removeprefix(prefix): i for sk, i in self.items.items() if sk.startswith(prefix)}

    @property
    def contracts(self) -> dict[str, dict[str, Any]]:
        prefix = "CONTRACT#"
        return {sk.removeprefix(prefix): i for sk, i in self.items.items() if sk.startswith(prefix)}

    @property
    def records(self) -> list[dict[str, Any]]:
        """The safe-retry records: one per Idempotency-Key used in the tenant."""
        return [item for sk, item in self.items.items() if sk.startswith("IDEM#")]

    @property
    def numbers_taken(self) -> int:
        counter = self.items.get("COUNTER#INVOICE")
        return int(sum(counter["last"].values())) if counter else 0


def record_of(tenant: str) -> dict[str, Any]:
    records = Stored.of(tenant).records
    assert len(records) == 1, records
    return records[0]


def rewrite_record(
    tenant: str, expression: str, names: dict[str, str] | None = None, **values: int | str
) -> None:
    """Change the tenant's one safe-retry record in place, as time or a crash would."""
    record = record_of(tenant)
    request: dict[str, Any] = {
        "TableName": TABLE_NAME,
        "Key": {"PK": {"S": record["PK"]}, "SK": {"S": record["SK"]}},
        "UpdateExpression": expression,
        "ExpressionAttributeValues": {
            f":{name}": {"N": str(value)} if isinstance(value, int) else {"S": value}
            for name, value in values.items()
        },
    }
    if names:
        request["ExpressionAttributeNames"] = names
    boto3.client("dynamodb").update_item(**request)


def assert_problem(reply: Reply, status: int, *fields: str) -> dict[str, Any]:
    """The documented error body: {title, detail, time}, plus the offending fields."""
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/json"
    body: dict[str, Any] = reply.json()
    assert {"title", "detail", "time"} <= body.keys()
    named = {error["field"] for error in body.get("errors", [])}
    assert set(fields) <= named, body
    return body


def assert_replay_of(replay: Reply, first: Reply) -> None:
    """The first response again, byte for byte, marked as a replay."""
    assert replay.headers.get(REPLAYED) == "true"
    assert REPLAYED not in first.headers
    assert replay.status == first.status
    assert replay.body == first.body
    for header in ("Content-Type", "ETag", "Location"):
        assert replay.headers.get(header) == first.headers.get(header), header


def fail_once(monkeypatch: pytest.MonkeyPatch, area: Any, name: str) -> None:
    """The next call of a use case (bootstrap.use_cases(), as the views call them) raises, as a
    bug or a lost dependency would: a 500."""
    original = getattr(area, name)
    failures = [RuntimeError("injected fault")]

    def failing(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return original(*args, **kwargs)

    monkeypatch.setattr(area, name, failing)


def prepare(acme: Api, state: str) -> dict[str, str]:
    """An invoice of acme's in `state` (draft with two rows, sent with one payment of 5, or paid),
    and a second draft; their ids, a row id and a payment id, to fill in a path."""
    invoice = acme.post(BASE, {"currency": "EUR", "rows": [ROW, ROW]}).json()
    path = f"{BASE}/{invoice['id']}"
    if state in ("sent", "paid"):
        assert acme.patch(f"{path}/mark-as-sent").status == 200
        invoice = acme.patch(f"{path}/add-payment", {"amount": 5}).json()
    if state == "paid":
        invoice = acme.patch(f"{path}/mark-as-paid").json()
        assert invoice["status"] == "PAID"
    other = acme.post(BASE, {"rows": [ROW]}).json()
    payments = invoice["transactions"]
    ids = {
        "id": invoice["id"],
        "row": invoice["rows"][0]["id"],
        "tx": payments[0]["id"] if payments else "none",
        "other": other["id"],
        "client": acme.post(CLIENTS, {"name": "Zoë Müller GmbH"}).json()["id"],
    }
    return ids | {"contract": acme.post(CONTRACTS, filled(CONTRACT, ids)).json()["id"]}


Effect = Callable[[Stored, Stored, dict[str, str]], bool]


def invoice_added(before: Stored, after: Stored, _: dict[str, str]) -> bool:
    return len(after.invoices) == len(before.invoices) + 1


def batch_queued(before: Stored, after: Stored, _: dict[str, str]) -> bool:
    def batches(stored: Stored) -> int:
        return sum(1 for key in stored.items if key.startswith("BATCH#"))

    return batches(after) == batches(before) + 1


def invoices_added(count: int) -> Effect:
    return lambda before, after, _: len(after.invoices) == len(before.invoices) + count


def became(field: str, value: Any) -> Effect:
    return lambda before, after, ids: (
        before.invoices[ids["id"]].get(field) != value
        and after.invoices[ids["id"]].get(field) == value
    )


def grew(field: str, by: int) -> Effect:
    return lambda before, after, ids: (
        len(after.invoices[ids["id"]][field]) == len(before.invoices[ids["id"]][field]) + by
    )


def deleted(*names: str) -> Effect:
    return lambda before, after, ids: all(
        ids[name] in before.invoices and ids[name] not in after.invoices for name in names
    )


def client_added(before: Stored, after: Stored, _: dict[str, str]) -> bool:
    return len(after.clients) == len(before.clients) + 1


def client_renamed(before: Stored, after: Stored, ids: dict[str, str]) -> bool:
    renamed = after.clients[ids["client"]]
    return (renamed["name"], renamed["version"]) == ("Zoë Müller AG", 2)


def client_deleted(before: Stored, after: Stored, ids: dict[str, str]) -> bool:
    return ids["client"] in before.clients and ids["client"] not in after.clients


def contract_added(before: Stored, after: Stored, _: dict[str, str]) -> bool:
    return len(after.contracts) == len(before.contracts) + 1


def contract_replaced(before: Stored, after: Stored, ids: dict[str, str]) -> bool:
    replaced = after.contracts[ids["contract"]]
    return (replaced["memo"], replaced["version"]) == ("Renewed", 2)


def contract_deleted(before: Stored, after: Stored, ids: dict[str, str]) -> bool:
    return ids["contract"] in before.contracts and ids["contract"] not in after.contracts


def settings_saved(before: Stored, after: Stored, _: dict[str, str]) -> bool:
    return "SETTINGS" not in before.items and "SETTINGS" in after.items


def took_the_first_number(before: Stored, after: Stored, ids: dict[str, str]) -> bool:
    issued = after.invoices[ids["id"]]
    return before.numbers_taken == 0 and after.numbers_taken == 1 and "invoiceNumber" in issued


def issued_with_a_number(before: Stored, after: Stored, ids: dict[str, str]) -> bool:
    return invoice_added(before, after, ids) and after.numbers_taken == before.numbers_taken + 1


def credit_note_issued(before: Stored, after: Stored, ids: dict[str, str]) -> bool:
    def notes(stored: Stored) -> list[str]:
        return [key for key in stored.items if key.startswith("CN#")]

    def credit_notes_taken(stored: Stored) -> int:
        counter = stored.items.get("COUNTER#INVOICE") or {"last": {}}
        return int(sum(n for series, n in counter["last"].items() if series.startswith("CN:")))

    listed = after.invoices[ids["id"]]["credited"]["creditNotes"]
    return (
        len(notes(after)) == len(notes(before)) + 1
        and credit_notes_taken(after) == credit_notes_taken(before) + 1
        and [f"CN#{note['id']}" for note in listed] == notes(after)
    )


@dataclass(frozen=True)
class Write:
    method: str
    route: str  # as registered under /api/v1, to prove every write route is covered
    path: str  # under /api/v1/invoices (or from /api), with {id}, {row}, {tx}, {other}
    effect: Effect  # what the first request did, once
    body: Any = None
    state: str = "draft"  # what the invoice must be for the request to succeed
    status: int = 200


WRITES = [
    Write("POST", "/invoices", "", invoice_added, {"rows": [ROW]}, status=201),
    Write("POST", "/invoices/empty", "/empty", invoice_added, status=201),
    # Items without an externalId would be created again were the request not replayed.
    Write("POST", "/invoices/batch", "/batch", invoices_added(2), {"invoices": [{}, {}]}),
    Write(
        "PATCH",
        "/invoices/{invoiceId}/update",
        "/{id}/update",
        became("note", "Paid by wire"),
        {"note": "Paid by wire"},
    ),
    Write("POST", "/invoices/{invoiceId}/rows", "/{id}/rows", grew("rows", 1), ROW),
    Write("DELETE", "/invoices/{invoiceId}/rows/{rowId}", "/{id}/rows/{row}", grew("rows", -1)),
    Write(
        "POST", "/invoices/{invoiceId}/comment", "/{id}/comment", grew("events", 1), "Called them"
    ),
    Write("DELETE", "/invoices/{invoiceId}", "/{id}", deleted("id"), status=204),
    Write(
        "DELETE",
        "/invoices/delete-list",
        "/delete-list?ids={id},{other}",
        deleted("id", "other"),
        status=204,
    ),
    Write(
        "PATCH", "/invoices/{invoiceId}/mark-as-sent", "/{id}/mark-as-sent", took_the_first_number
    ),
    Write(
        "PATCH",
        "/invoices/{invoiceId}/cancel",
        "/{id}/cancel",
        became("status", "CANCELLED"),
        state="sent",
    ),
    Write(
        "PATCH",
        "/invoices/{invoiceId}/add-payment",
        "/{id}/add-payment",
        grew("transactions", 1),
        {"amount": 7.5, "paymentMethod": "BANK_TRANSFER"},
        state="sent",
    ),
    Write(
        "PATCH",
        "/invoices/{invoiceId}/mark-as-paid",
        "/{id}/mark-as-paid?paymentMethod=CASH",
        became("status", "PAID"),
        state="sent",
    ),
    Write(
        "PATCH",
        "/invoices/{invoiceId}/unmark-as-paid",
        "/{id}/unmark-as-paid",
        grew("transactions", -1),
        state="paid",
    ),
    Write(
        "DELETE",
        "/invoices/{invoiceId}/{transactionId}/remove-payment",
        "/{id}/{tx}/remove-payment",
        grew("transactions", -1),
        state="sent",
        status=204,
    ),
    Write(
        "PATCH",
        "/invoices/{invoiceId}/link-opportunity/{opportunityId}",
        "/{id}/link-opportunity/deal-9",
        became("opportunityId", "deal-9"),
    ),
    # A credit note takes a number of its own series, which a replay must not take again.
    Write(
        "POST",
        "/invoices/{invoiceId}/credit-notes",
        "/{id}/credit-notes",
        credit_note_issued,
        {"reason": "Returned", "rows": [{"rowId": "{row}", "quantity": 1}]},
        state="sent",
        status=201,
    ),
    Write(
        "PUT",
        "/settings",
        "/api/v1/settings",
        settings_saved,
        {"numberingFormat": "F-{YYYY}-{SEQ:04}"},
    ),
    Write("POST", "/clients", CLIENTS, client_added, {"name": "Łódź Sp. z o.o."}, status=201),
    Write(
        "PUT",
        "/clients/{clientId}",
        CLIENTS + "/{client}",
        client_renamed,
        {"name": "Zoë Müller AG"},
    ),
    Write("DELETE", "/clients/{clientId}", CLIENTS + "/{client}", client_deleted, status=204),
    Write("POST", "/contracts", CONTRACTS, contract_added, CONTRACT, status=201),
    Write(
        "PUT",
        "/contracts/{contractId}",
        CONTRACTS + "/{contract}",
        contract_replaced,
        {**CONTRACT, "memo": "Renewed"},
    ),
    Write(
        "DELETE", "/contracts/{contractId}", CONTRACTS + "/{contract}", contract_deleted, status=204
    ),
    # Heffl's create: SENT also takes a number, which a replay must not take again.
    Write("POST", HEFFL, HEFFL, issued_with_a_number, {**HEFFL_BODY, "status": "SENT"}),
    # hevn's batch: finalize takes a number; a replay answers "created" again, not "existing".
    Write("POST", HEVN, HEVN, issued_with_a_number, HEVN_BODY),
    # Leanpay's import is an upsert by externalId; the replay answers the first response as sent.
    Write("POST", LEANPAY, LEANPAY, invoice_added, {"invoices": [LEANPAY_INVOICE]}),
    # Hyperline's batch without a batch_id gets a new one: a replay must not queue a second.
    Write("POST", HYPERLINE, HYPERLINE, batch_queued, HYPERLINE_BODY, status=202),
]


def send(acme: Api, write: Write, ids: dict[str, str], headers: dict[str, str]) -> Reply:
    return acme.request(
        write.method, api_path(write.path.format(**ids)), filled(write.body, ids), headers=headers
    )


def test_every_write_route_is_covered() -> None:
    read_only = {("POST", route.removeprefix("/api/v1")) for route in READ_ONLY_ROUTES}
    covered = (
        {(w.method, w.route) for w in WRITES}
        | documents_calls.WRITES  # replayed there
        | credit_note_documents_api.WRITES  # replayed there, emailing once
        | customer_credit_api.WRITES  # a refund replayed there, paying back once
        | api_keys_api.WRITES  # a revoke replayed there, a create (never kept) recognised
        | webhooks_api.WRITES  # each retried there: a create (never kept) answered again
    )
    assert api_routes(WRITE_METHODS) - read_only == covered


def test_a_search_sent_as_post_is_never_replayed_nor_recorded(
    acme: Api, dynamo_calls: DynamoCalls
) -> None:
    key = new_key()
    first = acme.post(f"{BASE}/dynamic-search", {"size": 5}, headers=key)
    created = acme.post(BASE, {"rows": [ROW]}).json()
    dynamo_calls.reset()
    again = acme.post(f"{BASE}/dynamic-search", {"size": 5}, headers=key)
    assert (first.status, again.status) == (200, 200)
    assert "Idempotent-Replayed" not in again.headers
    assert [i["id"] for i in again.json()["content"]][-1] == created["id"]
    assert again.json()["totalElements"] == first.json()["totalElements"] + 1
    assert "PutItem" not in dynamo_calls.operations
    assert not [sk for sk in Stored.of("acme").items if sk.startswith("IDEM")]


@pytest.mark.parametrize("write", WRITES, ids=[f"{w.method} {w.route}" for w in WRITES])
def test_each_write_route_replays_its_first_response_and_does_its_work_once(
    acme: Api, write: Write
) -> None:
    ids = prepare(acme, write.state)
    key = new_key()
    before = Stored.of("acme")

    first = send(acme, write, ids, key)
    assert first.status == write.status, first.body
    after_first = Stored.of("acme")
    assert write.effect(before, after_first, ids)

    replay = send(acme, write, ids, key)
    assert_replay_of(replay, first)
    # Not one attribute changed: no second invoice, row, event, payment or number.
    assert Stored.of("acme") == after_first


class TestReplay:
    def test_a_retried_create_returns_the_first_invoice_and_stores_only_one(
        self, acme: Api
    ) -> None:
        key = new_key()
        first = acme.post(BASE, {"rows": [ROW]}, headers=key)
        replay = acme.post(BASE, {"rows": [ROW]}, headers=key)

        assert first.status == 201
        assert_replay_of(replay, first)
        assert replay.headers["Location"] == f"invoices/find/{first.json()['id']}"
        assert replay.headers["ETag"] == '"1"'
        assert list(Stored.of("acme").invoices) == [first.json()["id"]]

    def test_the_replay_is_the_first_response_even_after_the_invoice_changed(
        self, acme: Api
    ) -> None:
        ids = prepare(acme, "sent")
        key = new_key()
        first = acme.patch(f"{BASE}/{ids['id']}/add-payment", {"amount": 5}, headers=key)
        acme.post(f"{BASE}/{ids['id']}/comment", "Called them")

        replay = acme.patch(f"{BASE}/{ids['id']}/add-payment", {"amount": 5}, headers=key)

        assert_replay_of(replay, first)
        assert replay.headers["ETag"] == first.headers["ETag"] == '"4"'
        stored = Stored.of("acme").invoices[ids["id"]]
        assert [t["amount"] for t in stored["transactions"]] == [5, 5]
        assert stored["version"] == 5

    def test_requests_without_a_key_are_not_replayed(self, acme: Api) -> None:
        first = acme.post(BASE, {"rows": [ROW]})
        second = acme.post(BASE, {"rows": [ROW]})

        assert REPLAYED not in second.headers
        assert first.json()["id"] != second.json()["id"]
        assert len(Stored.of("acme").invoices) == 2
        assert Stored.of("acme").records == []

    def test_a_large_invoice_is_replayed_byte_for_byte(self, acme: Api) -> None:
        rows = [{**ROW, "description": f"{n:04d} " + "x" * 990} for n in range(150)]
        key = new_key()
        first = acme.post(BASE, {"rows": rows}, headers=key)
        replay = acme.post(BASE, {"rows": rows}, headers=key)

        assert first.status == 201, first.body
        assert len(first.body) > 150_000
        assert_replay_of(replay, first)
        assert len(Stored.of("acme").invoices) == 1

    def test_a_key_of_255_characters_is_accepted(self, acme: Api) -> None:
        key = {KEY: "k" * 255}
        first = acme.post(BASE, {"rows": [ROW]}, headers=key)
        replay = acme.post(BASE, {"rows": [ROW]}, headers=key)

        assert first.status == 201
        assert_replay_of(replay, first)


@dataclass(frozen=True)
class Reuse:
    """A key used for one request, then sent with another."""

    name: str
    state: str
    first: tuple[str, str, Any]  # method, path (with {id}, {other}), body
    second: tuple[str, str, Any]


REUSES = [
    Reuse("another body", "draft", ("POST", "", {"rows": [ROW]}), ("POST", "", {"rows": []})),
    Reuse(
        "another amount",
        "sent",
        ("PATCH", "/{id}/add-payment", {"amount": 5}),
        ("PATCH", "/{id}/add-payment", {"amount": 6}),
    ),
    Reuse(
        "another query",
        "sent",
        ("PATCH", "/{id}/mark-as-paid?paymentMethod=CASH", None),
        ("PATCH", "/{id}/mark-as-paid?paymentMethod=CHECK", None),
    ),
    Reuse(
        "another route",
        "draft",
        ("PATCH", "/{id}/mark-as-sent", None),
        ("PATCH", "/{other}/update", {"note": "n"}),
    ),
    Reuse(
        "another invoice",
        "draft",
        ("PATCH", "/{id}/mark-as-sent", None),
        ("PATCH", "/{other}/mark-as-sent", None),
    ),
]


@pytest.mark.parametrize("reuse", REUSES, ids=[r.name for r in REUSES])
def test_a_key_sent_with_another_request_answers_422_and_changes_nothing(
    acme: Api, reuse: Reuse
) -> None:
    ids = prepare(acme, reuse.state)
    key = new_key()
    method, path, body = reuse.first
    first = acme.request(method, BASE + path.format(**ids), body, headers=key)
    assert first.status in (200, 201), first.body
    before = Stored.of("acme")

    method, path, body = reuse.second
    reply = acme.request(method, BASE + path.format(**ids), body, headers=key)

    detail = assert_problem(reply, 422)["detail"]
    assert "already used with a different request" in detail
    assert Stored.of("acme") == before
    method, path, body = reuse.first
    assert_replay_of(acme.request(method, BASE + path.format(**ids), body, headers=key), first)


class TestTenants:
    def test_the_same_key_in_two_tenants_runs_once_in_each(self, api: Api) -> None:
        key = new_key()
        acme, globex = api.as_tenant("acme"), api.as_tenant("globex")

        in_acme = acme.post(BASE, {"rows": [ROW]}, headers=key)
        in_globex = globex.post(BASE, {"rows": [ROW]}, headers=key)

        assert (in_acme.status, in_globex.status) == (201, 201)
        assert REPLAYED not in in_globex.headers
        assert list(Stored.of("acme").invoices) == [in_acme.json()["id"]]
        assert list(Stored.of("globex").invoices) == [in_globex.json()["id"]]
        assert_replay_of(acme.post(BASE, {"rows": [ROW]}, headers=key), in_acme)
        assert_replay_of(globex.post(BASE, {"rows": [ROW]}, headers=key), in_globex)

    def test_records_live_in_each_tenants_own_partition(self, api: Api) -> None:
        key = new_key()
        api.as_tenant("acme").post(BASE, {"rows": [ROW]}, headers=key)
        api.as_tenant("globex").post(BASE, {"rows": [ROW]}, headers=key)

        # A test may scan; the app never does.
        items = boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]
        records = [i for i in items if i["SK"]["S"].startswith("IDEM#")]
        assert sorted(r["PK"]["S"] for r in records) == ["T#acme", "T#globex"]
        assert len({r["SK"]["S"] for r in records}) == 1  # the key, in two partitions


class TestKeysThatDoNotApply:
    def test_a_key_on_a_read_is_ignored(self, acme: Api) -> None:
        ids = prepare(acme, "draft")
        key = new_key()
        first = acme.get(f"{BASE}/find/{ids['id']}", headers=key)
        acme.patch(f"{BASE}/{ids['id']}/update", {"note": "Changed"})

        second = acme.get(f"{BASE}/find/{ids['id']}", headers=key)

        assert (first.status, second.status) == (200, 200)
        assert REPLAYED not in second.headers
        assert second.json()["note"] == "Changed"
        assert Stored.of("acme").records == []

    @pytest.mark.parametrize(
        "value",
        ["", "k" * 256, "clé-1", "tab\tkey", "nul\x00key", "bell\x07key", "del\x7fkey"],
        ids=["empty", "256 chars", "non-ascii", "tab", "nul", "bell", "del"],
    )
    def test_an_invalid_key_answers_400_and_nothing_runs(self, acme: Api, value: str) -> None:
        reply = acme.post(BASE, {"rows": [ROW]}, headers={KEY: value})

        assert_problem(reply, 400, "Idempotency-Key")
        assert Stored.of("acme").items == {}


class TestFirstResponsesThatAreKept:
    def test_a_409_is_replayed_as_is_even_once_the_action_became_possible(self, acme: Api) -> None:
        ids = prepare(acme, "draft")
        key = new_key()
        path = f"{BASE}/{ids['id']}/add-payment"
        refused = acme.patch(path, {"amount": 5}, headers=key)
        assert "DRAFT" in assert_problem(refused, 409)["detail"]
        assert acme.patch(f"{BASE}/{ids['id']}/mark-as-sent").status == 200

        replay = acme.patch(path, {"amount": 5}, headers=key)

        assert_replay_of(replay, refused)
        assert Stored.of("acme").invoices[ids["id"]]["transactions"] == []

    def test_a_400_is_replayed_as_is_and_stores_nothing(self, acme: Api) -> None:
        key = new_key()
        body = {"rows": [{"description": "Bad", "quantity": "many", "unitPrice": 1}]}
        refused = acme.post(BASE, body, headers=key)
        assert_problem(refused, 400)

        replay = acme.post(BASE, body, headers=key)

        assert_replay_of(replay, refused)
        assert Stored.of("acme").invoices == {}

    @pytest.mark.now("2026-11-21T09:30:00Z", tick=False)
    def test_the_record_holds_the_first_response_for_24_hours(self, acme: Api) -> None:
        first = acme.post(BASE, {"rows": [ROW]}, headers=new_key())

        record = record_of("acme")

        assert record["idempotencyStatus"] == "COMPLETED"
        assert first.json()["id"] in record["response"]
        assert record["fingerprint"]
        pinned = datetime(2026, 11, 21, 9, 30, tzinfo=UTC).timestamp()
        assert int(record["expiresAt"]) == pinned + DAY_SECONDS

    def test_a_keyed_request_keeps_every_header_of_its_answer(self, acme: Api) -> None:
        plain = acme.request("PUT", f"{BASE}/empty")
        keyed = acme.request("PUT", f"{BASE}/empty", headers=new_key())

        assert plain.headers.get("Allow") == "POST"
        assert keyed.headers.get("Allow") == "POST"


class TestFirstResponsesThatAreNotKept:
    def test_after_a_500_the_same_key_runs_the_work_and_records_one_payment(
        self, acme: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ids = prepare(acme, "sent")
        fail_once(monkeypatch, use_cases().lifecycle, "add_payment")
        key = new_key()
        path = f"{BASE}/{ids['id']}/add-payment"

        failed = acme.patch(path, {"amount": 5}, headers=key)
        assert_problem(failed, 500)
        assert Stored.of("acme").records == []
        assert len(Stored.of("acme").invoices[ids["id"]]["transactions"]) == 1

        retried = acme.patch(path, {"amount": 5}, headers=key)
        assert retried.status == 200, retried.body
        assert REPLAYED not in retried.headers
        assert_replay_of(acme.patch(path, {"amount": 5}, headers=key), retried)
        assert len(Stored.of("acme").invoices[ids["id"]]["transactions"]) == 2

    def test_a_create_that_failed_with_500_stores_nothing_and_can_be_retried(
        self, acme: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        fail_once(monkeypatch, use_cases().invoices, "create")
        key = new_key()

        assert_problem(acme.post(BASE, {"rows": [ROW]}, headers=key), 500)
        assert Stored.of("acme").items == {}
        created = acme.post(BASE, {"rows": [ROW]}, headers=key)

        assert created.status == 201
        assert list(Stored.of("acme").invoices) == [created.json()["id"]]

    def test_after_24_hours_the_key_runs_again_and_the_work_finds_what_it_made(
        self, acme: Api
    ) -> None:
        """The record is gone, so the request runs again; the create is named after the key and
        request (decision 0031), so it answers the invoice it made rather than a second one.
        The run keeps a record again: another request under the key is then a 422."""
        key = new_key()
        first = acme.post(BASE, {"rows": [ROW]}, headers=key)
        rewrite_record("acme", "SET expiresAt = :past", past=int(time.time()) - 1)

        again = acme.post(BASE, {"rows": [ROW]}, headers=key)

        assert again.status == 201
        assert REPLAYED not in again.headers
        assert again.json()["id"] == first.json()["id"]
        assert len(Stored.of("acme").invoices) == 1
        assert_replay_of(acme.post(BASE, {"rows": [ROW]}, headers=key), again)
        other = acme.post(BASE, {"rows": [ROW, ROW]}, headers=key)
        assert other.status == 422  # the record of the run after 24 hours holds the key again

    @staticmethod
    def post_while_completion_is_throttled(
        acme: Api, key: dict[str, str], body: Any = None
    ) -> Reply:
        def throttled(**_: Any) -> None:
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "UpdateItem")

        events = get_deps().dynamodb.meta.events
        events.register("before-call.dynamodb.UpdateItem", throttled)
        try:
            return acme.post(BASE, body or {"rows": [ROW]}, headers=key)
        finally:
            events.unregister("before-call.dynamodb.UpdateItem", throttled)

    def test_a_write_whose_record_could_not_be_completed_still_answers_its_success(
        self, acme: Api
    ) -> None:
        key = new_key()
        first = self.post_while_completion_is_throttled(acme, key)

        assert first.status == 201, first.body
        assert list(Stored.of("acme").invoices) == [first.json()["id"]]
        retry = acme.post(BASE, {"rows": [ROW]}, headers=key)
        assert retry.status == 409
        assert len(Stored.of("acme").invoices) == 1

    def test_a_write_whose_record_could_not_be_completed_is_not_done_twice(self, acme: Api) -> None:
        """Once the residual window of decision 0008; closed by decision 0031: the create is
        named after its request, so the retry finds it."""
        key = new_key()
        first = self.post_while_completion_is_throttled(acme, key)
        # The client retries with backoff until the first Lambda's time limit has passed.
        past_ms = int(time.time() * 1000) - 1
        rewrite_record("acme", "SET inProgressExpiresAt = :past", past=past_ms)

        retry = acme.post(BASE, {"rows": [ROW]}, headers=key)

        assert (first.status, retry.status) == (201, 201), retry.body
        assert retry.json()["id"] == first.json()["id"]
        assert len(Stored.of("acme").invoices) == 1

    def test_a_create_with_an_external_id_whose_record_was_lost_is_not_done_twice(
        self, acme: Api
    ) -> None:
        key, body = new_key(), {"externalId": "erp-42", "rows": [ROW]}
        first = self.post_while_completion_is_throttled(acme, key, body)
        rewrite_record("acme", "SET inProgressExpiresAt = :past", past=int(time.time() * 1000) - 1)

        retry = acme.post(BASE, body, headers=key)

        assert first.status == 201 and retry.status == 200
        assert retry.json()["id"] == first.json()["id"]
        assert len(Stored.of("acme").invoices) == 1


class TestAWarmProcess:
    @staticmethod
    def handlers_per_dynamodb_request() -> int:
        """How many functions the app's DynamoDB client runs as it builds each request."""
        request = AWSRequest(method="POST", url="https://dynamodb.eu-west-1.amazonaws.com/")
        handlers = get_deps().dynamodb.meta.events.emit(
            "request-created.dynamodb.GetItem", request=request, operation_name="GetItem"
        )
        return len(handlers)

    def test_keyed_requests_add_no_work_to_later_dynamodb_calls(self, acme: Api) -> None:
        acme.post(BASE, {"rows": [ROW]}, headers=new_key())
        after_one = self.handlers_per_dynamodb_request()

        for _ in range(5):
            acme.post(BASE, {"rows": [ROW]}, headers=new_key())

        assert self.handlers_per_dynamodb_request() == after_one
