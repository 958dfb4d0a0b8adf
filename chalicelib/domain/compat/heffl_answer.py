"""The invoice a Heffl create made, answered in Heffl's response shape
(api-docs/heffl-create-invoice.txt). What the native invoice has no place for is answered as it
was sent. Pure."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

from chalicelib.domain.base import DomainModel
from chalicelib.domain.compat.heffl import HefflInvoiceInput, HefflLineItem
from chalicelib.domain.invoice import Invoice, InvoiceRow
from chalicelib.domain.payments import still_due
from chalicelib.domain.values import CalendarDate, Timestamp

# The largest integer every JSON reader holds exactly (JavaScript's numbers are doubles).
LARGEST_EXACT_INTEGER = 2**53 - 1
_INTEGER = re.compile(r"0|-?[1-9][0-9]*")


class _Answer(DomainModel):
    """A vendor's answer: camelCase, immutable, every field answered, as every domain model."""


class HefflLineItemAnswer(_Answer):
    name: str | None
    quantity: Decimal
    price: Decimal
    # Always a rate here (the taxRateId's, else 0); native rows may keep a stated tax without one.
    tax: Decimal | None
    discount: Decimal
    discount_type: Literal["fixed", "percentage"]
    buy_price: Decimal | None
    view_type: Literal["LINE_ITEM"] = "LINE_ITEM"
    amount: Decimal
    tax_amount: Decimal
    discount_amount: Decimal
    description: str | None
    product_id: str | int | None


class HefflInvoiceAnswer(_Answer):
    """Exactly the documented response fields."""

    id: str
    number: str
    date: CalendarDate
    due_date: CalendarDate
    status: str
    currency: str
    is_inclusive_tax: bool
    sub_total: Decimal
    tax_total: Decimal
    discount_total: Decimal
    total: Decimal
    pending_total: Decimal
    paid_total: Decimal
    line_items: list[HefflLineItemAnswer]
    created_at: Timestamp
    client_id: str | None
    contact_id: str | None
    subject: str | None
    notes: str | None
    sales_person_id: str | int | None
    custom_fields: dict[str, Any]


def heffl_answer(invoice: Invoice, body: HefflInvoiceInput) -> dict[str, Any]:
    """The invoice as Heffl answers it. What the native invoice has no place for (names, buy
    prices, contact, sales person) is answered as it was sent, ids Heffl answers as numbers as
    numbers where they are (documented_id). A draft has no number yet: "".
    Amounts stay Decimal, for an exact JSON writer."""
    answer = HefflInvoiceAnswer(
        id=invoice.id,
        number=invoice.invoice_number or "",
        date=invoice.invoice_date,
        due_date=invoice.due_date,
        status=invoice.status,
        currency=invoice.currency,
        is_inclusive_tax=invoice.tax_inclusive,
        sub_total=invoice.subtotal(),
        tax_total=invoice.total_tax,
        discount_total=invoice.total_discount,
        total=invoice.total_with_tax,
        pending_total=still_due(invoice),
        paid_total=invoice.paid,
        line_items=[
            _line_answer(row, item, invoice.tax_inclusive)
            for row, item in zip(invoice.rows, body.line_items, strict=True)
        ],
        created_at=invoice.created,
        client_id=invoice.client_id,
        contact_id=body.contact_id,
        subject=body.subject,
        notes=body.notes,
        sales_person_id=documented_id(body.sales_person_id),
        custom_fields=invoice.custom_fields or {},
    )
    return answer.model_dump(mode="python", by_alias=True)


def _line_answer(row: InvoiceRow, item: HefflLineItem, tax_inclusive: bool) -> HefflLineItemAnswer:
    return HefflLineItemAnswer(
        name=item.name,
        quantity=row.quantity,
        price=row.unit_price,
        tax=row.tax_rate,
        discount=row.discount,
        discount_type=item.discount_type,
        buy_price=item.buy_price,
        amount=row.amount(tax_inclusive),
        tax_amount=row.tax_amount,
        discount_amount=row.discount_amount,
        description=item.description,
        product_id=documented_id(item.product_id),
    )


def documented_id(sent: str | int | None) -> str | int | None:
    """An id Heffl's response types as a number (salesPersonId, a line item's productId): a
    number when what was sent is an integer written plainly ("42", not "042" or "4.2e1") that
    every JSON reader holds exactly; anything else as it was sent, so no id is ever changed."""
    if isinstance(sent, str) and _INTEGER.fullmatch(sent):
        number = int(sent)
        return number if abs(number) <= LARGEST_EXACT_INTEGER else sent
    return sent
