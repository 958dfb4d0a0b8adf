"""Test helpers: JSON calls through Chalice's test client as a tenant, and DynamoDB call counts."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice.test import Client

from invoicing_cli.local import local_token

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


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

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, json_body, **kwargs)

    def patch(self, path: str, json_body: Any = None, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, json_body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)


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
