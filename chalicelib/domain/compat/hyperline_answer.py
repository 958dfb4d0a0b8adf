"""A Hyperline batch's outcome as its GET answers it, in Hyperline's style: snake_case, amounts
in the currency's minor units, statuses as Hyperline names them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Literal, TypedDict

from chalicelib.domain.batches import Batch, BatchStatus, ItemResult, ItemStatus
from chalicelib.domain.compat.hyperline import to_minor
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.payments import still_due
from chalicelib.domain.values import DateTimeText, format_timestamp

HyperlineStatus = Literal["draft", "to_pay", "partially_paid", "late", "paid", "voided"]

# Our statuses as Hyperline names them.
_STATUS: dict[InvoiceStatus, HyperlineStatus] = {
    InvoiceStatus.DRAFT: "draft",
    InvoiceStatus.SCHEDULED: "to_pay",
    InvoiceStatus.SENT: "to_pay",
    InvoiceStatus.OVERDUE: "late",
    InvoiceStatus.PAID: "paid",
    InvoiceStatus.CANCELLED: "voided",
}
_BATCH_STATUS: dict[BatchStatus, Literal["pending", "processing", "completed"]] = {
    BatchStatus.QUEUED: "pending",
    BatchStatus.PROCESSING: "processing",
    BatchStatus.COMPLETED: "completed",
}


class HyperlineInvoiceAnswer(TypedDict):
    """An invoice as Hyperline describes one: amounts in minor units."""

    id: str
    number: str | None
    type: Literal["invoice"]
    status: HyperlineStatus
    customer_id: str | None
    currency: str
    reference: str | None
    total_amount: int
    amount_excluding_tax: int
    tax_amount: int
    discount_amount: int
    amount_paid: int
    amount_due: int
    emitted_at: DateTimeText
    due_at: DateTimeText
    settled_at: DateTimeText | None


class HyperlineSuccess(HyperlineInvoiceAnswer):
    index: int
    batch_invoice_id: str | None


class HyperlineDeleted(TypedDict):
    """A created invoice deleted since (a draft may be)."""

    index: int
    batch_invoice_id: str | None
    id: str | None
    status: Literal["deleted"]


class HyperlineError(TypedDict):
    index: int
    batch_invoice_id: str | None
    error: dict[str, Any] | None  # the error body a single create answers, with its status


class HyperlineBatchAnswer(TypedDict):
    batch_id: str
    status: Literal["pending", "processing", "completed"]
    invoices_count: int
    processed_count: int
    successes: list[HyperlineSuccess | HyperlineDeleted]
    errors: list[HyperlineError]
    created_at: DateTimeText
    updated_at: DateTimeText


def hyperline_status(invoice: Invoice) -> HyperlineStatus:
    if invoice.status in (InvoiceStatus.SENT, InvoiceStatus.OVERDUE) and invoice.paid:
        return "partially_paid"
    return _STATUS[invoice.status]


def invoice_answer(invoice: Invoice) -> HyperlineInvoiceAnswer:
    currency = invoice.currency

    def minor(amount: Decimal) -> int:
        return to_minor(amount, currency)

    return {
        "id": invoice.id,
        "number": invoice.invoice_number,
        "type": "invoice",
        "status": hyperline_status(invoice),
        "customer_id": invoice.client_id,
        "currency": currency,
        "reference": invoice.payment_reference,
        "total_amount": minor(invoice.total_with_tax),
        "amount_excluding_tax": minor(invoice.total_excluding_tax),
        "tax_amount": minor(invoice.total_tax),
        "discount_amount": minor(invoice.total_discount),
        "amount_paid": minor(invoice.paid),
        "amount_due": minor(still_due(invoice)),
        "emitted_at": _midnight(invoice.invoice_date),
        "due_at": _midnight(invoice.due_date),
        "settled_at": format_timestamp(invoice.date_paid) if invoice.date_paid else None,
    }


def _midnight(day: date) -> str:
    """A day as Hyperline writes its dates: that day's start, UTC, to the millisecond."""
    return format_timestamp(datetime.combine(day, time(), UTC))


def batch_answer(batch: Batch, invoices: dict[str, Invoice]) -> HyperlineBatchAnswer:
    """A batch's outcome: where it stands, each created invoice under `successes` (as it is
    now) and each refused one under `errors` with the error body a single create answers."""
    return {
        "batch_id": batch.id,
        "status": _BATCH_STATUS[batch.status],
        "invoices_count": batch.total,
        "processed_count": batch.processed,
        "successes": [
            _success(result, invoices.get(result.invoice_id or ""))
            for result in batch.results
            if result.status != ItemStatus.FAILED
        ],
        "errors": [
            {"index": r.index, "batch_invoice_id": r.external_id, "error": r.error}
            for r in batch.results
            if r.status == ItemStatus.FAILED
        ],
        "created_at": format_timestamp(batch.created),
        "updated_at": format_timestamp(batch.updated),
    }


def _success(result: ItemResult, invoice: Invoice | None) -> HyperlineSuccess | HyperlineDeleted:
    index, named = result.index, result.external_id
    if invoice is None:
        return {
            "index": index,
            "batch_invoice_id": named,
            "id": result.invoice_id,
            "status": "deleted",
        }
    return {"index": index, "batch_invoice_id": named, **invoice_answer(invoice)}
