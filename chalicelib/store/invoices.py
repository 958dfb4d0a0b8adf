"""Invoices in DynamoDB: one item per invoice under its tenant's partition, written conditionally
on the version it was read at."""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import simplejson
from botocore.exceptions import ClientError

from chalicelib.domain.errors import (
    ConcurrentModificationError,
    FieldProblem,
    InvalidInputError,
    InvoiceNotFoundError,
    InvoiceTooLargeError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.services.ports import Page
from chalicelib.store import keys
from chalicelib.store.dynamo import (
    error_code,
    from_item,
    is_throttled,
    key,
    store_busy,
    to_item,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import KeysAndAttributesTypeDef

# DynamoDB refuses items over 400 KB; stay clear of it with room for key attributes.
MAX_ITEM_BYTES = 380_000
_BATCH_GET_ROUNDS = 5


class DynamoInvoiceRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, tenant_id: str, invoice_id: str) -> Invoice | None:
        if not keys.is_storable_id(invoice_id):
            return None
        with _translated_errors():
            response = self._client.get_item(
                TableName=self._table, Key=_invoice_key(tenant_id, invoice_id), ConsistentRead=True
            )
        return _invoice(response["Item"]) if "Item" in response else None

    def get_many(self, tenant_id: str, invoice_ids: Sequence[str]) -> list[Invoice]:
        wanted = [i for i in dict.fromkeys(invoice_ids) if keys.is_storable_id(i)]
        if not wanted:
            return []
        request: dict[str, KeysAndAttributesTypeDef] = {
            self._table: {
                "Keys": [_invoice_key(tenant_id, i) for i in wanted],
                "ConsistentRead": True,
            }
        }
        items: list[dict[str, Any]] = []
        for round_number in range(_BATCH_GET_ROUNDS):
            with _translated_errors():
                response = self._client.batch_get_item(RequestItems=request)
            items.extend(response["Responses"].get(self._table, []))
            request = cast(dict[str, "KeysAndAttributesTypeDef"], response.get("UnprocessedKeys"))
            if not request:
                return [_invoice(item) for item in items]
            time.sleep(0.05 * 2**round_number)
        raise store_busy()

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
            query["ExclusiveStartKey"] = _invoice_key(tenant_id, _invoice_id_of(cursor))
        with _translated_errors():
            response = self._client.query(**query)
        invoices = [_invoice(item) for item in response["Items"]]
        last = response.get("LastEvaluatedKey")
        next_cursor = _cursor(invoices[-1].id) if last and invoices else None
        return Page(items=invoices, cursor=next_cursor)

    def add(self, invoice: Invoice) -> Invoice:
        stored = invoice.model_copy(update={"version": 1})
        with _translated_errors(invoice.id):
            self._client.put_item(
                TableName=self._table,
                Item=_item(stored),
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        return stored

    def save(self, invoice: Invoice, *, expected_version: int) -> Invoice:
        stored = invoice.model_copy(update={"version": expected_version + 1})
        with _translated_errors(invoice.id):
            self._client.put_item(
                TableName=self._table,
                Item=_item(stored),
                ConditionExpression="version = :expected",
                ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        return stored

    def delete(self, invoice: Invoice) -> None:
        with _translated_errors(invoice.id):
            self._client.delete_item(
                TableName=self._table,
                Key=_invoice_key(invoice.tenant_id, invoice.id),
                ConditionExpression="version = :expected",
                ExpressionAttributeValues={":expected": {"N": str(invoice.version)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )

    def delete_all(self, invoices: Sequence[Invoice]) -> None:
        actions: list[Any] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": _invoice_key(invoice.tenant_id, invoice.id),
                    "ConditionExpression": "version = :expected",
                    "ExpressionAttributeValues": {":expected": {"N": str(invoice.version)}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
            for invoice in invoices
        ]
        with _translated_errors(*(invoice.id for invoice in invoices)):
            self._client.transact_write_items(TransactItems=actions)


def _invoice_key(tenant_id: str, invoice_id: str) -> dict[str, Any]:
    return key(keys.tenant_pk(tenant_id), keys.invoice_sk(invoice_id))


def _item(invoice: Invoice) -> dict[str, Any]:
    attributes = {
        **invoice.model_dump(mode="python", by_alias=True, exclude_none=True),
        "PK": keys.tenant_pk(invoice.tenant_id),
        "SK": keys.invoice_sk(invoice.id),
        "entity": "INVOICE",
        "version": invoice.version,
    }
    size = len(simplejson.dumps(attributes, use_decimal=True).encode())
    if size > MAX_ITEM_BYTES:
        raise InvoiceTooLargeError(invoice.id, size, MAX_ITEM_BYTES)
    return to_item(attributes)


def _invoice(item: dict[str, Any]) -> Invoice:
    return Invoice.model_validate(from_item(item))


def _cursor(invoice_id: str) -> str:
    return base64.urlsafe_b64encode(invoice_id.encode()).decode().rstrip("=")


def _invoice_id_of(cursor: str) -> str:
    try:
        invoice_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        invoice_id = ""
    if not keys.is_storable_id(invoice_id):
        raise InvalidInputError([FieldProblem("cursor", "is not a cursor this API returned")])
    return invoice_id


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
