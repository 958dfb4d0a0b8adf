"""Invoices in DynamoDB: one item per invoice under its tenant's partition, written conditionally
on the version it was read at; issuing writes the invoice and its counter in one transaction, and
a write that changes which client an invoice names moves the clients' counts in the same one. A
credit note is an item of its own beside the invoice, written once, in one transaction with the
counter that numbered it and the invoice it credits (decision 0053). Each number a write gives is
held by an item of its own in the same transaction, so it is used once (store/numbers.py, 0057)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.aggregates import Figures, combined, count_by_status, delta
from chalicelib.domain.clients import Client
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.customer_credit import ClientCredit, CreditMovement, movements_of
from chalicelib.domain.errors import (
    ConcurrentModificationError,
    CreditNoteNotFoundError,
    DomainError,
    InvoiceNotFoundError,
    NumberOfTheSeriesError,
    NumberUsedError,
    UnknownClientError,
)
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.series import NumberFormats
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import is_well_formed_id
from chalicelib.ports import Added, CreditContext, IssueContext, Page
from chalicelib.store import keys
from chalicelib.store.bulk import Partition, enable_raw_answers, every_item, raw_answers, readable
from chalicelib.store.clients import DynamoClientRepository
from chalicelib.store.customer_credit import CreditMoved, DynamoCustomerCredit, credit_actions
from chalicelib.store.dynamo import (
    MAX_BATCH_GET_KEYS,
    MAX_TRANSACTION_ITEMS,
    NO_ANSWER,
    batch_get,
    error_code,
    is_throttled,
    store_busy,
    store_unreachable,
)
from chalicelib.store.items import (
    STATS_SHARDS,
    counter_item,
    counter_key,
    counter_of,
    credit_note_item,
    credit_note_key,
    credit_note_of,
    figures_of,
    invoice_item,
    invoice_key,
    invoice_of,
    is_written_by,
    settings_key,
    settings_of,
    stats_key,
    stats_shard,
)
from chalicelib.store.numbers import (
    Claim,
    claims_of,
    note_claim,
    number_actions,
    numbered,
    numbers_refused,
    repeated,
)
from chalicelib.store.pages import prefix_page
from chalicelib.store.references import (
    Moved,
    Moves,
    chunks,
    missing_clients,
    moves_of,
    reference_updates,
    refuse_unfit,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoInvoiceRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._clients = DynamoClientRepository(client, table_name)
        self._credit = DynamoCustomerCredit(client, table_name)
        enable_raw_answers(client)

    def get(self, tenant_id: str, invoice_id: str) -> Invoice | None:
        if not is_well_formed_id(invoice_id):
            return None
        with _translated_errors():
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

    def get_for_new_issue(self, tenant_id: str) -> tuple[InvoiceCounter, TenantSettings]:
        counter, settings, _ = self._issuing_read(tenant_id)
        return counter, settings

    def get_for_credit(
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

    def save_credited(
        self, invoice: Invoice, *, previous: Invoice, counter: InvoiceCounter, note: CreditNote
    ) -> Invoice:
        stored = invoice.model_copy(update={"version": previous.version + 1})
        issued = note.model_copy(update={"version": 1})
        actions = [
            self._put(stored, previous.version),
            self._counter_put(invoice, counter),
            {"Put": self._conditional(credit_note_item(issued), 0)},
        ]
        moves = moves_of([(previous, stored)])
        credit = movements_of([(previous, stored)])
        claims = [note_claim(note)]
        self._commit([stored.id], actions, delta(previous, stored), stored, moves, credit, claims)
        return stored

    def client_credit(
        self, tenant_id: str, client_id: str, *, limit: int, cursor: str | None
    ) -> tuple[ClientCredit, str | None] | None:
        return self._credit.client_credit(tenant_id, client_id, limit=limit, cursor=cursor)

    def refund_credit(self, movement: CreditMovement) -> None:
        self._credit.refund(movement)

    def save_credit_note(self, note: CreditNote, *, previous: CreditNote) -> CreditNote:
        """One conditional PutItem, only over the version read."""
        stored = note.model_copy(update={"version": previous.version + 1})
        request = self._conditional(credit_note_item(stored), previous.version)
        try:
            with _translated_errors():  # the item found is a note, never read as an invoice
                self._client.put_item(**request)
        except InvoiceNotFoundError as exc:  # no item where the note was read: not ours
            raise CreditNoteNotFoundError(note.id) from exc
        except ConcurrentModificationError as exc:
            raise ConcurrentModificationError(note.id, noun="Credit note") from exc
        return stored

    def get_credit_note(self, tenant_id: str, note_id: str) -> CreditNote | None:
        if not is_well_formed_id(note_id):
            return None
        with _translated_errors():
            response = self._client.get_item(
                TableName=self._table,
                Key=credit_note_key(tenant_id, note_id),
                ConsistentRead=True,
            )
        return credit_note_of(response["Item"]) if "Item" in response else None

    def get_credit_notes(self, tenant_id: str, note_ids: Sequence[str]) -> list[CreditNote]:
        wanted = [i for i in dict.fromkeys(note_ids) if is_well_formed_id(i)]
        found: dict[str, CreditNote] = {}
        for start in range(0, len(wanted), MAX_BATCH_GET_KEYS):
            item_keys = [
                credit_note_key(tenant_id, i) for i in wanted[start : start + MAX_BATCH_GET_KEYS]
            ]
            for item in batch_get(self._client, self._table, item_keys):
                note = credit_note_of(item)
                found[note.id] = note
        return [found[note_id] for note_id in wanted if note_id in found]

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

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Invoice]:
        with _translated_errors(), raw_answers():
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
        self._commit_new([stored], {stored.id: self._put(stored, 0)})
        return stored

    @property
    def max_atomic(self) -> int:
        return MAX_TRANSACTION_ITEMS - 1  # the last action moves the tenant's figures

    def add_many(
        self, invoices: Sequence[Invoice], *, atomic: bool, formats: NumberFormats | None = None
    ) -> list[Added | DomainError]:
        stored = [invoice.model_copy(update={"version": 1}) for invoice in invoices]
        twice = repeated(stored)  # a number two of them bring: the first has it
        if atomic:
            refuse_unfit(stored, "invoices")
            if twice:
                raise next(iter(twice.values()))
            self._commit_new(stored, {i.id: self._put(i, 0) for i in stored}, formats)
            return [Added(invoice, created=True) for invoice in stored]
        outcomes: dict[str, Added | DomainError] = dict(twice)
        puts: dict[str, dict[str, Any]] = {}
        for invoice in (invoice for invoice in stored if invoice.id not in twice):
            try:
                puts[invoice.id] = self._put(invoice, 0)
            except DomainError as exc:  # too large to store: this one fails, not the others
                outcomes[invoice.id] = exc
        writable = [invoice for invoice in stored if invoice.id in puts]
        for chunk in chunks(writable, most=self.max_atomic):
            outcomes |= self._add_each(chunk, puts, formats)
        return [outcomes[invoice.id] for invoice in stored]

    def _add_each(
        self,
        chunk: Sequence[Invoice],
        puts: Mapping[str, dict[str, Any]],
        formats: NumberFormats | None = None,
    ) -> dict[str, Added | DomainError]:
        """Write the chunk in one transaction; an invoice whose id is taken is answered with the
        one stored, and one naming no client of the tenant's, or bringing a number that is used
        or that the series could still give, fails, each left out of the next try, so the
        others are still written."""
        outcomes: dict[str, Added | DomainError] = {}
        pending = list(chunk)
        for _ in range(_ADD_ATTEMPTS):
            if not pending:
                return outcomes
            try:
                self._commit_new(pending, puts, formats)
            except ConcurrentModificationError as exc:
                taken = _taken(exc, pending)
                outcomes |= {i: Added(found, created=False) for i, found in taken.items()}
                pending = [invoice for invoice in pending if invoice.id not in taken]
                continue
            except UnknownClientError as exc:
                unknown = {i.id: UnknownClientError([i.client_id or ""]) for i in pending
                           if i.client_id in exc.client_ids}  # fmt: skip
                outcomes |= unknown
                pending = [invoice for invoice in pending if invoice.id not in unknown]
                continue
            except (NumberUsedError, NumberOfTheSeriesError) as exc:
                refused = {i.id: type(exc)([i.invoice_number or ""]) for i in pending
                           if i.invoice_number in exc.numbers}  # fmt: skip
                outcomes |= refused
                pending = [invoice for invoice in pending if invoice.id not in refused]
                continue
            except DomainError as exc:
                return outcomes | {invoice.id: exc for invoice in pending}
            return outcomes | {invoice.id: Added(invoice, created=True) for invoice in pending}
        return outcomes | {i.id: ConcurrentModificationError(i.id) for i in pending}

    def _commit_new(
        self,
        invoices: Sequence[Invoice],
        puts: Mapping[str, dict[str, Any]],
        formats: NumberFormats | None = None,
    ) -> None:
        figures = combined(delta(None, invoice) for invoice in invoices)
        actions = [puts[invoice.id] for invoice in invoices]
        moves = moves_of((None, invoice) for invoice in invoices)
        credit = movements_of((None, invoice) for invoice in invoices)
        ids = [invoice.id for invoice in invoices]
        claims = claims_of(((None, invoice) for invoice in invoices), own=True)
        self._commit(ids, actions, figures, invoices[0], moves, credit, claims, formats)

    def save(
        self, invoice: Invoice, *, previous: Invoice, formats: NumberFormats | None = None
    ) -> Invoice:
        stored = invoice.model_copy(update={"version": previous.version + 1})
        actions = [self._put(stored, previous.version)]
        moves = moves_of([(previous, stored)])
        credit = movements_of([(previous, stored)])
        claims = claims_of([(previous, stored)], own=True)  # a number brought again, changed
        figures = delta(previous, stored)
        self._commit([stored.id], actions, figures, stored, moves, credit, claims, formats)
        return stored

    def save_issued(
        self, invoice: Invoice, *, previous: Invoice, counter: InvoiceCounter
    ) -> Invoice:
        stored = invoice.model_copy(update={"version": previous.version + 1})
        actions = [self._put(stored, previous.version), self._counter_put(invoice, counter)]
        moves = moves_of([(previous, stored)])
        credit = movements_of([(previous, stored)])
        claims = claims_of([(previous, stored)], own=False)
        self._commit([stored.id], actions, delta(previous, stored), stored, moves, credit, claims)
        return stored

    def add_issued(self, invoice: Invoice, *, counter: InvoiceCounter | None) -> Added:
        stored = invoice.model_copy(update={"version": 1})
        actions = [self._put(stored, 0)]
        if counter is not None:
            actions.append(self._counter_put(invoice, counter))
        try:
            pair = [(None, stored)]
            figures, credit = delta(None, stored), movements_of(pair)
            claims = claims_of(pair, own=counter is None)
            self._commit([stored.id], actions, figures, stored, moves_of(pair), credit, claims)
        except ConcurrentModificationError as exc:
            taken = _taken(exc, [stored])
            if stored.id in taken:
                return Added(taken[stored.id], created=False)
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
        actions = [self._put(advanced, previous.version), self._put(stored, 0)]
        if counter is not None:
            actions.append(self._counter_put(invoice, counter))
        figures = combined([delta(previous, advanced), delta(None, stored)])
        moves = moves_of([(previous, advanced), (None, stored)])
        claims = claims_of([(previous, advanced), (None, stored)], own=counter is None)
        self._commit([advanced.id, stored.id], actions, figures, stored, moves, claims=claims)
        return stored, advanced

    def delete(self, invoice: Invoice) -> None:
        self.delete_all([invoice])

    def delete_all(self, invoices: Sequence[Invoice]) -> None:
        if not invoices:
            return
        refuse_unfit(invoices, "ids")
        actions = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": invoice_key(invoice.tenant_id, invoice.id),
                    "ConditionExpression": "version = :expected",
                    "ExpressionAttributeValues": {":expected": {"N": str(invoice.version)}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
            for invoice in invoices
        ]
        figures = combined(delta(invoice, None) for invoice in invoices)
        moves = moves_of((invoice, None) for invoice in invoices)
        self._commit([invoice.id for invoice in invoices], actions, figures, invoices[0], moves)

    def figures(self, tenant_id: str) -> Figures:
        """The tenant's figures: the sum of its shards, read in one call."""
        item_keys = [stats_key(tenant_id, shard) for shard in range(STATS_SHARDS)]
        return combined(
            figures_of(item) for item in batch_get(self._client, self._table, item_keys)
        )

    def _commit(
        self,
        invoice_ids: list[str],
        actions: list[Any],
        figures: Figures,
        anchor: Invoice,
        moves: Moves,
        credit: Sequence[CreditMovement] = (),
        claims: Sequence[Claim] = (),
        formats: NumberFormats | None = None,
    ) -> None:
        """One write: alone when it changes no figure and no client's count, else in one
        transaction with the clients' counts and the figures' change on the shard of `anchor`,
        so they move exactly when the invoices do; and so do the clients' credit balances and
        their moves, a balance drawn on only while it holds what is drawn (decision 0056)."""
        moved = Moved(moves, first=len(actions))
        actions = [*actions, *reference_updates(self._table, anchor.tenant_id, moves)]
        if figures:
            actions = [*actions, self._figures_update(anchor, figures)]
        credit_writes, draws = credit_actions(self._table, credit)
        credited = CreditMoved(draws, first=len(actions))
        actions = [*actions, *credit_writes]
        # The numbers the invoices (or a credit note) take, each used once (decision 0057).
        given = numbered(claims, first=len(actions), formats=formats)
        actions = [*actions, *number_actions(self._table, anchor.tenant_id, given)]
        with (
            _translated_errors(*invoice_ids, moved=moved, credited=credited),
            numbers_refused(given, primary=moved.first),
        ):
            if len(actions) > 1:
                self._client.transact_write_items(
                    TransactItems=actions,
                    # Makes botocore's own retry of a transaction whose answer was lost a no-op.
                    ClientRequestToken=str(uuid.uuid4()),
                )
                return
            (kind, request), *_ = actions[0].items()
            self._single(kind, request, anchor)

    def _single(self, kind: str, request: dict[str, Any], written: Invoice) -> None:
        if kind == "Delete":
            self._client.delete_item(**request)
            return
        try:
            self._client.put_item(**request)
        except ClientError as exc:
            item: Any = exc.response.get("Item")
            if item is None or not is_written_by(item, written):
                raise

    def _counter_put(self, numbered: Invoice, counter: InvoiceCounter) -> dict[str, Any]:
        """The counter that gave `numbered` its number, moved on only from the version read."""
        advanced = counter.model_copy(update={"version": counter.version + 1})
        return {
            "Put": self._conditional(counter_item(numbered.tenant_id, advanced), counter.version)
        }

    def _put(self, stored: Invoice, expected_version: int) -> dict[str, Any]:
        return {"Put": self._conditional(invoice_item(stored), expected_version)}

    def _conditional(self, item: dict[str, Any], expected_version: int) -> dict[str, Any]:
        """A put only over the version read, or only where nothing is yet (version 0)."""
        if expected_version == 0:
            return {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(PK)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        return {
            "TableName": self._table,
            "Item": item,
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    def _figures_update(self, anchor: Invoice, figures: Figures) -> dict[str, Any]:
        names = sorted(figures)
        return {
            "Update": {
                "TableName": self._table,
                "Key": stats_key(anchor.tenant_id, stats_shard(anchor.id)),
                "UpdateExpression": "ADD " + ", ".join(f"#f{i} :v{i}" for i in range(len(names))),
                "ExpressionAttributeNames": {f"#f{i}": name for i, name in enumerate(names)},
                "ExpressionAttributeValues": {
                    f":v{i}": {"N": str(figures[name])} for i, name in enumerate(names)
                },
            }
        }


# Each try of a chunk may leave out one kind of refusal: ids taken, clients, numbers, the series.
_ADD_ATTEMPTS = 5
# A whole list's Query asks for this many invoices at a time: DynamoDB's own 1 MB ends a page of
# larger ones first. DynamoDB Local needs a Limit: without one, each page reads the rest of the
# partition before cutting it at 1 MB (docs/benchmarks.md, issue 17).
WHOLE_LIST_PAGE = 500
# What a whole list reads of each invoice: its own fields, none of the keys that place it in the
# indexes (a sixth of its bytes).
INVOICE_ATTRIBUTES = tuple(field.alias or name for name, field in Invoice.model_fields.items())


def _taken(
    conflict: ConcurrentModificationError, invoices: Sequence[Invoice]
) -> dict[str, Invoice]:
    """The invoices already stored under the ids a refused write of new ones tried."""
    new = {invoice.id for invoice in invoices}
    return {
        invoice_id: found
        for invoice_id, found in conflict.found.items()
        if invoice_id in new and isinstance(found, Invoice)
    }


def _found(invoice_ids: Sequence[str], reasons: Sequence[Mapping[str, Any]]) -> dict[str, Invoice]:
    """The invoices a cancelled transaction found where it expected others (or none), read from
    its reasons: the invoices' writes come first, in the order of their ids."""
    return {
        invoice_id: invoice_of(dict(reason["Item"]))
        for invoice_id, reason in zip(invoice_ids, reasons, strict=False)
        if reason.get("Code") == "ConditionalCheckFailed" and "Item" in reason
    }


@contextmanager
def _translated_errors(
    *invoice_ids: str, moved: Moved | None = None, credited: CreditMoved | None = None
) -> Iterator[None]:
    """Turn DynamoDB's ClientErrors into domain errors, in this one place."""
    try:
        yield
    except ClientError as exc:
        translated = _domain_error(exc, invoice_ids, moved or Moved(), credited or CreditMoved())
        if translated is None:
            raise
        raise translated from exc
    except NO_ANSWER as exc:
        raise store_unreachable() from exc


def _domain_error(
    exc: ClientError, invoice_ids: Sequence[str], moved: Moved, credited: CreditMoved
) -> Exception | None:
    code = error_code(exc)
    if is_throttled(exc):
        return store_busy()
    if code == "ConditionalCheckFailedException":
        answer: Mapping[str, Any] = exc.response
        if "Item" not in answer:
            return InvoiceNotFoundError(invoice_ids)
        found = _found(invoice_ids, [{"Code": "ConditionalCheckFailed", "Item": answer["Item"]}])
        return ConcurrentModificationError(", ".join(invoice_ids), found=found)
    if code == "TransactionCanceledException":
        return _cancelled_transaction_error(exc, invoice_ids, moved, credited)
    return None


def _cancelled_transaction_error(
    exc: ClientError, invoice_ids: Sequence[str], moved: Moved, credited: CreditMoved
) -> Exception:
    """An invoice gone or changed first (a retry reads it again), then a client gone, then a
    client's credit short of what the write draws on it."""
    reasons = exc.response.get("CancellationReasons", [])
    failed = [reason.get("Code") == "ConditionalCheckFailed" for reason in reasons]
    gone = [
        invoice_id
        for invoice_id, reason in zip(invoice_ids, reasons, strict=False)
        if reason.get("Code") == "ConditionalCheckFailed" and "Item" not in reason
    ]
    if gone:
        return InvoiceNotFoundError(gone)
    if any(reason.get("Code") == "ThrottlingError" for reason in reasons):
        return store_busy()
    unknown = missing_clients(reasons, moved.moves, first=moved.first)
    if unknown and not any(failed[: moved.first]):
        return UnknownClientError(unknown)
    short = credited.refusal(reasons)
    if short is not None and not any(failed[: moved.first]):
        return short
    found = _found(invoice_ids, reasons)
    return ConcurrentModificationError(", ".join(invoice_ids), found=found)
