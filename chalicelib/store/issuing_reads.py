"""What issuing or crediting an invoice starts from, read in one BatchGetItem: the invoice (and
a credit note made for it already), the tenant's counter and its settings; and, for a draft, the
client it names, whose details an issued invoice keeps a copy of."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.clients import Client
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import is_well_formed_id
from chalicelib.ports import CreditContext, IssueContext
from chalicelib.store import keys
from chalicelib.store.clients import DynamoClientRepository
from chalicelib.store.dynamo import batch_get
from chalicelib.store.items import (
    counter_key,
    counter_of,
    credit_note_key,
    credit_note_of,
    invoice_key,
    invoice_of,
    settings_key,
    settings_of,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class IssuingReads:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._clients = DynamoClientRepository(client, table_name)

    def for_issue(
        self, tenant_id: str, invoice_id: str, *, with_client: bool = True
    ) -> IssueContext | None:
        if not is_well_formed_id(invoice_id):
            return None
        counter, settings, by_sort_key = self._issuing_read(
            tenant_id, invoice_key(tenant_id, invoice_id)
        )
        item = by_sort_key.get(keys.invoice_sk(invoice_id))
        if item is None:
            return None
        invoice = invoice_of(item)
        client = self._client_named_by(invoice) if with_client else None
        return IssueContext(invoice=invoice, counter=counter, settings=settings, client=client)

    def for_new_issue(self, tenant_id: str) -> tuple[InvoiceCounter, TenantSettings]:
        counter, settings, _ = self._issuing_read(tenant_id)
        return counter, settings

    def for_credit(
        self, tenant_id: str, invoice_id: str, *, note_id: str | None = None
    ) -> CreditContext | None:
        if not is_well_formed_id(invoice_id):
            return None
        more = [invoice_key(tenant_id, invoice_id)]
        if note_id is not None:
            more.append(credit_note_key(tenant_id, note_id))
        counter, settings, by_sort_key = self._issuing_read(tenant_id, *more)
        item = by_sort_key.get(keys.invoice_sk(invoice_id))
        if item is None:
            return None
        made = by_sort_key.get(keys.credit_note_sk(note_id)) if note_id is not None else None
        note = credit_note_of(made) if made is not None else None
        return CreditContext(invoice_of(item), counter, settings, made=note)

    def _issuing_read(
        self, tenant_id: str, *more: dict[str, Any]
    ) -> tuple[InvoiceCounter, TenantSettings, dict[str, dict[str, Any]]]:
        """The tenant's counter and settings, and the items of `more` by sort key, in one read."""
        item_keys = [*more, counter_key(tenant_id), settings_key(tenant_id)]
        by_sort_key = {
            item["SK"]["S"]: item for item in batch_get(self._client, self._table, item_keys)
        }
        counter = counter_of(by_sort_key.get(keys.INVOICE_COUNTER_SK))
        return counter, settings_of(by_sort_key.get(keys.SETTINGS_SK)), by_sort_key

    def _client_named_by(self, invoice: Invoice) -> Client | None:
        """The tenant's client the invoice names, read only while its copy may still be taken."""
        if invoice.client_id is None or invoice.status != InvoiceStatus.DRAFT:
            return None
        return self._clients.get(invoice.tenant_id, invoice.client_id)
