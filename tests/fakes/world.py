"""Every port at once: FakeWorld wires the fakes as chalicelib/bootstrap wires the adapters."""

from __future__ import annotations

import functools
from datetime import datetime

from chalicelib.ports import InvoicePorts
from chalicelib.retry import RetryPolicy
from chalicelib.services.batches import BatchPorts
from chalicelib.services.documents import DocumentPorts
from tests.fakes.batches import InMemoryBatchRepository
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
    InMemoryQueue,
    RecordingMailer,
)
from tests.fakes.records import (
    InMemoryClientRepository,
    InMemoryContractRepository,
    InMemoryTenantSettings,
)

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
