"""Test helpers: JSON calls through Chalice's test client as a tenant, and DynamoDB call counts."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from chalice.test import Client

from chalicelib.bootstrap import get_deps
from chalicelib.domain.work import Chunk
from invoicing_cli.local import REGION, TABLE_NAME, local_token

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")
API = "/api/v1"
COMPAT = "/compat/"  # other products' dialects, each route written whole
MOTO_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    """Calls the app in process, as one tenant (or with no credential at all)."""

    def __init__(self, client: Client, headers: dict[str, str]) -> None:
        self._client = client
        self._headers = headers

    def as_tenant(self, tenant: str, user: str = "user-1") -> Api:
        return Api(self._client, {"Authorization": f"Bearer {local_token(tenant, user)}"})

    def with_headers(self, headers: dict[str, str]) -> Api:
        return Api(self._client, headers)

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        *,
        body: str | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        all_headers = {**self._headers, **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body)
            all_headers.setdefault("Content-Type", "application/json")
        raw = body.encode() if isinstance(body, str) else body or b""
        response = self._client.http.request(method, path, headers=all_headers, body=raw)
        return Reply(response.status_code, dict(response.headers), response.body)

    def invoke(self, function_name: str, event: dict[str, Any]) -> Any:
        """Invoke one of the app's other Lambda functions (a scheduled job, the worker)."""
        return self._client.lambda_.invoke(function_name, event).payload

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, json_body, **kwargs)

    def patch(self, path: str, json_body: Any = None, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, json_body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)


def api_routes(methods: Collection[str] | None = None) -> set[tuple[str, str]]:
    """Every (method, route) the app registers under /api/v1, the route without that prefix, and
    under /compat/, the route whole: what a test must cover route by route."""
    from app import app

    return {
        (method, path.removeprefix(API))
        for path, by_method in app.routes.items()
        if path.startswith((f"{API}/", COMPAT))
        for method in by_method
        if methods is None or method in methods
    }


def api_path(path: str) -> str:
    """A path as written in route tables: relative to /api/v1/invoices unless it starts /api/
    (or /compat/)."""
    return path if path.startswith(("/api/", COMPAT)) else f"{API}/invoices{path}"


class DynamoCalls:
    """Counts the DynamoDB operations a client sends (a botocore event hook, as in bench/)."""

    def __init__(self, client: DynamoDBClient) -> None:
        self.operations: list[str] = []
        client.meta.events.register("before-call.dynamodb", self._record)

    def _record(self, event_name: str, **_: Any) -> None:
        self.operations.append(event_name.rsplit(".", 1)[-1])

    def reset(self) -> None:
        self.operations.clear()

    @property
    def count(self) -> int:
        return len(self.operations)

    @property
    def by_operation(self) -> Counter[str]:
        return Counter(self.operations)


def take_chunk(api: Api, chunk: Chunk) -> None:
    """The jobs' worker, given one SQS message as Lambda's event source delivers it."""
    record = {
        "messageId": "0b5d2a7e-4c61-4f0e-9a8a-1f3c7e2d9b44",
        "receiptHandle": "handle",
        "body": chunk.to_message(),
        "attributes": {},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{MOTO_ACCOUNT}:invoicing-jobs",
        "awsRegion": REGION,
    }
    api.invoke("job_worker", {"Records": [record]})


def queued_chunks() -> list[Chunk]:
    """What the jobs' queue holds (taken off it, as a worker would)."""
    sqs = boto3.client("sqs")
    url = get_deps().settings.jobs_queue_url
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [Chunk.from_message(message["Body"]) for message in messages]


def drain_jobs(api: Api) -> int:
    """Let the jobs' worker take everything queued; how many messages it took."""
    taken = 0
    while chunks := queued_chunks():
        for chunk in chunks:
            take_chunk(api, chunk)
            taken += 1
    return taken


def take_chunk_dying_before_its_progress(api: Api, chunk: Chunk) -> None:
    """The worker takes the chunk and dies after creating its invoices, before it records them
    in the batch (the batch's save fails)."""
    from chalicelib.store.batches import DynamoBatchRepository

    def dies(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the worker died")

    original = DynamoBatchRepository.save
    DynamoBatchRepository.save = dies  # type: ignore[method-assign]
    try:
        take_chunk(api, chunk)
    finally:
        DynamoBatchRepository.save = original  # type: ignore[method-assign]


def stored_items(tenant: str, prefix: str) -> list[dict[str, Any]]:
    """The tenant's items whose sort key starts with `prefix` ("INV#", "CONTRACT#", "BATCH#"),
    read past the app, as DynamoDB holds them."""
    reply = boto3.client("dynamodb").query(
        TableName=TABLE_NAME,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues={":pk": {"S": f"T#{tenant}"}, ":prefix": {"S": prefix}},
    )
    items: list[dict[str, Any]] = reply["Items"]
    return items


def filled(body: Any, ids: dict[str, str]) -> Any:
    """The body with each value that is exactly a placeholder, such as "{client}", filled in."""
    if isinstance(body, dict):
        return {name: filled(value, ids) for name, value in body.items()}
    if isinstance(body, list):
        return [filled(value, ids) for value in body]
    if isinstance(body, str) and body.startswith("{") and body.endswith("}"):
        return ids.get(body[1:-1], body)
    return body


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Runs `work(0..count-1)` in `count` threads released together by a barrier."""
    start = threading.Barrier(count)

    def released(index: int) -> T:
        start.wait()
        return work(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(released, range(count)))


def api_event(
    path: str, resource: str, headers: dict[str, str], request_id: str
) -> dict[str, object]:
    """API Gateway's proxy event for a GET, as a deployed stage sends it."""
    return {
        "resource": resource,
        "path": path,
        "httpMethod": "GET",
        "headers": headers,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": "GET",
            "path": f"/prod{path}",
            "requestId": request_id,
            "identity": {"sourceIp": "203.0.113.9"},
        },
    }


def force(tenant: str, invoice_id: str, **changes: Any) -> None:
    """Put a stored invoice into a state no endpoint reaches at once (SCHEDULED, OVERDUE), written
    through the store as the jobs write it."""
    repo = get_deps().invoices
    current = repo.get(tenant, invoice_id)
    assert current is not None
    repo.save(current.model_copy(update=changes), previous=current)


def tenant_partition(tenant: str) -> dict[str, dict[str, Any]]:
    """Everything the tenant's partition holds, by sort key, as DynamoDB holds it (read straight
    from the table, consistently)."""
    from invoicing_cli.local import TABLE_NAME

    pages = (
        boto3.client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=TABLE_NAME,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"T#{tenant}"}},
            ConsistentRead=True,
        )
    )
    return {item["SK"]["S"]: item for page in pages for item in page["Items"]}
