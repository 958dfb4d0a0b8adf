"""What send and schedule read from a body: multipart parts, or a JSON object's fields. Nothing
sent is dropped: a field a route does not take is a 400, another content type a 415, and
neither changes the invoice or sends anything."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_documents_api import invoice_of, multipart, sent_messages
from tests.support import Api

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
BASE = "/api/v1/invoices"


def found(client: Api, invoice: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = client.get(f"{BASE}/find/{invoice['id']}").json()
    return answer


def test_a_send_time_given_as_json_is_kept(acme: Api) -> None:
    invoice = invoice_of(acme)
    reply = acme.post(f"{BASE}/{invoice['id']}/schedule", {"sendAt": "2030-01-01T09:00:00+01:00"})
    assert reply.status == 200, reply.body
    assert (reply.json()["status"], reply.json()["sendAt"]) == (
        "SCHEDULED",
        "2030-01-01T08:00:00.000Z",
    )
    assert found(acme, invoice)["sendAt"] == "2030-01-01T08:00:00.000Z"


def test_json_and_multipart_give_the_same_time(acme: Api) -> None:
    as_json, as_parts = invoice_of(acme), invoice_of(acme)
    sent_at = "2026-12-24T09:30:00+01:00"
    acme.post(f"{BASE}/{as_json['id']}/schedule", {"sendAt": sent_at})
    multipart(acme, f"{BASE}/{as_parts['id']}/schedule", [("sendAt", sent_at)])
    assert found(acme, as_json)["sendAt"] == found(acme, as_parts)["sendAt"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sendAt": "2030-01-01"}, "sendAt"),  # no time zone
        ({"sendat": "2030-01-01T08:00:00Z"}, "sendat"),  # not the field's name
        ({"pdf": "JVBERi0xLjQK"}, "pdf"),  # a file comes only as a part
        (["2030-01-01T08:00:00Z"], "body"),
    ],
)
def test_a_json_body_schedule_cannot_read_whole_is_a_400_and_changes_nothing(
    acme: Api, body: Any, field: str
) -> None:
    invoice = invoice_of(acme)
    reply = acme.post(f"{BASE}/{invoice['id']}/schedule", body)
    assert reply.status == 400, reply.body
    assert field in [error["field"] for error in reply.json()["errors"]]
    assert found(acme, invoice) == invoice


def test_a_multipart_field_schedule_does_not_take_is_a_400(acme: Api) -> None:
    invoice = invoice_of(acme)
    reply = multipart(acme, f"{BASE}/{invoice['id']}/schedule", [("send_when", "tomorrow")])
    assert reply.status == 400
    assert found(acme, invoice) == invoice


def test_send_takes_no_json_field_and_sends_nothing_when_given_one(acme: Api) -> None:
    invoice = invoice_of(acme)
    reply = acme.post(f"{BASE}/{invoice['id']}/send", {"pdf": "JVBERi0xLjQK"})
    assert reply.status == 400
    assert (found(acme, invoice), sent_messages()) == (invoice, [])

    sent = acme.post(f"{BASE}/{invoice['id']}/send", {})
    assert (sent.status, sent.json()["status"], len(sent_messages())) == (200, "SENT", 1)


@pytest.mark.parametrize("action", ["send", "schedule"])
def test_another_content_type_is_a_415_and_changes_nothing(acme: Api, action: str) -> None:
    invoice = invoice_of(acme)
    reply = acme.post(
        f"{BASE}/{invoice['id']}/{action}",
        body="sendAt=2030-01-01T08:00:00Z",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 415
    assert set(reply.json()) == {"title", "detail", "time"}
    assert (found(acme, invoice), sent_messages()) == (invoice, [])


def test_another_tenant_cannot_schedule_it_with_a_json_body(acme: Api, globex: Api) -> None:
    invoice = invoice_of(acme)
    reply = globex.post(f"{BASE}/{invoice['id']}/schedule", {"sendAt": "2030-01-01T08:00:00Z"})
    assert reply.status == 404
    assert found(acme, invoice) == invoice
