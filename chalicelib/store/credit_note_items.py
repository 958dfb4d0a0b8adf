"""Credit notes by id, each an item of its own beside the invoice it credits (decision 0053):
read strongly consistent, and rewritten (its delivery noted) only over the version read. Issuing
one is the invoice's write (DynamoInvoiceRepository.save_credited)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.errors import (
    ConcurrentModificationError,
    CreditNoteNotFoundError,
    InvoiceNotFoundError,
)
from chalicelib.domain.values import is_well_formed_id
from chalicelib.store.dynamo import MAX_BATCH_GET_KEYS, batch_get
from chalicelib.store.invoice_errors import translated_errors
from chalicelib.store.invoice_writes import conditional
from chalicelib.store.items import credit_note_item, credit_note_key, credit_note_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class CreditNoteItems:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def save(self, note: CreditNote, *, previous: CreditNote) -> CreditNote:
        """One conditional PutItem, only over the version read."""
        stored = note.model_copy(update={"version": previous.version + 1})
        request = conditional(self._table, credit_note_item(stored), previous.version)
        try:
            with translated_errors():  # the item found is a note, never read as an invoice
                self._client.put_item(**request)
        except InvoiceNotFoundError as exc:  # no item where the note was read: not ours
            raise CreditNoteNotFoundError(note.id) from exc
        except ConcurrentModificationError as exc:
            raise ConcurrentModificationError(note.id, noun="Credit note") from exc
        return stored

    def get(self, tenant_id: str, note_id: str) -> CreditNote | None:
        if not is_well_formed_id(note_id):
            return None
        with translated_errors():
            response = self._client.get_item(
                TableName=self._table,
                Key=credit_note_key(tenant_id, note_id),
                ConsistentRead=True,
            )
        return credit_note_of(response["Item"]) if "Item" in response else None

    def get_many(self, tenant_id: str, note_ids: Sequence[str]) -> list[CreditNote]:
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
