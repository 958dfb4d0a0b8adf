"""In-memory adapters with the same contract as the DynamoDB, S3, SES and SQS ones, for fast
service tests, and FakeWorld, which wires them as the composition root wires the adapters.
tests/integration/test_fakes_conform*.py (and test_invoice_repository_contract.py) run each fake
and its adapter through the same assertions, so a fake cannot drift from what the services meet
in production."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import parseaddr
from itertools import count
from typing import Any, Generic, TypeVar
from urllib.parse import quote, unquote, urlsplit

import jwt
from jwt.algorithms import RSAAlgorithm

from chalicelib.documents.mime import mime_message
from chalicelib.domain.aggregates import Figures, combined, delta
from chalicelib.domain.base import TenantRecord
from chalicelib.domain.batches import Batch
from chalicelib.domain.clients import Client
from chalicelib.domain.contracts import Contract
from chalicelib.domain.credit_note_query import CreditNoteQuery
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.customer_credit import (
    ClientCredit,
    CreditMovement,
    CurrencyBalance,
    movements_of,
)
from chalicelib.domain.due import Job, due_moments
from chalicelib.domain.errors import (
    BatchNotFoundError,
    ClientInUseError,
    ClientNotFoundError,
    ConcurrentModificationError,
    ContractNotFoundError,
    CreditNoteNotFoundError,
    DeliveryFailedError,
    DomainError,
    FieldProblem,
    IdempotencyKeyReusedError,
    InsufficientCreditError,
    InvalidInputError,
    InvoiceNotFoundError,
    NotFoundError,
    NumberOfTheSeriesError,
    NumberUsedError,
    RequestInProgressError,
    SeriesNumberUsedError,
    UnknownClientError,
)
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.mail import OutgoingMail
from chalicelib.domain.money import ZERO, round_money
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.ordering import ordered
from chalicelib.domain.search import Filters, InvoiceQuery
from chalicelib.domain.series import NumberFormats
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor, format_timestamp, is_well_formed_id
from chalicelib.domain.work import Chunk, WorkItem
from chalicelib.ports import (
    Added,
    ApiKeyRecord,
    Clock,
    CreditContext,
    InvoicePorts,
    IssueContext,
    KeptExport,
    Page,
    SearchResult,
    StoredSettings,
)
from chalicelib.retry import RetryPolicy
from chalicelib.services.batches import BatchPorts, ChunkCreator, ItemOutcome, create_native_chunk
from chalicelib.services.documents import DocumentPorts
from chalicelib.store import keys
from chalicelib.store.items import (
    credit_note_item,
    credit_note_of,
    credit_note_order,
    invoice_item,
    invoice_of,
)
from chalicelib.store.numbers import Claim, claims_of, note_claim, repeated

R = TypeVar("R", bound=TenantRecord)
T = TypeVar("T")
_NOT_A_CURSOR = FieldProblem("cursor", "is not a cursor this API returned")


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 11, 21, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


# Pages. A cursor is opaque, as the adapters' are (base64 of where the page ended), and one the
# fake could not have issued is refused as theirs is. A cursor comes with a page only when more
# follow; DynamoDB itself may answer one after a page that ends exactly at the last item, so a
# caller must take an empty last page too.


def cursor_after(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def position_of(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def id_of_cursor(cursor: str) -> str:
    record_id = position_of(cursor)
    if not is_well_formed_id(record_id):
        raise InvalidInputError([_NOT_A_CURSOR])
    return record_id


def page_of(
    entries: Sequence[tuple[str, T]], *, limit: int, after: str | None
) -> tuple[list[T], str | None]:
    """A page of (sort key, item) pairs in sort-key order, from just after `after`; and the sort
    key to continue after, when more follow."""
    rest = [entry for entry in entries if after is None or entry[0] > after]
    taken = rest[:limit]
    return [item for _, item in taken], taken[-1][0] if len(rest) > limit else None


def chunked(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


# Invoices


class InMemoryInvoiceRepository:
    """Invoices, their tenants' counters and figures. Given `clients`, it is one table with them,
    as DynamoDB's is: an invoice may name only a client the tenant has (UnknownClientError), and
    the client's count of invoices naming it moves in the same write, so it cannot be deleted
    while one does."""

    def __init__(self, clients: InMemoryClientRepository | None = None) -> None:
        self._items: dict[tuple[str, str], Invoice] = {}
        self._counters: dict[str, InvoiceCounter] = {}
        self._figures: dict[str, Figures] = {}
        self._notes: dict[tuple[str, str], CreditNote] = {}
        self._numbers: dict[tuple[str, str], str] = {}  # (tenant, number): its holder's key
        # Clients' credit: each currency's balance and when it last moved, and every move.
        self._credit: dict[tuple[str, str], dict[str, CurrencyBalance]] = {}
        self._credit_moves: list[CreditMovement] = []
        self.settings: dict[str, TenantSettings] = {}
        self.clients = clients

    def get(self, tenant_id: str, invoice_id: str) -> Invoice | None:
        return self._items.get((tenant_id, invoice_id))

    def get_many(self, tenant_id: str, invoice_ids: Sequence[str]) -> list[Invoice]:
        found = (self._items.get((tenant_id, i)) for i in dict.fromkeys(invoice_ids))
        return [invoice for invoice in found if invoice is not None]

    def invoices_of(self, tenant_id: str) -> list[Invoice]:
        """The tenant's invoices in list order (by id: creation order for UUIDv7 ids)."""
        mine = (invoice for (tenant, _), invoice in self._items.items() if tenant == tenant_id)
        return sorted(mine, key=lambda invoice: invoice.id)

    def every_tenants_invoices(self) -> list[Invoice]:
        """What the jobs' indexes span: every invoice of every tenant."""
        return list(self._items.values())

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

    def figures(self, tenant_id: str) -> Figures:
        return dict(self._figures.get(tenant_id, {}))

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

    def credit_notes_of_tenant(self, tenant_id: str) -> list[CreditNote]:
        """What a test looks for past the port: every credit note the tenant has."""
        return [note for (tenant, _), note in self._notes.items() if tenant == tenant_id]

    def client_credit(
        self, tenant_id: str, client_id: str, *, limit: int, cursor: str | None
    ) -> tuple[ClientCredit, str | None] | None:
        if self.clients is not None and self.clients.get(tenant_id, client_id) is None:
            return None
        held = self._credit.get((tenant_id, client_id), {})
        moves = [(m.id, m) for m in self._credit_moves
                 if (m.tenant_id, m.client_id) == (tenant_id, client_id)]  # fmt: skip
        after = None if cursor is None else id_of_cursor(cursor)
        page, last = page_of(sorted(moves, key=lambda entry: entry[0]), limit=limit, after=after)
        balances = [held[currency] for currency in sorted(held)]
        credit = ClientCredit(client_id=client_id, balances=balances, movements=page)
        return credit, None if last is None else cursor_after(last)

    def refund_credit(self, movement: CreditMovement) -> None:
        client = self.clients.get(movement.tenant_id, movement.client_id) if self.clients else None
        if self.clients is not None and client is None:
            raise ClientNotFoundError(movement.client_id)
        self._move_credit([movement], self._credited([movement]))

    def _credited(
        self, movements: Sequence[CreditMovement]
    ) -> dict[tuple[str, str], dict[str, CurrencyBalance]]:
        """The balances the moves leave; InsufficientCreditError where one holds less than is
        drawn from it (checked before anything is written, as the adapter's condition is)."""
        moved: dict[tuple[str, str], dict[str, CurrencyBalance]] = {}
        for m in movements:
            client = (m.tenant_id, m.client_id)
            held = moved.setdefault(client, dict(self._credit.get(client, {})))
            zero = round_money(ZERO, m.currency)
            before = held.get(m.currency, CurrencyBalance(currency=m.currency, amount=zero))
            if m.amount < 0 and before.amount < -m.amount:
                raise InsufficientCreditError(m.client_id, m.currency, -m.amount, before.amount)
            amount = round_money(before.amount + m.amount, m.currency)
            held[m.currency] = CurrencyBalance(
                currency=m.currency, amount=amount, updated=m.created
            )
        return moved

    def _move_credit(
        self,
        movements: Sequence[CreditMovement],
        balances: dict[tuple[str, str], dict[str, CurrencyBalance]],
    ) -> None:
        self._credit |= balances
        self._credit_moves += movements

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

    def counter(self, tenant_id: str) -> InvoiceCounter:
        return self._counters.get(tenant_id, InvoiceCounter())

    def delete(self, invoice: Invoice) -> None:
        self.delete_all([invoice])

    def delete_all(self, invoices: Sequence[Invoice]) -> None:
        self._check([(invoice, invoice.version) for invoice in invoices])
        if invoices:
            self._write(invoices[0].tenant_id, [(invoice, None) for invoice in invoices])

    def _write(
        self,
        tenant_id: str,
        changes: Sequence[tuple[Invoice | None, Invoice | None]],
        *,
        own: bool = True,
        formats: NumberFormats | None = None,
        more: Sequence[Claim] = (),
    ) -> None:
        """One transaction, once every version was checked: the numbers the invoices (`own`:
        brought, not the series') and a credit note (`more`) take, each used once and, given
        the `formats`, none a series could still give; the clients' counts (refused where
        a client named is not there), the clients' credit (refused where a balance is short),
        the invoices, and the tenant's figures."""
        claims = [*claims_of(changes, own=own), *more]
        self._check_numbers(tenant_id, claims, formats)
        credit = movements_of(changes)
        balances = self._credited(credit)
        if self.clients is not None:
            self.clients.move_references(tenant_id, _reference_moves(changes))
        self._move_credit(credit, balances)
        for before, after in changes:
            if after is not None:
                self._items[(after.tenant_id, after.id)] = as_stored(after)
            elif before is not None:
                del self._items[(before.tenant_id, before.id)]
        change = combined(delta(before, after) for before, after in changes)
        self._figures[tenant_id] = combined([self._figures.get(tenant_id, {}), change])
        self._numbers |= {(tenant_id, claim.number): claim.holder for claim in claims}

    def _check_numbers(
        self, tenant_id: str, claims: Sequence[Claim], formats: NumberFormats | None
    ) -> None:
        """As the adapter's number items and counter check refuse (store/numbers.py)."""
        held = [c for c in claims if self._numbers.get((tenant_id, c.number), c.holder) != c.holder]
        if held:
            brought = [claim.number for claim in held if claim.own]
            if brought:
                raise NumberUsedError(brought)
            raise SeriesNumberUsedError([claim.number for claim in held])
        counter = self.counter(tenant_id)
        ahead = [
            c.number
            for c in claims
            if c.own and formats and formats.could_still_give(c.number, counter)
        ]
        if ahead:
            raise NumberOfTheSeriesError(ahead)

    def numbers_of(self, tenant_id: str) -> dict[str, str]:
        """What a test looks for past the port: each number the tenant used, and its holder."""
        return {
            number: holder
            for (tenant, number), holder in self._numbers.items()
            if tenant == tenant_id
        }

    def _check_counter(self, invoice: Invoice, counter: InvoiceCounter) -> None:
        if self.counter(invoice.tenant_id).version != counter.version:
            raise ConcurrentModificationError(invoice.id)

    def _move_counter(self, tenant_id: str, counter: InvoiceCounter) -> None:
        self._counters[tenant_id] = counter.model_copy(update={"version": counter.version + 1})

    def _check(self, expected: Sequence[tuple[Invoice, int]]) -> None:
        """The conditions of one write: each invoice only at the version given (0: only where
        none is yet). InvoiceNotFoundError names those gone; else ConcurrentModificationError
        holds what was found in place of the others, as the adapter reads it from its refusal."""
        gone, found = [], {}
        for invoice, version in expected:
            current = self._items.get((invoice.tenant_id, invoice.id))
            if current is None and version:
                gone.append(invoice.id)
            elif current is not None and current.version != version:
                found[invoice.id] = current
        if gone:
            raise InvoiceNotFoundError(gone)
        if found:
            named = ", ".join(invoice.id for invoice, _ in expected)
            raise ConcurrentModificationError(named, found=found)


def as_stored(invoice: Invoice) -> Invoice:
    """The invoice as a read answers it: through the very item the DynamoDB adapter writes and
    reads back (times to the millisecond, amounts in the currency's minor units)."""
    return invoice_of(invoice_item(invoice))


def note_as_stored(note: CreditNote, version: int = 1) -> CreditNote:
    """The credit note as a read answers it: through the very item the DynamoDB adapter writes
    and reads back (amounts in the currency's minor units), at `version` (1 when issued)."""
    return credit_note_of(credit_note_item(note.model_copy(update={"version": version})))


def _reference_moves(changes: Iterable[tuple[Invoice | None, Invoice | None]]) -> dict[str, int]:
    """How many more invoices name each client once the changes are written (store/references)."""
    moves: Counter[str] = Counter()
    for before, after in changes:
        if before is not None and before.client_id:
            moves[before.client_id] -= 1
        if after is not None and after.client_id:
            moves[after.client_id] += 1
    return {client_id: n for client_id, n in sorted(moves.items()) if n}


# A tenant's records: clients, contracts, queued batches


class InMemoryTenantRecords(Generic[R]):
    """Records under their tenant, by id (store/records.TenantRecords): added only where none
    is yet, written and deleted only over the version read, listed a page at a time by id."""

    def __init__(self, model: type[R], not_found: Callable[[str], NotFoundError]) -> None:
        self._records: dict[tuple[str, str], R] = {}
        self._model = model
        self._noun = model.__name__
        self._not_found = not_found

    def get(self, tenant_id: str, record_id: str) -> R | None:
        return self._records.get((tenant_id, record_id))

    def get_many(self, tenant_id: str, record_ids: Iterable[str]) -> dict[str, R]:
        found = (self.get(tenant_id, i) for i in dict.fromkeys(record_ids))
        return {record.id: record for record in found if record is not None}

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[R]:
        after = None if cursor is None else id_of_cursor(cursor)
        mine = sorted(
            (record.id, record) for (tenant, _), record in self._records.items()
            if tenant == tenant_id
        )  # fmt: skip
        items, last = page_of(mine, limit=limit, after=after)
        return Page(items=items, cursor=None if last is None else cursor_after(last))

    def add(self, record: R) -> R:
        if (record.tenant_id, record.id) in self._records:
            raise ConcurrentModificationError(record.id, noun=self._noun)
        stored = record.model_copy(update={"version": 1})
        self._records[(record.tenant_id, record.id)] = self._as_stored(stored)
        return stored

    def save(self, record: R, *, previous: R) -> R:
        self._check_version(record.tenant_id, record.id, previous.version)
        stored = record.model_copy(update={"version": previous.version + 1})
        self._records[(record.tenant_id, record.id)] = self._as_stored(stored)
        return stored

    def delete(self, record: R) -> None:
        self._check_version(record.tenant_id, record.id, record.version)
        del self._records[(record.tenant_id, record.id)]

    def _as_stored(self, record: R) -> R:
        """As a read answers it: through its stored attributes (times to the millisecond)."""
        attributes = record.model_dump(mode="python", by_alias=True, exclude_none=True)
        return self._model.model_validate({**attributes, "version": record.version})

    def _check_version(self, tenant_id: str, record_id: str, version: int) -> None:
        current = self._records.get((tenant_id, record_id))
        if current is None:
            raise self._not_found(record_id)
        if current.version != version:
            raise ConcurrentModificationError(record_id, noun=self._noun)


class InMemoryClientRepository(InMemoryTenantRecords[Client]):
    """Clients, each with the count of invoices naming it that an InMemoryInvoiceRepository
    given this repository keeps (store/clients): a replace leaves the count alone, a delete
    happens only while it is zero."""

    def __init__(self) -> None:
        super().__init__(Client, ClientNotFoundError)
        self._references: Counter[tuple[str, str]] = Counter()

    def delete(self, record: Client) -> None:
        key = (record.tenant_id, record.id)
        current = self._records.get(key)
        if current is None:
            raise ClientNotFoundError(record.id)
        if self._references[key]:
            raise ClientInUseError(record.id)
        if current.version != record.version:
            raise ConcurrentModificationError(record.id, noun="Client")
        del self._records[key]
        del self._references[key]

    def move_references(self, tenant_id: str, moves: Mapping[str, int]) -> None:
        """All or none: refused, naming them, where a client moved is not the tenant's."""
        missing = [client_id for client_id in moves if (tenant_id, client_id) not in self._records]
        if missing:
            raise UnknownClientError(missing)
        for client_id, n in moves.items():
            self._references[(tenant_id, client_id)] += n

    def references(self, tenant_id: str, client_id: str) -> int:
        """How many invoices name the client."""
        return self._references[(tenant_id, client_id)]


class InMemoryContractRepository(InMemoryTenantRecords[Contract]):
    def __init__(self) -> None:
        super().__init__(Contract, ContractNotFoundError)


class InMemoryBatchRepository:
    def __init__(self) -> None:
        self._records = InMemoryTenantRecords(Batch, BatchNotFoundError)

    def get(self, tenant_id: str, batch_id: str) -> Batch | None:
        return self._records.get(tenant_id, batch_id)

    def add(self, batch: Batch) -> Batch | None:
        try:
            return self._records.add(batch)
        except ConcurrentModificationError:
            return None

    def save(self, batch: Batch, *, previous: Batch) -> Batch:
        return self._records.save(batch, previous=previous)


# Settings and API keys


class InMemoryTenantSettings:
    def __init__(self, settings: dict[str, TenantSettings] | None = None) -> None:
        self._settings = {} if settings is None else settings
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
        if value:  # as EmfMetrics: a count of nothing is not a metric
            self.counts[name] += value


# What the secondary indexes answer: lists, search, the jobs' due work


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
            raise InvalidInputError([_NOT_A_CURSOR])
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
            raise InvalidInputError([_NOT_A_CURSOR])
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


# The documents bucket, the mail service, the jobs' queue and the once-only guard


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    media_type: str
    filename: str | None
    short_lived: bool  # tagged to expire a day later, as exports and unregistered uploads are


@dataclass(frozen=True)
class _Form:
    media_type: str
    max_bytes: int


class InMemoryDocumentStore:
    """The documents bucket (store/documents). A link or an upload form names its key in a URL
    of this store, which `fetch` and `post` answer as S3 answers a browser."""

    URL = "https://documents.test/"

    def __init__(self) -> None:
        self.objects: dict[str, StoredObject] = {}
        self._forms: dict[str, _Form] = {}

    def keep_export(
        self, tenant_id: str, export: KeptExport, parts: Iterable[bytes], *, filename: str
    ) -> str:
        key = keys.export_key(tenant_id, export.export_id, export.extension)
        data = b"".join(parts)
        self.objects[key] = StoredObject(data, export.media_type, filename, short_lived=True)
        return key

    def put(self, key: str, data: bytes, *, media_type: str, filename: str) -> None:
        self.objects[key] = StoredObject(data, media_type, filename, short_lived=False)

    def get(self, key: str) -> bytes | None:
        stored = self.objects.get(key)
        return None if stored is None else stored.data

    def delete(self, *object_keys: str) -> None:
        for key in object_keys:
            self.objects.pop(key, None)

    def link(self, key: str, *, seconds: int) -> str:
        return f"{self.URL}{quote(key)}?expires={seconds}"

    def upload_form(
        self, key: str, *, media_type: str, max_bytes: int, seconds: int
    ) -> dict[str, Any]:
        self._forms[key] = _Form(media_type, max_bytes)
        return {"url": self.URL, "fields": {"key": key, "Content-Type": media_type}}

    def fetch(self, url: str) -> bytes | None:
        """What following a link serves: the object's bytes, or None (S3's 404)."""
        return self.get(unquote(urlsplit(url).path.removeprefix("/")))

    def post(self, form: Mapping[str, Any], data: bytes) -> bool:
        """A browser's POST of `form` with `data`: kept (short-lived) only when the form's own
        conditions hold, as S3 holds a presigned POST to them; whether it was kept."""
        key = form["fields"]["key"]
        allowed = self._forms.get(key)
        if allowed is None or not 1 <= len(data) <= allowed.max_bytes:
            return False
        self.objects[key] = StoredObject(data, allowed.media_type, None, short_lived=True)
        return True


_UNVERIFIED = (
    "The mail service refused the message (MessageRejected): "
    "the sender address may not be verified, or a recipient is refused"
)


class RecordingMailer:
    """The mail service (store/mailer): each message is written as SES would be sent it (so one
    SesMailer refuses is refused here too), then kept in `sent`. With `verified`, only senders
    at those addresses or domains are accepted, as SES accepts; `refusal`, when set, is what
    the next sends raise (the service refusing or not answering)."""

    def __init__(self, clock: Clock | None = None, verified: Iterable[str] | None = None) -> None:
        self._clock = clock or FixedClock()
        self._verified = None if verified is None else {v.casefold() for v in verified}
        self.sent: list[OutgoingMail] = []
        self.refusal: DomainError | None = None

    def send(self, mail: OutgoingMail) -> str:
        mime_message(mail, sent_at=self._clock.now())
        if self.refusal is not None:
            raise self.refusal
        address = parseaddr(mail.sender)[1].casefold()
        domain = address.rpartition("@")[2]
        if self._verified is not None and not {address, domain} & self._verified:
            raise DeliveryFailedError(_UNVERIFIED)
        self.sent.append(mail)
        return f"message-{len(self.sent)}"


class InMemoryQueue:
    """The jobs' queue (store/queue), both a ChunkQueue and a BatchQueue: each chunk travels as
    the message it is written to (so its time keeps milliseconds only); one sent with a delay
    stays out of reach until `release_delayed`, and one received stays hidden until deleted."""

    MAX_DELAY_SECONDS = 900

    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []  # every message sent, with its delay
        self.visible: list[str] = []
        self.delayed: list[str] = []
        self.in_flight: dict[str, str] = {}
        self.refusal: DomainError | None = None
        self._handles = count()

    def send(self, chunks: Iterable[Chunk], *, delay_seconds: int = 0) -> int:
        if self.refusal is not None:
            raise self.refusal
        bodies = [chunk.to_message() for chunk in chunks]
        delay = min(delay_seconds, self.MAX_DELAY_SECONDS)
        self.log += [(body, delay) for body in bodies]
        (self.delayed if delay else self.visible).extend(bodies)
        return len(bodies)

    def send_batch(self, tenant_id: str, batch_id: str, now: datetime) -> None:
        self.send([Chunk(Job.BATCH, now, (WorkItem(tenant_id, batch_id),))])

    def sent(self) -> list[Chunk]:
        """Every chunk ever sent, in order."""
        return [Chunk.from_message(body) for body, _ in self.log]

    def receive(self, *, wait_seconds: int = 0) -> list[tuple[Chunk, str]]:
        taken, self.visible = self.visible[:10], self.visible[10:]
        received = []
        for body in taken:
            handle = f"handle-{next(self._handles)}"
            self.in_flight[handle] = body
            received.append((Chunk.from_message(body), handle))
        return received

    def delete(self, receipt_handle: str) -> None:
        self.in_flight.pop(receipt_handle, None)

    def release_delayed(self) -> None:
        self.visible += self.delayed
        self.delayed = []


def _as_powertools_writes(value: object) -> str:
    """Decimals as text, as Powertools' encoder stores a result; anything else it cannot store
    fails as it fails there."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class InMemoryOnceGuard:
    """Powertools' idempotency on DynamoDB (store/idempotency): one record per tenant and key,
    the fingerprint checked before anything else, a replay answered from the stored JSON (so it
    reads as JSON does), a record in progress refused, and nothing kept when the work fails.
    Records do not expire here (they do after 24 hours there)."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], tuple[str, str | None]] = {}

    def run_once(
        self,
        tenant_id: str,
        key: str,
        fingerprint: str,
        work: Callable[[], dict[str, Any]],
        lambda_context: Any = None,
    ) -> tuple[dict[str, Any], bool]:
        found = self._records.get((tenant_id, key))
        if found is not None:
            stored_fingerprint, response = found
            if stored_fingerprint != fingerprint:
                raise IdempotencyKeyReusedError()
            if response is None:
                raise RequestInProgressError()
            replayed: dict[str, Any] = json.loads(response)
            return replayed, True
        self._records[(tenant_id, key)] = (fingerprint, None)
        try:
            result = work()
            stored = json.dumps(result, default=_as_powertools_writes, sort_keys=True)
        except BaseException:
            del self._records[(tenant_id, key)]
            raise
        self._records[(tenant_id, key)] = (fingerprint, stored)
        return result, False


# Who signs tokens, and how a queued batch's chunks are made


class StaticSigningKeys:
    """RS256 public keys by `kid`, as PyJWKClient finds them in a JWKS document (`jwks` is that
    document, for a server to hand PyJWKClient)."""

    def __init__(self, public_keys: Mapping[str, Any]) -> None:
        self.jwks: dict[str, list[dict[str, Any]]] = {"keys": []}
        self._keys: dict[str, jwt.PyJWK] = {}
        for kid, public_key in public_keys.items():
            jwk = {**RSAAlgorithm.to_jwk(public_key, as_dict=True), "kid": kid, "use": "sig"}
            self.jwks["keys"].append(jwk)
            self._keys[kid] = jwt.PyJWK(jwk, algorithm="RS256")

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._keys:
            raise jwt.PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
        return self._keys[kid]


class RecordingChunkCreator:
    """A ChunkCreator making a chunk's invoices as `create` does (the native body's by default),
        noting each chunk it is given as (start, size); from call `fail_from` on it raises `failure`
        instead: a RuntimeError as a worker that dies half way through a batch, a DomainError as a
    chunk that cannot be written."""

    def __init__(
        self,
        create: ChunkCreator = create_native_chunk,
        *,
        fail_from: int | None = None,
        failure: Exception | None = None,
    ) -> None:
        self._create = create
        self._fail_from = fail_from
        self._failure = failure or RuntimeError("the worker stopped")
        self.calls: list[tuple[int, int]] = []

    def __call__(
        self,
        items: Sequence[Any],
        *,
        atomic: bool,
        actor: Actor,
        ports: BatchPorts,
        start: int,
        batch_id: str,
        id_scheme: int,
    ) -> list[ItemOutcome]:
        self.calls.append((start, len(items)))
        if self._fail_from is not None and len(self.calls) >= self._fail_from:
            raise self._failure
        return self._create(
            items,
            atomic=atomic,
            actor=actor,
            ports=ports,
            start=start,
            batch_id=batch_id,
            id_scheme=id_scheme,
        )


# Every port at once


MAIL_FROM = "invoices@invoicing.test"


class FakeWorld:
    """Every port in memory, wired as chalicelib/bootstrap wires the adapters: one table
    (invoices, counters, settings, clients), the contracts and batches beside them, one bucket,
    one mail service with its verified sender, one queue; time stands still until advanced."""

    def __init__(self, now: datetime | None = None) -> None:
        self.clock = FixedClock(now)
        self.clients = InMemoryClientRepository()
        self.invoices = InMemoryInvoiceRepository(clients=self.clients)
        self.settings = InMemoryTenantSettings(self.invoices.settings)
        self.contracts = InMemoryContractRepository()
        self.batches = InMemoryBatchRepository()
        self.files = InMemoryDocumentStore()
        self.mailer = RecordingMailer(self.clock, verified=[MAIL_FROM])
        self.queue = InMemoryQueue()
        self.index = InMemoryInvoiceIndex(self.invoices)
        self.search = InMemoryInvoiceSearch(self.invoices)
        self.credit_note_index = InMemoryCreditNoteIndex(self.invoices)
        self.due = InMemoryDueWork(self.invoices)
        self.metrics = CountingMetrics()
        self.retry = RetryPolicy(attempts=5, sleep=lambda _: None)  # no pause between tries

    @functools.cached_property
    def ports(self) -> InvoicePorts:
        return InvoicePorts(
            repo=self.invoices,
            clock=self.clock,
            settings=self.settings,
            retry=self.retry,
            metrics=self.metrics,
        )

    @functools.cached_property
    def documents(self) -> DocumentPorts:
        return DocumentPorts(
            invoices=self.ports,
            clients=self.clients,
            files=self.files,
            mailer=self.mailer,
            mail_from=MAIL_FROM,
        )

    @functools.cached_property
    def batch_ports(self) -> BatchPorts:
        return BatchPorts(
            invoices=self.ports,
            batches=self.batches,
            files=self.files,
            queue=self.queue,
            clients=self.clients,
        )
