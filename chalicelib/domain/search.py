"""What a caller may ask of the invoice lists: search terms, filters, one sort field and a page,
checked against what the indexes can serve."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from chalicelib.domain.commands import Command
from chalicelib.domain.invoice import InvoiceStatus
from chalicelib.domain.values import CalendarDate, CurrencyCode, Reference, ascii_number

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_TERMS = 5
MAX_PAGE = 100_000
Term = Annotated[str, Field(min_length=1, max_length=100)]
# No invoice total reaches it (store/keys.py sorts totals below it, and DynamoDB's numbers end at
# 1e126): a bound beyond it is refused rather than sent.
_TOTAL_LIMIT = Decimal(10) ** 24


class SortField(StrEnum):
    INVOICE_DATE = "invoiceDate"
    DUE_DATE = "dueDate"
    CREATED = "created"
    UPDATED = "updated"
    INVOICE_NUMBER = "invoiceNumber"
    TOTAL = "total"
    STATUS = "status"


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
    list[InvoiceStatus], BeforeValidator(_listed), Field(min_length=1), AfterValidator(_once)
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
    """A page larger than the cap is served at the cap; the page's `size` says so. Anything
    else (a fraction, text, a bool) is left for the field's own check to refuse."""
    number = _as_decimal(value)
    if number is not None and number == number.to_integral_value() and number > MAX_PAGE_SIZE:
        return MAX_PAGE_SIZE
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


def _one_sort(value: Any) -> Any:
    """Several sort fields are refused: an index orders by one; ties break by creation order."""
    if isinstance(value, list):
        if len(value) > 1:
            raise ValueError("sort by one field; ties are broken by creation order")
        return value[0] if value else {}
    return value


class Sort(Command):
    field: SortField = SortField.CREATED
    ascending: bool = True


class InvoiceQuery(Command):
    """A page of a tenant's invoices: matching every search term and filter, in one order."""

    search: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=MAX_TERMS)
    ] = Field(default_factory=list)
    filters: Filters = Field(default_factory=Filters)
    sort: Annotated[Sort, BeforeValidator(_one_sort)] = Field(default_factory=Sort)
    page: Annotated[int, Field(ge=0, le=MAX_PAGE)] = 0
    size: Annotated[int, BeforeValidator(_capped), Field(ge=1, le=MAX_PAGE_SIZE)] = (
        DEFAULT_PAGE_SIZE
    )

    @field_validator("search", mode="after")
    @classmethod
    def folded(cls, terms: list[str]) -> list[str]:
        """Matching ignores case: terms are compared case-folded, as the stored text is."""
        return [term.casefold() for term in terms if term.strip()]

    @property
    def offset(self) -> int:
        return self.page * self.size
