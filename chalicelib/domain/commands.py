"""What a caller may ask for: validated input shapes, bounded so a stored invoice stays small."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator
from pydantic.alias_generators import to_camel

from chalicelib.domain.invoice import QuantityType, RowType
from chalicelib.domain.values import (
    CalendarDate,
    Count,
    CurrencyCode,
    LongText,
    PlainDecimal,
    Reference,
    ShortText,
)

MAX_ROWS = 250
MAX_COMMENT_LENGTH = 5000

Quantity = Annotated[
    PlainDecimal, Field(ge=-1_000_000_000, le=1_000_000_000, decimal_places=6, allow_inf_nan=False)
]
UnitPrice = Annotated[
    PlainDecimal,
    Field(ge=-1_000_000_000_000, le=1_000_000_000_000, decimal_places=6, allow_inf_nan=False),
]
TaxRate = Annotated[PlainDecimal, Field(ge=0, le=100, decimal_places=4, allow_inf_nan=False)]
PaymentTermDays = Annotated[Count, Field(ge=0, le=365)]


class Command(BaseModel):
    """Input accepts camelCase (as documented) or snake_case; unknown and read-only fields,
    such as totals a client computed, are ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        str_strip_whitespace=True,
        frozen=True,
    )


class RowInput(Command):
    id: Reference | None = None
    description: Annotated[str, Field(max_length=1000)] | None = None
    product_id: Reference | None = None
    quantity: Quantity
    quantity_type: QuantityType = QuantityType.AMOUNT
    unit_price: UnitPrice
    tax_rate: TaxRate = Decimal(0)
    type: RowType = RowType.ITEM


class RecurringAgreementInput(Command):
    auto_send: bool = False
    interval_days: Annotated[Count, Field(ge=1, le=3650)] | None = None
    interval_months: Annotated[Count, Field(ge=1, le=120)] | None = None
    next_invoice_date: CalendarDate
    end_date: CalendarDate | None = None

    @model_validator(mode="after")
    def one_interval_and_a_sane_end(self) -> Self:
        if (self.interval_days is None) == (self.interval_months is None):
            raise ValueError("set exactly one of intervalDays and intervalMonths")
        if self.end_date is not None and self.end_date < self.next_invoice_date:
            raise ValueError("endDate must not be before nextInvoiceDate")
        return self


class InvoiceFields(Command):
    """The editable fields of an invoice. On create, a missing field takes the tenant's default;
    on update, only the fields present in the body change (rows are replaced as a whole)."""

    currency: CurrencyCode | None = None
    invoice_date: CalendarDate | None = None
    payment_term_days: PaymentTermDays | None = None
    rows: Annotated[list[RowInput], Field(max_length=MAX_ROWS)] | None = None
    client_id: Reference | None = None
    contact_email: EmailStr | None = None
    note: LongText | None = None
    opportunity_id: Reference | None = None
    milestone_id: Reference | None = None
    sales_order_id: Reference | None = None
    subsidiary_id: Reference | None = None
    payment_reference: ShortText | None = None
    recurring_agreement: RecurringAgreementInput | None = None

    @model_validator(mode="after")
    def row_ids_are_unique(self) -> Self:
        ids = [row.id for row in self.rows or () if row.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("rows: two rows carry the same id")
        return self


# Fields that every invoice has: an update may change them but not clear them.
REQUIRED_FIELDS = frozenset({"currency", "invoice_date", "payment_term_days", "rows"})


class CommentInput(Command):
    text: Annotated[str, Field(min_length=1, max_length=MAX_COMMENT_LENGTH)]
