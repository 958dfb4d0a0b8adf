"""Invoices in DynamoDB: one item per invoice under its tenant's partition, written conditionally
on the version it was read at; issuing writes the invoice and its counter in one transaction, and
a write that changes which client an invoice names moves the clients' counts in the same one. A
credit note is an item of its own beside the invoice, written once, in one transaction with the
counter that numbered it and the invoice it credits (decision 0053). Each number a write gives is
held by an item of its own in the same transaction, so it is used once (store/numbers.py, 0057).
The one write is store/invoice_writes.py, its refusals store/invoice_errors.py."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING

from chalicelib.domain.aggregates import Figures, combined, count_by_status, delta
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.customer_credit import ClientCredit, CreditMovement, movements_of
from chalicelib.domain.errors import ConcurrentModificationError, DomainError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.series import NumberFormats
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import is_well_formed_id
from chalicelib.ports import Added, CreditContext, IssueContext, Page
from chalicelib.store import keys
from chalicelib.store.bulk import Partition, enable_raw_answers, every_item, raw_answers, readable
from chalicelib.store.credit_note_items import CreditNoteItems
from chalicelib.store.customer_credit import DynamoCustomerCredit
from chalicelib.store.dynamo import batch_get
from chalicelib.store.invoice_errors import taken, translated_errors
from chalicelib.store.invoice_writes import InvoiceWrites, conditional
from chalicelib.store.issuing_reads import IssuingReads
from chalicelib.store.items import (
    STATS_SHARDS,
    credit_note_item,
    figures_of,
    invoice_key,
    invoice_of,
    stats_key,
)
from chalicelib.store.new_invoices import MAX_ATOMIC, add_many, commit_new
from chalicelib.store.numbers import claims_of, note_claim
from chalicelib.store.pages import prefix_page
from chalicelib.store.references import moves_of, refuse_unfit

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoInvoiceRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._writes = InvoiceWrites(client, table_name)
        self._issuing = IssuingReads(client, table_name)
        self._notes = CreditNoteItems(client, table_name)
        self._credit = DynamoCustomerCredit(client, table_name)
        enable_raw_answers(client)

    def get(self, tenant_id: str, invoice_id: str) -> Invoice | None:
        if not is_well_formed_id(invoice_id):
            return None
        with translated_errors():
            response = self._client.get_item(
                TableName=self._table, Key=invoice_key(tenant_id, invoice_id), ConsistentRead=True
            )
        return invoice_of(response["Item"]) if "Item" in response else None

    def get_many(self, tenant_id: str, invoice_ids: Sequence[str]) -> list[Invoice]:
        wanted = [i for i in dict.fromkeys(invoice_ids) if is_well_formed_id(i)]
        if not wanted:
            return []
        item_keys = [invoice_key(tenant_id, invoice_id) for invoice_id in wanted]
        with raw_answers():
            return readable(batch_get(self._client, self._table, item_keys))

    def get_for_issue(
        self, tenant_id: str, invoice_id: str, *, with_client: bool = True
    ) -> IssueContext | None:
        return self._issuing.for_issue(tenant_id, invoice_id, with_client=with_client)

    def get_for_new_issue(self, tenant_id: str) -> tuple[InvoiceCounter, TenantSettings]:
        return self._issuing.for_new_issue(tenant_id)

    def get_for_credit(
        self, tenant_id: str, invoice_id: str, *, note_id: str | None = None
    ) -> CreditContext | None:
        return self._issuing.for_credit(tenant_id, invoice_id, note_id=note_id)

    def save_credited(
        self, invoice: Invoice, *, previous: Invoice, counter: InvoiceCounter, note: CreditNote
    ) -> Invoice:
        stored = invoice.model_copy(update={"version": previous.version + 1})
        issued = note.model_copy(update={"version": 1})
        actions = [
            self._writes.put(stored, previous.version),
            self._writes.counter_put(invoice, counter),
            {"Put": conditional(self._table, credit_note_item(issued), 0)},
        ]
        moves = moves_of([(previous, stored)])
        credit = movements_of([(previous, stored)])
        claims = [note_claim(note)]
        figures = delta(previous, stored)
        self._writes.commit([stored.id], actions, figures, stored, moves, credit, claims)
        return stored

    def client_credit(
        self, tenant_id: str, client_id: str, *, limit: int, cursor: str | None
    ) -> tuple[ClientCredit, str | None] | None:
        return self._credit.client_credit(tenant_id, client_id, limit=limit, cursor=cursor)

    def refund_credit(self, movement: CreditMovement) -> None:
        self._credit.refund(movement)

    def save_credit_note(self, note: CreditNote, *, previous: CreditNote) -> CreditNote:
        """One conditional PutItem, only over the version read."""
        return self._notes.save(note, previous=previous)

    def get_credit_note(self, tenant_id: str, note_id: str) -> CreditNote | None:
        return self._notes.get(tenant_id, note_id)

    def get_credit_notes(self, tenant_id: str, note_ids: Sequence[str]) -> list[CreditNote]:
        return self._notes.get_many(tenant_id, note_ids)

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Invoice]:
        with translated_errors(), raw_answers():
            items, next_cursor = prefix_page(
                self._client,
                self._table,
                keys.tenant_pk(tenant_id),
                keys.INVOICE_PREFIX,
                limit=limit,
                cursor=cursor,
            )
        return Page(items=readable(items), cursor=next_cursor)

    def every_invoice(self, tenant_id: str) -> Iterator[list[Invoice]]:
        """Every invoice of the tenant in list_page's order, a Query page at a time (strongly
        consistent, as a page is); a long list is read in key ranges in parallel. An invoice
        that cannot be read is left out."""
        invoices = Partition(
            self._client, self._table, keys.tenant_pk(tenant_id), keys.INVOICE_PREFIX,
            page=WHOLE_LIST_PAGE, attributes=INVOICE_ATTRIBUTES,
        )  # fmt: skip
        for items in every_item(invoices, how_many=partial(self._count, tenant_id)):
            yield readable(items)

    def _count(self, tenant_id: str) -> int:
        return sum(count_by_status(self.figures(tenant_id)).values())

    def add(self, invoice: Invoice) -> Invoice:
        stored = invoice.model_copy(update={"version": 1})
        commit_new(self._writes, [stored], {stored.id: self._writes.put(stored, 0)})
        return stored

    @property
    def max_atomic(self) -> int:
        return MAX_ATOMIC

    def add_many(
        self, invoices: Sequence[Invoice], *, atomic: bool, formats: NumberFormats | None = None
    ) -> list[Added | DomainError]:
        return add_many(self._writes, invoices, atomic=atomic, formats=formats)

    def save(
        self, invoice: Invoice, *, previous: Invoice, formats: NumberFormats | None = None
    ) -> Invoice:
        stored = invoice.model_copy(update={"version": previous.version + 1})
        actions = [self._writes.put(stored, previous.version)]
        moves = moves_of([(previous, stored)])
        credit = movements_of([(previous, stored)])
        claims = claims_of([(previous, stored)], own=True)  # a number brought again, changed
        figures = delta(previous, stored)
        self._writes.commit([stored.id], actions, figures, stored, moves, credit, claims, formats)
        return stored

    def save_issued(
        self, invoice: Invoice, *, previous: Invoice, counter: InvoiceCounter
    ) -> Invoice:
        stored = invoice.model_copy(update={"version": previous.version + 1})
        actions = [
            self._writes.put(stored, previous.version),
            self._writes.counter_put(invoice, counter),
        ]
        moves = moves_of([(previous, stored)])
        credit = movements_of([(previous, stored)])
        claims = claims_of([(previous, stored)], own=False)
        figures = delta(previous, stored)
        self._writes.commit([stored.id], actions, figures, stored, moves, credit, claims)
        return stored

    def add_issued(self, invoice: Invoice, *, counter: InvoiceCounter | None) -> Added:
        stored = invoice.model_copy(update={"version": 1})
        actions = [self._writes.put(stored, 0)]
        if counter is not None:
            actions.append(self._writes.counter_put(invoice, counter))
        try:
            pair = [(None, stored)]
            figures, credit = delta(None, stored), movements_of(pair)
            claims = claims_of(pair, own=counter is None)
            moves = moves_of(pair)
            self._writes.commit([stored.id], actions, figures, stored, moves, credit, claims)
        except ConcurrentModificationError as exc:
            found = taken(exc, [stored])
            if stored.id in found:
                return Added(found[stored.id], created=False)
            raise
        return Added(stored, created=True)

    def add_from_template(
        self,
        invoice: Invoice,
        *,
        template: Invoice,
        previous: Invoice,
        counter: InvoiceCounter | None = None,
    ) -> tuple[Invoice, Invoice]:
        """Store a period's new invoice and its advanced template in one transaction, the
        template only at the version read: a period is invoiced once, however many workers try.
        With `counter`, the new invoice is issued and the counter moves with it."""
        stored = invoice.model_copy(update={"version": 1})
        advanced = template.model_copy(update={"version": previous.version + 1})
        actions = [self._writes.put(advanced, previous.version), self._writes.put(stored, 0)]
        if counter is not None:
            actions.append(self._writes.counter_put(invoice, counter))
        figures = combined([delta(previous, advanced), delta(None, stored)])
        moves = moves_of([(previous, advanced), (None, stored)])
        claims = claims_of([(previous, advanced), (None, stored)], own=counter is None)
        ids = [advanced.id, stored.id]
        self._writes.commit(ids, actions, figures, stored, moves, claims=claims)
        return stored, advanced

    def delete(self, invoice: Invoice) -> None:
        self.delete_all([invoice])

    def delete_all(self, invoices: Sequence[Invoice]) -> None:
        if not invoices:
            return
        refuse_unfit(invoices, "ids")
        actions = [self._writes.delete(invoice) for invoice in invoices]
        figures = combined(delta(invoice, None) for invoice in invoices)
        moves = moves_of((invoice, None) for invoice in invoices)
        ids = [invoice.id for invoice in invoices]
        self._writes.commit(ids, actions, figures, invoices[0], moves)

    def figures(self, tenant_id: str) -> Figures:
        """The tenant's figures: the sum of its shards, read in one call."""
        item_keys = [stats_key(tenant_id, shard) for shard in range(STATS_SHARDS)]
        return combined(
            figures_of(item) for item in batch_get(self._client, self._table, item_keys)
        )


# A whole list's Query asks for this many invoices at a time: DynamoDB's own 1 MB ends a page of
# larger ones first. DynamoDB Local needs a Limit: without one, each page reads the rest of the
# partition before cutting it at 1 MB (docs/benchmarks.md, issue 17).
WHOLE_LIST_PAGE = 500
# What a whole list reads of each invoice: its own fields, none of the keys that place it in the
# indexes (a sixth of its bytes).
INVOICE_ATTRIBUTES = tuple(field.alias or name for name, field in Invoice.model_fields.items())
