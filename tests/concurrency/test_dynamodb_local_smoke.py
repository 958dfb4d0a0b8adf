"""Proof that the concurrency tier races for real: on DynamoDB Local, directly and over HTTP."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from invoicing_cli.dynamodb_local import LocalTable
from invoicing_cli.local import local_token

pytestmark = pytest.mark.dynamodb_local

INCREMENTS = 50
REQUESTS = 20
# Generous for 50 contenders; only a lost or livelocked update can use them all.
MAX_ATTEMPTS = 500
TIMEOUT_SECONDS = 30


def test_optimistic_increments_from_50_threads_end_with_the_exact_count(
    ddb_local: LocalTable,
) -> None:
    # One connection per thread, so the threads race in the engine rather than queue for a socket.
    client = boto3.session.Session().client(
        "dynamodb",
        endpoint_url=ddb_local.endpoint_url,
        config=Config(max_pool_connections=INCREMENTS),
    )
    table, key = ddb_local.table_name, {"PK": {"S": "T#smoke"}, "SK": {"S": "COUNTER"}}
    client.put_item(TableName=table, Item={**key, "count": {"N": "0"}})
    start = threading.Barrier(INCREMENTS)

    def increment() -> int:
        """Adds one by compare-and-set; returns how many times it lost the race."""
        start.wait()
        seen = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["count"]
        for lost in range(MAX_ATTEMPTS):
            try:
                client.update_item(
                    TableName=table,
                    Key=key,
                    UpdateExpression="SET #count = :next",
                    ConditionExpression="#count = :seen",
                    ExpressionAttributeNames={"#count": "count"},
                    ExpressionAttributeValues={
                        ":seen": seen,
                        ":next": {"N": str(int(seen["N"]) + 1)},
                    },
                    # The loser gets the current item back and retries without a second read.
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                seen = exc.response["Item"]["count"]  # type: ignore[typeddict-item]
                continue
            return lost
        raise AssertionError(f"no increment landed in {MAX_ATTEMPTS} attempts")

    with ThreadPoolExecutor(INCREMENTS) as pool:
        lost_races = sum(pool.map(lambda _: increment(), range(INCREMENTS)))

    final = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["count"]
    assert final == {"N": str(INCREMENTS)}
    assert lost_races > 0, "the threads never collided, so this proved nothing"


def test_concurrent_creates_over_http_all_land(local_api_server: str) -> None:
    url = f"{local_api_server}/api/v1/invoices"
    body = {"currency": "EUR", "rows": [{"description": "Smoke", "quantity": 1, "unitPrice": 10}]}
    start = threading.Barrier(REQUESTS)

    def create() -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {local_token('acme')}"}
        start.wait()
        reply = requests.post(url, json=body, headers=headers, timeout=TIMEOUT_SECONDS)
        return reply.status_code, reply.json().get("id", reply.text)

    with ThreadPoolExecutor(REQUESTS) as pool:
        replies = list(pool.map(lambda _: create(), range(REQUESTS)))

    assert [status for status, _ in replies] == [201] * REQUESTS, replies
    created = {invoice_id for _, invoice_id in replies}
    assert len(created) == REQUESTS
    listed = requests.get(
        f"{url}/find-all",
        params={"limit": 200},
        headers={"Authorization": f"Bearer {local_token('acme')}"},
        timeout=TIMEOUT_SECONDS,
    )
    assert listed.status_code == 200, listed.text
    assert {invoice["id"] for invoice in listed.json()} == created
    assert len(listed.json()) == REQUESTS
