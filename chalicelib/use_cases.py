"""The use cases as the HTTP layer calls them: each service function bound to its ports once, so
that a view hands over only the request's input and the actor (decision 0049).

An area's use cases are `functools.partial`s of the service functions, which mypy types with the
parameters left to give; the composition root (bootstrap.py) binds each area on first use and
keeps it. Nothing here imports an adapter: an area is bound to whatever `Adapters` it is given,
AWS's or in-memory fakes."""

from __future__ import annotations

from functools import cached_property, partial
from typing import Protocol

from chalicelib.ports import (
    ApiKeyRepository,
    ClientRepository,
    Clock,
    ContractRepository,
    CreditNoteIndex,
    DocumentStore,
    InvoiceIndex,
    InvoicePorts,
    InvoiceSearch,
    OnceGuard,
    TenantSettingsRepository,
)
from chalicelib.services import (
    authentication,
    batches,
    clients,
    contracts,
    credit_note_documents,
    credit_note_lists,
    credit_notes,
    customer_credit,
    delivery,
    documents,
    einvoices,
    exports,
    imports,
    invoices,
    lifecycle,
    reports,
    search,
    settings,
    webhook_delivery,
    webhooks,
)
from chalicelib.services.authentication import JwtVerifier
from chalicelib.services.batches import BatchPorts
from chalicelib.services.compat import hevn, hyperline
from chalicelib.services.documents import DocumentPorts
from chalicelib.services.webhooks import WebhookPorts


class Adapters(Protocol):
    """What the use cases are bound to: bootstrap.Deps in the app, fakes in a test."""

    @property
    def ports(self) -> InvoicePorts: ...
    @property
    def documents(self) -> DocumentStore: ...
    @property
    def document_ports(self) -> DocumentPorts: ...
    @property
    def batch_ports(self) -> BatchPorts: ...
    @property
    def clients(self) -> ClientRepository: ...
    @property
    def contracts(self) -> ContractRepository: ...
    @property
    def tenant_settings(self) -> TenantSettingsRepository: ...
    @property
    def api_keys(self) -> ApiKeyRepository: ...
    @property
    def index(self) -> InvoiceIndex: ...
    @property
    def search(self) -> InvoiceSearch: ...
    @property
    def credit_note_index(self) -> CreditNoteIndex: ...
    @property
    def jwt_verifier(self) -> JwtVerifier: ...
    @property
    def idempotency(self) -> OnceGuard: ...
    @property
    def webhook_ports(self) -> WebhookPorts: ...


class Guards:
    """What every request passes through before its view: who calls, and once-only writes."""

    def __init__(
        self, verifier: JwtVerifier, api_keys: ApiKeyRepository, clock: Clock, once: OnceGuard
    ) -> None:
        self.authenticate = partial(
            authentication.authenticate, jwt_verifier=verifier, api_keys=api_keys, clock=clock
        )
        self.run_once = once.run_once


class Invoices:
    """Drafts: create, read, list, change and delete them."""

    def __init__(self, ports: InvoicePorts, files: DocumentStore) -> None:
        self.create = partial(invoices.create_invoice, ports=ports)
        self.get = partial(invoices.get_invoice, ports=ports)
        self.find = partial(invoices.find_invoices, ports=ports)
        self.list = partial(invoices.list_invoices, ports=ports)
        self.every = partial(exports.every_invoice, ports=ports, documents=files)
        self.update = partial(invoices.update_invoice, ports=ports)
        self.add_row = partial(invoices.add_row, ports=ports)
        self.remove_row = partial(invoices.remove_row, ports=ports)
        self.add_comment = partial(invoices.add_comment, ports=ports)
        self.delete = partial(invoices.delete_invoice, ports=ports)
        self.delete_many = partial(invoices.delete_invoices, ports=ports)
        self.most_deleted_at_once = ports.repo.max_atomic  # one transaction's worth


class Lifecycle:
    """An invoice's moves: issue, schedule back, cancel, and its payments."""

    def __init__(self, ports: InvoicePorts) -> None:
        self.mark_as_sent = partial(lifecycle.mark_as_sent, ports=ports)
        self.unschedule = partial(lifecycle.unschedule, ports=ports)
        self.cancel = partial(credit_notes.cancel_invoice, ports=ports)
        self.add_payment = partial(lifecycle.add_payment, ports=ports)
        self.remove_payment = partial(lifecycle.remove_payment, ports=ports)
        self.mark_as_paid = partial(lifecycle.mark_as_paid, ports=ports)
        self.unmark_as_paid = partial(lifecycle.unmark_as_paid, ports=ports)


class CreditNotes:
    """Credit notes: issue one on an issued invoice, read one, and list an invoice's; a note's
    PDF, and the email that carries it."""

    def __init__(self, ports: InvoicePorts, files: DocumentPorts) -> None:
        self.create = partial(credit_notes.create_credit_note, ports=ports)
        self.get = partial(credit_notes.get_credit_note, ports=ports)
        self.of_invoice = partial(credit_notes.credit_notes_of, ports=ports)
        self.pdf_link = partial(credit_note_documents.credit_note_pdf_link, ports=files)
        self.pdf_bytes = partial(credit_note_documents.credit_note_pdf_bytes, ports=files)
        self.send = partial(delivery.send_credit_note, ports=files)


class EInvoices:
    """An issued invoice's or a credit note's e-invoice (EN 16931), kept once made."""

    def __init__(self, files: DocumentPorts) -> None:
        self.of_invoice = partial(einvoices.invoice_einvoice_file, ports=files)
        self.of_credit_note = partial(einvoices.credit_note_einvoice_file, ports=files)
        self.link = partial(einvoices.einvoice_link, ports=files)


class CustomerCredit:
    """A client's credit balance: read it with its moves, and record a refund of it."""

    def __init__(self, ports: InvoicePorts) -> None:
        self.balance = partial(customer_credit.client_credit, ports=ports)
        self.refund = partial(customer_credit.refund_credit, ports=ports)


class Documents:
    """An invoice's PDF and attachments, and the emails that carry them."""

    def __init__(self, ports: DocumentPorts) -> None:
        self.generate_pdf = partial(documents.generate_pdf, ports=ports)
        self.pdf_link = partial(documents.pdf_link, ports=ports)
        self.pdf_bytes = partial(documents.pdf_bytes, ports=ports)
        self.add_attachments = partial(documents.add_attachments, ports=ports)
        self.attachment_link = partial(documents.attachment_link, ports=ports)
        self.remove_attachment = partial(documents.remove_attachment, ports=ports)
        self.attachment_upload_form = partial(documents.attachment_upload_form, ports=ports)
        self.register_upload = partial(documents.register_upload, ports=ports)
        self.send = partial(delivery.send_invoice, ports=ports)
        self.send_reminder = partial(delivery.send_reminder, ports=ports)
        self.schedule = partial(delivery.schedule_invoice, ports=ports)


class Clients:
    def __init__(self, repo: ClientRepository, clock: Clock) -> None:
        self.create = partial(clients.create_client, repo=repo, clock=clock)
        self.get = partial(clients.get_client, repo=repo)
        self.list = partial(clients.list_clients, repo=repo)
        self.replace = partial(clients.replace_client, repo=repo, clock=clock)
        self.delete = partial(clients.delete_client, repo=repo)


class Contracts:
    def __init__(self, repo: ContractRepository, known: ClientRepository, clock: Clock) -> None:
        self.create = partial(contracts.create_contract, repo=repo, clients=known, clock=clock)
        self.get = partial(contracts.get_contract, repo=repo)
        self.list = partial(contracts.list_contracts, repo=repo)
        self.replace = partial(contracts.replace_contract, repo=repo, clients=known, clock=clock)
        self.delete = partial(contracts.delete_contract, repo=repo)


class Settings:
    """The tenant's settings, and the logo (a file, so stored with the documents)."""

    def __init__(self, repo: TenantSettingsRepository, files: DocumentPorts) -> None:
        self.get = partial(settings.get_settings, repo=repo)
        self.replace = partial(settings.replace_settings, repo=repo)
        self.set_logo = partial(settings.set_logo, ports=files)
        self.remove_logo = partial(settings.remove_logo, repo=repo)


class ApiKeys:
    def __init__(self, repo: ApiKeyRepository, clock: Clock) -> None:
        self.list = partial(authentication.list_api_keys, repo=repo)
        self.create = partial(authentication.new_api_key, repo=repo, clock=clock)
        self.revoke = partial(authentication.revoke_api_key, repo=repo)


class Webhooks:
    """The tenant's webhook endpoints, their deliveries, and one more attempt at one."""

    def __init__(self, ports: WebhookPorts) -> None:
        self.create = partial(webhooks.create_webhook, ports=ports)
        self.get = partial(webhooks.get_webhook, ports=ports)
        self.list = partial(webhooks.list_webhooks, ports=ports)
        self.delete = partial(webhooks.delete_webhook, ports=ports)
        self.enable = partial(webhooks.enable_webhook, ports=ports)
        self.send_test = partial(webhook_delivery.send_test, ports=ports)
        self.deliveries = partial(webhook_delivery.list_deliveries, ports=ports)
        self.delivery = partial(webhook_delivery.get_delivery, ports=ports)
        self.retry = partial(webhook_delivery.retry_delivery, ports=ports)


class Batches:
    """Many invoices at once: created in the request, or queued and followed."""

    def __init__(self, ports: InvoicePorts, queued: BatchPorts) -> None:
        self.create = partial(batches.create_batch, ports=ports)
        self.queue = partial(batches.queue_invoices, ports=queued)
        self.get = partial(batches.get_batch, ports=queued)


class Reports:
    """The tenant's figures, and the lists read from the secondary indexes."""

    def __init__(self, ports: InvoicePorts, index: InvoiceIndex, files: DocumentStore) -> None:
        self.count_by_status = partial(reports.count_by_status, ports=ports)
        self.stats = partial(reports.invoice_stats, ports=ports)
        self.date_range = partial(reports.invoice_date_range, index=index)
        self.by_opportunity = partial(reports.by_opportunity, index=index)
        self.every_by_opportunity = partial(
            reports.every_by_opportunity, ports=ports, index=index, documents=files
        )
        self.with_recurring_agreements = partial(reports.with_recurring_agreements, index=index)
        self.every_with_recurring_agreement = partial(
            reports.every_with_recurring_agreement, ports=ports, index=index, documents=files
        )


class Search:
    """Pages of invoices matching a query, and the same as CSV; the tenant's credit notes."""

    def __init__(
        self,
        ports: InvoicePorts,
        engine: InvoiceSearch,
        files: DocumentStore,
        notes: CreditNoteIndex,
    ) -> None:
        self.page = partial(search.search_invoices, ports=ports, search=engine)
        self.export_csv = partial(exports.export_csv, ports=ports, search=engine, documents=files)
        self.credit_notes = partial(credit_note_lists.page_of_credit_notes, index=notes)
        self.credit_notes_csv = partial(
            credit_note_lists.export_credit_notes, ports=ports, index=notes, documents=files
        )


class Vendors:
    """The other products' batch APIs (/compat): their imports go through the one import use
    case (decision 0052); hevn reads its contracts first, Hyperline queues its batches."""

    def __init__(
        self,
        ports: InvoicePorts,
        known: ClientRepository,
        contracts: ContractRepository,
        queued: BatchPorts,
    ) -> None:
        self.import_one = partial(imports.import_one, ports=ports, clients=known)
        self.import_all = partial(imports.import_all, ports=ports, clients=known)
        self.invoice_contracts = partial(
            hevn.invoice_contracts, ports=ports, contracts=contracts, clients=known
        )
        self.queue_hyperline_batch = partial(hyperline.queue_batch, ports=queued)
        self.read_hyperline_batch = partial(hyperline.read_batch, ports=queued)


class UseCases:
    """Every area's use cases over `adapters`, each area bound on first use and kept: a request
    binds nothing, and builds no adapter its area does not name."""

    def __init__(self, adapters: Adapters) -> None:
        self._adapters = adapters

    @cached_property
    def guards(self) -> Guards:
        given = self._adapters
        ports = given.ports
        return Guards(given.jwt_verifier, given.api_keys, ports.clock, given.idempotency)

    @cached_property
    def invoices(self) -> Invoices:
        return Invoices(self._adapters.ports, self._adapters.documents)

    @cached_property
    def lifecycle(self) -> Lifecycle:
        return Lifecycle(self._adapters.ports)

    @cached_property
    def credit_notes(self) -> CreditNotes:
        return CreditNotes(self._adapters.ports, self._adapters.document_ports)

    @cached_property
    def einvoices(self) -> EInvoices:
        return EInvoices(self._adapters.document_ports)

    @cached_property
    def customer_credit(self) -> CustomerCredit:
        return CustomerCredit(self._adapters.ports)

    @cached_property
    def documents(self) -> Documents:
        return Documents(self._adapters.document_ports)

    @cached_property
    def clients(self) -> Clients:
        ports = self._adapters.ports
        return Clients(self._adapters.clients, ports.clock)

    @cached_property
    def contracts(self) -> Contracts:
        given = self._adapters
        ports = given.ports
        return Contracts(given.contracts, given.clients, ports.clock)

    @cached_property
    def settings(self) -> Settings:
        return Settings(self._adapters.tenant_settings, self._adapters.document_ports)

    @cached_property
    def api_keys(self) -> ApiKeys:
        ports = self._adapters.ports
        return ApiKeys(self._adapters.api_keys, ports.clock)

    @cached_property
    def webhooks(self) -> Webhooks:
        return Webhooks(self._adapters.webhook_ports)

    @cached_property
    def batches(self) -> Batches:
        return Batches(self._adapters.ports, self._adapters.batch_ports)

    @cached_property
    def reports(self) -> Reports:
        given = self._adapters
        return Reports(given.ports, given.index, given.documents)

    @cached_property
    def search(self) -> Search:
        given = self._adapters
        return Search(given.ports, given.search, given.documents, given.credit_note_index)

    @cached_property
    def vendors(self) -> Vendors:
        given = self._adapters
        return Vendors(given.ports, given.clients, given.contracts, given.batch_ports)
