"""GET /invoices/page and GET and POST /invoices/dynamic-search through HTTP (issue 4): every sort
field both ways, paging, each filter alone and combined, free-text search, refusals in the
documented error body, another tenant's invoices and what a page costs in DynamoDB reads.

Expected orders and matches are worked out here, from the invoices as made: ties break by
creation order (the id, a UUIDv7) ascending and the other way round descending; sorted by status,
the invoices of one status follow their invoice date, as the status index orders them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.values import new_id
from invoicing_cli.local import TABLE_NAME
from tests.figures import exact_json, load_straight
from tests.support import Api, DynamoCalls, Reply

BASE = "/api/v1/invoices"
SORT_FIELDS = ("invoiceDate", "dueDate", "created", "updated", "invoiceNumber", "total", "status")
FILTER_NAMES = (
    "status", "clientId", "currency", "opportunityId", "invoiceDateFrom", "invoiceDateTo",
    "dueDateFrom", "dueDateTo", "overdue", "minTotal", "maxTotal",
)  # fmt: skip
PAGE_FIELDS = {
    "content", "pageable", "totalElements", "totalPages", "number", "size", "numberOfElements",
    "first", "last", "empty", "sort",
}  # fmt: skip
Json = dict[str, Any]  # an invoice, a page, a Query's parameters


# Invoices made through HTTP.


def create(client: Api, total: str = "0", **fields: Any) -> Json:
    """A draft of exactly `total` (one row, no tax; no row at all for 0)."""
    rows = [{"description": "Work", "quantity": 1, "unitPrice": total}] if Decimal(total) else []
    body = {"currency": "EUR", "paymentTermDays": 14, "rows": rows, **fields}
    return done(client.post(BASE, body), 201)


def act(client: Api, invoice: Json, action: str, body: Any = None) -> Json:
    return done(client.patch(f"{BASE}/{invoice['id']}/{action}", body))


def done(reply: Reply, status: int = 200) -> Json:
    assert reply.status == status, reply.body
    answered: Json = exact_json(reply.body)
    return answered


def flag_overdue(tenant: str, invoice: Json) -> None:
    """OVERDUE as the overdue job writes it: no endpoint sets it."""
    repo = get_deps().invoices
    current = repo.get(tenant, invoice["id"])
    assert current is not None
    repo.save(current.model_copy(update={"status": InvoiceStatus.OVERDUE}), previous=current)


# Invoices put straight into the table (tests/figures.py): exact statuses, quick to make.

STAMP = "2026-01-02T03:04:05.000Z"


@dataclass(frozen=True)
class Book:
    """An invoice as a sort, a filter or a search sees it."""

    status: str
    invoice_date: str
    due_date: str
    total: str
    currency: str = "EUR"
    client_id: str | None = None
    opportunity_id: str | None = None
    number: str | None = None
    note: str | None = None
    contact_email: str | None = None
    payment_reference: str | None = None
    id: str = field(default_factory=new_id)

    def shown(self) -> Json:
        return {
            "id": self.id, "status": self.status, "invoiceDate": self.invoice_date,
            "dueDate": self.due_date, "total": self.total, "invoiceNumber": self.number,
            "updated": STAMP,
        }  # fmt: skip

    def invoice(self, tenant: str) -> Invoice:
        total = Decimal(self.total)
        return Invoice.model_validate(
            {
                "id": self.id, "tenantId": tenant, "status": self.status,
                "currency": self.currency, "invoiceNumber": self.number,
                "invoiceDate": self.invoice_date, "dueDate": self.due_date, "paymentTermDays": 14,
                "clientId": self.client_id, "opportunityId": self.opportunity_id,
                "note": self.note, "contactEmail": self.contact_email,
                "paymentReference": self.payment_reference, "total": total,
                "totalExcludingTax": total, "totalTax": 0, "totalWithTax": total,
                "paid": total if self.status == "PAID" else 0, "paidExcludingTax": 0,
                "created": STAMP, "createdBy": "loader", "updated": STAMP, "updatedBy": "loader",
            }
        )  # fmt: skip


def load(tenant: str, books: list[Book]) -> list[Json]:
    """The books in the table, in creation order (their ids were drawn in that order)."""
    load_straight(get_deps().dynamodb, TABLE_NAME, [book.invoice(tenant) for book in books])
    return [book.shown() for book in books]


def sent(**fields: Any) -> Book:
    """A sent invoice of 1.00, but for `fields`."""
    alike = {"status": "SENT", "invoice_date": "2026-01-01", "due_date": "2026-01-15", "total": "1"}
    return Book(**(alike | fields))


def copies(count: int, **fields: Any) -> list[Book]:
    return [sent(**fields) for _ in range(count)]


# Expected orders, and pages asked for.


def sort_key(invoice: Json, field: str) -> tuple[Any, ...]:
    """The order a sort field gives, written out: its value, then creation order (the id)."""
    value: Any = {
        "created": "",
        "total": Decimal(invoice["total"]),
        "invoiceNumber": invoice["invoiceNumber"] or "",  # a draft has none: before any number
        "status": (invoice["status"], invoice["invoiceDate"]),
    }.get(field, invoice.get(field))
    return (value, invoice["id"])


def expected_order(invoices: list[Json], field: str, ascending: bool = True) -> list[str]:
    ordered = sorted(invoices, key=lambda invoice: sort_key(invoice, field))
    return [invoice["id"] for invoice in (ordered if ascending else reversed(ordered))]


def expected_page(number: int, size: int, ids: list[str], total: int) -> Json:
    """The documented page shape (Spring Data's), with the content as ids."""
    pages = -(-total // size)
    sort = {"empty": False, "sorted": True, "unsorted": False}
    return {
        "content": ids,
        "pageable": {
            "offset": number * size, "pageNumber": number, "pageSize": size, "paged": True,
            "unpaged": False, "sort": sort,
        },
        "totalElements": total, "totalPages": pages, "number": number, "size": size,
        "numberOfElements": len(ids), "first": number == 0, "last": number >= pages - 1,
        "empty": not ids, "sort": sort,
    }  # fmt: skip


def page_of(reply: Reply) -> Json:
    page = done(reply)
    assert set(page) == PAGE_FIELDS, page.keys()
    return page


def ids_of(page: Json) -> list[str]:
    return [invoice["id"] for invoice in page["content"]]


def as_ids(page: Json) -> Json:
    return {**page, "content": ids_of(page)}


def dynamic(client: Api, **body: Any) -> Json:
    return page_of(client.post(f"{BASE}/dynamic-search", body))


def query_string(filters: dict[str, Any]) -> str:
    """Filters as GET dynamic-search takes them: `filters=name:value`, lists comma-separated."""

    def text(value: Any) -> str:
        if isinstance(value, list):
            return ",".join(value)
        return str(value).lower() if isinstance(value, bool) else str(value)

    return "&".join(f"filters={quote(f'{name}:{text(value)}')}" for name, value in filters.items())


# 1. Sorting


@pytest.fixture
def ledger(acme: Api) -> list[Json]:
    """Seven invoices made through HTTP, tied in every sort field but `created` and `updated`:
    equal invoice dates, due dates, totals and statuses; two drafts without a number; numbered
    by mark-as-sent out of creation order, across two years."""
    create(acme, "10.00", invoiceDate="2026-03-01", paymentTermDays=30, note="Job a")
    b = create(acme, "25.50", invoiceDate="2026-01-15", note="Job b")
    c = create(acme, "10.00", invoiceDate="2026-03-01", paymentTermDays=0, note="Job c")
    d = create(acme, "10.01", invoiceDate="2025-12-31", paymentTermDays=60, note="Job d")
    create(acme, "0", invoiceDate="2026-01-15", paymentTermDays=45, note="Job e")
    f = create(acme, "25.50", invoiceDate="2026-02-01", paymentTermDays=30, note="Job f")
    g = create(acme, "1234.56", invoiceDate="2020-01-01", note="Job g")
    for invoice in (c, d, b, f, g):
        act(acme, invoice, "mark-as-sent")
    act(acme, d, "mark-as-paid")
    act(acme, f, "cancel")
    flag_overdue("acme", g)
    invoices: list[Json] = exact_json(acme.get(f"{BASE}/find-all").body)
    assert len(invoices) == 7
    return invoices


def ties_in(invoices: list[Json], field: str) -> bool:
    values = [invoice[field] or "" for invoice in invoices]
    return len(set(values)) < len(values)


def sorted_page(client: Api, way: str, field: str, ascending: bool) -> Json:
    direction = "ASC" if ascending else "DESC"
    if way == "page":
        return page_of(client.get(f"{BASE}/page?sortBy={field}&direction={direction}"))
    if way == "GET":
        return page_of(client.get(f"{BASE}/dynamic-search?sort={field},{direction.lower()}"))
    search = ["JOB"] if way == "POST, searched" else []
    return dynamic(client, search=search, sort=[{"field": field, "ascending": ascending}])


class TestSorting:
    # Unsearched, a page is read in the order of the field's index; searched, sorted in memory.
    @pytest.mark.parametrize("ways", [("POST",), ("POST, searched",), ("page", "GET")])
    def test_every_sort_field_orders_both_ways_with_ties_in_creation_order(
        self, acme: Api, ledger: list[Json], ways: tuple[str, ...]
    ) -> None:
        for by in SORT_FIELDS:
            if by not in ("created", "updated"):
                assert ties_in(ledger, by), f"the ledger must tie on {by}"
            for ascending in (True, False):
                expected = expected_order(ledger, by, ascending)
                for way in ways:
                    page = sorted_page(acme, way, by, ascending)
                    assert ids_of(page) == expected, (way, by, ascending)

    def test_by_creation_is_the_default_and_drafts_have_the_lowest_number(
        self, acme: Api, ledger: list[Json]
    ) -> None:
        assert ids_of(page_of(acme.get(f"{BASE}/page"))) == [invoice["id"] for invoice in ledger]
        drafts = [invoice["id"] for invoice in ledger if invoice["status"] == "DRAFT"]
        by_number = ids_of(page_of(acme.get(f"{BASE}/page?sortBy=invoiceNumber")))
        assert len(drafts) == 2 and by_number[:2] == drafts


# 2. Paging

PAGINGS = {
    # Totals from the tenant's figures (by status and currency); from a COUNT Query; from the
    # matches counted in memory.
    "sorted": "page?sortBy=total&direction=DESC&pageSize={size}&pageNumber={number}",
    "a tab": "dynamic-search?filters=status:SENT&filters=currency:EUR&sort=total,desc"
    "&size={size}&page={number}",
    "filtered": "dynamic-search?filters=minTotal:1&sort=total,desc&size={size}&page={number}",
    "searched": "dynamic-search?search=PAGER&sort=total,desc&size={size}&page={number}",
}


class TestPaging:
    @pytest.mark.parametrize("way", PAGINGS)
    def test_pages_walk_the_order_without_overlap_or_gap_and_say_where_they_are(
        self, acme: Api, way: str
    ) -> None:
        # Read five at a time, equal totals straddle the pages' edges.
        totals = ["3", "5", "3", "3", "9", "1", "3", "7", "5", "2", "8", "3", "6"]
        shown = load("acme", [sent(total=t, note="pager") for t in totals])
        order = expected_order(shown, "total", ascending=False)
        for number, ids in enumerate([order[:5], order[5:10], order[10:], []]):
            page = page_of(acme.get(f"{BASE}/{PAGINGS[way].format(size=5, number=number)}"))
            assert as_ids(page) == expected_page(number, 5, ids, 13), number

    def test_a_page_size_above_100_is_served_at_100_and_says_so(self, acme: Api) -> None:
        last = load("acme", copies(101))[-1]["id"]  # alone on the second page of 100
        for asked in (
            "page?pageNumber=1&pageSize=101",
            "dynamic-search?page=1&size=1000",
            "dynamic-search?page=1&size=99999999999999999999999",
        ):
            page = page_of(acme.get(f"{BASE}/{asked}"))
            assert as_ids(page) == expected_page(1, 100, [last], 101), asked
        page = dynamic(acme, page=1, size=500)
        assert as_ids(page) == expected_page(1, 100, [last], 101)

    def test_without_a_size_a_page_holds_20(self, acme: Api) -> None:
        last = load("acme", copies(21))[-1]["id"]
        for asked in ("page?pageNumber=1", "dynamic-search?page=1"):
            assert as_ids(page_of(acme.get(f"{BASE}/{asked}"))) == expected_page(1, 20, [last], 21)

    def test_a_tenant_without_invoices_gets_an_empty_first_and_last_page(self, acme: Api) -> None:
        assert as_ids(page_of(acme.get(f"{BASE}/page"))) == expected_page(0, 20, [], 0)


# 3. Filters

BOOKS = {
    "a": Book("SENT", "2020-01-01", "2020-01-15", "10.00", "EUR", "c1", "deal-1", "B-1"),
    "b": Book("OVERDUE", "2020-02-01", "2020-02-01", "10.01", "EUR", "c2", None, "B-2"),
    "c": Book("PAID", "2024-06-30", "2024-07-30", "9.99", "USD", "c1", "deal-1", "B-3"),
    "d": Book("DRAFT", "2024-07-01", "2024-07-31", "250.00", "EUR", "c1", "deal-2"),
    "e": Book("SENT", "2090-01-01", "2090-01-31", "10.00", "USD", "c2", "deal-1", "B-5"),
    "f": Book("CANCELLED", "2024-06-30", "2024-07-01", "0.00", "EUR", None, None, "B-4"),
    "g": Book("DRAFT", "2090-06-15", "2090-06-29", "1000.00", "GBP", "c3"),
    "h": Book("SCHEDULED", "2024-06-29", "2024-07-13", "10.00", "EUR", "c1", "deal-2", "B-6"),
}  # a: SENT and due in 2020, so overdue; e: due in 2090


@dataclass(frozen=True)
class Case:
    filters: dict[str, Any]
    matches: str  # the books' names, in creation order
    sort: str  # a field whose plan the filters meet: a key range, a partition, a status list


EVERY_FILTER = {
    "status": ["SENT", "PAID"], "clientId": "c1", "currency": "EUR", "opportunityId": "deal-1",
    "invoiceDateFrom": "2019-12-31", "invoiceDateTo": "2020-01-01", "dueDateFrom": "2020-01-15",
    "dueDateTo": "2020-01-15", "overdue": True, "minTotal": 10, "maxTotal": 10,
}  # fmt: skip
FILTERS = {
    "status": {
        "one": Case({"status": "SENT"}, "ae", "invoiceDate"),
        "a list": Case({"status": ["SENT", "PAID"]}, "ace", "status"),
        "comma-separated": Case({"status": "DRAFT, CANCELLED"}, "dfg", "status"),
        "with currency": Case({"status": "SENT", "currency": "EUR"}, "a", "invoiceDate"),
        "with client": Case({"status": ["SENT"], "clientId": "c2"}, "e", "invoiceDate"),
        "list with date": Case(
            {"status": ["DRAFT", "CANCELLED"], "invoiceDateFrom": "2024-01-01"}, "dfg", "total"
        ),
    },
    "references": {
        "client": Case({"clientId": "c1"}, "acdh", "invoiceDate"),
        "currency": Case({"currency": "USD"}, "ce", "total"),
        "opportunity": Case({"opportunityId": "deal-1"}, "ace", "invoiceDate"),
        "opportunity, currency and date": Case(
            {"opportunityId": "deal-1", "currency": "USD", "invoiceDateTo": "2089-12-31"},
            "c",
            "invoiceDate",
        ),
        "client and min total": Case({"clientId": "c1", "minTotal": 10}, "adh", "total"),
        "no match": Case({"currency": "JPY"}, "", "total"),
    },
    "dates, inclusive": {
        "invoice date from": Case({"invoiceDateFrom": "2024-06-30"}, "cdefg", "invoiceDate"),
        "invoice date to": Case({"invoiceDateTo": "2024-06-30"}, "abcfh", "dueDate"),
        "invoice dates": Case(
            {"invoiceDateFrom": "2024-06-30", "invoiceDateTo": "2024-07-01"}, "cdf", "invoiceDate"
        ),
        "one invoice date": Case(
            {"invoiceDateFrom": "2024-06-30", "invoiceDateTo": "2024-06-30"}, "cf", "status"
        ),
        "due dates": Case(
            {"dueDateFrom": "2024-07-01", "dueDateTo": "2024-07-30"}, "cfh", "dueDate"
        ),
        "due dates, by update": Case(
            {"dueDateFrom": "2024-07-01", "dueDateTo": "2024-07-30"}, "cfh", "updated"
        ),
    },
    "overdue": {
        "overdue": Case({"overdue": True}, "ab", "dueDate"),
        "not overdue": Case({"overdue": False}, "cdefgh", "status"),
        "overdue of a client": Case({"overdue": True, "clientId": "c1"}, "a", "invoiceDate"),
        "sent, not overdue": Case({"status": "SENT", "overdue": False}, "e", "status"),
    },
    "totals, inclusive to the cent": {
        "min 10.01": Case({"minTotal": 10.01}, "bdg", "total"),
        "min 10.00": Case({"minTotal": 10.00}, "abdegh", "total"),
        "max 10.00": Case({"maxTotal": 10.00}, "acefh", "total"),
        "max 9.99": Case({"maxTotal": 9.99}, "cf", "created"),
        "exactly 10.00": Case({"minTotal": "10.00", "maxTotal": "10.00"}, "aeh", "invoiceNumber"),
        "10.00 to 10.01": Case({"minTotal": 10.00, "maxTotal": 10.01}, "abeh", "dueDate"),
        # Finer than a cent: a bound admits the same totals by index key as by filter.
        "min a hair above 10.00": Case({"minTotal": "10.00001"}, "bdg", "total"),
        "max a hair below 10.00": Case({"maxTotal": "9.99999"}, "cf", "total"),
        "max a hair above 0": Case({"maxTotal": "1e-200"}, "f", "total"),
        "statuses, total, due date": Case(
            {"status": "SENT,OVERDUE,SCHEDULED", "maxTotal": 10.00, "dueDateTo": "2030-01-01"},
            "ah",
            "status",
        ),
    },
    "all at once": {"every filter": Case(EVERY_FILTER, "a", "dueDate")},
}


@pytest.fixture
def books(acme: Api) -> dict[str, Json]:
    shown = dict(zip(BOOKS, load("acme", list(BOOKS.values())), strict=True))
    assert page_of(acme.get(f"{BASE}/page?pageSize=1"))["totalElements"] == len(BOOKS)
    return shown


class TestFilters:
    @pytest.mark.parametrize("group", FILTERS)
    def test_filters_keep_exactly_their_matches_in_any_sort_with_their_count(
        self, acme: Api, books: dict[str, Json], group: str
    ) -> None:
        for name, case in FILTERS[group].items():
            matches = [books[book] for book in case.matches]
            made = [invoice["id"] for invoice in matches]
            by_query = page_of(acme.get(f"{BASE}/dynamic-search?{query_string(case.filters)}"))
            assert (ids_of(by_query), by_query["totalElements"]) == (made, len(made)), name
            for ascending in (True, False):
                sort = [{"field": case.sort, "ascending": ascending}]
                page = dynamic(acme, filters=case.filters, sort=sort)
                expected = expected_order(matches, case.sort, ascending)
                assert (ids_of(page), page["totalElements"]) == (expected, len(made)), name

    def test_a_filtered_list_pages_with_the_filtered_count(
        self, acme: Api, books: dict[str, Json]
    ) -> None:
        order = expected_order([books[name] for name in "abdegh"], "total")
        body: dict[str, Any] = {"filters": {"minTotal": 10}, "sort": [{"field": "total"}]}
        first, second = dynamic(acme, **body, size=4), dynamic(acme, **body, size=4, page=1)
        assert as_ids(first) == expected_page(0, 4, order[:4], 6)
        assert as_ids(second) == expected_page(1, 4, order[4:], 6)

    def test_an_invoice_sent_after_its_due_date_passed_is_overdue_until_paid(
        self, acme: Api
    ) -> None:
        late = act(acme, create(acme, "5", invoiceDate="2020-01-01"), "mark-as-sent")
        on_time = act(acme, create(acme, "5", invoiceDate="2090-01-01"), "mark-as-sent")
        assert (late["status"], late["dueDate"]) == ("SENT", "2020-01-15T00:00:00Z")
        assert ids_of(dynamic(acme, filters={"overdue": True})) == [late["id"]]
        assert ids_of(dynamic(acme, filters={"overdue": False})) == [on_time["id"]]
        act(acme, late, "mark-as-paid")
        assert ids_of(dynamic(acme, filters={"overdue": True})) == []


# 4. Search


@pytest.fixture
def notes(acme: Api) -> dict[str, str]:
    """Four invoices to find by number, contact email, note or payment reference: their ids."""
    made = {
        "retainer": Book("SENT", "2026-05-01", "2026-05-15", "100", number="INV-2026-0001",
                         note="Quarterly Retainer", contact_email="Billing@Globex.example",
                         payment_reference="RF18-ALPHA"),
        "june": Book("SENT", "2026-06-01", "2026-06-15", "50", number="INV-2026-0002",
                     note="retainer for June", contact_email="ap@initech.example",
                     payment_reference="rf99-beta"),
        "hardware": Book("DRAFT", "2026-07-01", "2026-07-15", "75", note="Hardware",
                         contact_email="billing@initech.example"),
        "oil": Book("DRAFT", "2026-08-01", "2026-08-15", "20", payment_reference="Ölpreis STRASSE"),
    }  # fmt: skip
    load("acme", list(made.values()))
    assert page_of(acme.get(f"{BASE}/page?pageSize=1"))["totalElements"] == len(made)
    return {name: book.id for name, book in made.items()}


def searched(client: Api, terms: list[str]) -> dict[str, Json]:
    """The same search as /page's words, GET's repeated and comma-separated terms, POST's list."""
    words, repeated = quote(" ".join(terms)), "&".join(f"search={quote(t)}" for t in terms)
    ways = {
        "page": client.get(f"{BASE}/page?search={words}"),
        "GET": client.get(f"{BASE}/dynamic-search?{repeated}"),
        "GET comma": client.get(f"{BASE}/dynamic-search?search={quote(','.join(terms))}"),
        "POST": client.post(f"{BASE}/dynamic-search", {"search": terms}),
    }
    return {way: page_of(reply) for way, reply in ways.items()}


SEARCHES = {
    "by text, any case": {
        "note": (["RETAINER"], ["retainer", "june"]),
        "invoice number": (["inv-2026-0002"], ["june"]),
        "numbers of a year": (["INV-2026"], ["retainer", "june"]),
        "contact email": (["GLOBEX.example"], ["retainer"]),
        "payment reference": (["RF99-BETA"], ["june"]),
        "case-folded": (["ÖLPREIS", "straße"], ["oil"]),
    },
    "every term": {
        "two terms, each in another field": (["billing", "initech"], ["hardware"]),
        "one term of two": (["retainer", "hardware"], []),
    },
}


class TestSearch:
    @pytest.mark.parametrize("group", SEARCHES)
    def test_terms_match_number_email_note_or_reference_ignoring_case_all_of_them(
        self, acme: Api, notes: dict[str, str], group: str
    ) -> None:
        for name, (terms, names) in SEARCHES[group].items():
            for way, page in searched(acme, terms).items():
                expected = [notes[found] for found in names]
                assert (ids_of(page), page["totalElements"]) == (expected, len(names)), (name, way)

    @pytest.mark.usefixtures("notes")
    def test_no_match_is_an_empty_page_with_nothing_in_total(self, acme: Api) -> None:
        for way, page in searched(acme, ["no-such-text"]).items():
            assert as_ids(page) == expected_page(0, 20, [], 0), way

    def test_an_issued_invoice_is_found_by_its_clients_name_as_copied_when_issued(
        self, acme: Api, api: Api
    ) -> None:
        client = done(acme.post("/api/v1/clients", {"name": "Zoë Müller GmbH"}), 201)
        issued = act(acme, create(acme, "10", clientId=client["id"]), "mark-as-sent")
        draft = create(acme, "20", clientId=client["id"])
        renamed = {"name": "Zoe Mueller AG"}
        done(acme.request("PUT", f"/api/v1/clients/{client['id']}", renamed))
        for way, page in searched(acme, ["MÜLLER", "gmbh"]).items():
            assert ids_of(page) == [issued["id"]], way  # a draft has no copy yet
        assert all(ids_of(page) == [] for page in searched(acme, ["mueller"]).values())
        assert draft["status"] == "DRAFT"
        assert all(
            ids_of(page) == [] for page in searched(api.as_tenant("globex"), ["müller"]).values()
        )

    def test_a_search_narrowed_by_a_filter_comes_in_the_sort_asked_for(
        self, acme: Api, notes: dict[str, str]
    ) -> None:
        narrowed: dict[str, Any] = {"search": ["retainer"], "filters": {"minTotal": 50}}
        for ascending, names in ((True, ["june", "retainer"]), (False, ["retainer", "june"])):
            page = dynamic(acme, **narrowed, sort=[{"field": "total", "ascending": ascending}])
            assert ids_of(page) == [notes[name] for name in names]
        query = "search=billing&filters=status:DRAFT&sort=created,desc"
        assert ids_of(page_of(acme.get(f"{BASE}/dynamic-search?{query}"))) == [notes["hardware"]]

    def test_a_searched_list_pages(self, acme: Api, notes: dict[str, str]) -> None:
        order = list(notes.values())  # each holds an "e"; in creation order
        pages = [
            page_of(acme.get(f"{BASE}/page?search=e&pageSize=3&pageNumber={n}")) for n in (0, 1)
        ]
        assert [as_ids(page) for page in pages] == [
            expected_page(0, 3, order[:3], 4),
            expected_page(1, 3, order[3:], 4),
        ]


# 5. Refusals


@dataclass(frozen=True)
class Refusal:
    method: str
    path: str  # under /api/v1/invoices
    body: Any = None
    field: str = ""  # the field the error names
    says: tuple[str, ...] = ()  # what the detail must mention


def post(body: Any, field: str = "", says: tuple[str, ...] = ()) -> Refusal:
    return Refusal("POST", "/dynamic-search", body, field, says)


def get(path: str, field: str = "", says: tuple[str, ...] = ()) -> Refusal:
    return Refusal("GET", path, None, field, says)


SIX_TERMS = ["a", "b", "c", "d", "e", "f"]
BACKWARDS = "lower bound must not be above its upper bound"
REFUSALS = {
    "sort": {
        "unknown sortBy": get("/page?sortBy=amount", "sortBy", SORT_FIELDS),
        "unknown field, GET": get("/dynamic-search?sort=amount,desc", "sort", SORT_FIELDS),
        "unknown second field, GET": get("/dynamic-search?sort=total&sort=amount", "sort"),
        "unknown field, POST": post({"sort": [{"field": "amount"}]}, "sort[0].field",
                                    SORT_FIELDS),
        "unknown second field, POST": post({"sort": [{"field": "total"}, {"field": "amount"}]},
                                           "sort[1].field"),
        "direction sideways": get("/page?direction=SIDEWAYS", "direction", ("ASC", "DESC")),
        "a field twice": post({"sort": [{"field": "total"}, {"field": "total",
                                                            "ascending": False}]},
                              "sort", ("twice",)),
        "six keys": post({"sort": [{"field": f} for f in (*SORT_FIELDS[:5], "note")]}, "sort"),
        "a sort naming no field": get("/dynamic-search?sort=,desc", "sort"),
        "sort not a list": post({"sort": "total"}, "sort"),
    },
    "paging": {
        "pageSize negative": get("/page?pageSize=-5", "pageSize"),
        "pageSize not a number": get("/page?pageSize=ten", "pageSize"),
        "pageSize a fraction": get("/page?pageSize=2.5", "pageSize"),
        "pageNumber negative": get("/page?pageNumber=-1", "pageNumber"),
        "size not a number, GET": get("/dynamic-search?size=ten", "size"),
        "size negative, POST": post({"size": -1}, "size"),
        "size a fraction, POST": post({"size": 1.5}, "size"),
        "size far below zero": post({"size": -1e30}, "size"),
        "page negative, GET": get("/dynamic-search?page=-1", "page"),
        "page past the last there can be": post({"page": 100_001}, "page"),
        "page a boolean, POST": post({"page": False}, "page", ("not a boolean",)),
        "size a boolean, POST": post({"size": True}, "size", ("not a boolean",)),
    },
    "search": {
        "six terms, page": get(f"/page?search={'+'.join(SIX_TERMS)}", "search"),
        "six terms, GET": get(f"/dynamic-search?search={','.join(SIX_TERMS)}", "search"),
        "six terms, POST": post({"search": SIX_TERMS}, "search"),
        "a term over 100 characters": post({"search": ["x" * 101]}, "search[0]"),
        "terms not a list": post({"search": "retainer"}, "search"),
    },
    "filters": {
        "unknown, GET": get("/dynamic-search?filters=colour:red", "filters",
                            ("colour", *FILTER_NAMES)),
        "unknown, POST": post({"filters": {"colour": "red"}}, "filters", ("colour", *FILTER_NAMES)),
        "unknown status": get("/dynamic-search?filters=status:SENT,LOST", "filters.status[1]"),
        "status in lower case": get("/dynamic-search?filters=status:sent", "filters.status[0]"),
        "no status": post({"filters": {"status": []}}, "filters.status"),
        "overdue neither true nor false": get("/dynamic-search?filters=overdue:maybe",
                                              "filters.overdue"),
        "unknown currency": get("/dynamic-search?filters=currency:XXX", "filters.currency"),
        "a filter other than status twice": get(
            "/dynamic-search?filters=currency:EUR&filters=currency:USD", "filters.currency",
            ("twice",),
        ),
        "filters not an object": post({"filters": ["status"]}, "filters"),
        "body not an object": post(["status"], "body"),
    },
    "ranges": {
        "invoice dates backwards": get(
            "/dynamic-search?filters=invoiceDateFrom:2026-02-02&filters=invoiceDateTo:2026-02-01",
            "filters", (BACKWARDS,),
        ),
        "due dates backwards": post(
            {"filters": {"dueDateFrom": "2026-02-02", "dueDateTo": "2026-02-01"}}, "filters",
            (BACKWARDS,),
        ),
        "totals backwards by a cent": post({"filters": {"minTotal": 10.01, "maxTotal": 10.00}},
                                           "filters", (BACKWARDS,)),
        "date that does not exist": get("/dynamic-search?filters=dueDateTo:2026-02-30",
                                        "filters.dueDateTo"),
        "total not a number": get("/dynamic-search?filters=minTotal:ten", "filters.minTotal"),
        "total not finite": post({"filters": {"maxTotal": "Infinity"}}, "filters.maxTotal"),
        # Beyond any invoice's total (and any DynamoDB number): refused, not sent.
        "min total beyond any, by total": post(
            {"filters": {"minTotal": 1e50}, "sort": [{"field": "total"}]}, "filters.minTotal"),
        "max total beyond any, by total": post(
            {"filters": {"maxTotal": -1e50}, "sort": [{"field": "total"}]}, "filters.maxTotal"),
        "min total beyond DynamoDB's numbers": get("/dynamic-search?filters=minTotal:1e200",
                                                   "filters.minTotal"),
    },
}  # fmt: skip


def assert_problem(reply: Reply, field: str, says: tuple[str, ...] = (), name: str = "") -> None:
    """The documented error body: title, detail and time, and the field at fault."""
    assert reply.status == 400, (name, reply.body)
    assert reply.headers["Content-Type"] == "application/json", name
    problem = reply.json()
    assert {"title", "detail", "time"} <= problem.keys() <= {"title", "detail", "time", "errors"}
    assert problem["title"] == "Bad Request", name
    assert field in {error["field"] for error in problem["errors"]}, (name, problem)
    for word in says:
        assert word in problem["detail"], (name, word, problem["detail"])


class TestRefusals:
    @pytest.mark.parametrize("group", REFUSALS)
    def test_a_bad_page_request_is_a_400_naming_the_field_before_any_read_or_write(
        self, acme: Api, dynamo_calls: DynamoCalls, group: str
    ) -> None:
        for name, refusal in REFUSALS[group].items():
            reply = acme.request(refusal.method, BASE + refusal.path, refusal.body)
            assert_problem(reply, refusal.field, refusal.says, name)
            assert dynamo_calls.operations == [], name  # so nothing changed

    def test_a_body_that_is_not_json_is_a_400(self, acme: Api) -> None:
        for body in ("", "{", "NaN", "[1, 2", '{"size": Infinity}'):
            reply = acme.post(f"{BASE}/dynamic-search", body=body,
                              headers={"Content-Type": "application/json"})  # fmt: skip
            assert (reply.status, reply.json()["title"]) == (400, "Bad Request"), body


# What the API must never do: fail (a 500), or take long over a short request.


class TestOddInputs:
    def test_a_status_or_term_given_twice_counts_once(self, acme: Api) -> None:
        issued, draft = sent(note="Retainer"), sent(status="DRAFT", note="Retainer")
        load("acme", [issued, draft])
        for method, path, body, expected in [
            ("GET", "/dynamic-search?filters=status:SENT,SENT&sort=status,desc", None, [issued]),
            ("POST", "/dynamic-search", {"filters": {"status": ["SENT", "SENT"]},
                                         "sort": [{"field": "status"}]}, [issued]),
            ("POST", "/dynamic-search", {"filters": {"status": "SENT, SENT"}}, [issued]),
            ("GET", "/page?sortBy=status&search=RETAINER+retainer", None, [draft, issued]),
        ]:  # fmt: skip
            page = page_of(acme.request(method, BASE + path, body))
            ids = [book.id for book in expected]
            assert (ids_of(page), page["totalElements"]) == (ids, len(ids)), (path, body)

    @pytest.mark.parametrize(
        "body",
        ['{"size": 1e1000000}', '{"size": 1e999999999999}', '{"page": 1e5000000}',
         '{"page": 1e-5000000}'],
    )  # fmt: skip
    def test_a_number_with_a_huge_exponent_is_refused_as_it_is_parsed(
        self, acme: Api, dynamo_calls: DynamoCalls, body: str
    ) -> None:
        """Turned into an int, such a number takes seconds to minutes: it never gets that far."""
        reply = acme.post(f"{BASE}/dynamic-search", body=body,
                          headers={"Content-Type": "application/json"})  # fmt: skip
        assert reply.status == 400, reply.body
        assert "is out of range" in reply.json()["detail"]
        assert dynamo_calls.operations == []

    def test_a_size_of_0_as_the_documents_example_sends_it_is_the_default_size(
        self, acme: Api
    ) -> None:
        for page in (
            dynamic(acme, size=0),
            page_of(acme.get(f"{BASE}/dynamic-search?size=0")),
            page_of(acme.get(f"{BASE}/page?pageSize=0")),
        ):
            assert (page["size"], page["pageable"]["pageSize"]) == (20, 20)

    def test_a_size_written_as_text_or_a_whole_decimal_is_read_and_capped(self, acme: Api) -> None:
        for size, served in (("7", 7), ("1000", 100), (7.0, 7), (150.0, 100), (1e30, 100)):
            page = dynamic(acme, size=size)
            assert (page["size"], page["pageable"]["pageSize"]) == (served, served), size


# Known gaps in chalicelib/api/search.py, left to its owner: each test says what should hold.


class TestKnownGapsInTheView:
    def test_a_direction_other_than_asc_or_desc_is_a_400(self, acme: Api) -> None:
        for direction in ("yes", "0", "true", "off"):
            reply = acme.get(f"{BASE}/page?sortBy=total&direction={direction}")
            assert_problem(reply, "direction", ("ASC", "DESC"), direction)

    def test_a_sort_direction_other_than_asc_or_desc_is_a_400(self, acme: Api) -> None:
        assert_problem(acme.get(f"{BASE}/dynamic-search?sort=total,dsc"), "sort")

    def test_repeated_status_filters_add_up(self, acme: Api, books: dict[str, Json]) -> None:
        page = page_of(acme.get(f"{BASE}/dynamic-search?filters=status:SENT&filters=status:PAID"))
        assert ids_of(page) == [books[name]["id"] for name in "ace"]

    def test_any_page_size_above_the_cap_is_served_at_100(self, acme: Api) -> None:
        assert page_of(acme.get(f"{BASE}/page?pageSize=5000000"))["size"] == 100


# 6. Tenants


def test_another_tenants_invoices_never_appear_in_a_page_search_or_filter(
    acme: Api, api: Api
) -> None:
    load("globex", copies(2, total="10", note="Retainer"))
    ours = load("acme", copies(1, total="10", note="Retainer"))[0]["id"]
    for reply in (
        acme.get(f"{BASE}/page?sortBy=status"),
        acme.get(f"{BASE}/page?search=retainer&sortBy=total"),
        acme.get(f"{BASE}/dynamic-search?filters=status:SENT&sort=invoiceDate"),
        acme.post(f"{BASE}/dynamic-search", {"filters": {"minTotal": 10, "maxTotal": 10}}),
    ):
        assert as_ids(page_of(reply)) == expected_page(0, 20, [ours], 1)
    assert page_of(api.as_tenant("globex").get(f"{BASE}/page"))["totalElements"] == 2


# 7. Cost: what a page reads


@pytest.fixture
def queries(api: Api) -> list[Json]:
    """The parameters of every Query the app's client sends from now on."""
    seen: list[Json] = []

    def capture(params: Json, **_: Any) -> None:
        seen.append(dict(params))

    get_deps().dynamodb.meta.events.register("provide-client-params.dynamodb.Query", capture)
    return seen


def without(query: Json, name: str) -> Json:
    return {key: value for key, value in query.items() if key != name}


@pytest.fixture
def thirty(acme: Api) -> list[Json]:
    """Thirty sent invoices, totals 0 to 6 over and over."""
    shown = load("acme", [sent(total=str(n % 7)) for n in range(30)])
    assert page_of(acme.get(f"{BASE}/page?pageSize=1"))["totalElements"] == 30
    return shown


class TestCost:
    @pytest.mark.usefixtures("thirty")
    def test_a_sorted_page_reads_its_index_up_to_its_last_entry_and_no_further(
        self, acme: Api, dynamo_calls: DynamoCalls, queries: list[Json]
    ) -> None:
        for by, number in itertools.product(SORT_FIELDS, (0, 2)):
            dynamo_calls.reset()
            queries.clear()
            path = f"page?sortBy={by}&direction=DESC&pageSize=5&pageNumber={number}"
            assert page_of(acme.get(f"{BASE}/{path}"))["numberOfElements"] == 5
            # One Query (sorted by status, of SENT's partition: the first status descending)
            # for exactly the entries up to the page's last, none of them filtered out.
            assert [query["Limit"] for query in queries] == [5 * number + 5], (by, number)
            assert not {"Select", "FilterExpression"} & queries[0].keys(), by
            # The total from the tenant's figures; the page's invoices in one batch read.
            assert dynamo_calls.by_operation == {"Query": 1, "BatchGetItem": 2}, by

    @pytest.mark.usefixtures("thirty")
    def test_a_tab_of_statuses_in_a_currency_takes_its_total_from_the_figures(
        self, acme: Api, dynamo_calls: DynamoCalls, queries: list[Json]
    ) -> None:
        counts = acme.get(f"{BASE}/count-by-status").json()
        for filters, expected in [
            ("filters=status:SENT,PAID&filters=currency:EUR", counts["SENT"] + counts["PAID"]),
            ("filters=currency:EUR", sum(counts.values())),
            ("filters=currency:USD", 0),
        ]:
            dynamo_calls.reset()
            queries.clear()
            page = page_of(acme.get(f"{BASE}/dynamic-search?{filters}&sort=dueDate,desc&size=5"))
            assert page["totalElements"] == expected, filters
            assert [query.get("Select") for query in queries] == [None], filters  # no COUNT
            page_read = ["BatchGetItem"] if expected else []  # no invoices, nothing to read
            assert dynamo_calls.operations == ["BatchGetItem", "Query", *page_read], filters

    def test_a_search_reads_every_entry_once_in_8_date_segments(
        self, acme: Api, queries: list[Json]
    ) -> None:
        days = [f"2026-01-{day:02d}" for day in range(1, 21)]
        shown = load("acme", [sent(invoice_date=day, note="Needle") for day in days])
        page = page_of(acme.get(f"{BASE}/page?search=needle&pageSize=100&sortBy=invoiceDate"))
        assert ids_of(page) == [invoice["id"] for invoice in shown]
        ends, segments = queries[:2], queries[2:]
        assert [query["Limit"] for query in ends] == [1, 1]  # the earliest and latest date
        spans = [
            (query["ExpressionAttributeValues"][":lo"]["S"][:10],
             query["ExpressionAttributeValues"][":hi"]["S"][:10])
            for query in segments
        ]  # fmt: skip
        assert len(spans) == 8
        assert (spans[0][0], spans[-1][1]) == ("2026-01-01", "2026-01-20")
        days_read = [day for low, high in spans for day in days if low <= day <= high]
        assert days_read == days  # contiguous, no overlap, no gap

    def test_a_filter_that_matches_nothing_reads_ever_larger_pieces_of_the_index(
        self, acme: Api, queries: list[Json]
    ) -> None:
        load("acme", copies(700))
        page = page_of(acme.get(f"{BASE}/dynamic-search?filters=minTotal:2&sort=dueDate&size=5"))
        assert page["totalElements"] == 0
        reads = [query["Limit"] for query in queries if "Select" not in query]
        assert reads == [100, 200, 400]  # not seven calls of 100: a miss costs log n calls

    def test_a_filtered_pages_total_is_one_count_query_of_the_entries_it_reads(
        self, acme: Api, thirty: list[Json], dynamo_calls: DynamoCalls, queries: list[Json]
    ) -> None:
        matching = sum(1 for invoice in thirty if Decimal(invoice["total"]) >= 3)
        for by in SORT_FIELDS:
            dynamo_calls.reset()
            queries.clear()
            path = f"dynamic-search?filters=minTotal:3&sort={by}&size=5"
            assert page_of(acme.get(f"{BASE}/{path}"))["totalElements"] == matching, by
            counts = [query for query in queries if query.get("Select") == "COUNT"]
            reads = [query for query in queries if "Select" not in query]
            # By status, one of each per status; otherwise one of each, of the same entries.
            assert len(reads) == (6 if by == "status" else 1), by
            assert [without(query, "Select") for query in counts] == [
                without(query, "Limit") for query in reads
            ], by
            assert "Scan" not in dynamo_calls.by_operation
