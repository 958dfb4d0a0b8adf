"""Invoices in memory: the InvoiceRepository port over the in-memory table (invoice_table.py),
each method as store/invoices answers it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.customer_credit import ClientCredit, CreditMovement
from chalicelib.domain.errors import (
    ClientNotFoundError,
    ConcurrentModificationError,
    CreditNoteNotFoundError,
    DomainError,
    NumberOfTheSeriesError,
    NumberUsedError,
    UnknownClientError,
)
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.series import NumberFormats
from chalicelib.domain.settings import TenantSettings
from chalicelib.ports import Added, CreditContext, IssueContext, Page
from chalicelib.store.numbers import note_claim, repeated
from tests.fakes.invoice_table import InMemoryInvoiceTable, note_as_stored
from tests.fakes.pages import chunked, cursor_after, id_of_cursor, page_of


class InMemoryInvoiceRepository(InMemoryInvoiceTable):
    """Invoices, their tenants' counters and figures. Given `clients`, it is one table with them,
    as DynamoDB's is: an invoice may name only a client the tenant has (UnknownClientError), and
    the client's count of invoices naming it moves in the same write, so it cannot be deleted
    while one does."""

    def get_many(self, tenant_id: str, invoice_ids: Sequence[str]) -> list[Invoice]:
        found = (self._items.get((tenant_id, i)) for i in dict.fromkeys(invoice_ids))
        return [invoice for invoice in found if invoice is not None]

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Invoice]:
        after = None if cursor is None else id_of_cursor(cursor)
        entries = [(invoice.id, invoice) for invoice in self.invoices_of(tenant_id)]
        items, last = page_of(entries, limit=limit, after=after)
        return Page(items=items, cursor=None if last is None else cursor_after(last))

    def every_invoice(self, tenant_id: str) -> Iterator[list[Invoice]]:
        yield from chunked(self.invoices_of(tenant_id), 100)

    def add(
        self, invoice: Invoice, formats: NumberFormats | None = None, *, own: bool = True
    ) -> Invoice:
        self._check([(invoice, 0)])
        stored = invoice.model_copy(update={"version": 1})
        self._write(invoice.tenant_id, [(None, stored)], own=own, formats=formats)
        return stored

    max_atomic = 99

    def add_many(
        self, invoices: Sequence[Invoice], *, atomic: bool, formats: NumberFormats | None = None
    ) -> list[Added | DomainError]:
        twice = repeated(invoices)  # a number two of them bring: the first has it
        if not atomic:
            return [twice.get(i.id) or self._added(i, formats) for i in invoices]
        self._check([(invoice, 0) for invoice in invoices])
        if twice:
            raise next(iter(twice.values()))
        stored = [invoice.model_copy(update={"version": 1}) for invoice in invoices]
        if stored:
            changes = [(None, invoice) for invoice in stored]
            self._write(stored[0].tenant_id, changes, formats=formats)
        return [Added(invoice, created=True) for invoice in stored]

    def _added(self, invoice: Invoice, formats: NumberFormats | None) -> Added | DomainError:
        stored = self._items.get((invoice.tenant_id, invoice.id))
        if stored is not None:
            return Added(stored, created=False)
        try:
            return Added(self.add(invoice, formats), created=True)
        except (UnknownClientError, NumberUsedError, NumberOfTheSeriesError) as exc:
            return exc

    def save(
        self, invoice: Invoice, *, previous: Invoice, formats: NumberFormats | None = None
    ) -> Invoice:
        self._check([(invoice, previous.version)])
        stored = invoice.model_copy(update={"version": previous.version + 1})
        self._write(invoice.tenant_id, [(previous, stored)], formats=formats)
        return stored

    def get_for_issue(
        self, tenant_id: str, invoice_id: str, *, with_client: bool = True
    ) -> IssueContext | None:
        invoice = self.get(tenant_id, invoice_id)
        if invoice is None:
            return None
        client = None
        # Only a draft takes its client's details: an issued invoice keeps its copy.
        named = invoice.client_id if invoice.status == InvoiceStatus.DRAFT else None
        if with_client and self.clients is not None and named is not None:
            client = self.clients.get(tenant_id, named)
        return IssueContext(
            invoice=invoice,
            counter=self.counter(tenant_id),
            settings=self.settings.get(tenant_id, TenantSettings()),
            client=client,
        )

    def save_issued(
        self, invoice: Invoice, *, previous: Invoice, counter: InvoiceCounter
    ) -> Invoice:
        self._check([(invoice, previous.version)])
        self._check_counter(invoice, counter)
        stored = invoice.model_copy(update={"version": previous.version + 1})
        self._write(invoice.tenant_id, [(previous, stored)], own=False)
        self._move_counter(invoice.tenant_id, counter)
        return stored

    def get_for_new_issue(self, tenant_id: str) -> tuple[InvoiceCounter, TenantSettings]:
        return self.counter(tenant_id), self.settings.get(tenant_id, TenantSettings())

    def get_for_credit(
        self, tenant_id: str, invoice_id: str, *, note_id: str | None = None
    ) -> CreditContext | None:
        invoice = self.get(tenant_id, invoice_id)
        if invoice is None:
            return None
        made = None if note_id is None else self.get_credit_note(tenant_id, note_id)
        counter, settings = self.get_for_new_issue(tenant_id)
        return CreditContext(invoice, counter, settings, made=made)

    def save_credited(
        self, invoice: Invoice, *, previous: Invoice, counter: InvoiceCounter, note: CreditNote
    ) -> Invoice:
        """One transaction: the invoice over its version, the counter over its own, the note
        only where none has its id; the figures move with the invoice."""
        self._check([(invoice, previous.version)])
        self._check_counter(invoice, counter)
        if (note.tenant_id, note.id) in self._notes:
            raise ConcurrentModificationError(invoice.id)
        stored = invoice.model_copy(update={"version": previous.version + 1})
        self._write(invoice.tenant_id, [(previous, stored)], own=False, more=[note_claim(note)])
        self._move_counter(invoice.tenant_id, counter)
        self._notes[(note.tenant_id, note.id)] = note_as_stored(note)
        return stored

    def get_credit_note(self, tenant_id: str, note_id: str) -> CreditNote | None:
        return self._notes.get((tenant_id, note_id))

    def save_credit_note(self, note: CreditNote, *, previous: CreditNote) -> CreditNote:
        stored = self._notes.get((note.tenant_id, note.id))
        if stored is None:
            raise CreditNoteNotFoundError(note.id)
        if stored.version != previous.version:
            raise ConcurrentModificationError(note.id, noun="Credit note")
        written = note_as_stored(note, version=previous.version + 1)
        self._notes[(note.tenant_id, note.id)] = written
        return written

    def get_credit_notes(self, tenant_id: str, note_ids: Sequence[str]) -> list[CreditNote]:
        found = (self._notes.get((tenant_id, i)) for i in dict.fromkeys(note_ids))
        return [note for note in found if note is not None]

    def client_credit(
        self, tenant_id: str, client_id: str, *, limit: int, cursor: str | None
    ) -> tuple[ClientCredit, str | None] | None:
        if self.clients is not None and self.clients.get(tenant_id, client_id) is None:
            return None
        return self._credit.page(tenant_id, client_id, limit=limit, cursor=cursor)

    def refund_credit(self, movement: CreditMovement) -> None:
        client = self.clients.get(movement.tenant_id, movement.client_id) if self.clients else None
        if self.clients is not None and client is None:
            raise ClientNotFoundError(movement.client_id)
        self._credit.move([movement], self._credit.credited([movement]))

    def add_issued(self, invoice: Invoice, *, counter: InvoiceCounter | None) -> Added:
        stored = self.get(invoice.tenant_id, invoice.id)
        if stored is not None:
            return Added(stored, created=False)
        if counter is not None:
            self._check_counter(invoice, counter)
        added = self.add(invoice, own=counter is None)
        if counter is not None:
            self._move_counter(invoice.tenant_id, counter)
        return Added(added, created=True)

    def add_from_template(
        self,
        invoice: Invoice,
        *,
        template: Invoice,
        previous: Invoice,
        counter: InvoiceCounter | None = None,
    ) -> tuple[Invoice, Invoice]:
        self._check([(template, previous.version), (invoice, 0)])
        if counter is not None:
            self._check_counter(invoice, counter)
        advanced = template.model_copy(update={"version": previous.version + 1})
        stored = invoice.model_copy(update={"version": 1})
        own = counter is None
        self._write(invoice.tenant_id, [(previous, advanced), (None, stored)], own=own)
        if counter is not None:
            self._move_counter(invoice.tenant_id, counter)
        return stored, advanced

    def delete(self, invoice: Invoice) -> None:
        self.delete_all([invoice])

    def delete_all(self, invoices: Sequence[Invoice]) -> None:
        self._check([(invoice, invoice.version) for invoice in invoices])
        if invoices:
            self._write(invoices[0].tenant_id, [(invoice, None) for invoice in invoices])
