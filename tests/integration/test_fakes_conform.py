"""Each fake of tests/fakes/ against its adapter on moto, through the same assertions, so a
service test on fakes stands for what the services meet in production. This module: the records
of a tenant (clients, contracts, queued batches, settings, API keys); the lists read from the
indexes and the outside services follow in test_fakes_conform_reads.py and _outside.py. The
invoice repository has its own contract (test_invoice_repository_contract.py).

mypy holds every fake to its Protocol through the assignments below (`make types`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from chalicelib.domain.batches import Batch, BatchStatus, ItemResult, ItemStatus
from chalicelib.domain.clients import Client, ClientInput, new_client
from chalicelib.domain.commands import InvoiceFields, RowInput
from chalicelib.domain.contracts import Contract, ContractInput, new_contract
from chalicelib.domain.errors import (
    ClientInUseError,
    ClientNotFoundError,
    ConcurrentModificationError,
    ContractNotFoundError,
    InvalidInputError,
    NotFoundError,
    UnknownClientError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.invoicing import InvoiceDefaults, new_invoice
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.jobs.ports import ChunkQueue, DueWork
from chalicelib.ports import (
    ApiKeyRecord,
    ApiKeyRepository,
    ClientRepository,
    Clock,
    ContractRepository,
    DocumentStore,
    InvoiceIndex,
    InvoiceRepository,
    InvoiceSearch,
    Mailer,
    Metrics,
    OnceGuard,
    TenantSettingsRepository,
)
from chalicelib.services.authentication import SigningKeys
from chalicelib.services.batches import BatchQueue, BatchRepository, ChunkCreator
from chalicelib.store.api_keys import DynamoApiKeyRepository
from chalicelib.store.batches import DynamoBatchRepository
from chalicelib.store.clients import DynamoClientRepository
from chalicelib.store.contracts import DynamoContractRepository
from chalicelib.store.invoices import DynamoInvoiceRepository
from chalicelib.store.settings import DynamoTenantSettingsRepository
from invoicing_cli.local import TABLE_NAME
from tests.fakes import (
    CountingMetrics,
    FixedClock,
    InMemoryApiKeyRepository,
    InMemoryBatchRepository,
    InMemoryClientRepository,
    InMemoryContractRepository,
    InMemoryDocumentStore,
    InMemoryDueWork,
    InMemoryInvoiceIndex,
    InMemoryInvoiceRepository,
    InMemoryInvoiceSearch,
    InMemoryOnceGuard,
    InMemoryQueue,
    InMemoryTenantSettings,
    RecordingChunkCreator,
    RecordingMailer,
    StaticSigningKeys,
)

# Every fake is its Protocol, as mypy sees it.
_memory = InMemoryInvoiceRepository()
_invoices: InvoiceRepository = _memory
_api_keys: ApiKeyRepository = InMemoryApiKeyRepository()
_index: InvoiceIndex = InMemoryInvoiceIndex(_memory)
_search: InvoiceSearch = InMemoryInvoiceSearch(_memory)
_documents: DocumentStore = InMemoryDocumentStore()
_mailer: Mailer = RecordingMailer()
_settings: TenantSettingsRepository = InMemoryTenantSettings()
_clients: ClientRepository = InMemoryClientRepository()
_contracts: ContractRepository = InMemoryContractRepository()
_clock: Clock = FixedClock()
_metrics: Metrics = CountingMetrics()
_due: DueWork = InMemoryDueWork(_memory)
_chunk_queue: ChunkQueue = InMemoryQueue()
_once: OnceGuard = InMemoryOnceGuard()
_batches: BatchRepository = InMemoryBatchRepository()
_batch_queue: BatchQueue = InMemoryQueue()
_chunk_creator: ChunkCreator = RecordingChunkCreator()
_signing_keys: SigningKeys = StaticSigningKeys({})

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="gina")
BACKENDS = ["memory", "moto"]


def on_moto(request: pytest.FixtureRequest) -> bool:
    """Whether this run of a contract is the adapter's (moto started for it) or the fake's."""
    if request.param == "moto":
        request.getfixturevalue("aws")
        return True
    return False


def dynamodb() -> Any:
    return boto3.client("dynamodb")


def invoice_naming(client_id: str | None, actor: Actor = ACME) -> Invoice:
    fields = InvoiceFields(
        client_id=client_id,
        rows=[RowInput(description="Work", quantity=Decimal(1), unit_price=Decimal("10.00"))],
    )
    return new_invoice(fields, actor=actor, now=NOW, defaults=InvoiceDefaults())


def a_client(actor: Actor = ACME, name: str = "Zoë Müller GmbH") -> Client:
    return new_client(ClientInput(name=name), actor=actor, now=NOW)


def a_contract(actor: Actor = ACME, memo: str = "Retainer") -> Contract:
    given = ContractInput.model_validate(
        {
            "clientId": "client-1",
            "currency": "EUR",
            "activationAt": "2026-01-31",
            "items": [{"description": "Retainer", "quantity": 1, "unitPrice": "1500.10"}],
            "memo": memo,
        }
    )
    return new_contract(given, actor=actor, now=NOW)


# The records of a tenant: clients and contracts alike


@dataclass(frozen=True)
class Records:
    """One kind of record with its repository, how to make one, and how one is changed (typed
    loosely: the assignments above hold each repository to its own Protocol)."""

    repo: Any
    make: Callable[[Actor], Any]
    changed: Callable[[Any], Any]
    not_found: type[NotFoundError]


@pytest.fixture(
    params=[f"{kind}-{backend}" for kind in ("client", "contract") for backend in BACKENDS]
)
def records(request: pytest.FixtureRequest) -> Records:
    kind, backend = request.param.split("-")
    if backend == "moto":
        request.getfixturevalue("aws")
    if kind == "client":
        clients = DynamoClientRepository(dynamodb(), TABLE_NAME) if backend == "moto" else None
        return Records(
            repo=clients or InMemoryClientRepository(),
            make=a_client,
            changed=lambda client: client.model_copy(update={"name": "Renamed AG"}),
            not_found=ClientNotFoundError,
        )
    contracts = DynamoContractRepository(dynamodb(), TABLE_NAME) if backend == "moto" else None
    return Records(
        repo=contracts or InMemoryContractRepository(),
        make=a_contract,
        changed=lambda contract: contract.model_copy(update={"memo": "Renewed"}),
        not_found=ContractNotFoundError,
    )


def test_a_record_added_reads_back_equal_at_version_1(records: Records) -> None:
    made = records.make(ACME)

    stored = records.repo.add(made)

    assert stored.version == 1
    assert records.repo.get("acme", made.id) == stored
    assert stored.model_dump() == made.model_dump()


def test_an_unknown_or_malformed_id_reads_as_none(records: Records) -> None:
    assert records.repo.get("acme", "0198a2b3-0000-7000-8000-000000000000") is None
    assert records.repo.get("acme", "CLIENT#../" + "x" * 200) is None


def test_a_taken_id_is_refused_and_the_first_record_kept(records: Records) -> None:
    first = records.repo.add(records.make(ACME))

    with pytest.raises(ConcurrentModificationError):
        records.repo.add(records.changed(first).model_copy(update={"version": 0}))

    assert records.repo.get("acme", first.id) == first


def test_another_tenants_record_is_not_read_listed_or_found_among_many(records: Records) -> None:
    theirs = records.repo.add(records.make(GLOBEX))
    mine = records.repo.add(records.make(ACME))

    assert records.repo.get("acme", theirs.id) is None
    assert records.repo.get_many("acme", [theirs.id, mine.id, mine.id, "missing"]) == {
        mine.id: mine
    }
    assert [found.id for found in records.repo.list_page("acme", limit=10, cursor=None).items] == [
        mine.id
    ]


def test_a_save_over_the_version_read_moves_it_on(records: Records) -> None:
    stored = records.repo.add(records.make(ACME))

    saved = records.repo.save(records.changed(stored), previous=stored)

    assert saved.version == 2
    assert records.repo.get("acme", stored.id) == saved


def test_a_save_over_a_stale_version_conflicts_and_writes_nothing(records: Records) -> None:
    stored = records.repo.add(records.make(ACME))
    current = records.repo.save(stored, previous=stored)

    with pytest.raises(ConcurrentModificationError):
        records.repo.save(records.changed(stored), previous=stored)

    assert records.repo.get("acme", stored.id) == current


def test_a_save_or_delete_of_a_missing_record_is_not_found(records: Records) -> None:
    never = records.make(ACME).model_copy(update={"version": 1})

    with pytest.raises(records.not_found):
        records.repo.save(records.changed(never), previous=never)
    with pytest.raises(records.not_found):
        records.repo.delete(never)

    assert records.repo.get("acme", never.id) is None


def test_a_delete_at_the_version_read_removes_it_and_a_stale_one_conflicts(
    records: Records,
) -> None:
    stale = records.repo.add(records.make(ACME))
    current = records.repo.save(records.changed(stale), previous=stale)

    with pytest.raises(ConcurrentModificationError):
        records.repo.delete(stale)
    assert records.repo.get("acme", stale.id) == current

    records.repo.delete(current)
    assert records.repo.get("acme", stale.id) is None


def test_pages_walk_every_record_in_creation_order(records: Records) -> None:
    made = [records.repo.add(records.make(ACME)).id for _ in range(5)]
    records.repo.add(records.make(GLOBEX))

    seen, cursor = [], None
    for _ in range(10):
        page = records.repo.list_page("acme", limit=2, cursor=cursor)
        seen += [record.id for record in page.items]
        cursor = page.cursor
        if cursor is None:
            break

    assert seen == made


@pytest.mark.parametrize("cursor", ["ü", "not a cursor", "Q0xJRU5UIy4uLw"])
def test_a_cursor_it_did_not_issue_is_refused(records: Records, cursor: str) -> None:
    with pytest.raises(InvalidInputError):
        records.repo.list_page("acme", limit=2, cursor=cursor)


# Clients and the invoices that name them: one table


@dataclass(frozen=True)
class OneTable:
    clients: ClientRepository
    invoices: InvoiceRepository


@pytest.fixture(params=BACKENDS)
def table(request: pytest.FixtureRequest) -> OneTable:
    if on_moto(request):
        return OneTable(
            DynamoClientRepository(dynamodb(), TABLE_NAME),
            DynamoInvoiceRepository(dynamodb(), TABLE_NAME),
        )
    clients = InMemoryClientRepository()
    return OneTable(clients, InMemoryInvoiceRepository(clients=clients))


def test_a_client_an_invoice_names_is_kept_until_no_invoice_does(table: OneTable) -> None:
    client = table.clients.add(a_client())
    invoice = table.invoices.add(invoice_naming(client.id))

    with pytest.raises(ClientInUseError):
        table.clients.delete(client)
    assert table.clients.get("acme", client.id) == client

    table.invoices.delete(invoice)
    table.clients.delete(client)
    assert table.clients.get("acme", client.id) is None


def test_a_replaced_client_still_counts_the_invoices_naming_it(table: OneTable) -> None:
    client = table.clients.add(a_client())
    table.invoices.add(invoice_naming(client.id))

    renamed = table.clients.save(client.model_copy(update={"name": "Renamed AG"}), previous=client)

    with pytest.raises(ClientInUseError):
        table.clients.delete(renamed)


def test_an_invoice_that_stops_naming_a_client_frees_it(table: OneTable) -> None:
    client = table.clients.add(a_client())
    other = table.clients.add(a_client(name="Other Ltd"))
    invoice = table.invoices.add(invoice_naming(client.id))

    table.invoices.save(invoice.model_copy(update={"client_id": other.id}), previous=invoice)

    table.clients.delete(client)
    with pytest.raises(ClientInUseError):
        table.clients.delete(other)


def test_an_invoice_naming_no_client_of_the_tenant_is_refused_and_not_stored(
    table: OneTable,
) -> None:
    theirs = table.clients.add(a_client(GLOBEX))
    invoice = invoice_naming(theirs.id)

    with pytest.raises(UnknownClientError) as refused:
        table.invoices.add(invoice)

    assert refused.value.client_ids == (theirs.id,)
    assert table.invoices.get("acme", invoice.id) is None
    table.clients.delete(theirs)  # the other tenant's client counts nothing


def test_a_batch_of_invoices_fails_only_the_one_naming_no_client(table: OneTable) -> None:
    client = table.clients.add(a_client())
    good, bad = invoice_naming(client.id), invoice_naming("0198a2b3-0000-7000-8000-000000000000")

    outcomes = table.invoices.add_many([good, bad], atomic=False)

    assert [type(outcome).__name__ for outcome in outcomes] == ["Added", "UnknownClientError"]
    assert table.invoices.get("acme", good.id) is not None
    assert table.invoices.get("acme", bad.id) is None


def test_issuing_reads_the_client_a_draft_names_and_only_when_asked(table: OneTable) -> None:
    client = table.clients.add(a_client())
    invoice = table.invoices.add(invoice_naming(client.id))

    context = table.invoices.get_for_issue("acme", invoice.id)
    without = table.invoices.get_for_issue("acme", invoice.id, with_client=False)

    assert context is not None and context.client == client
    assert without is not None and without.client is None
    assert table.invoices.get_for_issue("globex", invoice.id) is None


def test_deleting_a_client_in_use_names_the_reason_before_a_stale_version(
    table: OneTable,
) -> None:
    client = table.clients.add(a_client())
    table.invoices.add(invoice_naming(client.id))
    table.clients.save(client, previous=client)

    with pytest.raises(ClientInUseError):
        table.clients.delete(client)


# What a refused invoice write found in its place (ConcurrentModificationError.found), which a
# retry starts from instead of reading again


def test_a_save_over_a_stale_version_holds_the_invoice_found_in_its_place(
    table: OneTable,
) -> None:
    stored = table.invoices.add(invoice_naming(None))
    current = table.invoices.save(stored.model_copy(update={"note": "first"}), previous=stored)

    with pytest.raises(ConcurrentModificationError) as refused:
        table.invoices.save(stored.model_copy(update={"note": "second"}), previous=stored)

    assert refused.value.found == {stored.id: current}


def test_an_add_under_a_taken_id_holds_the_invoice_stored_under_it(table: OneTable) -> None:
    stored = table.invoices.add(invoice_naming(None))

    with pytest.raises(ConcurrentModificationError) as refused:
        table.invoices.add(stored.model_copy(update={"note": "again", "version": 0}))

    assert refused.value.found == {stored.id: stored}


def test_a_delete_of_several_holds_only_those_that_moved_on(table: OneTable) -> None:
    kept, moved = table.invoices.add(invoice_naming(None)), table.invoices.add(invoice_naming(None))
    current = table.invoices.save(moved.model_copy(update={"note": "newer"}), previous=moved)

    with pytest.raises(ConcurrentModificationError) as refused:
        table.invoices.delete_all([kept, moved])

    assert refused.value.found == {moved.id: current}
    assert len(table.invoices.get_many("acme", [kept.id, moved.id])) == 2


# Queued batches


@pytest.fixture(params=BACKENDS)
def batches(request: pytest.FixtureRequest) -> BatchRepository:
    if on_moto(request):
        return DynamoBatchRepository(dynamodb(), TABLE_NAME)
    return InMemoryBatchRepository()


def a_batch(actor: Actor = ACME, batch_id: str = "batch-1") -> Batch:
    return Batch(
        id=batch_id,
        tenant_id=actor.tenant_id,
        items_path=f"{actor.tenant_id}/batches/{batch_id}/items.json",
        total=3,
        created=NOW,
        created_by=actor.user_id,
        updated=NOW,
    )


def test_a_batch_is_recorded_once_and_a_second_under_its_id_is_answered_none(
    batches: BatchRepository,
) -> None:
    first = batches.add(a_batch())

    assert first is not None and first.version == 1
    assert batches.add(a_batch().model_copy(update={"total": 9})) is None
    assert batches.get("acme", "batch-1") == first


def test_a_batch_is_its_tenants_alone(batches: BatchRepository) -> None:
    batches.add(a_batch(GLOBEX))

    assert batches.get("acme", "batch-1") is None
    mine = batches.add(a_batch(ACME))
    assert mine is not None and mine.tenant_id == "acme"


def test_a_batch_grows_its_results_only_over_the_version_read(batches: BatchRepository) -> None:
    stored = batches.add(a_batch())
    assert stored is not None
    result = ItemResult(index=0, status=ItemStatus.CREATED, invoice_id="invoice-1")
    progressed = stored.model_copy(
        update={"results": [result], "status": BatchStatus.PROCESSING, "updated": NOW}
    )

    saved = batches.save(progressed, previous=stored)
    with pytest.raises(ConcurrentModificationError):
        batches.save(stored.model_copy(update={"status": BatchStatus.COMPLETED}), previous=stored)

    assert saved.version == 2
    assert batches.get("acme", "batch-1") == saved


# Tenant settings


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest) -> TenantSettingsRepository:
    if on_moto(request):
        return DynamoTenantSettingsRepository(dynamodb(), TABLE_NAME)
    return InMemoryTenantSettings()


def test_settings_never_saved_read_as_the_defaults_at_version_0(
    settings: TenantSettingsRepository,
) -> None:
    stored = settings.read("acme")

    assert (stored.settings, stored.version) == (TenantSettings(), 0)
    assert settings.get("acme") == TenantSettings()


def test_saved_settings_read_back_at_the_next_version(settings: TenantSettingsRepository) -> None:
    chosen = TenantSettings.model_validate(
        {"numberingFormat": "ACME-{YYYY}-{SEQ:04}", "companyName": "Acme GmbH"}
    )

    saved = settings.save("acme", chosen, version=0)

    assert saved.version == 1
    assert settings.read("acme") == saved
    assert settings.recent("acme") == chosen
    assert settings.read("globex").version == 0


def test_settings_saved_over_a_stale_version_conflict_and_change_nothing(
    settings: TenantSettingsRepository,
) -> None:
    first = TenantSettings.model_validate({"companyName": "A"})
    settings.save("acme", first, version=0)

    with pytest.raises(ConcurrentModificationError):
        settings.save("acme", TenantSettings.model_validate({"companyName": "B"}), version=0)

    assert settings.read("acme").settings == first


# API keys


@pytest.fixture(params=BACKENDS)
def api_keys(request: pytest.FixtureRequest) -> ApiKeyRepository:
    if on_moto(request):
        return DynamoApiKeyRepository(dynamodb(), TABLE_NAME)
    return InMemoryApiKeyRepository()


def a_key(n: int, tenant_id: str = "acme") -> ApiKeyRecord:
    return ApiKeyRecord(
        tenant_id=tenant_id,
        key_hash=f"{n:064x}",
        key_id=f"{n:016x}",
        created=NOW + timedelta(minutes=n),
        created_by="admin",
        name=f"key {n}",
        hint=f"...{n:04d}",
    )


def test_keys_are_found_by_hash_and_listed_oldest_first_for_their_tenant_only(
    api_keys: ApiKeyRepository,
) -> None:
    for n in (3, 1, 2):
        api_keys.add(a_key(n))
    api_keys.add(a_key(4, "globex"))

    assert api_keys.find("acme", a_key(1).key_hash) == a_key(1)
    assert api_keys.find("acme", a_key(4).key_hash) is None
    assert [record.key_id for record in api_keys.list("acme")] == [
        a_key(n).key_id for n in (1, 2, 3)
    ]


def test_a_key_deleted_is_gone_at_once_and_deleting_it_again_says_so(
    api_keys: ApiKeyRepository,
) -> None:
    api_keys.add(a_key(1))

    assert api_keys.delete("globex", a_key(1).key_id) is False
    assert api_keys.delete("acme", a_key(1).key_id) is True
    assert api_keys.find("acme", a_key(1).key_hash) is None
    assert api_keys.delete("acme", a_key(1).key_id) is False


def test_a_keys_use_is_noted_unless_noted_since(api_keys: ApiKeyRepository) -> None:
    api_keys.add(a_key(1))
    record = a_key(1)
    used = NOW + timedelta(hours=2)

    api_keys.touch(record, used, since=used - timedelta(hours=1))
    api_keys.touch(record, used + timedelta(minutes=5), since=used - timedelta(minutes=55))

    found = api_keys.find("acme", record.key_hash)
    assert found is not None and found.last_used_at == used


def test_noting_the_use_of_a_deleted_key_neither_raises_nor_brings_it_back(
    api_keys: ApiKeyRepository,
) -> None:
    api_keys.add(a_key(1))
    api_keys.delete("acme", a_key(1).key_id)

    api_keys.touch(a_key(1), NOW, since=NOW - timedelta(hours=1))

    assert api_keys.find("acme", a_key(1).key_hash) is None
