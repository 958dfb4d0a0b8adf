"""What each document and delivery request costs in DynamoDB calls (counted, never timed), and
that a retried send or upload, carrying the same Idempotency-Key, emails and stores once."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from urllib3 import encode_multipart_formdata

from chalicelib.bootstrap import get_deps
from invoicing_cli.local import BUCKET_NAME
from tests.integration.test_documents_api import PDF, PNG, real_png, sent_messages, stored_keys
from tests.support import Api, DynamoCalls, Reply

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")  # the dates below are written as of then
BASE = "/api/v1/invoices"
# Each request in the order a client makes them, with the DynamoDB calls it costs. Issuing
# (send, schedule) reads invoice, counter and settings in one BatchGetItem, once (the issuing
# write starts from that read), and writes invoice and counter in one transaction; a change on
# an issued invoice is a read and a conditional write.
ISSUING = ["BatchGetItem", "TransactWriteItems"]
CALLS: list[tuple[str, str, list[str]]] = [
    ("POST", "/invoices/{invoiceId}/generate-pdf", ["GetItem", "GetItem", "GetItem", "PutItem"]),
    ("GET", "/invoices/{invoiceId}/pdf", ["GetItem"]),
    ("POST", "/invoices/{invoiceId}/upload-attachments", ["GetItem", "GetItem", "PutItem"]),
    ("GET", "/invoices/{invoiceId}/attachments/{blobId}", ["GetItem"]),
    ("DELETE", "/invoices/{invoiceId}/attachments/{blobId}", ["GetItem", "PutItem"]),
    ("POST", "/invoices/{invoiceId}/attachments/upload-url", ["GetItem"]),
    ("POST", "/invoices/{invoiceId}/attachments/{blobId}", ["GetItem", "GetItem", "PutItem"]),
    ("PUT", "/settings/logo", ["GetItem", "PutItem"]),
    ("DELETE", "/settings/logo", ["GetItem", "PutItem"]),
    ("POST", "/invoices/{invoiceId}/schedule", ISSUING),
    ("PATCH", "/invoices/{invoiceId}/unschedule", ["GetItem", "TransactWriteItems"]),
    ("POST", "/invoices/{invoiceId}/send", ISSUING),
    ("POST", "/invoices/{invoiceId}/send-reminder", ["GetItem", "GetItem", "PutItem"]),
]
ROUTES = {(method, route) for method, route, _ in CALLS}


def form(fields: list[tuple[str, Any]]) -> dict[str, Any]:
    body, content_type = encode_multipart_formdata(fields)
    return {"body": body, "headers": {"Content-Type": content_type}}


def test_each_document_request_makes_exactly_its_budgeted_calls(
    acme: Api, dynamo_calls: DynamoCalls
) -> None:
    invoice = acme.post(BASE, {"contactEmail": "kunde@example.com", "rows": [
        {"quantity": 1, "unitPrice": 10}]}).json()  # fmt: skip
    ids: dict[str, str] = {}

    def call(method: str, route: str, **kwargs: Any) -> Reply:
        target = "/api/v1" + route.format(invoiceId=invoice["id"], blobId=ids.get("blob", "-"))
        dynamo_calls.reset()
        reply = acme.request(method, target, **kwargs)
        assert reply.status < 400, (route, reply.body)
        expected = next(ops for m, r, ops in CALLS if (m, r) == (method, route))
        assert dynamo_calls.operations == expected, route
        return reply

    call("POST", "/invoices/{invoiceId}/generate-pdf")
    call("GET", "/invoices/{invoiceId}/pdf")
    added = call("POST", "/invoices/{invoiceId}/upload-attachments",
                 **form([("files", ("a.png", PNG, "image/png"))]))  # fmt: skip
    ids["blob"] = added.json()["attachments"][0]["blobId"]
    call("GET", "/invoices/{invoiceId}/attachments/{blobId}")
    call("DELETE", "/invoices/{invoiceId}/attachments/{blobId}")
    upload = call("POST", "/invoices/{invoiceId}/attachments/upload-url",
                  json_body={"name": "s.pdf", "contentType": "application/pdf"})  # fmt: skip
    ids["blob"] = upload.json()["blobId"]
    boto3.client("s3").put_object(Bucket=BUCKET_NAME, Key=upload.json()["fields"]["key"], Body=PDF)
    call("POST", "/invoices/{invoiceId}/attachments/{blobId}", json_body={"name": "s.pdf"})
    call("PUT", "/settings/logo", **form([("file", ("l.png", real_png(), "image/png"))]))
    call("DELETE", "/settings/logo")
    call("POST", "/invoices/{invoiceId}/schedule")
    call("PATCH", "/invoices/{invoiceId}/unschedule")
    call("POST", "/invoices/{invoiceId}/send")
    call("POST", "/invoices/{invoiceId}/send-reminder")
    assert "Scan" not in dynamo_calls.operations
    assert len(sent_messages()) == 2


WRITES = {(method, route) for method, route, _ in CALLS if method != "GET"}


def test_every_write_retried_with_its_key_is_replayed_and_done_once(acme: Api) -> None:
    """The same request sent twice with one Idempotency-Key: the second answer is the first,
    replayed, and nothing happens twice (one email, one stored file, one number)."""
    invoice = acme.post(BASE, {"contactEmail": "kunde@example.com", "rows": [
        {"quantity": 1, "unitPrice": 10}]}).json()  # fmt: skip
    ids: dict[str, str] = {}
    replayed: set[tuple[str, str]] = set()

    def twice(method: str, route: str, **kwargs: Any) -> Reply:
        target = "/api/v1" + route.format(invoiceId=invoice["id"], blobId=ids.get("blob", "-"))
        key = {"Idempotency-Key": str(uuid.uuid4())}
        headers = {**kwargs.pop("headers", {}), **key}
        first = acme.request(method, target, headers=headers, **kwargs)
        again = acme.request(method, target, headers=headers, **kwargs)
        assert first.status < 400, (route, first.body)
        assert (again.status, again.body) == (first.status, first.body), route
        assert again.headers.get("Idempotent-Replayed") == "true", route
        replayed.add((method, route))
        return first

    twice("POST", "/invoices/{invoiceId}/generate-pdf")
    added = twice("POST", "/invoices/{invoiceId}/upload-attachments",
                  **form([("files", ("a.png", PNG, "image/png"))]))  # fmt: skip
    assert len(added.json()["attachments"]) == 1
    ids["blob"] = added.json()["attachments"][0]["blobId"]
    twice("DELETE", "/invoices/{invoiceId}/attachments/{blobId}")
    upload = twice("POST", "/invoices/{invoiceId}/attachments/upload-url",
                   json_body={"name": "s.pdf", "contentType": "application/pdf"})  # fmt: skip
    ids["blob"] = upload.json()["blobId"]
    boto3.client("s3").put_object(Bucket=BUCKET_NAME, Key=upload.json()["fields"]["key"], Body=PDF)
    twice("POST", "/invoices/{invoiceId}/attachments/{blobId}", json_body={"name": "s.pdf"})
    twice("PUT", "/settings/logo", **form([("file", ("l.png", real_png(), "image/png"))]))
    twice("DELETE", "/settings/logo")
    twice("POST", "/invoices/{invoiceId}/schedule")
    twice("PATCH", "/invoices/{invoiceId}/unschedule")
    sent = twice("POST", "/invoices/{invoiceId}/send")
    assert (sent.json()["invoiceNumber"], len(sent_messages())) == ("INV-2026-0001", 1)
    twice("POST", "/invoices/{invoiceId}/send-reminder")
    assert len(sent_messages()) == 2
    stored = get_deps().invoices.get("acme", invoice["id"])
    assert stored is not None
    assert (len(stored.attachments), len(stored.reminders), stored.sent_mails) == (
        1, 1, ["kunde@example.com"])  # fmt: skip
    assert len([key for key in stored_keys() if "/logos/" in key]) == 1
    assert replayed == WRITES
