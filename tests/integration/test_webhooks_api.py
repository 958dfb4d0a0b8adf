"""Webhooks through HTTP (issue 23, the part before the outbox): an endpoint registered with its
signing secret answered once, read and listed without it, deleted; URLs that resolve to private,
loopback or link-local addresses refused at registration and again at delivery; a test event
signed as Standard Webhooks says, verified by a real receiver on 127.0.0.1 with the
`standardwebhooks` library; a failed delivery retried with the same webhook-id. Another tenant
gets 404 on every route, every write is safe to retry, and every answer is checked against the
OpenAPI document."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from chalice.local import LambdaContext
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from chalicelib.bootstrap import get_deps
from chalicelib.domain.webhook_retries import DISABLE_AFTER, Health, Schedule
from chalicelib.domain.webhooks import EVENT_TYPES, MAX_WEBHOOKS
from chalicelib.services.webhooks import WebhookPorts
from chalicelib.store.webhook_receipts import SqsWebhookReceipts
from invoicing_cli.local import TABLE_NAME
from invoicing_cli.webhooks import take_once
from tests.conformance import CheckedApi, checked_tenant
from tests.support import Api, DynamoCalls, Reply
from tests.webhook_fakes import PinnedResolver, ScriptedTransport

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z", tick=False)
HOOKS = "/api/v1/webhooks"
PUBLIC_HOST = "hooks.example.com"
PUBLIC = f"https://{PUBLIC_HOST}/invoicing"
NOW = "2026-11-21T09:30:00.000Z"
# Each route, what one request costs in DynamoDB calls (the bearer token costs none); test_call_
# budget counts these routes budgeted here, test_tenant_isolation counts them covered here.
CALLS = [
    ("POST", "/webhooks", ["TransactWriteItems"]),
    ("GET", "/webhooks", ["Query"]),
    ("GET", "/webhooks/{webhookId}", ["GetItem"]),
    ("DELETE", "/webhooks/{webhookId}", ["TransactWriteItems"]),
    ("POST", "/webhooks/{webhookId}/enable", ["UpdateItem"]),
    ("POST", "/webhooks/{webhookId}/test", ["GetItem", "PutItem"]),
    ("GET", "/webhooks/{webhookId}/deliveries", ["GetItem", "Query"]),
    ("GET", "/webhooks/{webhookId}/deliveries/{deliveryId}", ["GetItem"]),
    ("POST", "/webhooks/{webhookId}/deliveries/{deliveryId}/retry", ["GetItem"] * 2 + ["PutItem"]),
]
ROUTES = {(method, route) for method, route, _ in CALLS}
# The writes: each retried with its Idempotency-Key below (test_idempotency_api counts them).
WRITES = {(method, route) for method, route, _ in CALLS if method != "GET"}
Json = dict[str, Any]

acme = checked_tenant("acme", "alice")
globex = checked_tenant("globex", "gina")


@pytest.fixture
def resolver(api: Api) -> PinnedResolver:
    """The deployed stage's rules (https, public addresses), DNS answering what a test pins."""
    pinned = PinnedResolver({PUBLIC_HOST: ["93.184.215.14"]})
    use_ports(replace(get_deps().webhook_ports, resolver=pinned, local=False))
    return pinned


@pytest.fixture
def local(api: Api) -> WebhookPorts:
    """The local stack's rules: http to 127.0.0.1 too, sent for real."""
    return use_ports(replace(get_deps().webhook_ports, local=True))


def use_ports(ports: WebhookPorts) -> WebhookPorts:
    # Before the first webhook request binds its use cases to the composition root's ports.
    get_deps().__dict__["webhook_ports"] = ports
    return ports


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: answers each POST with the next of `statuses` (then
    200), and keeps each request's headers and body as received."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    kept = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            kept.received.append((dict(self.headers.items()), body))
            self.send_response(kept.statuses.pop(0) if kept.statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    kept.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/invoicing"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield kept
    server.shutdown()
    server.server_close()


def registered(client: CheckedApi | Api, url: str = PUBLIC, **body: Any) -> Json:
    reply = client.post(HOOKS, {"url": url, "eventTypes": ["invoice.paid"], **body})
    assert reply.status == 201, reply.body
    made: Json = reply.json()
    return made


def problem(reply: Reply, status: int) -> Json:
    assert reply.status == status, reply.body
    body: Json = json.loads(reply.body)
    assert {"title", "detail", "time"} <= body.keys()
    return body


def stored_webhook_items(tenant: str = "acme") -> list[str]:
    """The sort keys of the tenant's webhook and delivery items (a test may scan; the app never
    does)."""
    items = boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]
    return sorted(
        item["SK"]["S"]
        for item in items
        if item["PK"]["S"] == f"T#{tenant}" and item["SK"]["S"].startswith(("WEBHOOK", "DELIV"))
    )


def sent_test(client: CheckedApi | Api, webhook: Json, **kwargs: Any) -> Json:
    reply = client.post(f"{HOOKS}/{webhook['id']}/test", **kwargs)
    assert reply.status == 201, reply.body
    made: Json = reply.json()
    return made


class TestEndpoints:
    def test_an_endpoint_is_answered_with_its_secret_once_and_read_without_it(
        self, acme: CheckedApi, resolver: PinnedResolver
    ) -> None:
        reply = acme.post(
            HOOKS,
            {
                "url": PUBLIC,
                "eventTypes": ["invoice.paid", "invoice.overdue"],
                "description": "ERP",
            },
        )

        assert reply.status == 201, reply.body
        made = reply.json()
        secret = made.pop("secret")
        assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24
        assert made == {
            "id": made["id"],
            "url": PUBLIC,
            "eventTypes": ["invoice.paid", "invoice.overdue"],
            "description": "ERP",
            "created": NOW,
            "createdBy": "alice",
            "disabled": False,
            "disabledAt": None,
            "disabledReason": None,
            "failingSince": None,
        }
        assert reply.headers["Location"] == f"webhooks/{made['id']}"
        assert resolver.asked == [PUBLIC_HOST]
        every = registered(acme, eventTypes=["*"])
        listed, read = acme.get(HOOKS), acme.get(f"{HOOKS}/{made['id']}")
        assert listed.json() == [made, {k: v for k, v in every.items() if k != "secret"}]
        assert read.json() == made
        for answer in (listed, read):
            assert secret.encode() not in answer.body and b"secret" not in answer.body

    def test_a_deleted_endpoint_is_gone(self, acme: CheckedApi, resolver: PinnedResolver) -> None:
        made = registered(acme)

        assert acme.delete(f"{HOOKS}/{made['id']}").status == 204

        problem(acme.get(f"{HOOKS}/{made['id']}"), 404)
        problem(acme.delete(f"{HOOKS}/{made['id']}"), 404)
        assert acme.get(HOOKS).json() == []
        assert stored_webhook_items() == ["WEBHOOKCOUNT"]

    def test_a_tenant_has_at_most_20_endpoints(
        self, acme: CheckedApi, globex: CheckedApi, resolver: PinnedResolver
    ) -> None:
        made = [registered(acme) for _ in range(MAX_WEBHOOKS)]

        refused = problem(acme.post(HOOKS, {"url": PUBLIC, "eventTypes": ["*"]}), 409)

        assert str(MAX_WEBHOOKS) in refused["detail"]
        registered(globex)  # its own count
        assert acme.delete(f"{HOOKS}/{made[0]['id']}").status == 204
        registered(acme)
        assert len(acme.get(HOOKS).json()) == MAX_WEBHOOKS

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"eventTypes": ["invoice.paid"]}, "url"),
            ({"url": PUBLIC}, "eventTypes"),
            ({"url": PUBLIC, "eventTypes": []}, "eventTypes"),
            ({"url": PUBLIC, "eventTypes": "invoice.paid"}, "eventTypes"),
            ({"url": PUBLIC, "eventTypes": ["invoice.vanished"]}, "eventTypes[0]"),
            ({"url": PUBLIC, "eventTypes": ["*", "invoice.paid"]}, "eventTypes"),
            ({"url": PUBLIC, "eventTypes": ["invoice.paid", "invoice.paid"]}, "eventTypes"),
            ({"url": PUBLIC, "eventTypes": ["*"], "description": "x" * 501}, "description"),
            ({"url": f"http://{PUBLIC_HOST}/", "eventTypes": ["*"]}, "url"),
            ({"url": "https://nowhere.example.com/", "eventTypes": ["*"]}, "url"),
            ({"url": "https://" + "a" * 2048, "eventTypes": ["*"]}, "url"),
            ({"url": "http://127.0.0.1:8080/", "eventTypes": ["*"]}, "url"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field_and_makes_nothing(
        self, acme: CheckedApi, resolver: PinnedResolver, body: Json, field: str
    ) -> None:
        refused = problem(acme.post(HOOKS, body), 400)

        assert [error["field"] for error in refused["errors"]] == [field]
        assert stored_webhook_items() == []

    def test_the_catalogue_of_event_types_is_taken_whole(
        self, acme: CheckedApi, resolver: PinnedResolver
    ) -> None:
        made = registered(acme, eventTypes=list(EVENT_TYPES))
        assert made["eventTypes"] == list(EVENT_TYPES)

    @pytest.mark.parametrize(
        "addresses",
        [
            ["10.1.2.3"],
            ["172.31.0.5"],
            ["192.168.0.10"],
            ["127.0.0.1"],
            ["169.254.169.254"],
            ["::1"],
            ["fe80::1"],
            ["fd00::7"],
            ["::ffff:10.0.0.1"],
            ["::ffff:127.0.0.1"],
            ["93.184.215.14", "10.0.0.1"],  # one private answer among public ones
        ],
        ids=lambda addresses: ",".join(addresses),
    )
    def test_a_host_that_resolves_to_a_private_loopback_or_link_local_address_is_refused(
        self, acme: CheckedApi, resolver: PinnedResolver, addresses: list[str]
    ) -> None:
        resolver.addresses["intranet.example.com"] = addresses

        refused = problem(
            acme.post(HOOKS, {"url": "https://intranet.example.com/", "eventTypes": ["*"]}), 400
        )

        assert refused["errors"][0]["field"] == "url"
        assert addresses[-1] in refused["errors"][0]["message"]
        assert stored_webhook_items() == []

    @pytest.mark.parametrize(
        "url",
        [
            "https://10.0.0.1/",
            "https://[::1]/",
            "https://169.254.169.254/latest",
            "https://localhost/",
        ],
    )
    def test_an_address_written_in_the_url_is_checked_as_a_resolved_one(
        self, acme: CheckedApi, resolver: PinnedResolver, url: str
    ) -> None:
        refused = problem(acme.post(HOOKS, {"url": url, "eventTypes": ["*"]}), 400)
        assert refused["errors"][0]["field"] == "url"
        assert resolver.asked == []


class TestDeliveries:
    def test_a_test_event_is_signed_and_verified_by_the_receiver(
        self, acme: CheckedApi, local: WebhookPorts, receiver: Receiver
    ) -> None:
        made = registered(acme, receiver.url)

        delivery = sent_test(acme, made)

        assert delivery == {
            "id": delivery["id"],
            "webhookId": made["id"],
            "eventId": delivery["eventId"],
            "eventType": "webhook.test",
            "status": "succeeded",
            "attempts": 1,
            "lastStatus": 200,
            "lastError": None,
            "created": NOW,
            "lastAttemptAt": NOW,
        }
        [(headers, body)] = receiver.received
        event = Verifier(made["secret"]).verify(body, headers)
        assert event == {
            "type": "webhook.test",
            "timestamp": NOW,
            "data": {"webhookId": made["id"], "message": "A test event, sent on request"},
        }
        assert headers["webhook-id"] == delivery["eventId"]
        assert headers["webhook-timestamp"] == "1795253400"
        assert headers["Host"] == receiver.url.split("/")[2]
        assert headers["Content-Type"] == "application/json"
        with pytest.raises(WebhookVerificationError):  # another secret's signature
            Verifier("whsec_" + base64.b64encode(b"w" * 24).decode()).verify(body, headers)

    def test_a_failed_delivery_is_recorded_and_a_retry_that_succeeds_counts_two_attempts(
        self, acme: CheckedApi, local: WebhookPorts, receiver: Receiver
    ) -> None:
        made = registered(acme, receiver.url)
        receiver.statuses = [500]

        failed = sent_test(acme, made)

        assert (failed["status"], failed["attempts"], failed["lastStatus"]) == ("failed", 1, 500)
        path = f"{HOOKS}/{made['id']}/deliveries/{failed['id']}"
        retried = acme.post(f"{path}/retry")
        assert retried.status == 200, retried.body
        assert retried.json() == {
            **failed,
            "status": "succeeded",
            "attempts": 2,
            "lastStatus": 200,
        }
        assert acme.get(path).json() == retried.json()
        first, second = (headers for headers, _ in receiver.received)
        assert first["webhook-id"] == second["webhook-id"] == failed["eventId"]
        assert receiver.received[0][1] == receiver.received[1][1]
        for headers, body in receiver.received:
            Verifier(made["secret"]).verify(body, headers)

    def test_no_answer_is_a_failure_recorded_with_its_error(
        self, acme: CheckedApi, local: WebhookPorts, receiver: Receiver
    ) -> None:
        made = registered(acme, "http://127.0.0.1:9/closed")  # the discard port: nobody there

        failed = sent_test(acme, made)

        assert (failed["status"], failed["attempts"], failed["lastStatus"]) == ("failed", 1, None)
        assert failed["lastError"] and len(failed["lastError"]) <= 500

    def test_the_url_is_checked_again_at_delivery_and_a_rebound_host_is_not_sent_to(
        self, acme: CheckedApi, resolver: PinnedResolver
    ) -> None:
        transport = ScriptedTransport()
        use_ports(replace(get_deps().webhook_ports, transport=transport))
        made = registered(acme)
        resolver.addresses[PUBLIC_HOST] = ["169.254.169.254"]  # its DNS answers otherwise now

        failed = sent_test(acme, made)

        assert (failed["status"], failed["lastStatus"]) == ("failed", None)
        assert "169.254.169.254" in failed["lastError"] and "link-local" in failed["lastError"]
        assert transport.sent == []
        resolver.addresses[PUBLIC_HOST] = ["93.184.215.14"]
        path = f"{HOOKS}/{made['id']}/deliveries/{failed['id']}/retry"
        assert acme.post(path).json()["status"] == "succeeded"
        [sent] = transport.sent
        assert (sent.address, sent.url.host, sent.url.target) == (
            "93.184.215.14",
            PUBLIC_HOST,
            "/invoicing",
        )

    def test_deliveries_are_listed_newest_first_a_page_at_a_time(
        self, acme: CheckedApi, local: WebhookPorts, receiver: Receiver
    ) -> None:
        made = registered(acme, receiver.url)
        sent = [sent_test(acme, made) for _ in range(3)]
        deliveries = f"{HOOKS}/{made['id']}/deliveries"

        first = acme.get(f"{deliveries}?limit=2")

        assert first.json() == [sent[2], sent[1]]
        assert first.headers["Link"].startswith("<deliveries?limit=2&cursor=")
        cursor = first.headers["X-Next-Cursor"]
        assert acme.get(f"{deliveries}?limit=2&cursor={cursor}").json() == [sent[0]]
        assert acme.get(deliveries).json() == sent[::-1]
        problem(acme.get(f"{deliveries}?cursor=not-ours"), 400)
        problem(acme.get(f"{deliveries}/{uuid.uuid4()}"), 404)
        problem(acme.post(f"{deliveries}/{uuid.uuid4()}/retry"), 404)


def test_the_local_stack_setting_allows_loopback_and_a_deployed_stage_does_not(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert get_deps().webhook_ports.local is False
    monkeypatch.setenv("LOCAL_STACK", "true")
    get_deps.cache_clear()
    assert get_deps().webhook_ports.local is True


def test_another_tenant_gets_404_on_every_route_and_never_lists_ours(
    acme: CheckedApi, globex: CheckedApi, local: WebhookPorts, receiver: Receiver
) -> None:
    made = registered(acme, receiver.url)
    delivery = sent_test(acme, made)
    ids = {"webhookId": made["id"], "deliveryId": delivery["id"]}
    attempts = {}

    for method, route, _ in CALLS:
        if "{" not in route:
            continue
        attempts[(method, route)] = globex.request(method, "/api/v1" + route.format(**ids))
    theirs = registered(globex, receiver.url)

    assert all(reply.status == 404 for reply in attempts.values()), attempts
    assert globex.get(HOOKS).json() == [{k: v for k, v in theirs.items() if k != "secret"}]
    assert [h["id"] for h in acme.get(HOOKS).json()] == [made["id"]]
    assert len(receiver.received) == 1  # globex's test and retry sent nothing
    assert acme.get(f"{HOOKS}/{made['id']}/deliveries").json() == [delivery]
    covered = set(attempts) | {("POST", "/webhooks"), ("GET", "/webhooks")}
    assert covered == ROUTES


@pytest.mark.parametrize(("method", "route", "operations"), CALLS)
def test_each_route_makes_exactly_its_budgeted_calls(
    acme: Api,
    dynamo_calls: DynamoCalls,
    local: WebhookPorts,
    receiver: Receiver,
    method: str,
    route: str,
    operations: list[str],
) -> None:
    made = registered(acme, receiver.url)
    delivery = sent_test(acme, made)
    body = {"url": receiver.url, "eventTypes": ["*"]} if route == "/webhooks" else None
    dynamo_calls.reset()
    path = route.format(webhookId=made["id"], deliveryId=delivery["id"])
    reply = acme.request(method, "/api/v1" + path, body)
    assert reply.status in (200, 201, 204), reply.body
    assert dynamo_calls.operations == operations
    assert "Scan" not in dynamo_calls.operations


class TestRetriedWrites:
    """Every write, retried with its Idempotency-Key, does its work once."""

    def test_a_create_retried_answers_the_same_endpoint_and_keeps_no_copy_of_the_secret(
        self, acme: CheckedApi, globex: CheckedApi, resolver: PinnedResolver
    ) -> None:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        body = {"url": PUBLIC, "eventTypes": ["invoice.paid"]}

        first, again = (acme.post(HOOKS, body, headers=key) for _ in range(2))

        assert (first.status, again.status) == (201, 201)
        assert again.json() == first.json()
        assert [h["id"] for h in acme.get(HOOKS).json()] == [first.json()["id"]]
        kept = boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]
        assert not [item for item in kept if item["SK"]["S"].startswith("IDEM")]
        # The same key in another tenant is that tenant's own request.
        assert acme.post(HOOKS, {**body, "description": "Other"}, headers=key).status == 201
        assert globex.post(HOOKS, body, headers=key).json()["id"] != first.json()["id"]

    def test_a_delete_retried_is_replayed(self, acme: CheckedApi, resolver: PinnedResolver) -> None:
        made = registered(acme)
        key = {"Idempotency-Key": str(uuid.uuid4())}

        first, again = (acme.delete(f"{HOOKS}/{made['id']}", headers=key) for _ in range(2))

        assert (first.status, again.status, again.headers.get("Idempotent-Replayed")) == (
            204,
            204,
            "true",
        )
        assert stored_webhook_items() == ["WEBHOOKCOUNT"]

    def test_a_test_event_retried_is_sent_once(
        self, acme: CheckedApi, local: WebhookPorts, receiver: Receiver
    ) -> None:
        made = registered(acme, receiver.url)
        key = {"Idempotency-Key": str(uuid.uuid4())}

        first, again = (sent_test(acme, made, headers=key) for _ in range(2))

        assert again == first
        assert len(receiver.received) == 1
        assert len(acme.get(f"{HOOKS}/{made['id']}/deliveries").json()) == 1

    def test_a_retry_retried_makes_one_more_attempt(
        self, acme: CheckedApi, local: WebhookPorts, receiver: Receiver
    ) -> None:
        made = registered(acme, receiver.url)
        receiver.statuses = [503]
        failed = sent_test(acme, made)
        key = {"Idempotency-Key": str(uuid.uuid4())}
        path = f"{HOOKS}/{made['id']}/deliveries/{failed['id']}/retry"

        first, again = (acme.post(path, headers=key) for _ in range(2))

        assert (first.status, again.status, again.headers.get("Idempotent-Replayed")) == (
            200,
            200,
            "true",
        )
        assert again.json()["attempts"] == 2 and len(receiver.received) == 2

    def test_an_enable_retried_is_replayed(
        self, acme: CheckedApi, resolver: PinnedResolver
    ) -> None:
        made = registered(acme)
        key = {"Idempotency-Key": str(uuid.uuid4())}

        first, again = (acme.post(f"{HOOKS}/{made['id']}/enable", headers=key) for _ in range(2))

        assert (first.status, again.status, again.headers.get("Idempotent-Replayed")) == (
            200,
            200,
            "true",
        )
        assert again.json() == first.json() == acme.get(f"{HOOKS}/{made['id']}").json()


def queued_event(webhook: Json, event_id: str = "evt-1") -> Json:
    """A message of the webhook queue, as the relay writes it (decision 0064)."""
    payload = {
        "id": event_id,
        "type": "invoice.paid",
        "tenantId": "acme",
        "sequence": 4,
        "occurredAt": NOW,
        "resourceType": "invoice",
        "resourceId": "inv-1",
        "data": {"id": "inv-1", "total": 120.50},
    }
    return {
        "tenantId": "acme",
        "webhookId": webhook["id"],
        "eventId": event_id,
        "eventType": "invoice.paid",
        "payload": payload,
    }


@pytest.fixture
def webhook_queue(aws: None) -> str:
    """A webhook queue on moto, with its dead-letter queue after 20 receives, as the template's."""
    sqs = boto3.client("sqs")
    dead = sqs.create_queue(QueueName="webhooks-dead")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]
    redrive = {"deadLetterTargetArn": arn["QueueArn"], "maxReceiveCount": "20"}
    made = sqs.create_queue(QueueName="webhooks", Attributes={"RedrivePolicy": json.dumps(redrive)})
    return made["QueueUrl"]


def waiting(sqs_url: str) -> dict[str, str]:
    reply = boto3.client("sqs").get_queue_attributes(
        QueueUrl=sqs_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )
    return {str(name): value for name, value in reply["Attributes"].items()}


class TestQueuedDeliveries:
    """The webhook worker over a real (moto) queue: a failed attempt hides the message for the
    schedule's delay (a second here), after which it comes back and is delivered once."""

    @pytest.mark.now("2026-11-21T09:30:00Z", tick=True)  # moto's visibility runs on this clock
    def test_a_failed_event_comes_back_after_its_delay_and_is_delivered_once(
        self, acme: CheckedApi, local: WebhookPorts, receiver: Receiver, webhook_queue: str
    ) -> None:
        made = registered(acme, receiver.url)
        receiver.statuses = [500]
        boto3.client("sqs").send_message(
            QueueUrl=webhook_queue, MessageBody=json.dumps(queued_event(made))
        )
        queue, short = SqsWebhookReceipts(webhook_queue), Schedule((timedelta(seconds=1),) * 19)

        assert take_once(queue, local, short) == 1
        assert queue.receive() == []  # hidden until its retry
        deadline = time.monotonic() + 5
        while not take_once(queue, local, short) and time.monotonic() < deadline:
            pass

        assert len(receiver.received) == 2
        first, second = receiver.received
        assert first[1] == second[1] and first[0]["webhook-id"] == second[0]["webhook-id"]
        event = Verifier(made["secret"]).verify(second[1], second[0])
        assert event["data"]["data"] == {"id": "inv-1", "total": 120.50}
        assert waiting(webhook_queue) == {
            "ApproximateNumberOfMessages": "0",
            "ApproximateNumberOfMessagesNotVisible": "0",
        }
        [delivery] = acme.get(f"{HOOKS}/{made['id']}/deliveries").json()
        assert (delivery["attempts"], delivery["status"], delivery["eventId"]) == (
            2,
            "succeeded",
            "evt-1",
        )
        assert acme.get(f"{HOOKS}/{made['id']}").json()["failingSince"] is None

    def test_the_lambda_worker_keeps_a_failed_message_hidden_and_lets_a_delivered_one_go(
        self,
        api: Api,
        receiver: Receiver,
        webhook_queue: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        acme = api.as_tenant("acme")
        # The test client's context has Chalice's 3 s; the function has 60 (.chalice/config.json).
        monkeypatch.setattr(LambdaContext, "get_remaining_time_in_millis", lambda _: 59_000)
        monkeypatch.setenv("WEBHOOK_QUEUE_URL", webhook_queue)
        get_deps.cache_clear()
        use_ports(replace(get_deps().webhook_ports, local=True))
        made = registered(acme, receiver.url)
        receiver.statuses = [502]
        sqs = boto3.client("sqs")
        for event_id in ("evt-1", "evt-2"):
            sqs.send_message(
                QueueUrl=webhook_queue, MessageBody=json.dumps(queued_event(made, event_id))
            )
        records = SqsWebhookReceipts(webhook_queue).receive()
        event = {"Records": [{**r, "eventSource": "aws:sqs"} for r in records]}

        answer = acme.invoke("webhook_worker", event)

        [failed] = [r["messageId"] for r in records if '"evt-1"' in r["body"]]
        assert answer == {"batchItemFailures": [{"itemIdentifier": failed}]}
        assert len(receiver.received) == 2
        assert waiting(webhook_queue)["ApproximateNumberOfMessagesNotVisible"] == "2"
        hooks = {
            d["eventId"]: d["status"] for d in acme.get(f"{HOOKS}/{made['id']}/deliveries").json()
        }
        assert hooks == {"evt-1": "failed", "evt-2": "succeeded"}

    def test_an_endpoint_failing_for_five_days_is_shown_disabled_and_enabled_again(
        self, acme: CheckedApi, resolver: PinnedResolver
    ) -> None:
        made = registered(acme)
        repository = get_deps().webhook_ports.webhooks
        since = get_deps().webhook_ports.clock.now() - DISABLE_AFTER
        off = Health(failing_since=since, disabled_at=since + DISABLE_AFTER, disabled_reason="x")
        assert repository.save_health("acme", made["id"], off, previous=Health())
        path = f"{HOOKS}/{made['id']}"

        shown = acme.get(path).json()

        assert (shown["disabled"], shown["disabledAt"], shown["failingSince"]) == (
            True,
            NOW,
            "2026-11-16T09:30:00.000Z",
        )
        stored = boto3.client("dynamodb").get_item(
            TableName=TABLE_NAME, Key={"PK": {"S": "T#acme"}, "SK": {"S": f"WEBHOOK#{made['id']}"}}
        )["Item"]
        assert stored["disabled"] == {"BOOL": True}  # what the relay tells as webhook.disabled
        enabled = acme.post(f"{path}/enable")
        assert enabled.status == 200, enabled.body
        assert enabled.json() == {
            **shown,
            "disabled": False,
            "disabledAt": None,
            "disabledReason": None,
            "failingSince": None,
        }
        assert acme.get(path).json() == enabled.json()
        problem(acme.post(f"{HOOKS}/{uuid.uuid4()}/enable"), 404)
