"""Authentication at the HTTP entry point: what gets a 401, and every way a credential may come."""

from __future__ import annotations

import time

import boto3
import jwt
import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.ports import SystemClock
from chalicelib.services.authentication import create_api_key
from invoicing_cli.local import LOCAL_JWT_SECRET, TABLE_NAME, local_token
from tests.support import Api

FIND_ALL = "/api/v1/invoices/find-all"


def token(claims: dict[str, object], secret: str = LOCAL_JWT_SECRET, alg: str = "HS256") -> str:
    return jwt.encode({"exp": int(time.time()) + 60, **claims}, secret, algorithm=alg)


def api_key_for(tenant: str) -> str:
    return create_api_key(tenant, created_by="test", repo=get_deps().api_keys, clock=SystemClock())


def test_health_answers_without_credentials(api: Api) -> None:
    reply = api.get("/health")
    assert (reply.status, reply.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": f"Bearer {token({'tenant_id': 'acme'}, secret='x' * 40)}"},
        {"Authorization": f"Bearer {token({'tenant_id': 'acme', 'exp': 1})}"},
        {"Authorization": f"Bearer {token({'sub': 'no-tenant'})}"},
        {"Authorization": f"Bearer {token({'tenant_id': 'a#b'})}"},
        {"Authorization": f"Bearer {jwt.encode({'tenant_id': 'acme'}, LOCAL_JWT_SECRET)}"},
        {"Authorization": f"Bearer {token({'tenant_id': 'acme'}, secret='', alg='none')}"},
        {"x-api-key": "ik_YWNtZQ.not-a-real-key"},
        {"Authorization": "ik_garbage"},
    ],
    ids=[
        "none",
        "empty-bearer",
        "garbage",
        "wrong-secret",
        "expired",
        "no-tenant",
        "bad-tenant",
        "no-exp",
        "alg-none",
        "unknown-key",
        "garbage-key",
    ],
)
def test_missing_or_bad_credentials_get_401_in_the_documented_body(
    api: Api, headers: dict[str, str]
) -> None:
    reply = api.with_headers(headers).get(FIND_ALL)
    assert reply.status == 401
    assert set(reply.json()) == {"title", "detail", "time"}
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_401_on_a_write_stores_nothing(api: Api) -> None:
    reply = api.with_headers({"Authorization": "Bearer nope"}).post(
        "/api/v1/invoices", {"currency": "EUR"}
    )
    assert reply.status == 401
    items = boto3.client("dynamodb").query(
        TableName=TABLE_NAME,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "T#acme"}},
    )["Items"]
    assert items == []


@pytest.mark.parametrize(
    "header", ["x-api-key", "Authorization", "Authorization-Bearer"], ids=lambda h: h
)
def test_an_api_key_works_in_each_documented_header(api: Api, header: str) -> None:
    key = api_key_for("acme")
    headers = (
        {"Authorization": f"Bearer {key}"} if header == "Authorization-Bearer" else {header: key}
    )
    reply = api.with_headers(headers).post("/api/v1/invoices", {"currency": "EUR"})
    assert reply.status == 201
    assert reply.json()["tenantId"] == "acme"
    assert reply.json()["createdBy"].startswith("api-key:")


def test_api_keys_are_stored_only_as_hashes(api: Api) -> None:
    key = api_key_for("acme")
    items = boto3.client("dynamodb").query(
        TableName=TABLE_NAME,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
        ExpressionAttributeValues={":pk": {"S": "T#acme"}, ":sk": {"S": "APIKEY#"}},
    )["Items"]
    assert len(items) == 1
    assert key not in str(items)
    assert key.split(".")[1] not in str(items)


def test_a_key_whose_tenant_part_was_swapped_is_refused(api: Api) -> None:
    key = api_key_for("acme")
    secret = key.split(".", 1)[1]
    forged = f"ik_Z2xvYmV4.{secret}"  # "globex", with acme's secret
    assert api.with_headers({"x-api-key": forged}).get(FIND_ALL).status == 401


def test_credentials_of_two_tenants_together_are_refused(api: Api) -> None:
    headers = {"Authorization": f"Bearer {local_token('acme')}", "x-api-key": api_key_for("globex")}
    assert api.with_headers(headers).get(FIND_ALL).status == 401


def test_a_token_and_a_key_of_the_same_tenant_are_accepted(api: Api) -> None:
    headers = {"Authorization": f"Bearer {local_token('acme')}", "x-api-key": api_key_for("acme")}
    assert api.with_headers(headers).get(FIND_ALL).status == 200
