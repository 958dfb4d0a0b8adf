"""In-memory adapters with the same contract as the DynamoDB, S3, SES and SQS ones, for fast
service tests, and FakeWorld, which wires them as the composition root wires the adapters.
tests/integration/test_fakes_conform*.py (and test_invoice_repository_contract.py) run each fake
and its adapter through the same assertions, so a fake cannot drift from what the services meet
in production. Each lives in the module of its kind; all are named here, as `tests.fakes.X`."""

from tests.fakes.batches import InMemoryBatchRepository, RecordingChunkCreator
from tests.fakes.events import InMemoryEventBus, InMemoryWebhookEndpoints, InMemoryWebhookMessages
from tests.fakes.invoice_table import as_stored, note_as_stored
from tests.fakes.invoices import InMemoryInvoiceRepository
from tests.fakes.lists import (
    InMemoryCreditNoteIndex,
    InMemoryDueWork,
    InMemoryInvoiceIndex,
    InMemoryInvoiceSearch,
)
from tests.fakes.outside import (
    CountingMetrics,
    FixedClock,
    InMemoryDocumentStore,
    InMemoryOnceGuard,
    InMemoryQueue,
    RecordingMailer,
    StaticSigningKeys,
    StoredObject,
)
from tests.fakes.pages import chunked, cursor_after, id_of_cursor, page_of, position_of
from tests.fakes.records import (
    InMemoryApiKeyRepository,
    InMemoryClientRepository,
    InMemoryContractRepository,
    InMemoryTenantRecords,
    InMemoryTenantSettings,
)
from tests.fakes.world import MAIL_FROM, FakeWorld

__all__ = [
    "MAIL_FROM",
    "CountingMetrics",
    "FakeWorld",
    "FixedClock",
    "InMemoryApiKeyRepository",
    "InMemoryBatchRepository",
    "InMemoryClientRepository",
    "InMemoryContractRepository",
    "InMemoryCreditNoteIndex",
    "InMemoryDocumentStore",
    "InMemoryDueWork",
    "InMemoryEventBus",
    "InMemoryInvoiceIndex",
    "InMemoryInvoiceRepository",
    "InMemoryInvoiceSearch",
    "InMemoryOnceGuard",
    "InMemoryQueue",
    "InMemoryTenantRecords",
    "InMemoryTenantSettings",
    "InMemoryWebhookEndpoints",
    "InMemoryWebhookMessages",
    "RecordingChunkCreator",
    "RecordingMailer",
    "StaticSigningKeys",
    "StoredObject",
    "as_stored",
    "chunked",
    "cursor_after",
    "id_of_cursor",
    "note_as_stored",
    "page_of",
    "position_of",
]
