"""The composition root: builds clients and adapters on first use, never at import time, and
hands the HTTP layer its use cases bound to them (decision 0049)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.api.problems import error_body
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.jobs.ports import JobPorts
from chalicelib.ports import (
    ApiKeyRepository,
    ClientRepository,
    ContractRepository,
    CreditNoteIndex,
    DocumentStore,
    InvoiceIndex,
    InvoicePorts,
    InvoiceRepository,
    InvoiceSearch,
    Mailer,
    Metrics,
    SystemClock,
    TenantSettingsRepository,
)
from chalicelib.services.authentication import JwtRules, JwtVerifier
from chalicelib.services.batches import BatchPorts
from chalicelib.services.documents import DocumentPorts
from chalicelib.services.event_relay import RelayPorts
from chalicelib.services.metrics import CountedMailer
from chalicelib.services.webhooks import WebhookPorts
from chalicelib.store.api_keys import DynamoApiKeyRepository
from chalicelib.store.batches import DynamoBatchRepository
from chalicelib.store.clients import DynamoClientRepository
from chalicelib.store.contracts import DynamoContractRepository
from chalicelib.store.credit_notes import DynamoCreditNoteIndex
from chalicelib.store.documents import S3Documents
from chalicelib.store.due import DynamoDueWork
from chalicelib.store.dynamo import dynamodb_client
from chalicelib.store.event_bus import EventBridgeBus
from chalicelib.store.idempotency import DynamoIdempotencyStore
from chalicelib.store.index import DynamoInvoiceIndex
from chalicelib.store.invoices import DynamoInvoiceRepository
from chalicelib.store.mailer import SesMailer
from chalicelib.store.queue import SqsChunkQueue
from chalicelib.store.search import DynamoInvoiceSearch
from chalicelib.store.settings import DynamoTenantSettingsRepository
from chalicelib.store.webhook_http import SystemResolver, Urllib3Transport
from chalicelib.store.webhook_queue import SqsWebhookMessages
from chalicelib.store.webhook_receipts import SqsWebhookReceipts
from chalicelib.store.webhooks import DynamoWebhookRepository
from chalicelib.telemetry import emf_metrics
from chalicelib.use_cases import Adapters, UseCases

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from chalicelib.config import Settings


@dataclass(frozen=True)
class Deps:
    settings: Settings
    dynamodb: DynamoDBClient
    ports: InvoicePorts
    api_keys: ApiKeyRepository
    tenant_settings: TenantSettingsRepository
    clients: ClientRepository
    contracts: ContractRepository
    idempotency: DynamoIdempotencyStore
    index: InvoiceIndex
    search: InvoiceSearch
    credit_note_index: CreditNoteIndex
    documents: DocumentStore
    mailer: Mailer
    jwt_verifier: JwtVerifier
    metrics: Metrics

    @property
    def invoices(self) -> InvoiceRepository:
        return self.ports.repo

    def job_ports(self, lambda_context: Any = None) -> JobPorts:
        """The jobs' ports for one invocation (its Lambda context), from adapters built once."""
        return JobPorts(
            documents=self.document_ports,
            due=self.due_work,
            queue=self.chunk_queue,
            once=self.idempotency,
            lambda_context=lambda_context,
            batches=self.batch_ports,
            describe_error=error_body,
        )

    # Built on first use and kept, like everything here: an adapter (and its AWS client) is
    # built once per process, never per request (tests/integration/test_call_budget.py).
    @functools.cached_property
    def chunk_queue(self) -> SqsChunkQueue:
        return SqsChunkQueue(self.settings.jobs_queue_url)

    @functools.cached_property
    def due_work(self) -> DynamoDueWork:
        return DynamoDueWork(self.dynamodb, self.settings.table_name)

    @functools.cached_property
    def batch_ports(self) -> BatchPorts:
        return BatchPorts(
            invoices=self.ports,
            batches=DynamoBatchRepository(self.dynamodb, self.settings.table_name),
            files=self.documents,
            queue=self.chunk_queue,
            clients=self.clients,
        )

    @functools.cached_property
    def document_ports(self) -> DocumentPorts:
        return DocumentPorts(
            invoices=self.ports,
            clients=self.clients,
            files=self.documents,
            mailer=self.mailer,
            mail_from=self.settings.mail_from,
        )

    @functools.cached_property
    def webhook_ports(self) -> WebhookPorts:
        return WebhookPorts(
            webhooks=DynamoWebhookRepository(self.dynamodb, self.settings.table_name),
            resolver=SystemResolver(),
            transport=Urllib3Transport(),
            clock=self.ports.clock,
            local=self.settings.local_stack,
        )

    @functools.cached_property
    def relay_ports(self) -> RelayPorts:
        """What the stream's relay tells through: the bus, the webhook queue, the endpoints."""
        return RelayPorts(
            bus=EventBridgeBus(self.settings.event_bus_name),
            messages=SqsWebhookMessages(self.settings.webhook_queue_url),
            webhooks=DynamoWebhookRepository(self.dynamodb, self.settings.table_name),
        )

    @functools.cached_property
    def webhook_receipts(self) -> SqsWebhookReceipts:
        """The webhook worker's side of the queue: a failed message hidden until its retry."""
        return SqsWebhookReceipts(self.settings.webhook_queue_url)

    @functools.cached_property
    def use_cases(self) -> UseCases:
        """The use cases bound to these adapters, each area on its first request."""
        return UseCases(self)


@functools.cache
def get_deps() -> Deps:
    # pydantic-settings is imported here, on first use, not when app.py is (decision 0046).
    from chalicelib.config import Settings

    settings = Settings()  # filled from the environment
    client = dynamodb_client()
    table = settings.table_name
    tenant_settings = DynamoTenantSettingsRepository(client, table)
    metrics = emf_metrics()
    return Deps(
        settings=settings,
        dynamodb=client,
        ports=InvoicePorts(
            repo=DynamoInvoiceRepository(client, table),
            clock=SystemClock(),
            settings=tenant_settings,
            defaults=InvoiceDefaults(
                currency=settings.default_currency,
                payment_term_days=settings.default_payment_term_days,
            ),
            metrics=metrics,
        ),
        api_keys=DynamoApiKeyRepository(client, table),
        tenant_settings=tenant_settings,
        clients=DynamoClientRepository(client, table),
        contracts=DynamoContractRepository(client, table),
        idempotency=DynamoIdempotencyStore(client, table),
        index=DynamoInvoiceIndex(client, table),
        search=DynamoInvoiceSearch(client, table),
        credit_note_index=DynamoCreditNoteIndex(client, table),
        documents=S3Documents(settings.bucket_name),
        mailer=CountedMailer(
            SesMailer(clock=SystemClock(), configuration_set=settings.ses_configuration_set),
            metrics,
        ),
        jwt_verifier=_jwt_verifier(settings),
        metrics=metrics,
    )


# What `use` put in place of the adapters' own use cases, innermost last.
_used: list[UseCases] = []


def use_cases() -> UseCases:
    """What the HTTP layer calls: every area's use cases, bound once to the adapters this process
    built (or to the ones `use` gives)."""
    return _used[-1] if _used else get_deps().use_cases


@contextmanager
def use(adapters: Adapters) -> Iterator[UseCases]:
    """Serve every request inside the block over `adapters` instead of AWS's: how a test runs the
    HTTP layer, middleware included, over in-memory fakes (tests/unit/test_views_with_fakes.py).
    Yields the use cases it bound, whose use cases a test may replace one by one."""
    cases = UseCases(adapters)
    _used.append(cases)
    try:
        yield cases
    finally:
        _used.remove(cases)


def _jwt_verifier(settings: Settings) -> JwtVerifier:
    secret = settings.auth_jwt_secret.get_secret_value() if settings.auth_jwt_secret else None
    rules = JwtRules(
        secret=secret or None,
        audience=settings.auth_audience or None,
        issuer=settings.auth_issuer or None,
        tenant_claim=settings.auth_tenant_claim,
        user_claim=settings.auth_user_claim,
    )
    keys = None
    if settings.auth_jwks_url:
        import jwt

        keys = jwt.PyJWKClient(settings.auth_jwks_url)
    return JwtVerifier(rules, keys)
