"""A crash between a write and its relay loses nothing (issue 23, decision 0064), on DynamoDB
Local's stream: writes made over HTTP while nothing relays are all told when the relay starts
later, each event once, in each invoice's order; a relay that dies half way through a batch is
handed it again and tells the rest, under the same ids."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

import boto3
import pytest
import requests

from chalicelib.bootstrap import get_deps
from chalicelib.jobs.handlers import event_relay
from invoicing_cli.dynamodb_local import LocalTable
from invoicing_cli.local import local_token
from invoicing_cli.stream import StreamReader, relay_once

pytestmark = pytest.mark.dynamodb_local

INVOICES = 6
ROWS = [{"description": "Work", "quantity": 1, "unitPrice": "100.00", "taxRate": 20}]


def auth(tenant: str = "acme") -> dict[str, str]:
    return {"Authorization": f"Bearer {local_token(tenant)}"}


def write_invoices(api: str) -> list[str]:
    """Each invoice created, issued and paid: three writes, four events."""
    ids = []
    for _ in range(INVOICES):
        made = requests.post(
            f"{api}/api/v1/invoices", json={"rows": ROWS}, headers=auth(), timeout=30
        )
        assert made.status_code == 201, made.text
        invoice = made.json()["id"]
        for path, body in (("mark-as-sent", None), ("add-payment", {"amount": "120.00"})):
            reply = requests.patch(
                f"{api}/api/v1/invoices/{invoice}/{path}", json=body, headers=auth(), timeout=30
            )
            assert reply.status_code == 200, reply.text
        ids.append(invoice)
    return ids


class Tap:
    """What the bus took, through a rule copying it to a queue on the moto server."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        endpoint = os.environ["AWS_ENDPOINT_URL_SQS"]
        monkeypatch.setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", endpoint)
        self.sqs = boto3.client("sqs", endpoint_url=endpoint)
        events = boto3.client("events", endpoint_url=endpoint)
        bus = events.create_event_bus(Name="invoicing-events")["EventBusArn"]
        self.url = self.sqs.create_queue(QueueName="tap")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])
        events.put_rule(Name="tap", EventBusName=bus, EventPattern='{"source": ["invoicing"]}')
        target = {"Id": "tap", "Arn": arn["Attributes"]["QueueArn"]}
        events.put_targets(Rule="tap", EventBusName=bus, Targets=[target])
        hooks = self.sqs.create_queue(QueueName="webhooks")["QueueUrl"]
        monkeypatch.setenv("EVENT_BUS_NAME", "invoicing-events")
        monkeypatch.setenv("WEBHOOK_QUEUE_URL", hooks)
        get_deps.cache_clear()

    def taken(self) -> list[dict[str, Any]]:
        found = []
        while messages := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                found.append(json.loads(message["Body"])["detail"])
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return found


def reader_of(table: LocalTable) -> StreamReader:
    streams = boto3.client("dynamodbstreams", endpoint_url=table.endpoint_url)
    return StreamReader.of_table(table.client, streams, table.table_name)


def assert_each_told_once_in_order(told: list[dict[str, Any]], invoices: list[str]) -> None:
    assert not [i for i, n in Counter(e["id"] for e in told).items() if n > 1]
    for invoice in invoices:
        mine = [e for e in told if e["resourceId"] == invoice]
        assert [e["type"] for e in mine] == [
            "invoice.created",
            "invoice.issued",
            "invoice.payment_recorded",
            "invoice.paid",
        ]
        assert [e["sequence"] for e in mine] == [1, 2, 3, 3]


def test_writes_made_while_nothing_relays_are_all_told_once_when_the_relay_starts(
    local_api_with_s3_and_sqs: str, ddb_local: LocalTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoices = write_invoices(local_api_with_s3_and_sqs)  # the relay is down meanwhile
    tap = Tap(monkeypatch)
    reader = reader_of(ddb_local)
    assert relay_once(reader, event_relay, reader.arn) >= INVOICES * 3
    assert relay_once(reader, event_relay, reader.arn) == 0  # nothing new: nothing told again
    assert_each_told_once_in_order(tap.taken(), invoices)


def test_a_relay_that_dies_half_way_is_handed_the_batch_again_and_loses_nothing(
    local_api_with_s3_and_sqs: str, ddb_local: LocalTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoices = write_invoices(local_api_with_s3_and_sqs)
    tap = Tap(monkeypatch)
    reader = reader_of(ddb_local)
    bus = get_deps().relay_ports.bus
    real, calls = bus.publish, []

    def dies_on_the_second_call(events: Any) -> None:
        calls.append(len(events))
        if len(calls) == 2:
            raise ConnectionError("the relay's host went away")
        real(events)

    monkeypatch.setattr(bus, "publish", dies_on_the_second_call)
    relay_once(reader, event_relay, reader.arn)
    monkeypatch.setattr(bus, "publish", real)
    relay_once(reader, event_relay, reader.arn)
    told = tap.taken()
    assert len(calls) == 2
    assert_each_told_once_in_order(told, invoices)
