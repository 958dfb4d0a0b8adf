"""API keys through HTTP and the `invoicing api-key` command: a tenant lists its keys (never a key
nor its hash), creates one (answered once, never stored nor replayed) and revokes one, which
answers 401 from that moment; another tenant's key is a 404. lastUsedAt moves at most once an
hour per key, so a key adds no write to every request."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import boto3
import pytest
import time_machine
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.bootstrap import get_deps
from chalicelib.services.authentication import hash_api_key
from invoicing_cli.local import TABLE_NAME
from invoicing_cli.main import cli
from tests.support import Api, DynamoCalls, Reply

KEYS = "/api/v1/api-keys"
FIND_ALL = "/api/v1/invoices/find-all"
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
FIELDS = {"id", "name", "hint", "created", "createdBy", "lastUsedAt"}
# Each route, what one request costs in DynamoDB calls (the bearer token costs none).
CALLS = [
    ("GET", "/api-keys", ["Query"]),
    ("POST", "/api-keys", ["PutItem"]),
    ("DELETE", "/api-keys/{keyId}", ["Query", "DeleteItem"]),
]
ROUTES = {(method, route) for method, route, _ in CALLS}
WRITES = {(method, route) for method, route, _ in CALLS if method != "GET"}
Json = dict[str, Any]
pytestmark = pytest.mark.now("2026-11-21T09:30:00Z", tick=False)


def created(api: Api, name: str | None = "ERP") -> Json:
    reply = api.post(KEYS, {"name": name} if name else None)
    assert reply.status == 201, reply.body
    made: Json = reply.json()
    return made


def with_key(api: Api, key: str) -> Api:
    return api.with_headers({"x-api-key": key})


def problem(reply: Reply, status: int) -> Json:
    assert reply.status == status, reply.body
    body: Json = json.loads(reply.body)
    assert {"title", "detail", "time"} <= body.keys()
    return body


def table_text() -> str:
    """Everything the table holds, as text (a test may scan; the app never does)."""
    return json.dumps(boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"])


def test_a_created_key_is_answered_once_and_authenticates_as_its_tenant(
    acme: Api, globex: Api
) -> None:
    made = created(acme, "Accounting sync")

    assert set(made) == FIELDS | {"key"}
    assert made["key"].startswith("ik_") and made["hint"] == f"...{made['key'][-4:]}"
    assert (made["name"], made["createdBy"], made["lastUsedAt"]) == (
        "Accounting sync",
        "user-1",
        None,
    )
    assert made["created"] == "2026-11-21T09:30:00.000Z"
    assert with_key(acme, made["key"]).post("/api/v1/invoices", {}).json()["tenantId"] == "acme"
    assert made["key"] not in table_text()
    assert globex.get(KEYS).json() == []


def test_the_list_shows_each_key_of_the_tenant_never_the_key_nor_its_hash(
    acme: Api, globex: Api
) -> None:
    first, second = created(acme, "ERP"), created(acme, None)
    theirs = created(globex, "Theirs")

    listed = acme.get(KEYS)

    assert listed.status == 200
    by_id = {key["id"]: key for key in listed.json()}
    assert set(by_id) == {first["id"], second["id"]}  # made at the same (pinned) moment
    assert all(set(key) == FIELDS for key in listed.json())
    assert (by_id[first["id"]]["name"], by_id[second["id"]]["name"]) == ("ERP", None)
    for made in (first, second):
        assert made["key"].encode() not in listed.body
        assert hash_api_key(made["key"]).encode() not in listed.body
    assert theirs["id"].encode() not in listed.body
    assert [key["id"] for key in globex.get(KEYS).json()] == [theirs["id"]]


def test_a_revoked_key_answers_401_at_once(acme: Api, globex: Api) -> None:
    made = created(acme)
    assert with_key(acme, made["key"]).get(FIND_ALL).status == 200

    assert acme.delete(f"{KEYS}/{made['id']}").status == 204

    problem(with_key(acme, made["key"]).get(FIND_ALL), 401)
    assert acme.get(KEYS).json() == []
    problem(acme.delete(f"{KEYS}/{made['id']}"), 404)
    assert globex.get(KEYS).json() == []


def test_another_tenants_key_is_not_found_and_keeps_working(acme: Api, globex: Api) -> None:
    made = created(acme)

    problem(globex.delete(f"{KEYS}/{made['id']}"), 404)

    assert with_key(acme, made["key"]).get(FIND_ALL).status == 200
    assert [key["id"] for key in acme.get(KEYS).json()] == [made["id"]]


def test_the_key_is_read_as_stored_now_never_from_an_eventually_consistent_copy(
    acme: Api,
) -> None:
    made = created(acme)
    reads: list[dict[str, Any]] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        reads.append(params)

    get_deps().dynamodb.meta.events.register("provide-client-params.dynamodb.GetItem", capture)
    with_key(acme, made["key"]).get(FIND_ALL)

    [lookup] = [read for read in reads if read["Key"]["SK"]["S"].startswith("APIKEY#")]
    assert lookup["ConsistentRead"] is True


def test_last_used_moves_at_most_once_an_hour_per_key(acme: Api, dynamo_calls: DynamoCalls) -> None:
    made = created(acme)
    client = with_key(acme, made["key"])

    def touches() -> int:
        dynamo_calls.reset()
        assert client.get(FIND_ALL).status == 200
        return dynamo_calls.by_operation["UpdateItem"]

    assert touches() == 1
    assert acme.get(KEYS).json()[0]["lastUsedAt"] == "2026-11-21T09:30:00.000Z"
    assert [touches() for _ in range(3)] == [0, 0, 0]
    with time_machine.travel(NOW + timedelta(minutes=59), tick=False):
        assert touches() == 0
    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        assert touches() == 1
        assert touches() == 0
    assert acme.get(KEYS).json()[0]["lastUsedAt"] == "2026-11-21T10:31:00.000Z"


@pytest.mark.parametrize(("method", "route", "operations"), CALLS)
def test_each_route_makes_exactly_its_budgeted_calls(
    acme: Api, dynamo_calls: DynamoCalls, method: str, route: str, operations: list[str]
) -> None:
    made = created(acme)
    dynamo_calls.reset()
    body = {"name": "n"} if method == "POST" else None
    reply = acme.request(method, "/api/v1" + route.format(keyId=made["id"]), body)
    assert reply.status in (200, 201, 204), reply.body
    assert dynamo_calls.operations == operations


def test_a_revoke_retried_with_its_key_is_replayed(acme: Api, dynamo_calls: DynamoCalls) -> None:
    made = created(acme)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    dynamo_calls.reset()
    first = acme.delete(f"{KEYS}/{made['id']}", headers=key)
    assert dynamo_calls.operations == ["PutItem", "Query", "DeleteItem", "UpdateItem"]

    again = acme.delete(f"{KEYS}/{made['id']}", headers=key)

    assert (first.status, again.status, again.headers.get("Idempotent-Replayed")) == (
        204,
        204,
        "true",
    )


def test_a_create_retried_with_its_key_makes_no_second_key_and_never_answers_it_again(
    acme: Api, globex: Api, dynamo_calls: DynamoCalls
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    dynamo_calls.reset()
    first = acme.post(KEYS, {"name": "ERP"}, headers=key)
    assert dynamo_calls.operations == ["Query", "PutItem"]  # no record keeps the key

    again = acme.post(KEYS, {"name": "ERP"}, headers=key)

    detail = problem(again, 409)["detail"]
    assert first.json()["id"] in detail and first.json()["key"] not in again.body.decode()
    assert [k["id"] for k in acme.get(KEYS).json()] == [first.json()["id"]]
    assert first.json()["key"] not in table_text()
    # The same Idempotency-Key in another tenant is that tenant's own request.
    assert globex.post(KEYS, {"name": "ERP"}, headers=key).status == 201


def test_a_bad_name_answers_400_and_makes_no_key(acme: Api) -> None:
    body = problem(acme.post(KEYS, {"name": "x" * 101}), 400)
    assert [error["field"] for error in body["errors"]] == ["name"]
    assert acme.get(KEYS).json() == []


RELAXED = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@RELAXED
@given(key_id=st.text(min_size=1, max_size=80), name=st.text(max_size=120) | st.integers())
def test_any_key_id_or_name_is_answered_soundly(acme: Api, key_id: str, name: Any) -> None:
    revoked = acme.delete(f"{KEYS}/{quote(key_id, safe='')}")
    assert revoked.status in (400, 404), revoked.body
    made = acme.post(KEYS, {"name": name})
    assert made.status in (201, 400), made.body
    problem(revoked, revoked.status)


class TestTheCommand:
    def run(self, *args: str) -> Any:
        return CliRunner().invoke(cli, ["api-key", *args, "--table", TABLE_NAME])

    def test_list_shows_the_tenants_keys_and_revoke_revokes_one(
        self, acme: Api, globex: Api
    ) -> None:
        made = self.run("create", "--tenant", "acme", "--name", "Accounting sync")
        assert made.exit_code == 0, made.output
        key = made.output.strip()
        theirs = created(globex)

        listed = self.run("list", "--tenant", "acme")

        assert listed.exit_code == 0, listed.output
        [line] = listed.output.splitlines()
        key_id = line.split()[0]
        assert "Accounting sync" in line and "cli" in line and "never used" in line
        assert key not in listed.output and hash_api_key(key) not in listed.output
        refused = self.run("revoke", "--tenant", "acme", theirs["id"])
        assert refused.exit_code != 0 and "no API key" in refused.output
        assert with_key(globex, theirs["key"]).get(FIND_ALL).status == 200
        revoked = self.run("revoke", "--tenant", "acme", key_id)
        assert revoked.exit_code == 0, revoked.output
        problem(with_key(acme, key).get(FIND_ALL), 401)
        assert self.run("list", "--tenant", "acme").output.startswith("Tenant acme has no")
