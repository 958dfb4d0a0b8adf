"""A tenant's records in memory: clients, contracts, the tenant's settings and its API keys, as
store/records, store/clients, store/contracts, store/settings and store/api_keys keep them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Generic, TypeVar

from chalicelib.domain.base import TenantRecord
from chalicelib.domain.clients import Client
from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import (
    ClientInUseError,
    ClientNotFoundError,
    ConcurrentModificationError,
    ContractNotFoundError,
    NotFoundError,
    UnknownClientError,
)
from chalicelib.domain.settings import TenantSettings
from chalicelib.ports import ApiKeyRecord, Page, StoredSettings
from tests.fakes.pages import cursor_after, id_of_cursor, page_of

R = TypeVar("R", bound=TenantRecord)


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
