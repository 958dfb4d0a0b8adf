"""The fakes of what the table's secondary indexes answer (lists, search, the jobs' due work)
against their DynamoDB adapters on moto, through the same assertions (see test_fakes_conform.py).
Expected orders are worked out here: ids are UUIDv7s made in order, so a tie broken by id keeps
creation order ascending and reverses it descending."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from chalicelib.domain.commands import InvoiceFields, RowInput
from chalicelib.domain.due import Job
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.invoice import Invoice, InvoiceStatus, RecurringAgreement
from chalicelib.domain.invoicing import InvoiceDefaults, new_invoice
from chalicelib.domain.search import InvoiceQuery
from chalicelib.domain.values import Actor
from chalicelib.domain.work import WorkItem
from chalicelib.jobs.ports import DueWork
from chalicelib.ports import InvoiceIndex, InvoiceRepository, InvoiceSearch, Page
from chalicelib.store.due import DynamoDueWork
from chalicelib.store.index import DynamoInvoiceIndex
from chalicelib.store.invoices import DynamoInvoiceRepository
from chalicelib.store.search import DynamoInvoiceSearch
from invoicing_cli.local import TABLE_NAME
from tests.fakes import (
    InMemoryDueWork,
    InMemoryInvoiceIndex,
    InMemoryInvoiceRepository,
    InMemoryInvoiceSearch,
)

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="gina")


@dataclass(frozen=True)
class Reads:
    repo: InvoiceRepository
    index: InvoiceIndex
    search: InvoiceSearch
    due: DueWork


@pytest.fixture(params=["memory", "moto"])
def reads(request: pytest.FixtureRequest) -> Reads:
    if request.param == "moto":
        request.getfixturevalue("aws")
        client = boto3.client("dynamodb")
        return Reads(
            DynamoInvoiceRepository(client, TABLE_NAME),
            DynamoInvoiceIndex(client, TABLE_NAME),
            DynamoInvoiceSearch(client, TABLE_NAME),
            DynamoDueWork(client, TABLE_NAME),
        )
    repo = InMemoryInvoiceRepository()
    return Reads(
        repo, InMemoryInvoiceIndex(repo), InMemoryInvoiceSearch(repo), InMemoryDueWork(repo)
    )


def invoice(
    actor: Actor = ACME,
    *,
    day: str = "2026-01-10",
    total: str = "100.00",
    terms: int = 30,
    status: InvoiceStatus = InvoiceStatus.DRAFT,
    **fields: Any,
) -> Invoice:
    given = InvoiceFields(
        invoice_date=date.fromisoformat(day),
        payment_term_days=terms,
        rows=[RowInput(description="Work", quantity=Decimal(1), unit_price=Decimal(total))],
        **fields,
    )
    made = new_invoice(given, actor=actor, now=NOW, defaults=InvoiceDefaults())
    return made.model_copy(update={"status": status})


def added(repo: InvoiceRepository, *invoices: Invoice) -> list[str]:
    return [repo.add(made).id for made in invoices]


def walked(read: Any, limit: int) -> list[str]:
    """Every id of a paged list, page after page."""
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        page: Page[Invoice] = read(limit=limit, cursor=cursor)
        seen += [found.id for found in page.items]
        cursor = page.cursor
        if cursor is None:
            return seen
    raise AssertionError("the pages never end")


def flat(chunks: Iterable[list[Invoice]]) -> list[str]:
    return [found.id for chunk in chunks for found in chunk]


# Lists by opportunity and of recurring invoices


def test_an_opportunitys_invoices_are_listed_by_invoice_date_page_by_page(reads: Reads) -> None:
    late, early, _other = added(
        reads.repo,
        invoice(day="2026-03-05", opportunity_id="opp-1"),
        invoice(day="2026-01-10", opportunity_id="opp-1"),
        invoice(day="2026-02-01", opportunity_id="opp-2"),
    )
    added(reads.repo, invoice(GLOBEX, day="2026-01-01", opportunity_id="opp-1"))

    def read(limit: int, cursor: str | None) -> Page[Invoice]:
        return reads.index.by_opportunity("acme", "opp-1", limit=limit, cursor=cursor)

    assert walked(read, limit=1) == [early, late]
    assert flat(reads.index.every_by_opportunity("acme", "opp-1")) == [early, late]
    assert flat(reads.index.every_by_opportunity("acme", "opp-9")) == []


def test_recurring_invoices_are_listed_next_due_first_an_ended_one_before_them(
    reads: Reads,
) -> None:
    def series(next_day: date | None) -> Invoice:
        agreement = RecurringAgreement(interval_months=1, next_invoice_date=next_day)
        return invoice().model_copy(update={"recurring_agreement": agreement})

    may, april, ended, _plain = added(
        reads.repo, series(date(2026, 5, 1)), series(date(2026, 4, 1)), series(None), invoice()
    )
    added(
        reads.repo,
        invoice(GLOBEX).model_copy(
            update={
                "recurring_agreement": RecurringAgreement(
                    interval_days=7, next_invoice_date=date(2026, 1, 1)
                )
            }
        ),
    )

    def read(limit: int, cursor: str | None) -> Page[Invoice]:
        return reads.index.recurring("acme", limit=limit, cursor=cursor)

    assert walked(read, limit=2) == [ended, april, may]
    assert flat(reads.index.every_recurring("acme")) == [ended, april, may]


def test_the_invoice_date_range_spans_the_tenants_own_invoices(reads: Reads) -> None:
    added(
        reads.repo, invoice(day="2026-02-01"), invoice(day="2025-12-31"), invoice(day="2026-03-05")
    )
    added(reads.repo, invoice(GLOBEX, day="2020-01-01"))

    assert reads.index.invoice_date_range("acme") == (date(2025, 12, 31), date(2026, 3, 5))
    assert reads.index.invoice_date_range("initech") == (None, None)


@pytest.mark.parametrize("cursor", ["ü", "not a cursor", "MjAyNi0wMS0xMA"])
def test_a_list_cursor_it_did_not_issue_is_refused(reads: Reads, cursor: str) -> None:
    with pytest.raises(InvalidInputError):
        reads.index.by_opportunity("acme", "opp-1", limit=2, cursor=cursor)
    with pytest.raises(InvalidInputError):
        reads.index.recurring("acme", limit=2, cursor=cursor)


# Search


@dataclass(frozen=True)
class Shelf:
    """Five invoices of acme's (and one of globex's that matches every acme search)."""

    a: str  # SENT, 100.00 EUR, 2026-01-10 due 02-09 (so overdue today), "Rocket fuel"
    b: str  # DRAFT, 250.00 EUR, 2026-02-01 due 02-15
    c: str  # OVERDUE, 75.50 USD, 2026-01-20 due 01-27, contact ap@rocket.example
    d: str  # SENT, 100.00 EUR, 2026-03-01 due 03-31
    e: str  # PAID, 990.00 EUR, 2025-12-15 due the same day, "rocket science"


@pytest.fixture
def shelf(reads: Reads) -> Shelf:
    status = InvoiceStatus
    ids = added(
        reads.repo,
        invoice(status=status.SENT, note="Rocket fuel"),
        invoice(day="2026-02-01", total="250.00", terms=14, note="Paint"),
        invoice(day="2026-01-20", total="75.50", terms=7, status=status.OVERDUE, currency="USD",
                contact_email="ap@rocket.example"),
        invoice(day="2026-03-01", status=status.SENT),
        invoice(day="2025-12-15", total="990.00", terms=0, status=status.PAID,
                note="rocket science"),
    )  # fmt: skip
    added(reads.repo, invoice(GLOBEX, status=InvoiceStatus.SENT, note="Rocket"))
    return Shelf(*ids)


def found(reads: Reads, total: int | None = None, **query: Any) -> tuple[list[str], int]:
    result = reads.search.search(
        "acme", InvoiceQuery.model_validate(query), today=TODAY, total=total
    )
    return [match.id for match in result.invoices], result.total


def test_a_status_sorted_by_total_descending_breaks_ties_newest_first(
    reads: Reads, shelf: Shelf
) -> None:
    sort = [{"field": "total", "ascending": False}]
    assert found(reads, filters={"status": ["SENT"]}, sort=sort) == ([shelf.d, shelf.a], 2)


def test_search_terms_match_the_note_and_contact_case_folded(reads: Reads, shelf: Shelf) -> None:
    assert found(reads, search=["ROCKET"]) == ([shelf.a, shelf.c, shelf.e], 3)
    assert found(reads, search=["rocket", "science"]) == ([shelf.e], 1)


def test_overdue_is_flagged_or_sent_and_past_due(reads: Reads, shelf: Shelf) -> None:
    assert found(reads, filters={"overdue": True}) == ([shelf.a, shelf.c], 2)
    assert found(reads, filters={"overdue": False}) == ([shelf.b, shelf.d, shelf.e], 3)


def test_amount_and_currency_filters_hold_together(reads: Reads, shelf: Shelf) -> None:
    filters = {"currency": "EUR", "minTotal": "100", "maxTotal": "250.00"}
    assert found(reads, filters=filters, sort=[{"field": "invoiceDate"}]) == (
        [shelf.a, shelf.b, shelf.d],
        3,
    )


def test_by_status_the_invoices_of_one_status_follow_their_invoice_date(
    reads: Reads, shelf: Shelf
) -> None:
    assert found(reads, sort=[{"field": "status"}]) == (
        [shelf.b, shelf.c, shelf.e, shelf.a, shelf.d],
        5,
    )


def test_several_sort_keys_each_break_the_ties_of_the_one_before(
    reads: Reads, shelf: Shelf
) -> None:
    sort = [{"field": "currency"}, {"field": "total", "ascending": False}]
    assert found(reads, sort=sort) == ([shelf.e, shelf.b, shelf.d, shelf.a, shelf.c], 5)


def test_a_later_page_and_a_total_the_caller_knew(reads: Reads, shelf: Shelf) -> None:
    assert found(reads, page=1, size=2) == ([shelf.c, shelf.d], 5)
    assert found(reads, total=42, page=2, size=2) == ([shelf.e], 42)


def test_in_order_reads_every_match_or_only_the_page(reads: Reads, shelf: Shelf) -> None:
    query = InvoiceQuery.model_validate(
        {"filters": {"status": ["SENT", "OVERDUE"]}, "sort": [{"field": "dueDate"}], "size": 2}
    )

    whole = reads.search.in_order("acme", query, today=TODAY, whole=True)
    page = reads.search.in_order("acme", query, today=TODAY, whole=False)

    assert flat(whole) == [shelf.c, shelf.a, shelf.d]
    assert flat(page) == [shelf.c, shelf.a]


def test_another_tenant_finds_only_its_own(reads: Reads, shelf: Shelf) -> None:
    result = reads.search.search(
        "globex", InvoiceQuery.model_validate({"search": ["rocket"]}), today=TODAY, total=None
    )
    assert [match.tenant_id for match in result.invoices] == ["globex"]
    assert shelf.a not in [match.id for match in result.invoices]


# The jobs' due work


def due(reads: Reads, job: Job, now: datetime) -> set[WorkItem]:
    return set(reads.due.due(job, now))


def test_a_scheduled_invoice_falls_due_at_its_send_time_in_any_tenant(reads: Reads) -> None:
    at = NOW + timedelta(hours=1)
    mine, theirs, _draft = added(
        reads.repo,
        invoice(status=InvoiceStatus.SCHEDULED).model_copy(update={"send_at": at}),
        invoice(GLOBEX, status=InvoiceStatus.SCHEDULED).model_copy(update={"send_at": at}),
        invoice().model_copy(update={"send_at": at}),
    )

    assert due(reads, Job.SCHEDULED, at - timedelta(milliseconds=1)) == set()
    assert due(reads, Job.SCHEDULED, at) == {WorkItem("acme", mine), WorkItem("globex", theirs)}


def test_a_sent_invoice_falls_overdue_from_the_midnight_after_its_due_date(reads: Reads) -> None:
    (sent,) = added(reads.repo, invoice(day="2026-02-01", terms=14, status=InvoiceStatus.SENT))
    added(reads.repo, invoice(day="2026-02-01", terms=14, status=InvoiceStatus.PAID))
    midnight = datetime(2026, 2, 16, tzinfo=UTC)

    assert due(reads, Job.OVERDUE, midnight - timedelta(seconds=1)) == set()
    assert due(reads, Job.OVERDUE, midnight) == {WorkItem("acme", sent)}
    assert due(reads, Job.REMINDERS, midnight) == set()


def test_reminders_and_recurring_periods_fall_due_at_their_moments(reads: Reads) -> None:
    reminded = invoice(status=InvoiceStatus.SENT).model_copy(
        update={"next_reminder_at": datetime(2026, 2, 20, tzinfo=UTC)}
    )
    recurring = invoice().model_copy(
        update={
            "recurring_agreement": RecurringAgreement(
                interval_months=1, next_invoice_date=date(2026, 2, 25)
            )
        }
    )
    reminder_id, recurring_id = added(reads.repo, reminded, recurring)
    moment = datetime(2026, 2, 25, tzinfo=UTC)

    assert due(reads, Job.REMINDERS, moment) == {WorkItem("acme", reminder_id)}
    assert due(reads, Job.RECURRING, moment) == {WorkItem("acme", recurring_id)}
    assert due(reads, Job.RECURRING, moment - timedelta(seconds=1)) == set()
