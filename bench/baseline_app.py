"""The yardstick the endpoint benchmark divides by: a bare Chalice route doing one GetItem on the
app's table, with no authentication, no models and no JSON of our own."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from chalice.app import Chalice

from chalicelib.store import keys
from chalicelib.store.dynamo import dynamodb_client, key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

baseline = Chalice(app_name="bench-baseline")


@functools.cache
def baseline_client() -> DynamoDBClient:
    """Built by the app's own factory, so retries, timeouts and endpoint are the app's."""
    return dynamodb_client()


@baseline.route("/baseline/{tenantId}/{invoiceId}", methods=["GET"])
def get_one_item(tenantId: str, invoiceId: str) -> dict[str, bool]:
    response = baseline_client().get_item(
        TableName=os.environ["TABLE_NAME"],
        Key=key(keys.tenant_pk(tenantId), keys.invoice_sk(invoiceId)),
        ConsistentRead=True,
    )
    return {"found": "Item" in response}
