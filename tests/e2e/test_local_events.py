"""The local stack's events (issue 23, decision 0064): `invoicing serve` relays the table's
stream as Lambda would, and `invoicing events` prints what its bus took, a tenant's alone when
asked, and follows new ones as they happen."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests import local_stack
from tests.local_stack import BIN, Stack, invoicing

ROWS = [{"description": "Beratung", "quantity": 2, "unitPrice": 150, "taxRate": 19}]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_stack.running(tmp_path_factory.mktemp("events"), jobs_every=0) as running:
        yield running


def printed_until(stack: Stack, wanted: int, *args: str) -> list[str]:
    """`invoicing events`' lines, once `wanted` of them are there (the relay polls the stream)."""
    deadline = time.monotonic() + 20
    while True:
        lines = invoicing("events", "--port", str(stack.port), *args).splitlines()
        if len(lines) >= wanted or time.monotonic() > deadline:
            return lines
        time.sleep(0.3)


def test_events_shows_an_invoices_events_in_order_and_only_the_tenant_asked_for(
    stack: Stack,
) -> None:
    api = f"{stack.url}/api/v1/invoices"
    auth = stack.auth("eventful")
    invoice = requests.post(api, json={"currency": "EUR", "rows": ROWS}, headers=auth, timeout=10)
    invoice_id = invoice.json()["id"]
    sent = requests.patch(f"{api}/{invoice_id}/mark-as-sent", headers=auth, timeout=10)
    assert sent.status_code == 200, sent.text
    paid = requests.patch(
        f"{api}/{invoice_id}/add-payment", json={"amount": 357}, headers=auth, timeout=10
    )
    assert paid.status_code == 200, paid.text
    requests.post(
        api, json={"currency": "EUR", "rows": ROWS}, headers=stack.auth("other"), timeout=10
    )

    lines = printed_until(stack, 4, "--tenant", "eventful")
    kinds = [line.split()[2] for line in lines if invoice_id in line]
    assert kinds == [
        "invoice.created",
        "invoice.issued",
        "invoice.payment_recorded",
        "invoice.paid",
    ]
    assert all(" eventful " in line for line in lines)
    assert [line.split()[5] for line in lines] == ["#1", "#2", "#3", "#3"]


def test_events_follow_prints_an_event_as_it_happens(stack: Stack, tmp_path: Path) -> None:
    out = tmp_path / "followed.txt"
    with out.open("w") as sink:
        command = [str(BIN / "invoicing"), "events", "--port", str(stack.port), "--follow"]
        follower = subprocess.Popen([*command, "--tenant", "follower"], stdout=sink)
    try:
        auth = stack.auth("follower")
        made = requests.post(
            f"{stack.url}/api/v1/invoices",
            json={"currency": "EUR", "rows": ROWS},
            headers=auth,
            timeout=10,
        )
        deadline = time.monotonic() + 20
        while made.json()["id"] not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "invoice.created" in out.read_text()
    finally:
        follower.terminate()
        follower.wait(timeout=10)
