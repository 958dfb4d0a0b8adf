"""What a refused invoice write means, turned from DynamoDB's ClientErrors into domain errors in
this one place: an invoice gone, one changed first (with what was found in its place, decision
0050), a client gone, a client's credit short (0056), the store busy or out of reach."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.errors import (
    ConcurrentModificationError,
    InvoiceNotFoundError,
    UnknownClientError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.store.customer_credit import CreditMoved
from chalicelib.store.dynamo import (
    NO_ANSWER,
    error_code,
    is_throttled,
    store_busy,
    store_unreachable,
)
from chalicelib.store.items import invoice_of
from chalicelib.store.references import Moved, missing_clients


def taken(conflict: ConcurrentModificationError, invoices: Sequence[Invoice]) -> dict[str, Invoice]:
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
def translated_errors(
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
