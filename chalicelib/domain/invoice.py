"""The invoice as stored and as answered: every documented field, amounts already computed."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from chalicelib.domain.base import DomainModel
from chalicelib.domain.credited import RATE_AMOUNTS, TOTALS, CreditedSummary
from chalicelib.domain.money import (
    ZERO,
    DiscountType,
    amount_before_discount,
    round_money,
    sum_of,
)
from chalicelib.domain.parties import PartyDetails, SellerDetails
from chalicelib.domain.values import CalendarDate, Timestamp


class InvoiceStatus(StrEnum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    SENT = "SENT"
    OVERDUE = "OVERDUE"
    PAID = "PAID"
    CANCELLED = "CANCELLED"


class InvoiceType(StrEnum):
    MANUAL = "MANUAL"
    RECURRING = "RECURRING"


class RowType(StrEnum):
    ITEM = "ITEM"
    SERVICE = "SERVICE"
    EXPENSE = "EXPENSE"


class QuantityType(StrEnum):
    AMOUNT = "AMOUNT"
    PIECES = "PIECES"
    HOURS = "HOURS"
    DAYS = "DAYS"
    WEEKS = "WEEKS"
    MONTHS = "MONTHS"
    KILOGRAMS = "KILOGRAMS"
    LITERS = "LITERS"
    METERS = "METERS"


class VatCategory(StrEnum):
    """A row's VAT category, by the codes of EN 16931 (UNCL 5305), which e-invoices state."""

    S = "S"  # standard rated: a rate above 0
    Z = "Z"  # zero rated
    E = "E"  # exempt: its reason said (vatExemptionReason)
    AE = "AE"  # reverse charge: the buyer accounts for the VAT
    K = "K"  # intra-community supply (EU)
    G = "G"  # export outside the EU
    # outside the scope of VAT
    O = "O"  # noqa: E741


VAT_CATEGORY_TEXT = (
    "The row's VAT category (EN 16931, UNCL 5305): S standard rated, Z zero rated, E exempt, "
    "AE reverse charge, K intra-community supply, G export outside the EU, O outside the scope "
    "of VAT. Defaults to S when taxRate is above 0; a row without tax names its category for "
    "an e-invoice."
)
VAT_EXEMPTION_REASON_TEXT = (
    "Why the row bears no VAT, as an e-invoice states it (BT-120): required for category E, "
    "optional for AE, K, G and O (their standard reason is stated by code), none for S and Z."
)


class EventType(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    COMMENT = "COMMENT"
    ROW_ADDED = "ROW_ADDED"
    ROW_REMOVED = "ROW_REMOVED"
    MARKED_AS_SENT = "MARKED_AS_SENT"
    PAYMENT_ADDED = "PAYMENT_ADDED"
    PAYMENT_REMOVED = "PAYMENT_REMOVED"
    MARKED_AS_PAID = "MARKED_AS_PAID"
    UNMARKED_AS_PAID = "UNMARKED_AS_PAID"
    CANCELLED = "CANCELLED"
    SCHEDULED = "SCHEDULED"
    UNSCHEDULED = "UNSCHEDULED"
    SENT = "SENT"
    REMINDER_SENT = "REMINDER_SENT"
    MARKED_AS_OVERDUE = "MARKED_AS_OVERDUE"
    PDF_GENERATED = "PDF_GENERATED"
    ATTACHMENT_ADDED = "ATTACHMENT_ADDED"
    ATTACHMENT_REMOVED = "ATTACHMENT_REMOVED"
    CREDITED = "CREDITED"  # a credit note was issued on it


class BlobType(StrEnum):
    IMAGE = "IMAGE"
    PDF = "PDF"
    DOCUMENT = "DOCUMENT"
    SPREADSHEET = "SPREADSHEET"
    TEXT = "TEXT"


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "BANK_TRANSFER"
    CREDIT_CARD = "CREDIT_CARD"
    DIRECT_DEBIT = "DIRECT_DEBIT"
    CASH = "CASH"
    CHECK = "CHECK"
    PAYPAL = "PAYPAL"
    OTHER = "OTHER"
    CREDIT = "CREDIT"  # drawn from the client's credit balance (domain/customer_credit)


class InvoiceRow(DomainModel):
    id: str
    description: str | None = None
    product_id: str | None = None
    quantity: Decimal
    quantity_type: QuantityType = QuantityType.AMOUNT
    unit_price: Decimal
    # None: the row stated its tax as an amount no rate of 4 decimals gives, and taxAmount
    # keeps it as stated (decision 0032); stored so, without the attribute.
    tax_rate: Decimal | None = None
    # Rows stored before VAT categories existed read as S when taxed, else as no category.
    vat_category: VatCategory | None = Field(
        default=None, validate_default=True, description=VAT_CATEGORY_TEXT
    )
    vat_exemption_reason: str | None = Field(default=None, description=VAT_EXEMPTION_REASON_TEXT)
    type: RowType = RowType.ITEM
    # Rows stored before discounts existed read as undiscounted.
    discount: Decimal = ZERO
    discount_type: DiscountType = DiscountType.FIXED
    discount_amount: Decimal = ZERO
    total: Decimal
    tax_amount: Decimal
    total_with_tax: Decimal

    @field_validator("vat_category")
    @classmethod
    def _standard_when_taxed(
        cls, category: VatCategory | None, info: ValidationInfo
    ) -> VatCategory | None:
        rate = info.data.get("tax_rate")
        if category is None and isinstance(rate, Decimal) and rate > 0:
            return VatCategory.S
        return category

    def amount(self, tax_inclusive: bool) -> Decimal:
        """round(quantity x unitPrice): the row as entered, before its discount (gross when the
        invoice's prices include tax)."""
        return amount_before_discount(self, tax_inclusive)


class InvoiceEvent(DomainModel):
    id: str
    type: EventType
    date: Timestamp
    author_id: str
    description: str | None = None


class RecurringAgreement(DomainModel):
    auto_send: bool = False
    interval_days: int | None = None
    interval_months: int | None = None
    # None once the last period up to endDate has been invoiced.
    next_invoice_date: CalendarDate | None = None
    end_date: CalendarDate | None = None
    # Period n falls on anchorDate plus n intervals, so month ends keep their day (Jan 31,
    # Feb 28, Mar 31); periodsInvoiced counts the periods the recurring job has invoiced.
    anchor_date: CalendarDate | None = None
    periods_invoiced: int = 0


class Blob(DomainModel):
    blob_id: str
    created: Timestamp
    extension: str | None = None
    file_size: int
    name: str
    type: BlobType


class Reminder(DomainModel):
    created_by: str
    sent_on: Timestamp
    # The reminder policy's step (days from the due date) that the reminder job sent; None for
    # one sent on request.
    step: int | None = None


class Transaction(DomainModel):
    id: str
    tenant_id: str
    account_id: str | None = None
    amount: Decimal
    date: Timestamp
    description: str | None = None
    payment_method: PaymentMethod
    created: Timestamp
    created_by: str
    updated: Timestamp
    updated_by: str


class Invoice(DomainModel):
    id: str
    tenant_id: str
    # Optimistic-locking counter: stored and sent as the ETag, not part of the JSON body.
    version: int = Field(default=0, exclude=True)
    status: InvoiceStatus = InvoiceStatus.DRAFT
    type: InvoiceType = InvoiceType.MANUAL
    invoice_number: str | None = None
    # The caller's own id for the invoice: its id is derived from it, so creating it again
    # finds it instead of making a second (domain/derived_ids).
    external_id: str | None = None
    currency: str
    invoice_date: CalendarDate
    payment_term_days: int
    due_date: CalendarDate
    client_id: str | None = None
    contact_email: str | None = None
    note: str | None = None
    opportunity_id: str | None = None
    milestone_id: str | None = None
    sales_order_id: str | None = None
    subsidiary_id: str | None = None
    payment_reference: str | None = None
    # Unit prices include tax; false for invoices stored before the flag existed.
    tax_inclusive: bool = False
    rows: list[InvoiceRow] = Field(default_factory=list)
    total_discount: Decimal = ZERO
    total: Decimal
    total_excluding_tax: Decimal
    total_tax: Decimal
    total_with_tax: Decimal
    paid: Decimal
    paid_excluding_tax: Decimal
    date_paid: Timestamp | None = None
    overdue_notified_at: Timestamp | None = None
    send_at: Timestamp | None = None  # when a SCHEDULED invoice is to be emailed
    # The IANA timezone its dates are days in (the tenant's, taken when it is created and again
    # when it is issued): where a due date ends and a reminder's day begins.
    timezone: str = "UTC"
    next_reminder_at: Timestamp | None = None  # when the reminder job next looks at it
    mail_body: str | None = None
    reminder_body: str | None = None
    sent_mails: list[str] = Field(default_factory=list)
    reminders: list[Reminder] = Field(default_factory=list)
    transactions: list[Transaction] = Field(default_factory=list)
    # What its credit notes credited, and the notes (issue 21): what is open is what neither
    # payments nor credit notes cover.
    credited: CreditedSummary = Field(default_factory=CreditedSummary)
    # What its payments and credit notes brought beyond its total, kept as its client's credit
    # balance (decision 0056): what is open is total - paid - credited + clientCredit.
    client_credit: Decimal = Field(default=ZERO, validate_default=True)
    attachments: list[Blob] = Field(default_factory=list)
    pdf: Blob | None = None
    # The caller's own fields, kept and answered as sent (commands.CustomFields bounds them).
    custom_fields: dict[str, Any] | None = None
    recurring_agreement: RecurringAgreement | None = None
    # Who sold and who bought, copied when the invoice leaves DRAFT: a later edit of the
    # tenant's settings or of the client never changes what an issued invoice says.
    seller: SellerDetails | None = None
    client: PartyDetails | None = None
    events: list[InvoiceEvent] = Field(default_factory=list)
    created: Timestamp
    created_by: str
    updated: Timestamp
    updated_by: str
    # The names of the last retryable requests that changed it (Actor.request): a retry whose
    # first try's answer was lost finds that its change is made. Stored, never answered.
    written_by: list[str] = Field(default_factory=list, exclude=True)

    @field_validator("client_credit")
    @classmethod
    def _client_credit_in_minor_units(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        """Stored only when not zero: read back, or never written, in the currency's units."""
        currency = info.data.get("currency")
        return round_money(value, currency) if isinstance(currency, str) else value

    def is_written_by(self, request: str | None) -> bool:
        """Whether the retryable request `request` changed it already."""
        return request is not None and request in self.written_by

    def as_written_by(self, request: str | None) -> Invoice:
        """It, remembering that `request` changed it (the last MAX_WRITERS_KEPT of them)."""
        if request is None:
            return self
        kept = [*self.written_by, request][-MAX_WRITERS_KEPT:]
        return self.model_copy(update={"written_by": kept})

    def subtotal(self) -> Decimal:
        """The rows' amounts as entered, before discounts: the sum the discount is taken off."""
        return sum_of((row.amount(self.tax_inclusive) for row in self.rows), self.currency)

    @classmethod
    def from_stored(cls, attributes: Mapping[str, Any]) -> Invoice:
        """The invoice stored as `attributes` (its fields by their wire names), its amounts
        written with the currency's minor units (10 EUR as 10.00) before it is validated:
        DynamoDB keeps a number's value, not its scale. As in_minor_units gives, at a fraction
        of the cost (a whole list reads thousands)."""
        currency = attributes.get("currency")
        if not isinstance(currency, str):
            return cls.model_validate(attributes)
        data = _scaled(attributes, _STORED_INVOICE_AMOUNTS, currency)
        for name, amounts in (("rows", _STORED_ROW_AMOUNTS), ("transactions", ("amount",))):
            if isinstance(attributes.get(name), list):
                data[name] = [_scaled(part, amounts, currency) for part in attributes[name]]
        if "credited" in attributes:
            data["credited"] = _scaled_credited(attributes["credited"], currency)
        return cls.model_validate(data)

    def in_minor_units(self) -> Invoice:
        """The same amounts written with the currency's minor units (10 EUR as 10.00): DynamoDB
        keeps a number's value, not its scale."""

        def scaled(amount: Decimal) -> Decimal:
            return round_money(amount, self.currency)

        rows = [
            row.model_copy(update={name: scaled(getattr(row, name)) for name in _ROW_AMOUNTS})
            for row in self.rows
        ]
        transactions = [
            t.model_copy(update={"amount": scaled(t.amount)}) for t in self.transactions
        ]
        return self.model_copy(
            update={
                "rows": rows,
                "transactions": transactions,
                "credited": self.credited.in_minor_units(self.currency),
                **{name: scaled(getattr(self, name)) for name in _INVOICE_AMOUNTS},
            }
        )


# Retries come within minutes, and a retried request's record keeps its answer for 24 hours:
# the last 20 writers of an invoice cover that window (decision 0031).
MAX_WRITERS_KEPT = 20

_INVOICE_AMOUNTS = (
    "total_discount",
    "total",
    "total_excluding_tax",
    "total_tax",
    "total_with_tax",
    "paid",
    "paid_excluding_tax",
    "client_credit",
)
_ROW_AMOUNTS = ("discount_amount", "total", "tax_amount", "total_with_tax")
# The same, by the names they are stored under.
_STORED_INVOICE_AMOUNTS = tuple(Invoice.model_fields[n].alias or n for n in _INVOICE_AMOUNTS)
_STORED_ROW_AMOUNTS = tuple(InvoiceRow.model_fields[n].alias or n for n in _ROW_AMOUNTS)
_STORED_CREDITED = (
    ("creditNotes", ("totalWithTax",)),
    ("rows", _STORED_ROW_AMOUNTS),  # a row credited has a row's amounts, by the same names
    ("rates", RATE_AMOUNTS),  # one word each: their own aliases
)
_STORED_CREDITED_TOTALS = tuple(CreditedSummary.model_fields[n].alias or n for n in TOTALS)


def _scaled(stored: Any, amounts: tuple[str, ...], currency: str) -> Any:
    """A stored mapping with its `amounts` in the currency's minor units (anything else, or
    not a mapping, as it is: validation names what is wrong)."""
    if not isinstance(stored, Mapping):
        return stored
    scaled = {
        n: round_money(stored[n], currency) for n in amounts if type(stored.get(n)) is Decimal
    }
    return {**stored, **scaled}


def _scaled_credited(stored: Any, currency: str) -> Any:
    """The stored credited summary with its amounts in the currency's minor units."""
    data = _scaled(stored, _STORED_CREDITED_TOTALS, currency)
    if not isinstance(data, dict):
        return data
    for name, amounts in _STORED_CREDITED:
        if isinstance(data.get(name), list):
            data[name] = [_scaled(part, amounts, currency) for part in data[name]]
    return data
