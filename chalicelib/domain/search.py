"""What a caller may ask of the invoice lists: search terms, filters, sort keys (any scalar field
of the invoice, several in turn) and a page, checked before anything is read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from chalicelib.domain.commands import Command
from chalicelib.domain.invoice import InvoiceStatus
from chalicelib.domain.values import CalendarDate, Count, CurrencyCode, Reference, ascii_number

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_TERMS = 5
MAX_PAGE = 100_000
Term = Annotated[str, Field(min_length=1, max_length=100)]
# No invoice total reaches it (store/keys.py sorts totals below it, and DynamoDB's numbers end at
# 1e126): a bound beyond it is refused rather than sent.
_TOTAL_LIMIT = Decimal(10) ** 24


MAX_SORT_KEYS = 5


class SortField(StrEnum):
    """Every scalar field an invoice is answered with (tests/unit/test_sorting.py holds it to
    the model); the first seven have an index of their own."""

    CREATED = "created"
    INVOICE_DATE = "invoiceDate"
    DUE_DATE = "dueDate"
    UPDATED = "updated"
    INVOICE_NUMBER = "invoiceNumber"
    TOTAL = "total"
    STATUS = "status"
    ID = "id"
    TENANT_ID = "tenantId"
    TYPE = "type"
    EXTERNAL_ID = "externalId"
    CURRENCY = "currency"
    PAYMENT_TERM_DAYS = "paymentTermDays"
    CLIENT_ID = "clientId"
    CONTACT_EMAIL = "contactEmail"
    NOTE = "note"
    OPPORTUNITY_ID = "opportunityId"
    MILESTONE_ID = "milestoneId"
    SALES_ORDER_ID = "salesOrderId"
    SUBSIDIARY_ID = "subsidiaryId"
    PAYMENT_REFERENCE = "paymentReference"
    TAX_INCLUSIVE = "taxInclusive"
    TOTAL_DISCOUNT = "totalDiscount"
    TOTAL_EXCLUDING_TAX = "totalExcludingTax"
    TOTAL_TAX = "totalTax"
    TOTAL_WITH_TAX = "totalWithTax"
    PAID = "paid"
    PAID_EXCLUDING_TAX = "paidExcludingTax"
    CLIENT_CREDIT = "clientCredit"
    DATE_PAID = "datePaid"
    OVERDUE_NOTIFIED_AT = "overdueNotifiedAt"
    SEND_AT = "sendAt"
    TIMEZONE = "timezone"
    NEXT_REMINDER_AT = "nextReminderAt"
    MAIL_BODY = "mailBody"
    REMINDER_BODY = "reminderBody"
    CREATED_BY = "createdBy"
    UPDATED_BY = "updatedBy"


FILTERS = (
    "status",
    "clientId",
    "currency",
    "opportunityId",
    "invoiceDateFrom",
    "invoiceDateTo",
    "dueDateFrom",
    "dueDateTo",
    "overdue",
    "minTotal",
    "maxTotal",
)


def _listed(value: Any) -> Any:
    """A status filter may be one status, a list, or a comma-separated string."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _once(statuses: list[InvoiceStatus]) -> list[InvoiceStatus]:
    """A status named twice is read once (each status is one more Query of its partition)."""
    return list(dict.fromkeys(statuses))


_Statuses = Annotated[
    list[InvoiceStatus],
    BeforeValidator(_listed, json_schema_input_type=list[InvoiceStatus] | str),
    Field(min_length=1),
    AfterValidator(_once),
]
_Total = Annotated[
    Decimal,
    BeforeValidator(ascii_number),
    Field(allow_inf_nan=False, ge=-_TOTAL_LIMIT, le=_TOTAL_LIMIT),
]


class Filters(Command):
    """Every filter narrows the list; all of them must hold (AND)."""

    status: _Statuses | None = None
    client_id: Reference | None = None
    currency: CurrencyCode | None = None
    opportunity_id: Reference | None = None
    invoice_date_from: CalendarDate | None = None
    invoice_date_to: CalendarDate | None = None
    due_date_from: CalendarDate | None = None
    due_date_to: CalendarDate | None = None
    overdue: bool | None = None
    min_total: _Total | None = None
    max_total: _Total | None = None

    @property
    def given(self) -> set[str]:
        """The filters the caller set (a filter sent as null is not set)."""
        return {name for name in self.model_fields_set if getattr(self, name) is not None}

    @model_validator(mode="before")
    @classmethod
    def only_known_filters(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(FILTERS))
            if unknown:
                raise ValueError(
                    f"unknown filter {', '.join(unknown)}; allowed: {', '.join(FILTERS)}"
                )
        return data

    @model_validator(mode="after")
    def ranges_run_forwards(self) -> Self:
        backwards = (
            _backwards(self.invoice_date_from, self.invoice_date_to)
            or _backwards(self.due_date_from, self.due_date_to)
            or _backwards(self.min_total, self.max_total)
        )
        if backwards:
            raise ValueError("a range's lower bound must not be above its upper bound")
        return self


Bound = TypeVar("Bound", date, Decimal)


def _backwards(low: Bound | None, high: Bound | None) -> bool:
    return low is not None and high is not None and low > high


def _capped(value: Any) -> Any:
    """A page larger than the cap is served at the cap; the page's `size` says so. A size of 0
    (the document's own example sends it) is the default size, as Spring's pageable reads
    it. Anything else (a fraction, text, a bool) is left for the field's own check to refuse."""
    number = _as_decimal(value)
    if number is not None and number == number.to_integral_value() and number > MAX_PAGE_SIZE:
        return MAX_PAGE_SIZE
    if number == 0:
        return DEFAULT_PAGE_SIZE
    return value


def _as_decimal(value: Any) -> Decimal | None:
    """A finite number, or digits as text (a query parameter); None for anything else."""
    if isinstance(value, str):
        text = value.strip()
        return Decimal(text) if text.isascii() and text.isdigit() else None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
        return number if number.is_finite() else None
    return None


def _listed_sorts(value: Any) -> Any:
    """Sort keys are a list, as documented; one key alone may also come as an object."""
    return [value] if isinstance(value, dict) else value


class Sort(Command):
    field: SortField = SortField.CREATED
    ascending: bool = True


def _each_field_once(sorts: list[Sort]) -> list[Sort]:
    """No keys: by creation. A field named twice could never order anything the second time:
    refused, as a request that does not say what it means."""
    fields = [sort.field for sort in sorts]
    twice = sorted({str(field) for field in fields if fields.count(field) > 1})
    if twice:
        raise ValueError(f"sort by each field once; given twice: {', '.join(twice)}")
    return sorts or [Sort()]


_Sorts = Annotated[
    list[Sort],
    BeforeValidator(_listed_sorts, json_schema_input_type=list[Sort] | Sort),
    Field(max_length=MAX_SORT_KEYS),
    AfterValidator(_each_field_once),
]


class InvoiceQuery(Command):
    """A page of a tenant's invoices: matching every search term and filter, in the order of the
    sort keys in turn (each breaks the ties of the one before)."""

    search: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=MAX_TERMS)
    ] = Field(default_factory=list)
    filters: Filters = Field(default_factory=Filters)
    sort: _Sorts = Field(default_factory=lambda: [Sort()])
    page: Annotated[Count, Field(ge=0, le=MAX_PAGE)] = 0
    # Any size from 0 is taken: 0 is the default size, and above the cap is served at the cap.
    size: Annotated[
        Count,
        BeforeValidator(_capped),
        Field(ge=1, le=MAX_PAGE_SIZE),
        WithJsonSchema({"type": "integer", "minimum": 0}),
    ] = DEFAULT_PAGE_SIZE

    @field_validator("search", mode="after")
    @classmethod
    def folded(cls, terms: list[str]) -> list[str]:
        """Matching ignores case: terms are compared case-folded, as the stored text is."""
        return [term.casefold() for term in terms if term.strip()]

    @property
    def offset(self) -> int:
        return self.page * self.size

    @property
    def lead(self) -> Sort:
        """The first sort key: what an index can order by."""
        return self.sort[0]
