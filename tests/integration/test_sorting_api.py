"""Sorting as the document types it (issue 17): `sort` is an array in POST /dynamic-search, and
repeated `sort=field,dir` in the GET form; several keys sort exactly (each breaks the ties of the
one before), and any scalar field of the invoice sorts: by its index where one exists, else in
memory over the matches, up to a limit past which a 400 names the fields with an index.

The expected orders are written out here from the rule, on the invoices as find-all answers
them: a key's value, absent first ascending (last descending); then the next key; what every
key leaves tied, by id in the last key's direction (a status last: by invoice date first, as its
index orders it)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.domain.search import SortField
from chalicelib.store import sorting
from tests.figures import exact_json
from tests.support import Api, DynamoCalls, Reply

BASE = "/api/v1/invoices"
Json = dict[str, Any]
Key = tuple[str, bool]  # a field, ascending
INDEXED = ("created", "invoiceDate", "dueDate", "updated", "invoiceNumber", "total", "status")


def done(reply: Reply, status: int = 200) -> Any:
    assert reply.status == status, reply.body
    return exact_json(reply.body)


@pytest.fixture
def ledger(acme: Api, globex: Api) -> list[Json]:
    """Ten invoices through HTTP, with ties in most fields and absent values in many: three
    currencies, four statuses, repeated totals, notes and emails, some paid."""
    made = []
    specs = [
        ("EUR", "10.00", "2026-03-01", 30, "beta", "b@x.example", None),
        ("EUR", "10.00", "2026-01-15", 14, None, "a@x.example", "opp-1"),
        ("USD", "25.50", "2026-03-01", 0, "alpha", None, None),
        ("EUR", "10.01", "2025-12-31", 60, "beta", "b@x.example", "opp-2"),
        ("GBP", "0", "2026-01-15", 45, "gamma", None, "opp-1"),
        ("EUR", "25.50", "2026-02-01", 30, "alpha", "c@x.example", None),
        ("USD", "1234.56", "2020-01-01", 14, None, "a@x.example", "opp-2"),
        ("EUR", "10.00", "2026-03-01", 30, "beta", None, None),
        ("GBP", "99.99", "2026-02-01", 14, "delta", "b@x.example", None),
        ("EUR", "10.00", "2026-01-15", 0, "alpha", "a@x.example", "opp-1"),
    ]
    for currency, total, day, terms, note, email, opportunity in specs:
        rows = (
            [{"description": "Work", "quantity": 1, "unitPrice": total}] if Decimal(total) else []
        )
        body = {"currency": currency, "invoiceDate": day, "paymentTermDays": terms, "rows": rows,
                "note": note, "contactEmail": email, "opportunityId": opportunity}  # fmt: skip
        made.append(done(acme.post(BASE, body), 201))
    for n in (0, 2, 3, 5, 6, 8):
        done(acme.patch(f"{BASE}/{made[n]['id']}/mark-as-sent"))
    done(acme.patch(f"{BASE}/{made[3]['id']}/mark-as-paid"))
    done(acme.patch(f"{BASE}/{made[6]['id']}/add-payment", {"amount": "100.00"}))
    done(acme.patch(f"{BASE}/{made[5]['id']}/cancel"))
    done(globex.post(BASE, {"currency": "EUR", "note": "theirs", "rows": []}), 201)
    invoices: list[Json] = done(acme.get(f"{BASE}/find-all"))
    assert len(invoices) == 10
    return invoices


def expected(invoices: list[Json], keys: list[Key]) -> list[str]:
    """The order the rule gives, written out."""
    keys = list(keys)
    if keys[-1][0] == "status":
        keys.append(("invoiceDate", keys[-1][1]))
    keys.append(("id", keys[-1][1]))
    rows = list(invoices)
    for field, ascending in reversed(keys):
        rows.sort(key=_value_of(field), reverse=not ascending)
    return [invoice["id"] for invoice in rows]


def _value_of(field: str) -> Callable[[Json], tuple[Any, ...]]:
    """A field's value, an absent one before any other."""
    return lambda invoice: (0,) if invoice[field] is None else (1, invoice[field])


def by_post(client: Api, keys: list[Key], **body: Any) -> Json:
    sort = [{"field": field, "ascending": ascending} for field, ascending in keys]
    page: Json = done(client.post(f"{BASE}/dynamic-search", {"sort": sort, **body}))
    return page


def sort_query(keys: list[Key]) -> str:
    return "&".join(f"sort={field},{'asc' if up else 'desc'}" for field, up in keys)


def by_get(client: Api, keys: list[Key], query: str = "") -> Json:
    page: Json = done(client.get(f"{BASE}/dynamic-search?{sort_query(keys)}{query}"))
    return page


def ids(page: Json) -> list[str]:
    return [invoice["id"] for invoice in page["content"]]


def walked(client: Api, keys: list[Key], size: int) -> tuple[list[str], set[int]]:
    """Every page of `size`, by POST and by GET (which must agree), and the totals they gave."""
    found: list[str] = []
    totals = set()
    for number in range(10):
        page = by_post(client, keys, size=size, page=number)
        assert ids(by_get(client, keys, f"&size={size}&page={number}")) == ids(page)
        totals.add(page["totalElements"])
        found += ids(page)
        if page["last"]:
            return found, totals
    raise AssertionError("more pages than invoices")


SEVERAL = [
    [("status", True), ("total", False)],  # an index, then a key the entries carry
    [("total", True), ("note", False)],  # an index, then a key only the invoices hold
    [("invoiceDate", False), ("currency", True), ("paymentTermDays", False)],
    [("note", True), ("contactEmail", False)],  # no index at all
    [("currency", True), ("status", False)],  # no index, keys the entries carry
    [("paid", False), ("opportunityId", True), ("dueDate", True)],
]


class TestSeveralKeys:
    @pytest.mark.parametrize("keys", SEVERAL, ids=lambda keys: sort_query(keys))
    def test_several_keys_sort_exactly_page_by_page_in_both_forms(
        self, acme: Api, ledger: list[Json], keys: list[Key]
    ) -> None:
        want = expected(ledger, keys)
        for size in (3, 4, 20):
            found, totals = walked(acme, keys, size)
            assert (found, totals) == (want, {10}), size

    def test_springs_own_form_names_several_fields_in_one_direction(
        self, acme: Api, ledger: list[Json]
    ) -> None:
        page = done(acme.get(f"{BASE}/dynamic-search?sort=currency,note,desc&sort=id"))
        keys = [("currency", False), ("note", False), ("id", True)]
        assert ids(page) == expected(ledger, keys)

    def test_searched_and_filtered_matches_sort_by_several_keys_too(
        self, acme: Api, ledger: list[Json]
    ) -> None:
        keys = [("note", False), ("total", True)]
        searched = [i for i in ledger if i["note"] == "alpha"]
        page = by_post(acme, keys, search=["LPH"])
        assert (ids(page), page["totalElements"]) == (expected(searched, keys), len(searched))
        euros = [i for i in ledger if i["currency"] == "EUR"]
        page = by_get(acme, keys, "&filters=currency:EUR")
        assert (ids(page), page["totalElements"]) == (expected(euros, keys), len(euros))

    def test_the_export_comes_in_the_same_order(self, acme: Api, ledger: list[Json]) -> None:
        keys = [("total", True), ("note", False)]
        text = done(acme.get(f"{BASE}/csv-export?{sort_query(keys)}"))
        exported = [line.split(",")[0] for line in text.splitlines()[1:]]
        assert exported == expected(ledger, keys)

    def test_another_tenant_sorts_only_its_own(self, globex: Api, ledger: list[Json]) -> None:
        for keys in SEVERAL:
            page = by_post(globex, keys)
            assert [i["note"] for i in page["content"]] == ["theirs"], keys


def test_every_scalar_field_of_the_invoice_sorts_both_ways(acme: Api, ledger: list[Json]) -> None:
    for field in map(str, SortField):
        for ascending in (True, False):
            page = by_get(acme, [(field, ascending)], "&size=100")
            assert ids(page) == expected(ledger, [(field, ascending)]), (field, ascending)
            assert page["totalElements"] == 10
        by_page = done(acme.get(f"{BASE}/page?sortBy={field}&direction=DESC"))
        assert ids(by_page) == expected(ledger, [(field, False)]), field


class TestBeyondTheLimit:
    @pytest.fixture(autouse=True)
    def four_at_most(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sorting, "MAX_SORTED_IN_MEMORY", 4)

    def test_a_field_without_an_index_sorts_few_matches_and_names_the_indexed_past_them(
        self, acme: Api, ledger: list[Json], dynamo_calls: DynamoCalls
    ) -> None:
        dynamo_calls.reset()
        refused = acme.get(f"{BASE}/dynamic-search?sort=note")
        assert refused.status == 400, refused.body
        problem = refused.json()
        assert [error["field"] for error in problem["errors"]] == ["sort"]
        assert all(name in problem["detail"] for name in INDEXED), problem["detail"]
        assert "at most 4" in problem["detail"]
        # It read the entries until past the limit, and no invoice.
        assert set(dynamo_calls.operations) == {"BatchGetItem", "Query"}
        assert dynamo_calls.operations.count("BatchGetItem") == 1  # the figures, for a total
        usd = [i for i in ledger if i["currency"] == "USD"]
        page = by_get(acme, [("note", True)], "&filters=currency:USD")
        assert ids(page) == expected(usd, [("note", True)])

    def test_keys_the_index_entries_carry_sort_any_number_of_matches(
        self, acme: Api, ledger: list[Json]
    ) -> None:
        keys = [("status", True), ("total", False)]
        assert ids(by_post(acme, keys, size=100)) == expected(ledger, keys)
        # Without an index first, though, the limit is on the matches.
        assert acme.get(f"{BASE}/dynamic-search?sort=currency").status == 400

    def test_an_index_first_needs_only_the_ties_at_the_page_within_the_limit(
        self, acme: Api, ledger: list[Json]
    ) -> None:
        keys = [("invoiceDate", True), ("note", True)]  # runs of 1, 1, 3, 2 and 3 invoices
        want = expected(ledger, keys)
        one_by_one = [ids(by_post(acme, keys, size=1, page=n)) for n in range(10)]
        assert one_by_one == [[invoice_id] for invoice_id in want]
        assert ids(by_post(acme, keys, size=2)) == want[:2]
        # Positions 3 to 5 end in the third run and start the fourth: 5 invoices to sort.
        refused = acme.post(f"{BASE}/dynamic-search", {"sort": [{"field": "invoiceDate"},
                            {"field": "note"}], "size": 3, "page": 1})  # fmt: skip
        assert refused.status == 400, refused.body
        assert [e["field"] for e in refused.json()["errors"]] == ["sort"]


def test_a_sort_costs_the_figures_one_query_and_the_invoices_for_a_small_tenant(
    acme: Api, ledger: list[Json], dynamo_calls: DynamoCalls
) -> None:
    for keys in SEVERAL:
        dynamo_calls.reset()
        by_post(acme, keys)
        queries = 6 if keys[0][0] == "status" else 1  # a status first: one per status
        assert dynamo_calls.operations == ["BatchGetItem", *["Query"] * queries, "BatchGetItem"]
    dynamo_calls.reset()
    by_get(acme, [("note", True)], f"&filters={quote('clientId:none')}")
    assert dynamo_calls.operations == ["Query"]  # the client's partition: no match, no total
