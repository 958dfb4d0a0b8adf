"""Webhooks on the local stack (issue 23, decisions 0064 and 0065): `invoicing serve` relays the
table's stream and its worker delivers each event, signed as Standard Webhooks says, to a
receiver on 127.0.0.1 that fails the first three posts; each event lands once (the first one on
its fourth attempt), in each invoice's order, and never at another tenant's endpoint. The worker's
retries come after 1 s here (INVOICING_LOCAL_RETRY_SECONDS, read by `serve` alone)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from standardwebhooks import Webhook

from tests import local_stack
from tests.local_stack import Receiver, Stack, clean_environment, receiving

pytestmark = pytest.mark.e2e

ROWS = [{"description": "Beratung", "quantity": 2, "unitPrice": 150, "taxRate": 19}]
WEBHOOKS = "/api/v1/webhooks"
INVOICES = "/api/v1/invoices"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    environment = clean_environment(INVOICING_LOCAL_RETRY_SECONDS="1")
    directory = tmp_path_factory.mktemp("webhooks")
    with local_stack.running(directory, jobs_every=0, env=environment) as running:
        yield running


def registered(stack: Stack, tenant: str, url: str) -> str:
    """An endpoint of `tenant`'s for every event; its signing secret."""
    made = requests.post(
        f"{stack.url}{WEBHOOKS}",
        json={"url": url, "eventTypes": ["*"]},
        headers=stack.auth(tenant),
        timeout=10,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["secret"])


def created(stack: Stack, tenant: str) -> str:
    made = requests.post(
        f"{stack.url}{INVOICES}",
        json={"currency": "EUR", "rows": ROWS},
        headers=stack.auth(tenant),
        timeout=10,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def sent_and_paid(stack: Stack, tenant: str, invoice_id: str) -> None:
    api, auth = f"{stack.url}{INVOICES}/{invoice_id}", stack.auth(tenant)
    sent = requests.patch(f"{api}/mark-as-sent", headers=auth, timeout=10)
    assert sent.status_code == 200, sent.text
    paid = requests.patch(f"{api}/add-payment", json={"amount": 357}, headers=auth, timeout=10)
    assert paid.status_code == 200, paid.text


def landed_until(receiver: Receiver, wanted: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while len(receiver.landed()) < wanted and time.monotonic() < deadline:
        time.sleep(0.2)


LIFE = ["invoice.created", "invoice.issued", "invoice.payment_recorded", "invoice.paid"]


def test_each_event_lands_once_signed_in_order_after_three_failures_and_at_its_tenant_alone(
    stack: Stack,
) -> None:
    with receiving(failures=3) as ours, receiving(failures=0) as theirs:
        secret = registered(stack, "hooked", ours.url)
        registered(stack, "bystander", theirs.url)
        first = created(stack, "hooked")
        landed_until(ours, 1)  # the first event alone: three failures, 1 s apart, then 200
        with ours.lock:
            tried = [(post.headers["webhook-id"], post.status) for post in ours.posts]
        assert [status for _, status in tried] == [500, 500, 500, 200]
        assert len({webhook_id for webhook_id, _ in tried}) == 1

        sent_and_paid(stack, "hooked", first)
        second = created(stack, "hooked")
        sent_and_paid(stack, "hooked", second)
        landed_until(ours, 2 * len(LIFE))
        time.sleep(3)  # long enough for a retry that would repeat one to come

        verifier = Webhook(secret)
        events: list[dict[str, Any]] = []
        for post in ours.landed():
            headers = post.headers
            verified = verifier.verify(post.body, headers)  # {"type", "timestamp", "data": event}
            event = verified["data"]
            assert headers["webhook-id"] == event["id"] and verified["type"] == event["type"]
            events.append(event)
        ids = [event["id"] for event in events]
        assert len(ids) == len(set(ids)) == 2 * len(LIFE), [e["type"] for e in events]
        assert {event["tenantId"] for event in events} == {"hooked"}
        for invoice_id in (first, second):
            told = [e for e in events if e["resourceId"] == invoice_id]
            assert [e["type"] for e in told] == LIFE
            sequences = [e["sequence"] for e in told]
            assert sequences == sorted(sequences) and sequences[0] < sequences[-1]
        assert theirs.posts == []  # the bystander wrote nothing, so hears nothing
