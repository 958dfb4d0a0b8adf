"""In-memory adapters with the same contract as the DynamoDB ones, for fast service tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from chalicelib.domain.aggregates import Figures, combined, delta
from chalicelib.domain.errors import (
    ConcurrentModificationError,
    DomainError,
    FieldProblem,
    InvalidInputError,
    InvoiceNotFoundError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.settings import TenantSettings
from chalicelib.ports import Added, ApiKeyRecord, IssueContext, Page, StoredSettings


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 11, 21, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class InMemoryInvoiceRepository:
    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Invoice] = {}
        self._counters: dict[str, InvoiceCounter] = {}
        self._figures: dict[str, Figures] = {}
        self.settings: dict[str, TenantSettings] = {}

    def get(self, tenant_id: str, invoice_id: str) -> Invoice | None:
        return self._items.get((tenant_id, invoice_id))

    def get_many(self, tenant_id: str, invoice_ids: Sequence[str]) -> list[Invoice]:
        found = (self._items.get((tenant_id, i)) for i in dict.fromkeys(invoice_ids))
        return [invoice for invoice in found if invoice is not None]

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Invoice]:
        if cursor is not None and not cursor.isascii():
            raise InvalidInputError([FieldProblem("cursor", "is not a cursor this API returned")])
        ordered = sorted(
            (invoice for (tenant, _), invoice in self._items.items() if tenant == tenant_id),
            key=lambda invoice: invoice.id,
        )
        after = [invoice for invoice in ordered if cursor is None or invoice.id > cursor]
        page = after[:limit]
        return Page(items=page, cursor=page[-1].id if len(after) > limit else None)

    def every_invoice(self, tenant_id: str) -> Iterator[list[Invoice]]:
        cursor = None
        while True:
            page = self.list_page(tenant_id, limit=100, cursor=cursor)
            yield page.items
            if page.cursor is None:
                return
            cursor = page.cursor

    def add(self, invoice: Invoice) -> Invoice:
        key = (invoice.tenant_id, invoice.id)
        if key in self._items:
            raise ConcurrentModificationError(invoice.id)
        stored = invoice.model_copy(update={"version": 1})
        self._items[key] = stored
        self._move_figures(invoice.tenant_id, delta(None, stored))
        return stored

    max_atomic = 99

    def add_many(self, invoices: Sequence[Invoice], *, atomic: bool) -> list[Added | DomainError]:
        taken = [invoice for invoice in invoices if (invoice.tenant_id, invoice.id) in self._items]
        if atomic and taken:
            raise ConcurrentModificationError(taken[0].id)
        return [self._added(invoice) for invoice in invoices]

    def _added(self, invoice: Invoice) -> Added:
        stored = self._items.get((invoice.tenant_id, invoice.id))
        return Added(stored, created=False) if stored else Added(self.add(invoice), created=True)

    def save(self, invoice: Invoice, *, previous: Invoice) -> Invoice:
        self._check_version(invoice.tenant_id, invoice.id, previous.version)
        stored = invoice.model_copy(update={"version": previous.version + 1})
        self._items[(invoice.tenant_id, invoice.id)] = stored
        self._move_figures(invoice.tenant_id, delta(previous, stored))
        return stored

    def figures(self, tenant_id: str) -> Figures:
        return dict(self._figures.get(tenant_id, {}))

    def _move_figures(self, tenant_id: str, change: Figures) -> None:
        self._figures[tenant_id] = combined([self._figures.get(tenant_id, {}), change])

    def get_for_issue(
        self, tenant_id: str, invoice_id: str, *, with_client: bool = True
    ) -> IssueContext | None:
        invoice = self.get(tenant_id, invoice_id)
        if invoice is None:
            return None
        return IssueContext(
            invoice=invoice,
            counter=self._counters.get(tenant_id, InvoiceCounter()),
            settings=self.settings.get(tenant_id, TenantSettings()),
        )

    def save_issued(
        self, invoice: Invoice, *, previous: Invoice, counter: InvoiceCounter
    ) -> Invoice:
        current = self._counters.get(invoice.tenant_id, InvoiceCounter())
        if current.version != counter.version:
            raise ConcurrentModificationError(invoice.id)
        saved = self.save(invoice, previous=previous)
        self._counters[invoice.tenant_id] = counter.model_copy(
            update={"version": counter.version + 1}
        )
        return saved

    def get_for_new_issue(self, tenant_id: str) -> tuple[InvoiceCounter, TenantSettings]:
        return self.counter(tenant_id), self.settings.get(tenant_id, TenantSettings())

    def add_issued(self, invoice: Invoice, *, counter: InvoiceCounter | None) -> Added:
        stored = self.get(invoice.tenant_id, invoice.id)
        if stored is not None:
            return Added(stored, created=False)
        if counter is not None and self.counter(invoice.tenant_id).version != counter.version:
            raise ConcurrentModificationError(invoice.id)
        added = self.add(invoice)
        if counter is not None:
            moved = counter.model_copy(update={"version": counter.version + 1})
            self._counters[invoice.tenant_id] = moved
        return Added(added, created=True)

    def add_from_template(
        self,
        invoice: Invoice,
        *,
        template: Invoice,
        previous: Invoice,
        counter: InvoiceCounter | None = None,
    ) -> tuple[Invoice, Invoice]:
        self._check_version(template.tenant_id, template.id, previous.version)
        if counter is not None and self.counter(invoice.tenant_id).version != counter.version:
            raise ConcurrentModificationError(invoice.id)
        advanced = self.save(template, previous=previous)
        stored = self.add(invoice)
        if counter is not None:
            moved = counter.model_copy(update={"version": counter.version + 1})
            self._counters[invoice.tenant_id] = moved
        return stored, advanced

    def counter(self, tenant_id: str) -> InvoiceCounter:
        return self._counters.get(tenant_id, InvoiceCounter())

    def delete(self, invoice: Invoice) -> None:
        self.delete_all([invoice])

    def delete_all(self, invoices: Sequence[Invoice]) -> None:
        for invoice in invoices:
            self._check_version(invoice.tenant_id, invoice.id, invoice.version)
        for invoice in invoices:
            del self._items[(invoice.tenant_id, invoice.id)]
            self._move_figures(invoice.tenant_id, delta(invoice, None))

    def _check_version(self, tenant_id: str, invoice_id: str, version: int) -> None:
        current = self._items.get((tenant_id, invoice_id))
        if current is None:
            raise InvoiceNotFoundError([invoice_id])
        if current.version != version:
            raise ConcurrentModificationError(invoice_id)


class InMemoryTenantSettings:
    def __init__(self, settings: dict[str, TenantSettings]) -> None:
        self._settings = settings
        self._versions: dict[str, int] = {}

    def get(self, tenant_id: str) -> TenantSettings:
        return self._settings.get(tenant_id, TenantSettings())

    def read(self, tenant_id: str) -> StoredSettings:
        return StoredSettings(self.get(tenant_id), self._versions.get(tenant_id, 0))

    def recent(self, tenant_id: str) -> TenantSettings:
        return self.get(tenant_id)

    def save(self, tenant_id: str, settings: TenantSettings, *, version: int) -> StoredSettings:
        if self._versions.get(tenant_id, 0) != version:
            raise ConcurrentModificationError(tenant_id, noun="Settings of tenant")
        self._settings[tenant_id] = settings
        self._versions[tenant_id] = version + 1
        return StoredSettings(settings, version + 1)


class InMemoryApiKeyRepository:
    def __init__(self) -> None:
        self._records: dict[tuple[str, str], ApiKeyRecord] = {}

    def add(self, record: ApiKeyRecord) -> None:
        self._records[(record.tenant_id, record.key_hash)] = record

    def find(self, tenant_id: str, key_hash: str) -> ApiKeyRecord | None:
        return self._records.get((tenant_id, key_hash))

    def list(self, tenant_id: str) -> list[ApiKeyRecord]:
        found = [record for (tenant, _), record in self._records.items() if tenant == tenant_id]
        return sorted(found, key=lambda record: record.created)

    def delete(self, tenant_id: str, key_id: str) -> bool:
        doomed = [k for k, record in self._records.items() if k[0] == tenant_id
                  and record.key_id == key_id]  # fmt: skip
        for found in doomed:
            del self._records[found]
        return bool(doomed)

    def touch(self, record: ApiKeyRecord, now: datetime, *, since: datetime) -> None:
        stored = self._records.get((record.tenant_id, record.key_hash))
        if stored is not None and (stored.last_used_at is None or stored.last_used_at < since):
            self._records[(record.tenant_id, record.key_hash)] = replace(stored, last_used_at=now)


class CountingMetrics:
    """The Metrics port in memory: what was counted, by name."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count(self, name: str, value: int = 1) -> None:
        self.counts[name] += value
