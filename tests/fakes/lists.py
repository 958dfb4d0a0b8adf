"""What the secondary indexes answer, in memory: lists, the credit notes' index, search and the
jobs' due work, each read from an InMemoryInvoiceRepository."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime

from chalicelib.domain.credit_note_query import CreditNoteQuery
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.due import Job, due_moments
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.ordering import ordered
from chalicelib.domain.search import Filters, InvoiceQuery
from chalicelib.domain.values import format_timestamp, is_well_formed_id
from chalicelib.domain.work import WorkItem
from chalicelib.ports import Page, SearchResult
from chalicelib.store import keys
from chalicelib.store.items import credit_note_order
from tests.fakes.invoices import InMemoryInvoiceRepository
from tests.fakes.pages import NOT_A_CURSOR, chunked, cursor_after, page_of, position_of


class InMemoryInvoiceIndex:
    """The lists DynamoDB's indexes answer (store/index): by opportunity in invoice-date order,
    recurring ones by next invoice date, each tie by id. Consistent at once, where an index lags
    a moment: a caller that may meet either is right with both."""

    def __init__(self, repo: InMemoryInvoiceRepository) -> None:
        self._repo = repo

    def invoice_date_range(self, tenant_id: str) -> tuple[date | None, date | None]:
        days = [invoice.invoice_date for invoice in self._repo.invoices_of(tenant_id)]
        return (min(days), max(days)) if days else (None, None)

    def by_opportunity(
        self, tenant_id: str, opportunity_id: str, *, limit: int, cursor: str | None
    ) -> Page[Invoice]:
        return _index_page(self._by_opportunity(tenant_id, opportunity_id), limit, cursor)

    def recurring(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Invoice]:
        return _index_page(self._recurring(tenant_id), limit, cursor)

    def every_by_opportunity(self, tenant_id: str, opportunity_id: str) -> Iterator[list[Invoice]]:
        entries = self._by_opportunity(tenant_id, opportunity_id)
        yield from chunked([invoice for _, invoice in entries], 1000)

    def every_recurring(self, tenant_id: str) -> Iterator[list[Invoice]]:
        yield from chunked([invoice for _, invoice in self._recurring(tenant_id)], 1000)

    def _by_opportunity(self, tenant_id: str, opportunity_id: str) -> list[tuple[str, Invoice]]:
        return sorted(
            (keys.ordered(invoice.invoice_date.isoformat(), invoice.id), invoice)
            for invoice in self._repo.invoices_of(tenant_id)
            if invoice.opportunity_id == opportunity_id
        )

    def _recurring(self, tenant_id: str) -> list[tuple[str, Invoice]]:
        entries = []
        for invoice in self._repo.invoices_of(tenant_id):
            agreement = invoice.recurring_agreement
            if agreement is not None:
                day = agreement.next_invoice_date.isoformat() if agreement.next_invoice_date else ""
                entries.append((keys.ordered(day, invoice.id), invoice))
        return sorted(entries)


def _index_page(
    entries: Sequence[tuple[str, Invoice]], limit: int, cursor: str | None
) -> Page[Invoice]:
    after = None
    if cursor is not None:
        after = position_of(cursor)
        if "#" not in after or not is_well_formed_id(keys.id_of_ordered(after)):
            raise InvalidInputError([NOT_A_CURSOR])
    items, last = page_of(entries, limit=limit, after=after)
    return Page(items=items, cursor=None if last is None else cursor_after(last))


class InMemoryCreditNoteIndex:
    """The CreditNotes index as store/credit_notes answers it: by day, then the moment issued,
    then id, oldest or newest first, every filter ANDed (CreditNoteQuery.admits). Every page is
    full where the adapter's may run short; consistent at once, where the index lags a moment."""

    def __init__(self, repo: InMemoryInvoiceRepository) -> None:
        self._repo = repo

    def page(
        self, tenant_id: str, query: CreditNoteQuery, *, limit: int, cursor: str | None
    ) -> Page[CreditNote]:
        after = None if cursor is None else position_of(cursor)
        if after is not None and (
            after.count("#") != 2 or not is_well_formed_id(after.rsplit("#", 1)[-1])
        ):
            raise InvalidInputError([NOT_A_CURSOR])
        entries = self._entries(tenant_id, query)
        rest = [entry for entry in entries if after is None or _beyond(entry[0], after, query)]
        taken = rest[:limit]
        more = len(rest) > limit
        return Page([note for _, note in taken], cursor_after(taken[-1][0]) if more else None)

    def every(self, tenant_id: str, query: CreditNoteQuery) -> Iterator[list[CreditNote]]:
        yield from chunked([note for _, note in self._entries(tenant_id, query)], 500)

    def _entries(self, tenant_id: str, query: CreditNoteQuery) -> list[tuple[str, CreditNote]]:
        entries = sorted(
            (credit_note_order(note), note)
            for note in self._repo.credit_notes_of_tenant(tenant_id)
            if query.admits(note)
        )
        return entries[::-1] if query.newest_first else entries


def _beyond(position: str, after: str, query: CreditNoteQuery) -> bool:
    return position < after if query.newest_first else position > after


class InMemoryInvoiceSearch:
    """Search as store/search answers it: every filter and term ANDed, terms found in the number,
    the client's name, the contact email, the note and the payment reference (case-folded), in
    the order of the sort keys with an index's ties (domain/ordering). It does not refuse a sort
    in memory of more than 10,000 matches, as the adapter does."""

    def __init__(self, repo: InMemoryInvoiceRepository) -> None:
        self._repo = repo

    def search(
        self, tenant_id: str, query: InvoiceQuery, *, today: date, total: int | None
    ) -> SearchResult:
        matches = self._matches(tenant_id, query, today)
        page = matches[query.offset : query.offset + query.size]
        return SearchResult(invoices=page, total=len(matches) if total is None else total)

    def in_order(
        self, tenant_id: str, query: InvoiceQuery, *, today: date, whole: bool
    ) -> Iterator[list[Invoice]]:
        matches = self._matches(tenant_id, query, today)
        if not whole:
            yield matches[query.offset : query.offset + query.size]
            return
        yield from chunked(matches, 100)

    def _matches(self, tenant_id: str, query: InvoiceQuery, today: date) -> list[Invoice]:
        found = [
            invoice
            for invoice in self._repo.invoices_of(tenant_id)
            if _passes(invoice, query.filters, today) and _says(invoice, query.search)
        ]
        return ordered(found, query.sort, lambda invoice: invoice.model_dump(by_alias=True))


def _passes(invoice: Invoice, filters: Filters, today: date) -> bool:
    f = filters
    overdue = invoice.status == InvoiceStatus.OVERDUE or (
        invoice.status == InvoiceStatus.SENT and invoice.due_date < today
    )
    checks = (
        f.status is None or invoice.status in f.status,
        f.client_id is None or invoice.client_id == f.client_id,
        f.currency is None or invoice.currency == f.currency,
        f.opportunity_id is None or invoice.opportunity_id == f.opportunity_id,
        f.invoice_date_from is None or invoice.invoice_date >= f.invoice_date_from,
        f.invoice_date_to is None or invoice.invoice_date <= f.invoice_date_to,
        f.due_date_from is None or invoice.due_date >= f.due_date_from,
        f.due_date_to is None or invoice.due_date <= f.due_date_to,
        f.overdue is None or overdue == f.overdue,
        f.min_total is None or invoice.total >= f.min_total,
        f.max_total is None or invoice.total <= f.max_total,
    )
    return all(checks)


def _says(invoice: Invoice, terms: Sequence[str]) -> bool:
    client_name = invoice.client.name if invoice.client else None
    parts = (
        invoice.invoice_number,
        client_name,
        invoice.contact_email,
        invoice.note,
        invoice.payment_reference,
    )
    text = "\n".join(part for part in parts if part).casefold()
    return all(term in text for term in terms)


class InMemoryDueWork:
    """The jobs' due work across every tenant (store/due): each invoice whose work for the job
    falls due (domain/due.due_moments) by the moment asked, to the millisecond, as stored."""

    def __init__(self, repo: InMemoryInvoiceRepository) -> None:
        self._repo = repo

    def due(self, job: Job, now: datetime) -> Iterator[WorkItem]:
        upto = format_timestamp(now)
        found = []
        for invoice in self._repo.every_tenants_invoices():
            moment = due_moments(invoice).get(job)
            if moment is not None and format_timestamp(moment) <= upto:
                found.append((format_timestamp(moment), invoice.tenant_id, invoice.id))
        for _, tenant_id, invoice_id in sorted(found):
            yield WorkItem(tenant_id=tenant_id, invoice_id=invoice_id)
