"""The tenant's credit notes listed through HTTP on DynamoDB Local (issue 21): where a filter
passes over many notes, DynamoDB's Limit counts what it read before the filter, so a page may
come back short with a cursor; following the cursors still yields every match once, in order."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from tests.concurrency.test_credit_note_races import call
from tests.figures import exact_json

pytestmark = [pytest.mark.dynamodb_local, pytest.mark.now("2026-11-21T09:30:00Z")]
ROWS = [{"description": "Chairs", "quantity": 2, "unitPrice": "50.00", "taxRate": 24}]


def client(base: str, name: str) -> str:
    reply = call("POST", f"{base}/api/v1/clients", {"name": name})
    assert reply.status_code == 201, reply.text
    found: str = reply.json()["id"]
    return found


def credit(base: str, client_id: str) -> str:
    body = {"currency": "EUR", "invoiceDate": "2026-11-21", "rows": ROWS, "clientId": client_id}
    created = call("POST", f"{base}/api/v1/invoices", body).json()
    call("PATCH", f"{base}/api/v1/invoices/{created['id']}/mark-as-sent")
    note = call("POST", f"{base}/api/v1/invoices/{created['id']}/credit-notes", {"reason": "Back"})
    assert note.status_code == 201, note.text
    number: str = note.json()["creditNoteNumber"]
    return number


def pages(base: str, path: str) -> list[list[str]]:
    found: list[list[str]] = []
    url = f"{base}{path}"
    while True:
        reply: requests.Response = call("GET", url)
        assert reply.status_code == 200, reply.text
        found.append([note["creditNoteNumber"] for note in exact_json(reply.text)])
        link: Any = reply.headers.get("Link")
        if link is None:
            return found
        url = urljoin(url, link.split(">")[0].lstrip("<"))


def test_a_filter_that_passes_over_many_notes_pages_to_every_match_once(
    local_api_server: str,
) -> None:
    kone, nokia = client(local_api_server, "Kone Oyj"), client(local_api_server, "Nokia Oyj")
    owners = [kone] * 10 + [nokia] + [kone] * 3 + [nokia, nokia]
    numbers = [credit(local_api_server, owner) for owner in owners]
    nokias = [n for n, owner in zip(numbers, owners, strict=True) if owner == nokia]

    found = pages(local_api_server, f"/api/v1/credit-notes?clientId={nokia}&limit=1")

    assert [n for page in found for n in page] == nokias  # each once, in order
    assert all(len(page) <= 1 for page in found)
    assert found[0] == []  # eight reads of one Kone note each, then a cursor to go on from
    whole = pages(local_api_server, "/api/v1/credit-notes?newestFirst=true&limit=5")
    assert [n for page in whole for n in page] == numbers[::-1]
    assert [len(page) for page in whole] == [5, 5, 5, 1]
