"""The tenant's credit notes listed and exported through HTTP (issue 21, part 1): by the day they
were issued, oldest or newest first, filtered by day range, client, currency and invoice, paged
with a cursor that keeps the filters, and the same as CSV to the cent. Each list is one Query of
the CreditNotes index (no Scan, no BatchGetItem); another tenant's lists hold none of ours."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

import pytest
import time_machine

from tests.conformance import CheckedApi, checked_tenant
from tests.figures import exact_json
from tests.integration.test_credit_notes_api import BASE, NOTES, SIMPLE, credited, issued, row_id
from tests.support import Api

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
LIST = NOTES
CSV = f"{NOTES}/csv-export"
# The two list routes, as registered under /api/v1: another tenant sends each below.
ROUTES = {("GET", "/credit-notes"), ("GET", "/credit-notes/csv-export")}
MIDDLE = "CN-2026-0004"  # the last of the three issued on 2026-11-10


acme = checked_tenant("acme", "alice")
globex = checked_tenant("globex", "gina")


def on(day: str) -> Any:
    return time_machine.travel(datetime.fromisoformat(f"{day}T10:00:00+00:00"), tick=False)


def client(acme: CheckedApi, name: str) -> str:
    reply = acme.post("/api/v1/clients", {"name": name})
    assert reply.status == 201, reply.body
    found: str = reply.json()["id"]
    return found


@pytest.fixture
def notes(api: Api, acme: CheckedApi) -> dict[str, dict[str, Any]]:
    """Five credit notes over three days, two clients, two currencies; one whole, one a chair.
    Each day's calls carry a credential of that day."""

    def that_day() -> CheckedApi:
        return CheckedApi(api.as_tenant("acme", user="alice"), acme.conformance)

    nokia, kone = client(acme, "Nokia Oyj"), client(acme, "Kone Oyj")
    made: dict[str, dict[str, Any]] = {}
    with on("2026-11-02"):
        alice = that_day()
        first = issued(alice, SIMPLE, clientId=nokia)
        made["a"] = credited(alice, first, rows=[{"rowId": row_id(first, 0), "quantity": 1}])
    with on("2026-11-10"):
        alice = that_day()
        made["b"] = credited(alice, issued(alice, SIMPLE, clientId=kone))
        made["c"] = credited(alice, issued(alice, SIMPLE, clientId=nokia, currency="USD"))
        made["d"] = credited(alice, first, rows=[{"rowId": row_id(first, 1)}])
    with on("2026-11-20"):
        alice = that_day()
        made["e"] = credited(alice, issued(alice, SIMPLE, clientId=kone))
    made["nokia"], made["kone"], made["first"] = {"id": nokia}, {"id": kone}, first
    return made


def listed(client: CheckedApi, path: str = LIST) -> list[str]:
    reply = client.get(path)
    assert reply.status == 200, reply.body
    return [note["creditNoteNumber"] for note in exact_json(reply.body)]


def every_page(client: CheckedApi, path: str) -> Iterator[list[str]]:
    base = f"https://api.example.com{path}"
    while True:
        reply = client.get(path)
        assert reply.status == 200, reply.body
        yield [note["creditNoteNumber"] for note in exact_json(reply.body)]
        if "Link" not in reply.headers:
            return
        following = urljoin(base, reply.headers["Link"].split(">")[0].lstrip("<"))
        path = following.removeprefix("https://api.example.com")


class TestList:
    def test_every_credit_note_oldest_first_as_each_reads_alone(
        self, acme: CheckedApi, notes: dict[str, dict[str, Any]]
    ) -> None:
        reply = acme.get(LIST)

        assert reply.status == 200, reply.body
        answered = exact_json(reply.body)
        assert [note["creditNoteNumber"] for note in answered] == [
            "CN-2026-0001", "CN-2026-0002", "CN-2026-0003", "CN-2026-0004", "CN-2026-0005",
        ]  # fmt: skip
        assert answered[0] == exact_json(acme.get(f"{NOTES}/{notes['a']['id']}").body)
        assert "X-Next-Cursor" not in reply.headers

    def test_newest_first(self, acme: CheckedApi, notes: dict[str, dict[str, Any]]) -> None:
        assert listed(acme, f"{LIST}?newestFirst=true") == [
            "CN-2026-0005", "CN-2026-0004", "CN-2026-0003", "CN-2026-0002", "CN-2026-0001",
        ]  # fmt: skip

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("dateFrom=2026-11-10&dateTo=2026-11-10", ["CN-2026-0002", "CN-2026-0003", MIDDLE]),
            ("dateFrom=2026-11-10", ["CN-2026-0002", "CN-2026-0003", MIDDLE, "CN-2026-0005"]),
            ("dateTo=2026-11-09", ["CN-2026-0001"]),
            ("dateFrom=2026-11-21", []),
            ("currency=USD", ["CN-2026-0003"]),
            ("currency=usd", ["CN-2026-0003"]),
        ],
    )  # fmt: skip
    def test_by_day_and_currency(
        self,
        acme: CheckedApi,
        notes: dict[str, dict[str, Any]],
        query: str,
        expected: list[str],
    ) -> None:
        assert listed(acme, f"{LIST}?{query}") == expected

    def test_by_client_and_by_invoice(
        self, acme: CheckedApi, notes: dict[str, dict[str, Any]]
    ) -> None:
        nokia, kone, first = notes["nokia"]["id"], notes["kone"]["id"], notes["first"]["id"]
        assert listed(acme, f"{LIST}?clientId={nokia}") == [
            "CN-2026-0001", "CN-2026-0003", "CN-2026-0004",
        ]  # fmt: skip
        assert listed(acme, f"{LIST}?clientId={kone}&dateTo=2026-11-19") == ["CN-2026-0002"]
        assert listed(acme, f"{LIST}?invoiceId={first}") == ["CN-2026-0001", "CN-2026-0004"]

    def test_by_words_in_its_numbers_client_or_reason(
        self, acme: CheckedApi, notes: dict[str, dict[str, Any]]
    ) -> None:
        assert listed(acme, f"{LIST}?search=kone") == ["CN-2026-0002", "CN-2026-0005"]
        assert listed(acme, f"{LIST}?search=cn-2026-0004") == ["CN-2026-0004"]
        assert listed(acme, f"{LIST}?search=INV-2026-0001") == ["CN-2026-0001", "CN-2026-0004"]
        assert listed(acme, f"{LIST}?search=nokia%20returned&currency=USD") == ["CN-2026-0003"]
        assert listed(acme, f"{LIST}?search=siemens") == []

    @pytest.mark.parametrize("newest_first", ["false", "true"])
    def test_pages_keep_the_filters_and_hold_each_note_once(
        self, acme: CheckedApi, notes: dict[str, dict[str, Any]], newest_first: str
    ) -> None:
        path = f"{LIST}?dateFrom=2026-11-02&newestFirst={newest_first}&limit=2"
        pages = list(every_page(acme, path))

        assert [len(page) for page in pages] == [2, 2, 1]
        numbers = [number for page in pages for number in page]
        assert numbers == listed(acme, f"{LIST}?newestFirst={newest_first}")

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("dateFrom=2026-11-20&dateTo=2026-11-10", "dateTo"),
            ("dateFrom=yesterday", "dateFrom"),
            ("currency=EURO", "currency"),
            ("status=SENT", "status"),
            ("limit=0", "limit"),
            ("cursor=bm90LWEtY3Vyc29y", "cursor"),
        ],
    )
    def test_a_bad_parameter_is_a_400_naming_it(
        self, acme: CheckedApi, notes: dict[str, dict[str, Any]], query: str, field: str
    ) -> None:
        reply = acme.get(f"{LIST}?{query}")

        assert reply.status == 400, reply.body
        assert field in reply.body.decode()


class TestCsv:
    def test_every_match_to_the_cent_with_a_header(
        self, acme: CheckedApi, notes: dict[str, dict[str, Any]]
    ) -> None:
        reply = acme.get(f"{CSV}?currency=EUR")

        assert reply.status == 200, reply.body
        assert reply.headers["Content-Type"].startswith("text/csv")
        assert reply.headers["Content-Disposition"] == (
            'attachment; filename="credit-notes-2026-11-21.csv"'
        )
        rows = list(csv.DictReader(io.StringIO(reply.body.decode())))
        assert [
            (r["creditNoteNumber"], r["creditNoteDate"], r["invoiceNumber"], r["totalWithTax"])
            for r in rows
        ] == [
            ("CN-2026-0001", "2026-11-02", "INV-2026-0001", "62.00"),
            ("CN-2026-0002", "2026-11-10", "INV-2026-0002", "161.20"),
            ("CN-2026-0004", "2026-11-10", "INV-2026-0001", "37.20"),
            ("CN-2026-0005", "2026-11-20", "INV-2026-0004", "161.20"),
        ]
        assert {r["clientName"] for r in rows} == {"Nokia Oyj", "Kone Oyj"}
        assert sum(Decimal(r["totalWithTax"]) for r in rows) == Decimal("421.60")
        assert rows[0]["reason"] == "Returned"

    def test_no_match_is_the_header_alone(self, acme: CheckedApi) -> None:
        reply = acme.get(f"{CSV}?dateFrom=2030-01-01")

        assert reply.status == 200, reply.body
        assert reply.body.decode().startswith("id,creditNoteNumber,creditNoteDate,")
        assert reply.body.decode().count("\r\n") == 1


class TestTenants:
    def test_another_tenants_lists_hold_none_of_ours(
        self, acme: CheckedApi, globex: CheckedApi, notes: dict[str, dict[str, Any]]
    ) -> None:
        theirs = issued(globex, SIMPLE)
        own = credited(globex, theirs)
        nokia = notes["nokia"]["id"]
        attempts = {
            ("GET", "/credit-notes"): globex.get(f"{LIST}?clientId={nokia}"),
            ("GET", "/credit-notes/csv-export"): globex.get(CSV),
        }
        assert set(attempts) == ROUTES
        for route, reply in attempts.items():
            assert reply.status == 200, (route, reply.body)
            for note in ("a", "b", "c", "d", "e"):
                assert notes[note]["id"] not in reply.body.decode(), route
        assert [n["id"] for n in exact_json(globex.get(LIST).body)] == [own["id"]]
        assert listed(globex, f"{LIST}?invoiceId={notes['first']['id']}") == []
        # Our cursor names our note: in their hands it moves through their list only.
        page = acme.get(f"{LIST}?limit=1")
        cursor = page.headers["X-Next-Cursor"]
        assert listed(globex, f"{LIST}?cursor={cursor}&limit=5") in ([], [own["creditNoteNumber"]])
        assert acme.get(f"{BASE}/find/{theirs['id']}").status == 404
