"""The ports a use case needs: where invoices and API keys live, and what time it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from chalicelib.domain.invoice import Invoice


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; `cursor` fetches the next one and is None on the last page."""

    items: list[T]
    cursor: str | None


class InvoiceRepository(Protocol):
    def get(self, tenant_id: str, invoice_id: str) -> Invoice | None: ...

    def get_many(self, tenant_id: str, invoice_ids: Sequence[str]) -> list[Invoice]: ...

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Invoice]: ...

    def add(self, invoice: Invoice) -> Invoice:
        """Store a new invoice; returns it at version 1."""
        ...

    def save(self, invoice: Invoice, *, expected_version: int) -> Invoice:
        """Replace the invoice if its stored version is still `expected_version`; returns it at
        the next version. Raises ConcurrentModificationError or InvoiceNotFoundError."""
        ...

    def delete(self, invoice: Invoice) -> None:
        """Delete the invoice if its stored version is still `invoice.version`."""
        ...

    def delete_all(self, invoices: Sequence[Invoice]) -> None:
        """Delete all of them in one transaction, each only at the version given, or none."""
        ...


@dataclass(frozen=True)
class ApiKeyRecord:
    """What is stored for an API key: never the key, only its hash."""

    tenant_id: str
    key_hash: str
    key_id: str
    created: datetime
    created_by: str


class ApiKeyRepository(Protocol):
    def add(self, record: ApiKeyRecord) -> None: ...

    def find(self, tenant_id: str, key_hash: str) -> ApiKeyRecord | None: ...
