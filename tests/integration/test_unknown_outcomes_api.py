"""Writes whose outcome the client cannot know: DynamoDB applied the write but its answer never
came (a read timeout after botocore's retries), so the API answers 503 with Retry-After, never
500, keeps no record of the key, and the client retries with the same Idempotency-Key. The retry
recognises the first try's work (decision 0031): nothing is done twice, on any write route. A
key whose first request died is in progress only for the function's time limit."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.bootstrap import get_deps
from chalicelib.jobs.ports import JobPorts
from tests.integration import test_idempotency_api as idempotency
from tests.integration.test_idempotency_api import (
    BASE,
    ROW,
    WRITES,
    Stored,
    Write,
    new_key,
    prepare,
    record_of,
    send,
)
from tests.support import Api, Reply, queued_chunks

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z", tick=False)
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
WORK_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")
LOST: dict[str, Callable[[], Exception]] = {
    "read timeout": lambda: ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1"),
    "connect timeout": lambda: ConnectTimeoutError(endpoint_url="https://dynamodb.eu-west-1"),
    "no endpoint": lambda: EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-1"),
}
# A PUT replaces a record whole: applied again, it changes nothing but the version (decision 0031).
REPLACED_WHOLE = {("PUT", "/clients/{clientId}"), ("PUT", "/contracts/{contractId}")}
# A delete retried after its first try deleted finds nothing: the same effect, answered 404.
GONE_ON_RETRY = {
    ("DELETE", route)
    for route in ("/invoices/{invoiceId}", "/invoices/delete-list", "/clients/{clientId}",
                  "/contracts/{contractId}")
}  # fmt: skip


class AnswerLost:
    """Makes DynamoDB apply the request's `nth` write of its work (not the safe-retry record's),
    then lose its answer."""

    def __init__(self, nth: int = 1, error: str = "read timeout") -> None:
        self.nth, self.error, self.seen = nth, error, 0

    def mark(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if model.name not in WORK_WRITES or "IDEM#" in json.dumps(params, default=str):
            return
        self.seen += 1
        context["lose_answer"] = self.seen == self.nth

    def lose(self, context: dict[str, Any], **_: Any) -> None:
        if context.pop("lose_answer", False):
            raise LOST[self.error]()

    def __enter__(self) -> AnswerLost:
        events = get_deps().dynamodb.meta.events
        events.register("provide-client-params.dynamodb", self.mark)
        events.register("after-call.dynamodb", self.lose)
        return self

    def __exit__(self, *_: object) -> None:
        events = get_deps().dynamodb.meta.events
        events.unregister("provide-client-params.dynamodb", self.mark)
        events.unregister("after-call.dynamodb", self.lose)


def assert_unavailable(reply: Reply) -> None:
    assert reply.status == 503, reply.body
    assert reply.headers.get("Retry-After")
    assert {"title", "detail", "time"} <= json.loads(reply.body).keys()


@pytest.fixture
def acme(api: Api) -> Api:
    return api.as_tenant("acme", user="alice")


def test_a_payment_whose_answer_was_lost_is_recorded_once_when_retried(
    acme: Api, globex: Api
) -> None:
    """The finding: one key, two payments."""
    ids = prepare(acme, "sent")
    path, key = f"{BASE}/{ids['id']}/add-payment", new_key()
    with AnswerLost():
        assert_unavailable(acme.patch(path, {"amount": 5}, headers=key))
    assert Stored.of("acme").records == []  # a 5xx is not kept: the client may retry

    retry = acme.patch(path, {"amount": 5}, headers=key)

    assert retry.status == 200, retry.body
    assert [t["amount"] for t in retry.json()["transactions"]] == [5, 5]  # prepare's, then ours
    assert len(Stored.of("acme").invoices[ids["id"]]["transactions"]) == 2
    assert globex.patch(path, {"amount": 5}, headers=key).status == 404


@pytest.mark.parametrize("error", LOST)
def test_no_answer_from_dynamodb_is_a_503_with_retry_after_never_a_500(
    acme: Api, error: str
) -> None:
    with AnswerLost(error=error):
        assert_unavailable(acme.post(BASE, {"rows": [ROW]}))
    with AnswerLost(error=error):
        assert_unavailable(acme.post(BASE, {"rows": [ROW]}, headers=new_key()))


@pytest.mark.parametrize("write", WRITES, ids=[f"{w.method} {w.route}" for w in WRITES])
def test_any_write_whose_answer_was_lost_is_done_once_when_retried(acme: Api, write: Write) -> None:
    ids = prepare(acme, write.state)
    key = new_key()
    before = Stored.of("acme")
    with AnswerLost():
        assert_unavailable(send(acme, write, ids, key))

    retry = send(acme, write, ids, key)

    if (write.method, write.route) in GONE_ON_RETRY:
        assert retry.status in (write.status, 404), retry.body
    else:
        assert retry.status == write.status, retry.body
    after = Stored.of("acme")
    if (write.method, write.route) in REPLACED_WHOLE:
        after = Stored({sk: {**item, "version": 2} for sk, item in after.items.items()})
    assert write.effect(before, after, ids)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.fixed_dictionaries({"quantity": st.integers(1, 5), "unitPrice": st.integers(0, 999)}),
        min_size=1,
        max_size=4,
    ),
    lost=st.integers(min_value=1, max_value=4),
    retries=st.integers(min_value=1, max_value=3),
)
def test_a_batch_retried_after_any_lost_answer_makes_each_invoice_once(
    acme: Api, rows: list[dict[str, int]], lost: int, retries: int
) -> None:
    """Items without externalId, so only the request's name tells a retry what it made."""
    before = len(Stored.of("acme").invoices)
    body, key = {"invoices": [{"rows": [row]} for row in rows]}, new_key()
    with AnswerLost(nth=lost):
        first = acme.post(f"{BASE}/batch", body, headers=key)
    assert first.status in (200, 503), first.body
    for _ in range(retries):
        retry = acme.post(f"{BASE}/batch", body, headers=key)
        assert retry.status == 200, retry.body
        assert [r["status"] for r in retry.json()["results"]] == ["created"] * len(rows)
    assert len(Stored.of("acme").invoices) == before + len(rows)


def test_a_queued_batch_whose_answer_was_lost_is_queued_once_when_retried(acme: Api) -> None:
    key = new_key()
    with AnswerLost():  # the batch's record is written, its answer lost: nothing queued yet
        assert_unavailable(acme.post(f"{BASE}/batch?async=true", {"invoices": [{}]}, headers=key))

    retry = acme.post(f"{BASE}/batch?async=true", {"invoices": [{}]}, headers=key)

    assert retry.status == 202, retry.body
    assert sum(1 for sk in Stored.of("acme").items if sk.startswith("BATCH#")) == 1
    [chunk] = queued_chunks()
    assert [item.invoice_id for item in chunk.items] == [retry.json()["batchId"]]


class TestTheInProgressWindowIsTheTimeLimit:
    def test_a_request_that_died_holds_its_key_for_the_apis_28_seconds(self, acme: Api) -> None:
        """The API function's time limit (.chalice/config.json), under API Gateway's 29 s."""
        key = new_key()
        idempotency.TestFirstResponsesThatAreNotKept.post_while_completion_is_throttled(acme, key)

        record = record_of("acme")

        assert record["idempotencyStatus"] == "INPROGRESS"
        assert int(record["inProgressExpiresAt"]) == int(NOW.timestamp() * 1000) + 28_000
        assert acme.post(BASE, {"rows": [ROW]}, headers=key).status == 409
        with time_machine.travel(NOW + timedelta(seconds=29), tick=False):
            again = acme.post(BASE, {"rows": [ROW]}, headers=key)
        assert again.status == 201, again.body
        assert len(Stored.of("acme").invoices) == 1

    def test_a_job_claim_left_without_a_lambda_context_holds_for_the_jobs_time_limit(
        self, api: Api, claim_left_in_progress: Any
    ) -> None:
        """`invoicing run-job` and the local ticker run jobs without a Lambda context."""
        record = claim_left_in_progress
        left = int(record["inProgressExpiresAt"]) - int(NOW.timestamp() * 1000)
        assert 299_000 < left <= 300_000  # the time the claim took is already spent


@pytest.fixture
def claim_left_in_progress(api: Api) -> dict[str, Any]:
    """A job's once-only claim whose completion could not be written, as a worker that died
    after its work leaves it, taken without a Lambda context."""
    ports: JobPorts = get_deps().job_ports()
    events = get_deps().dynamodb.meta.events

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException"}}, "UpdateItem")

    events.register("before-call.dynamodb.UpdateItem", refuse)
    try:
        assert ports.run_once("acme", "reminder:inv-1:7", lambda: {"sent": True})
    finally:
        events.unregister("before-call.dynamodb.UpdateItem", refuse)
    return record_of("acme")
