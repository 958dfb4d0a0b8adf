"""The ports a use case needs: where invoices and API keys live, and what time it is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from chalicelib.domain.aggregates import Figures
from chalicelib.domain.clients import Client
from chalicelib.domain.contracts import Contract
from chalicelib.domain.credit_note_query import CreditNoteQuery
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.customer_credit import ClientCredit, CreditMovement
from chalicelib.domain.errors import DomainError
from chalicelib.domain.integration_events import IntegrationEvent
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.invoicing import InvoiceDefaults, defaults_with
from chalicelib.domain.mail import OutgoingMail
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.search import InvoiceQuery
from chalicelib.domain.series import NumberFormats
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.webhook_retries import Health
from chalicelib.domain.webhook_urls import WebhookUrl
from chalicelib.domain.webhooks import Attempt, Webhook, WebhookDelivery
from chalicelib.retry import RetryPolicy


class Metrics(Protocol):
    def count(self, name: str, value: int = 1) -> None: ...


class NoMetrics:
    """Counts nothing: ports built without a Metrics adapter (most tests)."""

    def count(self, name: str, value: int = 1) -> None:  # noqa: ARG002
        return None


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class StoppedClock:
    """Always the same moment: a job acts as of the time its run is for."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; `cursor` fetches the next one and is None on the last page."""

    items: list[T]
    cursor: str | None


@dataclass(frozen=True)
class IssueContext:
    """What issuing an invoice reads: the invoice, its tenant's counter and settings (one call),
    and the client it names, if that is one of the tenant's clients."""

    invoice: Invoice
    counter: InvoiceCounter
    settings: TenantSettings
    client: Client | None = None


@dataclass(frozen=True)
class CreditContext:
    """What issuing a credit note reads, in one call: the invoice, its tenant's counter and
    settings, and the credit note a retried request named, if an earlier try made it."""

    invoice: Invoice
    counter: InvoiceCounter
    settings: TenantSettings
    made: CreditNote | None = None


@dataclass(frozen=True)
class Added:
    """What writing a new invoice came to: stored now, or found already stored under its id."""

    invoice: Invoice
    created: bool


class InvoiceRepository(Protocol):
    def get(self, tenant_id: str, invoice_id: str) -> Invoice | None: ...

    def get_many(self, tenant_id: str, invoice_ids: Sequence[str]) -> list[Invoice]: ...

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Invoice]: ...

    def every_invoice(self, tenant_id: str) -> Iterator[list[Invoice]]:
        """Every invoice of the tenant, in list_page's order, a chunk at a time."""
        ...

    def add(self, invoice: Invoice) -> Invoice:
        """Store a new invoice; returns it at version 1."""
        ...

    def add_many(
        self, invoices: Sequence[Invoice], *, atomic: bool, formats: NumberFormats | None = None
    ) -> list[Added | DomainError]:
        """Store new invoices, answering for each in order. Atomic: all in one transaction
        (at most `max_atomic` of them) or none, raising ConcurrentModificationError if any id
        is taken. Otherwise each stands alone: one whose id is taken is found (not created),
        and one that cannot be written gets its error. A number an invoice brings is used once
        (NumberUsedError) and, given the tenant's `formats`, one its series could still give
        is refused (NumberOfTheSeriesError), in the same write (decision 0057)."""
        ...

    @property
    def max_atomic(self) -> int:
        """How many new invoices one transaction can hold."""
        ...

    def save(
        self, invoice: Invoice, *, previous: Invoice, formats: NumberFormats | None = None
    ) -> Invoice:
        """Replace `previous` (as read) with `invoice`, only if the stored version is still the
        one read; returns it at the next version, with the tenant's figures moved in the same
        write. Raises ConcurrentModificationError or InvoiceNotFoundError. A number it brings
        that it did not have is checked as add_many checks one."""
        ...

    def get_for_issue(
        self, tenant_id: str, invoice_id: str, *, with_client: bool = True
    ) -> IssueContext | None:
        """The invoice with its tenant's counter and settings, in one read; and the client a
        draft names (one more read), unless the caller does not need its copy."""
        ...

    def save_issued(
        self, invoice: Invoice, *, previous: Invoice, counter: InvoiceCounter
    ) -> Invoice:
        """Write the invoice and the counter that gave it its number in one transaction, each
        only at the version read, so a number is never used twice and never skipped; with the
        number's own item (SeriesNumberUsedError where an invoice brought in holds it)."""
        ...

    def get_for_credit(
        self, tenant_id: str, invoice_id: str, *, note_id: str | None = None
    ) -> CreditContext | None:
        """The invoice with its tenant's counter and settings, and the credit note `note_id`
        names if it is stored, in one read; None when the tenant has no such invoice."""
        ...

    def save_credited(
        self, invoice: Invoice, *, previous: Invoice, counter: InvoiceCounter, note: CreditNote
    ) -> Invoice:
        """Write the new credit note (only where nothing has its id), the counter that numbered
        it (only at the version read) and the invoice it credits (only over `previous`, its
        figures moved with it) in one transaction, or nothing: ConcurrentModificationError when
        another writer got there first, InvoiceNotFoundError when the invoice is gone."""
        ...

    def get_credit_note(self, tenant_id: str, note_id: str) -> CreditNote | None: ...

    def save_credit_note(self, note: CreditNote, *, previous: CreditNote) -> CreditNote:
        """Write the credit note (its events) only over `previous`, the version read:
        ConcurrentModificationError when another writer got there first."""
        ...

    def get_credit_notes(self, tenant_id: str, note_ids: Sequence[str]) -> list[CreditNote]:
        """The tenant's credit notes among `note_ids`, in the order given."""
        ...

    def get_for_new_issue(self, tenant_id: str) -> tuple[InvoiceCounter, TenantSettings]:
        """The tenant's counter and settings, in one read: what an invoice issued as it is
        created takes."""
        ...

    def client_credit(
        self, tenant_id: str, client_id: str, *, limit: int, cursor: str | None
    ) -> tuple[ClientCredit, str | None] | None:
        """The client's credit balance in each currency and a page of the moves that made it,
        oldest first, with the next page's cursor; None when the tenant has no such client.
        Every write of an invoice moves its client's balance in the same transaction, as far as
        customer_credit.movement_of says, and only while the balance holds what it draws
        (InsufficientCreditError, with nothing written)."""
        ...

    def refund_credit(self, movement: CreditMovement) -> None:
        """Record a move out of a client's balance (a refund) with the balance, in one write:
        ClientNotFoundError, or InsufficientCreditError when the balance is short."""
        ...

    def add_issued(self, invoice: Invoice, *, counter: InvoiceCounter | None) -> Added:
        """Store a new, issued invoice with the counter that numbered it (if any) in one
        transaction: only where nothing has its id yet, and only at the counter's version read.
        One stored under its id already is answered, not created; a counter moved since raises
        ConcurrentModificationError."""
        ...

    def add_from_template(
        self,
        invoice: Invoice,
        *,
        template: Invoice,
        previous: Invoice,
        counter: InvoiceCounter | None = None,
    ) -> tuple[Invoice, Invoice]:
        """Store a recurring period's invoice with its template advanced, in one transaction
        and only over the template's version read (and the counter's, when it is issued);
        returns both as stored."""
        ...

    def delete(self, invoice: Invoice) -> None:
        """Delete the invoice if its stored version is still `invoice.version`."""
        ...

    def delete_all(self, invoices: Sequence[Invoice]) -> None:
        """Delete all of them in one transaction, each only at the version given, or none."""
        ...

    def figures(self, tenant_id: str) -> Figures:
        """The tenant's counts and amounts (domain.aggregates), kept in step with every write."""
        ...


@dataclass(frozen=True)
class ApiKeyRecord:
    """What is stored for an API key: never the key, only its hash; `hint` is the key's last
    characters, for a person to tell keys apart (None for keys made before it was kept)."""

    tenant_id: str
    key_hash: str
    key_id: str
    created: datetime
    created_by: str
    name: str | None = None
    hint: str | None = None
    last_used_at: datetime | None = None
    request: str | None = None  # the retryable request that made it (Actor.request)


class ApiKeyRepository(Protocol):
    def add(self, record: ApiKeyRecord) -> None: ...

    def find(self, tenant_id: str, key_hash: str) -> ApiKeyRecord | None:
        """As stored now: a key deleted a moment ago is not found."""
        ...

    def list(self, tenant_id: str) -> list[ApiKeyRecord]:
        """The tenant's keys, oldest first."""
        ...

    def delete(self, tenant_id: str, key_id: str) -> bool:
        """Delete the tenant's key with this id; whether there was one."""
        ...

    def touch(self, record: ApiKeyRecord, now: datetime, *, since: datetime) -> None:
        """Note the key's use now, unless noted since `since`; best effort, never raises."""
        ...


class WebhookRepository(Protocol):
    """A tenant's webhook endpoints and their deliveries (issue 23)."""

    def add(self, endpoint: Webhook) -> Webhook:
        """Stored where none is yet, within the tenant's MAX_WEBHOOKS (TooManyWebhooksError
        beyond); an id taken is a ConcurrentModificationError whose `found` has the one stored."""
        ...

    def get(self, tenant_id: str, webhook_id: str) -> Webhook | None: ...

    def list(self, tenant_id: str) -> list[Webhook]:
        """Every endpoint of the tenant, oldest first (there are at most MAX_WEBHOOKS)."""
        ...

    def delete(self, tenant_id: str, webhook_id: str) -> bool:
        """Whether there was one to delete."""
        ...

    def save_health(
        self, tenant_id: str, webhook_id: str, health: Health, *, previous: Health
    ) -> bool:
        """The endpoint's health written only over `previous`, in one conditional write:
        whether it was (not when another attempt changed it first, or the endpoint is gone)."""
        ...

    def enable(self, tenant_id: str, webhook_id: str) -> Webhook | None:
        """Enabled, its failures forgotten; None when there is no such endpoint."""
        ...

    def add_delivery(self, delivery: WebhookDelivery) -> WebhookDelivery:
        """Stored where none is yet; an id taken is a ConcurrentModificationError whose `found`
        has the one stored."""
        ...

    def get_delivery(
        self, tenant_id: str, webhook_id: str, delivery_id: str
    ) -> WebhookDelivery | None: ...

    def save_delivery(
        self, delivery: WebhookDelivery, *, previous: WebhookDelivery
    ) -> WebhookDelivery:
        """Only over `previous`'s attempts: ConcurrentModificationError when another attempt was
        recorded since, DeliveryNotFoundError when it is gone."""
        ...

    def deliveries(
        self, tenant_id: str, webhook_id: str, *, limit: int, cursor: str | None
    ) -> Page[WebhookDelivery]:
        """Newest first."""
        ...


class HostResolver(Protocol):
    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses `host` resolves to now, as text; none when it does not resolve."""
        ...


class WebhookTransport(Protocol):
    def post(
        self, url: WebhookUrl, address: str, headers: Mapping[str, str], body: bytes
    ) -> Attempt:
        """One POST of `body` to `url`, connecting to `address` (no lookup of its own) and
        following no redirect. What a receiver does wrong (no answer, a certificate that does not
        name its host) is an Attempt with an error, never an exception."""
        ...


class WebhookRetries(Protocol):
    """The webhook queue, as its worker sees a message it failed to deliver."""

    def retry_after(self, receipt_handle: str, delay: timedelta) -> None:
        """Leave the message hidden for `delay` (at most SQS's 12 hours), then let it come
        back for the next attempt."""
        ...


class InvoiceIndex(Protocol):
    """Lists read from the table's secondary indexes: eventually consistent, bounded per page."""

    def invoice_date_range(self, tenant_id: str) -> tuple[date | None, date | None]: ...

    def by_opportunity(
        self, tenant_id: str, opportunity_id: str, *, limit: int, cursor: str | None
    ) -> Page[Invoice]: ...

    def recurring(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Invoice]: ...

    def every_by_opportunity(
        self, tenant_id: str, opportunity_id: str
    ) -> Iterator[list[Invoice]]: ...

    def every_recurring(self, tenant_id: str) -> Iterator[list[Invoice]]: ...


class CreditNoteIndex(Protocol):
    """The tenant's credit notes by their day, from a secondary index: eventually consistent,
    bounded per page."""

    def page(
        self, tenant_id: str, query: CreditNoteQuery, *, limit: int, cursor: str | None
    ) -> Page[CreditNote]: ...

    def every(self, tenant_id: str, query: CreditNoteQuery) -> Iterator[list[CreditNote]]:
        """Every match in the query's order, a page at a time."""
        ...


@dataclass(frozen=True)
class SearchResult:
    invoices: list[Invoice]
    total: int


class InvoiceSearch(Protocol):
    def search(
        self,
        tenant_id: str,
        query: InvoiceQuery,
        *,
        today: date,
        total: int | None,
    ) -> SearchResult: ...

    def in_order(
        self, tenant_id: str, query: InvoiceQuery, *, today: date, whole: bool
    ) -> Iterator[list[Invoice]]: ...


@dataclass(frozen=True)
class KeptExport:
    """An export kept in the documents bucket: its id and what its bytes are."""

    export_id: str
    media_type: str
    extension: str


class DocumentStore(Protocol):
    def keep_export(
        self, tenant_id: str, export: KeptExport, parts: Iterable[bytes], *, filename: str
    ) -> str:
        """Store the export's bytes, given in parts, for a day; returns its key."""
        ...

    def put(self, key: str, data: bytes, *, media_type: str, filename: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, *object_keys: str) -> None: ...

    def link(self, key: str, *, seconds: int) -> str: ...

    def upload_form(
        self, key: str, *, media_type: str, max_bytes: int, seconds: int
    ) -> dict[str, Any]: ...


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> str:
        """Sends it; returns the message id. Raises DeliveryFailedError when it was refused."""
        ...


@dataclass(frozen=True)
class StoredSettings:
    """The tenant's settings with the version they were read at (0: never saved), their ETag."""

    settings: TenantSettings
    version: int


class TenantSettingsRepository(Protocol):
    def get(self, tenant_id: str) -> TenantSettings: ...

    def read(self, tenant_id: str) -> StoredSettings:
        """The settings as stored now, with their version."""
        ...

    def recent(self, tenant_id: str) -> TenantSettings:
        """Read at most a minute ago: for defaults, never for what must be current."""
        ...

    def save(self, tenant_id: str, settings: TenantSettings, *, version: int) -> StoredSettings:
        """Only over `version` as read; raises ConcurrentModificationError when they moved on."""
        ...


class ClientRepository(Protocol):
    def get(self, tenant_id: str, client_id: str) -> Client | None: ...

    def get_many(self, tenant_id: str, client_ids: Iterable[str]) -> dict[str, Client]:
        """The clients found among the ids, by id, in one read per 100."""
        ...

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Client]: ...

    def add(self, client: Client) -> Client: ...

    def save(self, client: Client, *, previous: Client) -> Client:
        """Only over the version read; raises ConcurrentModificationError or
        ClientNotFoundError."""
        ...

    def delete(self, client: Client) -> None:
        """Only at the version given and while no invoice names it: raises ClientInUseError,
        ConcurrentModificationError or ClientNotFoundError."""
        ...


class ContractRepository(Protocol):
    def get(self, tenant_id: str, contract_id: str) -> Contract | None: ...

    def get_many(self, tenant_id: str, contract_ids: Iterable[str]) -> dict[str, Contract]:
        """The contracts found among the ids, by id, in one read per 100."""
        ...

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Contract]: ...

    def add(self, contract: Contract) -> Contract:
        """Store a new contract; returns it at version 1."""
        ...

    def save(self, contract: Contract, *, previous: Contract) -> Contract:
        """Only over the version read; raises ConcurrentModificationError or
        ContractNotFoundError."""
        ...

    def delete(self, contract: Contract) -> None:
        """Only at the version given."""
        ...


@dataclass(frozen=True)
class InvoicePorts:
    """What invoice use cases need from outside: storage, time, defaults and a retry policy."""

    repo: InvoiceRepository
    clock: Clock
    settings: TenantSettingsRepository
    defaults: InvoiceDefaults = field(default_factory=InvoiceDefaults)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    metrics: Metrics = field(default_factory=NoMetrics)

    def defaults_for(self, tenant_id: str) -> InvoiceDefaults:
        """The tenant's defaults (currency, payment terms, timezone), read at most a minute ago."""
        return defaults_with(self.settings.recent(tenant_id), self.defaults)

    def today(self, tenant_id: str) -> date:
        """Today in the tenant's timezone: what "due" and "overdue" are measured against."""
        return self.defaults_for(tenant_id).today(self.clock.now())


class OnceGuard(Protocol):
    def run_once(
        self,
        tenant_id: str,
        key: str,
        fingerprint: str,
        work: Callable[[], dict[str, Any]],
        lambda_context: Any = None,
    ) -> tuple[dict[str, Any], bool]:
        """Runs `work` once per tenant and key (an Idempotency-Key, a job's claim); returns its
        result and whether that is a replay. Raises RequestInProgressError while another caller
        runs it."""
        ...


class EventBus(Protocol):
    def publish(self, events: Sequence[IntegrationEvent]) -> None:
        """Put the events on the stack's bus, ten to a call; raises TemporarilyUnavailableError
        when the bus refused any of them (the relay then tries the record again)."""
        ...


@dataclass(frozen=True)
class WebhookMessage:
    """One event for one endpoint, as the webhook worker takes it (decision 0064)."""

    tenant_id: str
    webhook_id: str
    event: IntegrationEvent


class WebhookMessages(Protocol):
    def send(self, messages: Sequence[WebhookMessage]) -> None:
        """Queue every message, ten to a call; raises TemporarilyUnavailableError when SQS
        refused any of them."""
        ...
