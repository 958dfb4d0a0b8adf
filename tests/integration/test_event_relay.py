"""Events from the table's stream (issue 23, decision 0064), on moto: real API writes make stream
records, the relay's Lambda handler turns them into events on the stack's bus and one webhook
message per endpoint that wants each, in the invoice's order; another tenant's endpoints never
get ours; a record handed over twice is told under the same ids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.domain.webhook_retries import Health
from chalicelib.domain.webhooks import Webhook
from chalicelib.jobs.handlers import event_relay
from chalicelib.store.webhooks import DynamoWebhookRepository
from invoicing_cli.events import create_webhook_queue
from invoicing_cli.local import TABLE_NAME
from invoicing_cli.resources import template_resource
from invoicing_cli.stream import StreamReader, lambda_event, relay_once
from tests.conformance import CheckedApi, checked_tenant
from tests.integration.test_credit_notes_api import BASE, SIMPLE, credited, issued
from tests.support import Api

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")

acme = checked_tenant("acme", "alice")
globex = checked_tenant("globex", "gina")


@dataclass
class Outlets:
    """The bus, seen through a rule that copies every event to a queue, and the webhook queue."""

    sqs: Any
    bus_tap_url: str
    webhook_queue_url: str
    reader: StreamReader

    def relay(self) -> int:
        return relay_once(self.reader, event_relay, self.reader.arn)

    def bus_events(self) -> list[dict[str, Any]]:
        return [json.loads(body)["detail"] for body in self._drain(self.bus_tap_url)]

    def webhook_messages(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self._drain(self.webhook_queue_url)]

    def _drain(self, url: str) -> list[str]:
        bodies: list[str] = []
        while True:
            reply = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
            messages = reply.get("Messages", [])
            if not messages:
                return bodies
            for message in messages:
                bodies.append(message["Body"])
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def outlets(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outlets]:
    session = boto3.session.Session()
    sqs, events = session.client("sqs"), session.client("events")
    bus = events.create_event_bus(Name="invoicing-events")["EventBusArn"]
    tap = sqs.create_queue(QueueName="bus-tap")["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["QueueArn"])
    events.put_rule(
        Name="all", EventBusName=bus, EventPattern=json.dumps({"source": ["invoicing"]})
    )
    target = {"Id": "tap", "Arn": tap_arn["Attributes"]["QueueArn"]}
    events.put_targets(Rule="all", EventBusName=bus, Targets=[target])
    webhook_queue = sqs.create_queue(QueueName="webhooks")["QueueUrl"]
    monkeypatch.setenv("EVENT_BUS_NAME", "invoicing-events")
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", webhook_queue)
    get_deps.cache_clear()
    reader = StreamReader.of_table(
        session.client("dynamodb"), session.client("dynamodbstreams"), TABLE_NAME
    )
    yield Outlets(sqs, tap, webhook_queue, reader)


def endpoint(tenant: str, webhook_id: str, *types: str) -> Webhook:
    made = Webhook(
        tenant_id=tenant,
        id=webhook_id,
        url=f"https://hooks.example.com/{tenant}",
        event_types=types or ("*",),
        secret="whsec_" + "A" * 32,
        created=datetime(2026, 11, 1, tzinfo=UTC),
        created_by="alice",
    )
    return DynamoWebhookRepository(get_deps().dynamodb, TABLE_NAME).add(made)


def test_an_invoice_life_reaches_the_bus_and_its_endpoints_in_order(
    acme: CheckedApi, globex: CheckedApi, outlets: Outlets
) -> None:
    endpoint("acme", "0192f0a0-0000-7000-8000-000000000001")
    endpoint("acme", "0192f0a0-0000-7000-8000-000000000002", "invoice.paid")
    endpoint("globex", "0192f0a0-0000-7000-8000-000000000003")
    invoice = issued(acme, SIMPLE)
    paid = acme.patch(f"{BASE}/{invoice['id']}/add-payment", {"amount": "161.20"})
    assert paid.status == 200, paid.body
    globex.post(BASE, {"currency": "EUR", "rows": SIMPLE})
    assert outlets.relay() > 0

    told = [e for e in outlets.bus_events() if e["resourceId"] == invoice["id"]]
    assert [e["type"] for e in told] == [
        "invoice.created",
        "invoice.issued",
        "invoice.payment_recorded",
        "invoice.paid",
    ]
    assert [e["sequence"] for e in told] == sorted(e["sequence"] for e in told)
    assert {e["tenantId"] for e in told} == {"acme"}
    assert told[-1]["data"]["status"] == "PAID" and told[-1]["data"]["paid"] == 161.2
    messages = outlets.webhook_messages()
    by_endpoint: dict[str, list[str]] = {}
    for message in messages:
        assert set(message) == {"tenantId", "webhookId", "eventId", "eventType", "payload"}
        assert message["eventId"] == message["payload"]["id"]
        by_endpoint.setdefault(message["webhookId"], []).append(message["eventType"])
    assert by_endpoint["0192f0a0-0000-7000-8000-000000000001"][:4] == [e["type"] for e in told]
    assert by_endpoint["0192f0a0-0000-7000-8000-000000000002"] == ["invoice.paid"]
    assert {m["tenantId"] for m in messages if m["webhookId"].endswith("3")} == {"globex"}
    assert all(m["tenantId"] == "globex" for m in messages if m["webhookId"].endswith("3"))


def test_a_credit_note_and_a_cancel_are_told_and_a_redelivered_batch_keeps_its_ids(
    acme: CheckedApi, outlets: Outlets
) -> None:
    invoice = issued(acme, SIMPLE)
    credited(acme, invoice, rows=[{"rowId": invoice["rows"][1]["id"], "quantity": 1}])
    cancelled = acme.patch(f"{BASE}/{invoice['id']}/cancel")
    assert cancelled.status == 200, cancelled.body
    records = outlets.reader.read()
    event_relay(lambda_event(records, outlets.reader.arn), None)
    first = outlets.bus_events()
    types = [e["type"] for e in first]
    assert types.count("credit_note.issued") == 2  # the partial one, then the cancelling one
    assert types.index("invoice.credited") < types.index("invoice.cancelled")
    event_relay(lambda_event(records, outlets.reader.arn), None)  # Lambda hands it over again
    assert [e["id"] for e in outlets.bus_events()] == [e["id"] for e in first]


def test_an_endpoint_disabled_is_told_once_as_the_api_answers_it_and_nothing_else_of_it(
    acme: CheckedApi, outlets: Outlets
) -> None:
    made = endpoint("acme", "0192f0a0-0000-7000-8000-000000000004")
    repository = DynamoWebhookRepository(get_deps().dynamodb, TABLE_NAME)
    failing = Health(failing_since=datetime(2026, 11, 15, tzinfo=UTC))
    disabled = Health(failing.failing_since, datetime(2026, 11, 20, tzinfo=UTC), "failing")
    assert repository.save_health("acme", made.id, failing, previous=Health())
    assert repository.save_health("acme", made.id, disabled, previous=failing)
    assert repository.enable("acme", made.id) is not None
    assert outlets.relay() > 0

    (told,) = outlets.bus_events()
    assert (told["type"], told["tenantId"], told["resourceType"]) == (
        "webhook.disabled",
        "acme",
        "webhook",
    )
    answered = acme.get(f"/api/v1/webhooks/{made.id}").json()
    assert told["data"] == {
        **answered,
        "disabled": True,
        "disabledAt": told["data"]["disabledAt"],
        "disabledReason": "failing",
        "failingSince": told["data"]["failingSince"],
    }
    assert "secret" not in told["data"] and "whsec_" not in json.dumps(told)
    assert [m["eventType"] for m in outlets.webhook_messages()] == ["webhook.disabled"]


def test_the_local_webhook_queue_dead_letters_as_the_templates_does(aws: None) -> None:
    sqs = boto3.session.Session().client("sqs")
    url = create_webhook_queue(sqs, "local-webhooks")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    deployed = template_resource("WebhookQueue")["Properties"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == deployed["RedrivePolicy"]["maxReceiveCount"] == 20
    dead = sqs.get_queue_url(QueueName="local-webhooks-dead")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])
    assert redrive["deadLetterTargetArn"] == dead_arn["Attributes"]["QueueArn"]
    assert int(attributes["VisibilityTimeout"]) == deployed["VisibilityTimeout"]
