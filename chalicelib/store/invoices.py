"""Invoices in DynamoDB: one item per invoice under its tenant's partition, written conditionally
on the version it was read at; issuing writes the invoice and its counter in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.errors import ConcurrentModificationError, InvoiceNotFoundError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.services.ports import IssueContext, Page
from chalicelib.store import keys
from chalicelib.store.dynamo import batch_get, error_code, is_throttled, store_busy
from chalicelib.store.items import (
    counter_item,
    counter_key,
    counter_of,
    cursor_after,
    invoice_id_of,
    invoice_item,
    invoice_key,
    invoice_of,
    is_written_by,
    settings_key,
    settings_of,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoInvoiceRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, tenant_id: str, invoice_id: str) -> Invoice | None:
        if not keys.is_storable_id(invoice_id):
            return None
        with _translated_errors():
            response = self._client.get_item(
                TableName=self._table, Key=invoice_key(tenant_id, invoice_id), ConsistentRead=True
            )
        return invoice_of(response["Item"]) if "Item" in response else None

    def get_many(self, tenant_id: str, invoice_ids: Sequence[str]) -> list[Invoice]:
        wanted = [i for i in dict.fromkeys(invoice_ids) if keys.is_storable_id(i)]
        if not wanted:
            return []
        item_keys = [invoice_key(tenant_id, invoice_id) for invoice_id in wanted]
        return [invoice_of(item) for item in batch_get(self._client, self._table, item_keys)]

    def get_for_issue(self, tenant_id: str, invoice_id: str) -> IssueContext | None:
        if not keys.is_storable_id(invoice_id):
            return None
        item_keys = [
            invoice_key(tenant_id, invoice_id),
            counter_key(tenant_id),
            settings_key(tenant_id),
        ]
        by_sort_key = {
            item["SK"]["S"]: item for item in batch_get(self._client, self._table, item_keys)
        }
        invoice = by_sort_key.get(keys.invoice_sk(invoice_id))
        if invoice is None:
            return None
        return IssueContext(
            invoice=invoice_of(invoice),
            counter=counter_of(by_sort_key.get(keys.INVOICE_COUNTER_SK)),
            settings=settings_of(by_sort_key.get(keys.SETTINGS_SK)),
        )

    def list_page(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[Invoice]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.tenant_pk(tenant_id)},
                ":prefix": {"S": keys.INVOICE_PREFIX},
            },
            "Limit": limit,
            "ConsistentRead": True,
        }
        if cursor is not None:
            query["ExclusiveStartKey"] = invoice_key(tenant_id, invoice_id_of(cursor))
        with _translated_errors():
            response = self._client.query(**query)
        invoices = [invoice_of(item) for item in response["Items"]]
        last = response.get("LastEvaluatedKey")
        next_cursor = cursor_after(invoices[-1].id) if last and invoices else None
        return Page(items=invoices, cursor=next_cursor)

    def add(self, invoice: Invoice) -> Invoice:
        stored = invoice.model_copy(update={"version": 1})
        self._put(stored, "attribute_not_exists(PK)", {})
        return stored

    def save(self, invoice: Invoice, *, expected_version: int) -> Invoice:
        stored = invoice.model_copy(update={"version": expected_version + 1})
        self._put(stored, "version = :expected", {":expected": {"N": str(expected_version)}})
        return stored

    def save_issued(
        self, invoice: Invoice, *, expected_version: int, counter: InvoiceCounter
    ) -> Invoice:
        stored = invoice.model_copy(update={"version": expected_version + 1})
        advanced = counter.model_copy(update={"version": counter.version + 1})
        actions: list[Any] = [
            {"Put": self._versioned_put(invoice_item(stored), expected_version)},
            {
                "Put": self._versioned_put(
                    counter_item(invoice.tenant_id, advanced), counter.version
                )
            },
        ]
        with _translated_errors(invoice.id):
            self._client.transact_write_items(
                TransactItems=actions,
                # Makes botocore's own retry of a transaction whose answer was lost a no-op.
                ClientRequestToken=str(uuid.uuid4()),
            )
        return stored

    def delete(self, invoice: Invoice) -> None:
        with _translated_errors(invoice.id):
            self._client.delete_item(
                TableName=self._table,
                Key=invoice_key(invoice.tenant_id, invoice.id),
                ConditionExpression="version = :expected",
                ExpressionAttributeValues={":expected": {"N": str(invoice.version)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )

    def delete_all(self, invoices: Sequence[Invoice]) -> None:
        actions: list[Any] = [
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
        with _translated_errors(*(invoice.id for invoice in invoices)):
            self._client.transact_write_items(
                TransactItems=actions, ClientRequestToken=str(uuid.uuid4())
            )

    def _put(self, stored: Invoice, condition: str, values: dict[str, Any]) -> None:
        request: dict[str, Any] = {
            "TableName": self._table,
            "Item": invoice_item(stored),
            "ConditionExpression": condition,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if values:
            request["ExpressionAttributeValues"] = values
        try:
            with _translated_errors(stored.id):
                self._client.put_item(**request)
        except ConcurrentModificationError as exc:
            if not _is_own_earlier_write(exc, stored):
                raise

    def _versioned_put(self, item: dict[str, Any], expected_version: int) -> dict[str, Any]:
        if expected_version == 0:  # a counter that does not exist yet
            return {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        return {
            "TableName": self._table,
            "Item": item,
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }


def _is_own_earlier_write(exc: ConcurrentModificationError, stored: Invoice) -> bool:
    cause = exc.__cause__
    item: Any = cause.response.get("Item") if isinstance(cause, ClientError) else None
    return item is not None and is_written_by(item, stored)


@contextmanager
def _translated_errors(*invoice_ids: str) -> Iterator[None]:
    """Turn DynamoDB's ClientErrors into domain errors, in this one place."""
    try:
        yield
    except ClientError as exc:
        translated = _domain_error(exc, invoice_ids)
        if translated is None:
            raise
        raise translated from exc


def _domain_error(exc: ClientError, invoice_ids: Sequence[str]) -> Exception | None:
    code = error_code(exc)
    if is_throttled(exc):
        return store_busy()
    if code == "ConditionalCheckFailedException":
        if "Item" not in exc.response:
            return InvoiceNotFoundError(invoice_ids)
        return ConcurrentModificationError(", ".join(invoice_ids))
    if code == "TransactionCanceledException":
        return _cancelled_transaction_error(exc, invoice_ids)
    return None


def _cancelled_transaction_error(exc: ClientError, invoice_ids: Sequence[str]) -> Exception:
    reasons = exc.response.get("CancellationReasons", [])
    gone = [
        invoice_id
        for invoice_id, reason in zip(invoice_ids, reasons, strict=False)
        if reason.get("Code") == "ConditionalCheckFailed" and "Item" not in reason
    ]
    if gone:
        return InvoiceNotFoundError(gone)
    if any(reason.get("Code") == "ThrottlingError" for reason in reasons):
        return store_busy()
    return ConcurrentModificationError(", ".join(invoice_ids))
