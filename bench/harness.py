"""What the benchmarks share: an emulated AWS account in process, a DynamoDB call log hooked into
a client's botocore events, and requests timed through Chalice's test client."""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from chalice.test import Client
from moto import mock_aws
from moto.core.model_instances import reset_model_data

from invoicing_cli.local import (
    BUCKET_NAME,
    LOCAL_JWT_SECRET,
    REGION,
    TABLE_NAME,
    local_token,
)
from invoicing_cli.resources import ResourceNames, create_resources

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Anything that would point boto3 at a real account or another emulator.
_AMBIENT_AWS_VARIABLES = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN")


def use_local_environment() -> None:
    """Fake credentials and the settings the app reads, as tests/conftest.py sets them."""
    for name in _AMBIENT_AWS_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "TABLE_NAME": TABLE_NAME,
            "BUCKET_NAME": BUCKET_NAME,
            "AUTH_JWT_SECRET": LOCAL_JWT_SECRET,
            # The app's line per request (decision 0045) would interleave with the report.
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    logging.getLogger(os.environ.get("POWERTOOLS_SERVICE_NAME", "invoicing")).setLevel("WARNING")


@contextmanager
def emulated_aws() -> Iterator[None]:
    """moto in process, with the table and bucket created from infra/template.json."""
    with mock_aws():
        create_resources(
            boto3.client("dynamodb"), boto3.client("s3"), ResourceNames(TABLE_NAME, BUCKET_NAME)
        )
        yield


@dataclass(frozen=True)
class Traffic:
    """What one request sent to DynamoDB: the operations, and the time spent inside them."""

    operations: tuple[str, ...]
    store_ns: int


class CallLog:
    """The DynamoDB operations one client sends and how long each took, from botocore's
    `before-call` and `after-call` hooks (`after-call-error` when no response came back).

    Calls the app makes from several threads at once count their time once: the store's time
    is the time during which at least one call was in flight."""

    def __init__(self, client: DynamoDBClient) -> None:
        self._operations: list[str] = []
        self._store_ns = 0
        self._in_flight = 0
        self._busy_since_ns = 0
        self._lock = threading.Lock()
        events = client.meta.events
        events.register("before-call.dynamodb", self._started)
        events.register("after-call.dynamodb", self._finished)
        events.register("after-call-error.dynamodb", self._finished)

    def _started(self, event_name: str, **_: Any) -> None:
        with self._lock:
            self._operations.append(event_name.rsplit(".", 1)[-1])
            if self._in_flight == 0:
                self._busy_since_ns = time.perf_counter_ns()
            self._in_flight += 1

    def _finished(self, **_: Any) -> None:
        with self._lock:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._store_ns += time.perf_counter_ns() - self._busy_since_ns

    def take(self) -> Traffic:
        """The traffic since the last take, and start afresh."""
        with self._lock:
            taken = Traffic(tuple(self._operations), self._store_ns)
            self._operations.clear()
            self._store_ns = 0
            return taken


@dataclass(frozen=True)
class Call:
    """One HTTP request to send, built (with any data it destroys) before timing starts.

    `prepare` holds requests sent untimed and uncounted right before it, to put an invoice back
    into the state the request needs (mark as paid again before unmarking it, say)."""

    method: str
    path: str
    expected_status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    prepare: tuple[Call, ...] = ()


@dataclass(frozen=True)
class Sample:
    elapsed_ns: int
    traffic: Traffic
    status: int
    expected_status: int

    @property
    def operations(self) -> tuple[str, ...]:
        return self.traffic.operations

    @property
    def outside_store_ns(self) -> int:
        """The app's own share: the request's time less the time inside DynamoDB calls."""
        return self.elapsed_ns - self.traffic.store_ns


def bearer(tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {local_token(tenant)}"}


def json_call(
    method: str, path: str, body: Any, *, headers: dict[str, str], expected_status: int
) -> Call:
    all_headers = {**headers, "Content-Type": "application/json"}
    return Call(method, path, expected_status, all_headers, json.dumps(body).encode())


def send_json(client: Client, call: Call) -> Any:
    """Send an untimed call (seeding, setup) and return its JSON body; fail loudly if refused."""
    reset_model_data()  # see timed()
    response = client.http.request(call.method, call.path, headers=call.headers, body=call.body)
    if response.status_code != call.expected_status:
        raise RuntimeError(
            f"{call.method} {call.path} answered {response.status_code}: {response.body!r}"
        )
    return json.loads(response.body) if response.body else None


@dataclass(frozen=True)
class Target:
    """A Chalice app behind its test client, with the log of the DynamoDB client it uses."""

    client: Client
    log: CallLog


def timed(target: Target, call: Call) -> Sample:
    for step in call.prepare:
        send_json(target.client, step)
    # moto keeps every model object it makes for its dashboard, the copy of the table it takes
    # for each item of each transaction included: forgotten here, or memory grows without end.
    reset_model_data()
    target.log.take()
    start = time.perf_counter_ns()
    response = target.client.http.request(
        call.method, call.path, headers=call.headers, body=call.body
    )
    elapsed = time.perf_counter_ns() - start
    return Sample(elapsed, target.log.take(), response.status_code, call.expected_status)


def run_interleaved(
    target: Target, calls: Sequence[Call], baseline: Target, baseline_calls: Sequence[Call]
) -> tuple[list[Sample], list[Sample]]:
    """Each call right after a baseline call, so drift on a shared machine moves both alike;
    a collection first, so garbage from setup is not paid for here."""
    gc.collect()
    pairs = [
        (timed(baseline, baseline_call), timed(target, call))
        for baseline_call, call in zip(baseline_calls, calls, strict=True)
    ]
    return [mine for _, mine in pairs], [theirs for theirs, _ in pairs]
