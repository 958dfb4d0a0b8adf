"""Heffl's create-invoice body (api-docs/heffl-create-invoice.txt) as a native import; the
invoice is answered in Heffl's shape by heffl_answer.py. Heffl's line items carry their tax as the
id of one of the tenant's tax rates, and its unknown top-level keys are the invoice's custom
fields. A body is imported alone (services/imports.import_one): a draft or, when its status is
SENT, created issued as mark-as-sent issues it (a gapless number, no email) in one write."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PlainValidator,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from chalicelib.domain.commands import (
    MAX_ROWS,
    Command,
    CustomFields,
    Discount,
    NewInvoice,
    Quantity,
    UnitPrice,
)
from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.imports import AS_SENT, ImportCommand, ImportContext, ImportItem, Sender
from chalicelib.domain.money import HUNDRED, DiscountType
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import CalendarDate, Reference, ShortText

# The native row's description holds the name and, on the next line, the description.
MAX_NAME = 255
MAX_DESCRIPTION = 1000 - MAX_NAME - 1
# The native note holds the subject and, after a blank line, the notes.
MAX_NOTES = 5000 - 255 - 2
MAX_TAGS = 100
MAX_TERM_DAYS = 365  # the native paymentTermDays' bound
MAX_ID = 128  # as the native Reference


def _heffl_id(value: Any) -> str | int:
    """Heffl types some ids as strings in requests and numbers in responses: either is taken
    (JSON's 42.0 is 42; a boolean is neither), and refused with one message naming the field."""
    if isinstance(value, str):
        text = value.strip()
        if not 1 <= len(text) <= MAX_ID:
            raise ValueError(f"must be 1 to {MAX_ID} characters")
        return text
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("must be a string or a whole number")


# Answered as the response's type where it can be (documented_id).
Id = Annotated[str | int, PlainValidator(_heffl_id)]


class HefflLineItem(Command):
    name: Annotated[str, Field(max_length=MAX_NAME)] | None = None
    product_id: Id | None = None
    quantity: Quantity
    price: UnitPrice
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] | None = None
    tax_rate_id: Reference | None = None
    # The type before the amount, so the amount's check can read it.
    discount_type: Literal["fixed", "percentage"] = "fixed"
    discount: Discount = Decimal(0)
    buy_price: UnitPrice | None = None

    @field_validator("discount")
    @classmethod
    def percentage_at_most_100(cls, discount: Decimal, info: ValidationInfo) -> Decimal:
        if info.data.get("discount_type") == "percentage" and discount > HUNDRED:
            raise ValueError("a percentage discount must be at most 100")
        return discount


class HefflInvoiceInput(Command):
    """The documented body. Keys it does not document are kept as custom fields, and so are the
    entries of a `customFields` object, so a client may send back what it was answered."""

    client_id: Reference
    date: CalendarDate
    due_date: CalendarDate
    line_items: Annotated[list[HefflLineItem], Field(min_length=1, max_length=MAX_ROWS)]
    is_inclusive_tax: bool = False
    status: Literal["DRAFT", "SENT"] = "DRAFT"
    contact_id: Reference | None = None
    subject: ShortText | None = None
    notes: Annotated[str, Field(max_length=MAX_NOTES)] | None = None
    sales_person_id: Id | None = None
    template_id: Reference | None = None
    tags: Annotated[list[Id], Field(max_length=MAX_TAGS)] = Field(default_factory=list)
    custom_fields: CustomFields | None = None

    @model_validator(mode="before")
    @classmethod
    def unknown_keys_are_custom_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = {name for field in cls.model_fields for name in (field, to_camel(field))}
        unknown = {key: value for key, value in data.items() if key not in known}
        sent = data.get("customFields", data.get("custom_fields"))
        if not unknown or (sent is not None and not isinstance(sent, dict)):
            return data
        kept = {key: value for key, value in data.items() if key in known}
        return {**kept, "customFields": {**(sent or {}), **unknown}}


def import_item(body: HefflInvoiceInput) -> ImportItem:
    """The body as the invoice to import for the client it names."""
    return ImportItem(body.client_id, partial(command, body))


def command(body: HefflInvoiceInput, context: ImportContext) -> ImportCommand:
    """Its native invoice, with its tax rates looked up in the settings as read now; SENT issues
    it as mark-as-sent does."""
    issue = AS_SENT if body.status == "SENT" else None
    return ImportCommand(native_fields(body, context.settings), issue=issue)


def native_fields(body: HefflInvoiceInput, settings: TenantSettings) -> NewInvoice:
    """The native invoice the body describes, its tax rates looked up in the tenant's settings.
    Raises InvalidInputError naming each Heffl field at fault."""
    problems = []
    terms = (body.due_date - body.date).days
    if not 0 <= terms <= MAX_TERM_DAYS:
        message = f"must be 0 to {MAX_TERM_DAYS} days after date"
        problems.append(FieldProblem("dueDate", message))
    rates = []
    for n, item in enumerate(body.line_items):
        rate = settings.tax_rate(item.tax_rate_id) if item.tax_rate_id is not None else None
        if item.tax_rate_id is not None and rate is None:
            message = "names no tax rate of the tenant's settings (taxRates)"
            problems.append(FieldProblem(f"lineItems[{n}].taxRateId", message))
        rates.append(rate.rate if rate is not None else Decimal(0))
    if problems:
        raise InvalidInputError(problems)
    return NewInvoice.model_validate(
        {
            "client_id": body.client_id,
            "invoice_date": body.date,
            "payment_term_days": terms,
            "tax_inclusive": body.is_inclusive_tax,
            "rows": [_row(item, rate) for item, rate in zip(body.line_items, rates, strict=True)],
            "note": _joined("\n\n", body.subject, body.notes),
            "custom_fields": body.custom_fields,
        }
    )


def _row(item: HefflLineItem, tax_rate: Decimal) -> dict[str, Any]:
    return {
        "description": _joined("\n", item.name, item.description),
        "product_id": None if item.product_id is None else str(item.product_id),
        "quantity": item.quantity,
        "unit_price": item.price,
        "tax_rate": tax_rate,
        "discount": item.discount,
        "discount_type": DiscountType(item.discount_type.upper()),
    }


def _joined(separator: str, *parts: str | None) -> str | None:
    return separator.join(part for part in parts if part) or None


# Where a native rule's field is in Heffl's body.
_HEFFL_ROW_FIELDS = {"unitPrice": "price", "description": "name", "taxRate": "taxRateId"}
_HEFFL_FIELDS = {"invoiceDate": "date", "paymentTermDays": "dueDate", "note": "notes"}


def heffl_problems(problems: Iterable[FieldProblem]) -> list[FieldProblem]:
    """A native refusal (such as a fixed discount above its row) in Heffl's field names."""
    return [FieldProblem(_heffl_field(p.field), p.message) for p in problems]


def _heffl_field(field: str) -> str:
    if field.startswith("rows["):
        row, _, name = field.partition("].")
        return f"lineItems[{row.removeprefix('rows[')}].{_HEFFL_ROW_FIELDS.get(name, name)}"
    return _HEFFL_FIELDS.get(field, field)


HEFFL = Sender(
    unknown_client=lambda _: FieldProblem("clientId", "names no client of yours"),
    terms=heffl_problems,
)
