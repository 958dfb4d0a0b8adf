"""Hyperline batches sent at once under one batch_id, over HTTP on DynamoDB Local (whose
conditional writes are AWS's): one batch is recorded, with one request's items; every request
that said what it says is answered it (202), every other one a 409 (decision 0037)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import boto3
import pytest
import requests

from chalicelib.domain.compat.hyperline import body_fingerprint
from invoicing_cli.dynamodb_local import LocalTable
from invoicing_cli.local import BUCKET_NAME, local_token
from tests.support import all_at_once

pytestmark = pytest.mark.dynamodb_local

REQUESTS = 20
TIMEOUT_SECONDS = 60
BATCH_ID = "raced-2026-11-21"


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {local_token('acme')}"}


def test_requests_racing_with_one_batch_id_record_one_batch_and_refuse_the_other_body(
    local_api_with_s3_and_sqs: str, ddb_local: LocalTable
) -> None:
    clients = f"{local_api_with_s3_and_sqs}/api/v1/clients"
    customer = requests.post(clients, json={"name": "Racer"}, headers=auth(), timeout=30)
    bodies = [
        {
            "invoices": [{"customer_id": customer.json()["id"], "currency": "EUR",
                          "line_items": [{"name": "Seats", "unit_amount": 10000 + n % 2}]}],
            "batch_id": BATCH_ID,
        }
        for n in range(REQUESTS)
    ]  # fmt: skip
    url = f"{local_api_with_s3_and_sqs}/compat/hyperline/v2/invoices/batch"

    def send(index: int) -> int:
        reply = requests.post(url, json=bodies[index], headers=auth(), timeout=TIMEOUT_SECONDS)
        return reply.status_code

    statuses = all_at_once(REQUESTS, send)

    recorded = ddb_local.client.get_item(
        TableName=ddb_local.table_name,
        Key={"PK": {"S": "T#acme"}, "SK": {"S": f"BATCH#{BATCH_ID}"}},
        ConsistentRead=True,
    )["Item"]
    said = [body_fingerprint(json.loads(json.dumps(b), parse_float=Decimal)) for b in bodies]
    winner = said.index(recorded["fingerprint"]["S"]) % 2
    assert statuses == [202 if n % 2 == winner else 409 for n in range(REQUESTS)], statuses
    kept = boto3.client("s3").list_objects_v2(
        Bucket=BUCKET_NAME, Prefix=f"acme/batches/{BATCH_ID}/"
    )
    [items] = kept["Contents"]  # the losers' items were deleted
    assert recorded["itemsPath"]["S"] == items["Key"]
    stored: Any = json.loads(
        boto3.client("s3").get_object(Bucket=BUCKET_NAME, Key=items["Key"])["Body"].read()
    )
    assert stored[0]["line_items"][0]["unit_amount"] == 10000 + winner
