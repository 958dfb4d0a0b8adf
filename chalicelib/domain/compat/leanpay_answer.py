"""An imported invoice answered in Leanpay's shape (api-docs/leanpay-import-invoices-batch.txt):
its statuses, date-times and amounts as Leanpay writes them. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import PlainSerializer

from chalicelib.domain.base import DomainModel
from chalicelib.domain.compat.leanpay import KEY_PREFIX
from chalicelib.domain.compat.leanpay_reimport import sent_on
from chalicelib.domain.credited import CreditNoteReference
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.money import ZERO, round_money
from chalicelib.domain.payments import still_due
from chalicelib.domain.values import CalendarDate, DateTimeText

# Our statuses as Leanpay names them; an imported invoice is never a draft nor scheduled.
LEANPAY_STATUS = {
    InvoiceStatus.SENT: "due",
    InvoiceStatus.OVERDUE: "late",
    InvoiceStatus.PAID: "paid",
    InvoiceStatus.CANCELLED: "cancelled",
}


def _seconds(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Leanpay's date-times: UTC, to the second, as its document writes them.
LeanpayTime = Annotated[datetime, PlainSerializer(_seconds, return_type=DateTimeText)]


class _Answer(DomainModel):
    """A vendor's answer: camelCase, immutable, every field answered, as every domain model."""


class DueDateAnswer(_Answer):
    due_date: CalendarDate
    currency: str
    amount: Decimal
    default_currency_amount: Decimal


class PaymentAnswer(_Answer):
    date: LeanpayTime
    amount: Decimal
    default_currency_amount: Decimal
    external_id: str


class LinkedCreditNote(_Answer):
    id: str
    external_id: str


class CreditNoteLinkAnswer(_Answer):
    """A credit note that offsets the invoice, as Leanpay links it: what it credited, when."""

    date: CalendarDate
    amount: Decimal
    default_currency_amount: Decimal
    external_id: str
    credit_note: LinkedCreditNote


class LeanpayInvoiceAnswer(_Answer):
    """Exactly the documented response fields."""

    id: str
    tenant_id: str
    client_id: str | None
    external_id: str
    reference: str | None
    amount: Decimal
    remaining_amount: Decimal
    paid_amount: Decimal
    offset_amount: Decimal
    sent_date: CalendarDate | None
    issue_date: CalendarDate
    due_date: CalendarDate
    status: str
    upcoming_payment_date: CalendarDate | None
    due_dates: list[DueDateAnswer]
    payments: list[PaymentAnswer]
    credit_note_links: list[CreditNoteLinkAnswer]
    created_at: LeanpayTime
    updated_at: LeanpayTime


def leanpay_answer(invoice: Invoice) -> dict[str, Any]:
    """The invoice as Leanpay answers it. It has one due date, for its whole amount, in its
    currency, which was the tenant's default when it was imported (so defaultCurrencyAmount is
    the amount); a payment's externalId is its native id; what credit notes credited is offset,
    each note linked (its externalId its number).
    Nothing remains to pay on a PAID or CANCELLED invoice. Amounts stay Decimal."""
    currency, total = invoice.currency, invoice.total_with_tax
    closed = invoice.status in (InvoiceStatus.PAID, InvoiceStatus.CANCELLED)
    remaining = round_money(ZERO, currency) if closed else still_due(invoice)
    answer = LeanpayInvoiceAnswer(
        id=invoice.id,
        tenant_id=invoice.tenant_id,
        client_id=invoice.client_id,
        external_id=(invoice.external_id or "").removeprefix(KEY_PREFIX),
        reference=invoice.invoice_number,
        amount=total,
        remaining_amount=remaining,
        paid_amount=invoice.paid,
        offset_amount=round_money(invoice.credited.total_with_tax, currency),
        sent_date=sent_on(invoice),
        issue_date=invoice.invoice_date,
        due_date=invoice.due_date,
        status=LEANPAY_STATUS.get(invoice.status, str(invoice.status).lower()),
        upcoming_payment_date=invoice.due_date if remaining else None,
        due_dates=[
            DueDateAnswer(
                due_date=invoice.due_date,
                currency=currency,
                amount=total,
                default_currency_amount=total,
            )
        ],
        payments=[
            PaymentAnswer(
                date=t.date, amount=t.amount, default_currency_amount=t.amount, external_id=t.id
            )
            for t in invoice.transactions
        ],
        credit_note_links=[_link(note, currency) for note in invoice.credited.credit_notes],
        created_at=invoice.created,
        updated_at=invoice.updated,
    )
    return answer.model_dump(mode="python", by_alias=True)


def _link(note: CreditNoteReference, currency: str) -> CreditNoteLinkAnswer:
    amount = round_money(note.total_with_tax, currency)
    return CreditNoteLinkAnswer(
        date=note.credit_note_date,
        amount=amount,
        default_currency_amount=amount,
        external_id=note.id,
        credit_note=LinkedCreditNote(id=note.id, external_id=note.credit_note_number),
    )
