"""Shared DynamoDB plumbing: the client, attribute (de)serialisation and error codes."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from chalicelib.domain.errors import TemporarilyUnavailableError
from chalicelib.telemetry import dynamodb_calls

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, KeysAndAttributesTypeDef

_BATCH_GET_ROUNDS = 5
MAX_BATCH_GET_KEYS = 100  # DynamoDB's limit on the keys of one BatchGetItem
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit on the actions of one TransactWriteItems
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

# Fail fast inside a Lambda's time budget; standard mode retries throttling with backoff.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5
)


def dynamodb_client() -> DynamoDBClient:
    # AWS_ENDPOINT_URL (read by boto3 itself) points this at the local emulator.
    client = boto3.session.Session().client("dynamodb", config=CLIENT_CONFIG)
    client.meta.events.register("before-call.dynamodb", dynamodb_calls.sent)
    return client


def to_item(attributes: Mapping[str, Any]) -> dict[str, AttributeValueTypeDef]:
    return {name: _serializer.serialize(value) for name, value in attributes.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def key(pk: str, sk: str) -> dict[str, AttributeValueTypeDef]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


_THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
}


def is_throttled(exc: ClientError) -> bool:
    return error_code(exc) in _THROTTLED


# No answer in time, after botocore's own retries: whether the request was applied is unknown,
# so the caller is told to retry (a retried write recognises itself: decision 0031).
NO_ANSWER = (ReadTimeoutError, ConnectTimeoutError, EndpointConnectionError)


def store_busy() -> TemporarilyUnavailableError:
    return TemporarilyUnavailableError("The data store is busy; retry shortly")


def store_unreachable() -> TemporarilyUnavailableError:
    return TemporarilyUnavailableError("The data store did not answer in time; retry shortly")


@contextmanager
def throttling_as_unavailable() -> Iterator[None]:
    """Throttling that outlived botocore's retries, or no answer in time, becomes a 503 the
    caller may retry."""
    try:
        yield
    except ClientError as exc:
        if is_throttled(exc):
            raise store_busy() from exc
        raise
    except NO_ANSWER as exc:
        raise store_unreachable() from exc


def batch_get(
    client: DynamoDBClient, table: str, item_keys: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Strongly consistent BatchGetItem of up to 100 keys, retrying unprocessed keys with backoff
    (DynamoDB returns them under load; moto never does)."""
    if not item_keys:
        return []  # DynamoDB refuses an empty request
    request: dict[str, KeysAndAttributesTypeDef] = {
        table: {"Keys": list(item_keys), "ConsistentRead": True}
    }
    items: list[dict[str, Any]] = []
    for round_number in range(_BATCH_GET_ROUNDS):
        with throttling_as_unavailable():
            response = client.batch_get_item(RequestItems=request)
        items.extend(response["Responses"].get(table, []))
        request = cast(dict[str, "KeysAndAttributesTypeDef"], response.get("UnprocessedKeys"))
        if not request:
            return items
        time.sleep(0.05 * 2**round_number)
    raise store_busy()
