"""What a caller may ask for: validated input shapes, bounded so a stored invoice stays small."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Self

import simplejson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetPydanticSchema,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from chalicelib.domain.invoice import (
    VAT_CATEGORY_TEXT,
    VAT_EXEMPTION_REASON_TEXT,
    QuantityType,
    RowType,
    VatCategory,
)
from chalicelib.domain.money import HUNDRED, DiscountType
from chalicelib.domain.text import MailAddress, OneLine, PaymentReference
from chalicelib.domain.values import (
    CalendarDate,
    Count,
    CurrencyCode,
    LongText,
    PlainDecimal,
    Reference,
)

MAX_ROWS = 250
MAX_COMMENT_LENGTH = 5000
MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_FIELD_NAME = 128
MAX_CUSTOM_FIELD_DEPTH = 8
MAX_CUSTOM_FIELDS_BYTES = 8 * 1024

Quantity = Annotated[
    PlainDecimal, Field(ge=-1_000_000_000, le=1_000_000_000, decimal_places=6, allow_inf_nan=False)
]
UnitPrice = Annotated[
    PlainDecimal,
    Field(ge=-1_000_000_000_000, le=1_000_000_000_000, decimal_places=6, allow_inf_nan=False),
]
# A discount is an amount off the row (bounded like a unit price) or a percentage (up to 100).
Discount = Annotated[
    PlainDecimal, Field(ge=0, le=1_000_000_000_000, decimal_places=6, allow_inf_nan=False)
]
TaxRate = Annotated[PlainDecimal, Field(ge=0, le=100, decimal_places=4, allow_inf_nan=False)]
PaymentTermDays = Annotated[Count, Field(ge=0, le=365)]
# An e-invoice states it once per VAT category and rate (BT-120), on one line.
VatExemptionReason = Annotated[str, Field(min_length=1, max_length=255), OneLine]


class Command(BaseModel):
    """Input accepts camelCase (as documented) or snake_case; unknown and read-only fields,
    such as an invoice's totals a client computed, are ignored (a row's own amounts are not:
    InvoiceRowInput)."""

    model_config = ConfigDict(
        # Built on first use, not at import: a cold start pays for no schema (decision 0046).
        defer_build=True,
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        str_strip_whitespace=True,
        frozen=True,
        # A contract answers its items whole, defaults included.
        json_schema_serialization_defaults_required=True,
    )


class RowInput(Command):
    id: Reference | None = None
    description: Annotated[str, Field(max_length=1000)] | None = None
    product_id: Reference | None = None
    quantity: Quantity
    quantity_type: QuantityType = QuantityType.AMOUNT
    unit_price: UnitPrice
    tax_rate: TaxRate = Decimal(0)
    vat_category: VatCategory | None = Field(default=None, description=VAT_CATEGORY_TEXT)
    vat_exemption_reason: VatExemptionReason | None = Field(
        default=None, description=VAT_EXEMPTION_REASON_TEXT
    )
    type: RowType = RowType.ITEM
    # The type before the amount, so the amount's check can read it.
    discount_type: DiscountType = DiscountType.FIXED
    discount: Discount = Decimal(0)

    @field_validator("discount")
    @classmethod
    def percentage_at_most_100(cls, discount: Decimal, info: ValidationInfo) -> Decimal:
        if info.data.get("discount_type") is DiscountType.PERCENTAGE and discount > HUNDRED:
            raise ValueError("a PERCENTAGE discount must be at most 100")
        return discount


# What quantity x unitPrice can come to, with room: a stated amount beyond it states no row.
StatedAmount = Annotated[PlainDecimal, Field(ge=-(10**22), le=10**22, allow_inf_nan=False)]


class InvoiceRowInput(RowInput):
    """A row of the native invoice API: its rate, or the amounts it comes to, or both, which
    must agree (pricing.priced_row; decision 0032). `taxRate: null` is no rate, so a row
    answered without one can be sent back as it is; a row with neither a rate nor a stated
    tax is untaxed."""

    total: StatedAmount | None = None
    tax_amount: StatedAmount | None = None
    total_with_tax: StatedAmount | None = None
    discount_amount: StatedAmount | None = None

    @model_validator(mode="before")
    @classmethod
    def a_null_rate_is_no_rate(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (k in _RATE_NAMES and v is None)}
        return data

    @property
    def rate_given(self) -> bool:
        return "tax_rate" in self.model_fields_set


_RATE_NAMES = ("taxRate", "tax_rate")


def _as_given_or_invoice_row(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    return value if isinstance(value, RowInput) else handler(value)


# Typed as RowInput, so a contract's items and an import's rows pass as they were built (each
# was checked where it was made); a request's rows are read as InvoiceRowInput, amounts and all.
RowField = Annotated[
    RowInput,
    GetPydanticSchema(lambda _, handler: handler(InvoiceRowInput)),
    WrapValidator(_as_given_or_invoice_row),
]


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


def _small_json(fields: dict[str, Any]) -> dict[str, Any]:
    """JSON values that DynamoDB keeps exactly (numbers of at most 38 digits, nesting it
    allows), in a few kilobytes, so custom fields never crowd out an invoice's rows."""
    for name, value in fields.items():
        if not 1 <= len(name) <= MAX_CUSTOM_FIELD_NAME:
            raise ValueError(f"a field name has 1 to {MAX_CUSTOM_FIELD_NAME} characters")
        _check_json(value, depth=1)
    if len(simplejson.dumps(fields, use_decimal=True).encode()) > MAX_CUSTOM_FIELDS_BYTES:
        raise ValueError(f"at most {MAX_CUSTOM_FIELDS_BYTES} bytes as JSON")
    return fields


def _check_json(value: Any, depth: int) -> None:
    if depth > MAX_CUSTOM_FIELD_DEPTH:
        raise ValueError(f"values nest at most {MAX_CUSTOM_FIELD_DEPTH} levels deep")
    if isinstance(value, dict):
        for name, inner in value.items():
            if not isinstance(name, str) or not name:
                raise ValueError("a nested field name is a non-empty string")
            _check_json(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            _check_json(inner, depth + 1)
    elif isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
        if not number.is_finite() or len(number.as_tuple().digits) > 38:
            raise ValueError("a number has at most 38 significant digits")
    elif not isinstance(value, str | bool | None):
        raise ValueError("values are JSON: objects, arrays, strings, numbers, booleans or null")


CustomFields = Annotated[
    dict[str, Any], Field(max_length=MAX_CUSTOM_FIELDS), AfterValidator(_small_json)
]


class InvoiceFields(Command):
    """The editable fields of an invoice. On create, a missing field takes the tenant's default;
    on update, only the fields present in the body change (rows are replaced as a whole)."""

    currency: CurrencyCode | None = None
    invoice_date: CalendarDate | None = None
    payment_term_days: PaymentTermDays | None = None
    rows: Annotated[list[RowField], Field(max_length=MAX_ROWS)] | None = None
    client_id: Reference | None = None
    contact_email: MailAddress | None = None
    note: LongText | None = None
    opportunity_id: Reference | None = None
    milestone_id: Reference | None = None
    sales_order_id: Reference | None = None
    subsidiary_id: Reference | None = None
    payment_reference: PaymentReference | None = None
    tax_inclusive: bool | None = None
    custom_fields: CustomFields | None = None
    recurring_agreement: RecurringAgreementInput | None = None


class NewInvoice(InvoiceFields):
    """A create body: the editable fields, and the caller's own id for the invoice, which makes
    creating it idempotent: sent again, it finds the invoice made the first time."""

    external_id: Reference | None = None


# Fields that every invoice has: an update may change them but not clear them.
REQUIRED_FIELDS = frozenset(
    {"currency", "invoice_date", "payment_term_days", "rows", "tax_inclusive"}
)


class CommentInput(Command):
    text: Annotated[str, Field(min_length=1, max_length=MAX_COMMENT_LENGTH)]
