"""Hyperline's batch of invoices (api-docs/hyperline-create-invoices-batch.txt) in native terms.

Amounts come in the currency's minor units and tax rates in percent; a line item's own rate wins
over the invoice's. A coupon is a fixed amount off the line items it names (all of them when it
names none), spread over them in proportion to what each still costs (money.allocate). A `draft`
stays a draft; `to_pay` and `paid` are issued as they stand elsewhere (their own number, or the
tenant's next), with their transactions as payments, and `paid` settles what they leave open on
`settled_at`. A queued batch's items are imported each alone (services/imports.import_each) by
the jobs' worker, under ids fixed by the batch and their place. The batch's outcome is answered
in hyperline_answer."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, Any, Literal, Self

import simplejson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from chalicelib.domain.commands import (
    MAX_ROWS,
    CustomFields,
    NewInvoice,
    Quantity,
    TaxRate,
)
from chalicelib.domain.due import local_date
from chalicelib.domain.errors import NUMBER_FIELD, FieldProblem, InvalidInputError, problems_of
from chalicelib.domain.imports import (
    Found,
    ImportCommand,
    ImportContext,
    ImportedState,
    ImportItem,
    Sender,
)
from chalicelib.domain.invoice import PaymentMethod
from chalicelib.domain.money import (
    ZERO,
    DiscountType,
    allocate,
    line_amounts,
    minor_units,
    plain,
)
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.text import InvoiceNumber, PaymentReference
from chalicelib.domain.values import (
    AcceptedTimestamp,
    Count,
    CurrencyCode,
    Reference,
    ShortText,
)

MAX_INVOICES = 50  # the document's "max 50"
MAX_TRANSACTIONS = 100
MAX_COUPONS = 50
MAX_TERM_DAYS = 365  # the native paymentTermDays' bound
# The native row's description holds the name and, on the next line, the description.
MAX_NAME = 255
MAX_DESCRIPTION = 1000 - MAX_NAME - 1
# The native note holds the custom note, the additional info and the footer, a blank line apart.
MAX_NOTE_PART = (5000 - 4) // 3

# Minor units, bounded as the native unit price is (10^12 of a currency's major unit).
MinorAmount = Annotated[Count, Field(ge=-(10**14), le=10**14)]
PositiveMinorAmount = Annotated[Count, Field(gt=0, le=10**14)]
BatchId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
NotePart = Annotated[str, Field(max_length=MAX_NOTE_PART)]


class _Body(BaseModel):
    """Hyperline's fields are snake_case, and so are the names of those at fault; fields it
    documents that the native invoice has no use for (display flags, payment method and bank
    account ids, the invoicing entity) are accepted and left out."""

    model_config = ConfigDict(
        defer_build=True, extra="ignore", str_strip_whitespace=True, frozen=True
    )


class HyperlineLineItem(_Body):
    name: Annotated[str, Field(max_length=MAX_NAME)] | None = None
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] | None = None
    unit_amount: MinorAmount
    units_count: Quantity = Decimal(1)
    tax_rate: TaxRate | None = None
    product_id: Reference | None = None


class HyperlineCoupon(_Body):
    coupon_id: Reference | None = None
    name: ShortText | None = None
    discount_amount: Annotated[Count, Field(ge=0, le=10**14)]
    line_item_indexes: (
        Annotated[list[Annotated[Count, Field(ge=0)]], Field(max_length=MAX_ROWS)] | None
    ) = None


class HyperlineTransaction(_Body):
    amount: PositiveMinorAmount
    process_at: AcceptedTimestamp
    payment_method_id: Reference | None = None


class HyperlineInvoice(_Body):
    customer_id: Reference
    line_items: Annotated[list[HyperlineLineItem], Field(min_length=1, max_length=MAX_ROWS)]
    batch_invoice_id: Reference | None = None
    currency: CurrencyCode | None = None
    status: Literal["draft", "to_pay", "paid"] = "draft"
    number: InvoiceNumber | None = None
    type: Literal["invoice"] = "invoice"
    reference: PaymentReference | None = None
    purchase_order: ShortText | None = None
    custom_note: NotePart | None = None
    additional_info: NotePart | None = None
    footer: NotePart | None = None
    tax_rate: TaxRate | None = None
    emitted_at: AcceptedTimestamp | None = None
    due_at: AcceptedTimestamp | None = None
    settled_at: AcceptedTimestamp | None = None
    properties: CustomFields | None = None
    transactions: Annotated[list[HyperlineTransaction], Field(max_length=MAX_TRANSACTIONS)] = Field(
        default_factory=list
    )
    coupons: Annotated[list[HyperlineCoupon], Field(max_length=MAX_COUPONS)] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def what_its_status_allows(self) -> Self:
        if self.status == "draft" and (self.number or self.transactions):
            raise ValueError(
                "a draft has no number nor transactions yet: send it as to_pay or paid"
            )
        if self.status != "paid" and self.settled_at is not None:
            raise ValueError("settled_at is for a paid invoice")
        return self


class HyperlineBatch(_Body):
    invoices: Annotated[list[HyperlineInvoice], Field(min_length=1, max_length=MAX_INVOICES)]
    batch_id: BatchId | None = None

    @field_validator("invoices")
    @classmethod
    def batch_invoice_ids_are_unique(
        cls, invoices: list[HyperlineInvoice]
    ) -> list[HyperlineInvoice]:
        first: dict[str, int] = {}
        for index, item in enumerate(invoices):
            if item.batch_invoice_id is None:
                continue
            seen = first.setdefault(item.batch_invoice_id, index)
            if seen != index:
                message = f"invoices[{index}] repeats the batch_invoice_id of invoices[{seen}]"
                raise ValueError(message)
        return invoices


def body_fingerprint(body: Any) -> str:
    """What a request said, whatever its whitespace or the order of its keys: the same batch_id
    names one body (every field counts, those not kept too). Numbers count as written (24000 and
    24000.0 differ), since the JSON parser keeps them so."""
    canonical = simplejson.dumps(body, use_decimal=True, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def from_minor(amount: int, currency: str) -> Decimal:
    return plain(Decimal(amount).scaleb(-minor_units(currency)))


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(minor_units(currency)))


def parsed(data: Any, *, index: int) -> HyperlineInvoice | InvalidInputError:
    """A queued item as the request checked it (one kept by an older release may no longer
    pass), its faults named from the batch."""
    try:
        return HyperlineInvoice.model_validate(data)
    except ValidationError as exc:
        return InvalidInputError(problems_of(exc, f"invoices[{index}]"))


def import_item(item: HyperlineInvoice, invoice_id: str) -> ImportItem:
    """The invoice to import for its customer, under the id its batch and place fix."""
    return ImportItem(item.customer_id, partial(command, item), invoice_id)


def command(item: HyperlineInvoice, context: ImportContext) -> ImportCommand:
    """Its native body in its currency (else the tenant's), dated in the tenant's timezone, and
    how it stands: a draft, or issued and paid as elsewhere."""
    currency = item.currency or context.currency
    body = native_body(
        item, currency=currency, timezone=context.defaults.timezone, today=context.today
    )
    return ImportCommand(body, issue=imported_state(item, currency=currency, now=context.now))


def native_body(item: HyperlineInvoice, *, currency: str, timezone: str, today: date) -> NewInvoice:
    """The native create body. Raises InvalidInputError naming each Hyperline field at fault."""
    invoice_date = local_date(item.emitted_at, timezone) if item.emitted_at else today
    problems = []
    terms = None
    if item.due_at is not None:
        terms = (local_date(item.due_at, timezone) - invoice_date).days
        if not 0 <= terms <= MAX_TERM_DAYS:
            message = f"must be 0 to {MAX_TERM_DAYS} days after emitted_at (today if not sent)"
            problems.append(FieldProblem("due_at", message))
    prices = [from_minor(line.unit_amount, currency) for line in item.line_items]
    amounts = [
        line_amounts(line.units_count, price, ZERO, currency).amount
        for line, price in zip(item.line_items, prices, strict=True)
    ]
    discounts, coupon_problems = _coupon_discounts(item.coupons, amounts, currency)
    if problems or coupon_problems:
        raise InvalidInputError(problems + coupon_problems)
    rows = [
        {
            "description": _joined("\n", line.name, line.description),
            "product_id": line.product_id,
            "quantity": line.units_count,
            "unit_price": price,
            "tax_rate": line.tax_rate if line.tax_rate is not None else item.tax_rate or ZERO,
            "discount": discount,
            "discount_type": DiscountType.FIXED,
        }
        for line, price, discount in zip(item.line_items, prices, discounts, strict=True)
    ]
    return _validated(
        {
            "client_id": item.customer_id,
            "currency": currency,
            "invoice_date": invoice_date,
            "payment_term_days": terms,
            "rows": rows,
            "note": _joined("\n\n", item.custom_note, item.additional_info, item.footer),
            "payment_reference": item.reference,
            "custom_fields": _custom_fields(item),
        }
    )


def imported_state(item: HyperlineInvoice, *, currency: str, now: datetime) -> ImportedState | None:
    """How an issued item stands: sent when emitted, its transactions paid, and a `paid` one
    settled (on settled_at, else its last transaction, else when it was emitted). None for a
    draft."""
    if item.status == "draft":
        return None
    sent_at = item.emitted_at or now
    payments = [
        PaymentInput(
            amount=from_minor(t.amount, currency),
            date=t.process_at,
            payment_method=PaymentMethod.OTHER,
            description=t.payment_method_id,
        )
        for t in item.transactions
    ]
    paid_at = None
    if item.status == "paid":
        last = max((t.process_at for t in item.transactions), default=sent_at)
        paid_at = item.settled_at or last
    return ImportedState(sent_at=sent_at, number=item.number, payments=payments, paid_at=paid_at)


def _coupon_discounts(
    coupons: Sequence[HyperlineCoupon], amounts: Sequence[Decimal], currency: str
) -> tuple[list[Decimal], list[FieldProblem]]:
    """Each line's fixed discount: the coupons spread over the lines they name. An index past
    the last line item names nothing (Hyperline's own example names two of one line item)."""
    discounts = [ZERO] * len(amounts)
    problems = []
    for number, coupon in enumerate(coupons):
        where = f"coupons[{number}]"
        wanted = coupon.line_item_indexes
        named = sorted({i for i in wanted if i < len(amounts)}) if wanted else range(len(amounts))
        if not named:
            problems.append(FieldProblem(f"{where}.line_item_indexes", "names no line item"))
            continue
        left = [max(amounts[i] - discounts[i], ZERO) for i in named]
        amount = from_minor(coupon.discount_amount, currency)
        if amount > sum(left, ZERO):
            message = "exceeds what the line items it names cost"
            problems.append(FieldProblem(f"{where}.discount_amount", message))
            continue
        for i, share in zip(named, allocate(amount, left, currency), strict=True):
            discounts[i] += share
    return discounts, problems


def _custom_fields(item: HyperlineInvoice) -> dict[str, Any] | None:
    """What the native invoice has no field for, kept: the purchase order, the item's name in
    its batch, and Hyperline's custom properties."""
    kept = {
        "purchase_order": item.purchase_order,
        "batch_invoice_id": item.batch_invoice_id,
    }
    fields = {**(item.properties or {}), **{k: v for k, v in kept.items() if v is not None}}
    return fields or None


def _validated(fields: dict[str, Any]) -> NewInvoice:
    try:
        return NewInvoice.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInputError(hyperline_problems(problems_of(exc, ""))) from exc


# Where a native rule's field is in Hyperline's body.
_ROW_FIELDS = {"unitPrice": "unit_amount", "quantity": "units_count", "taxRate": "tax_rate"}
_FIELDS = {
    "clientId": "customer_id",
    "invoice_date": "emitted_at",  # as _validated names it
    "paymentTermDays": "due_at",
    "customFields": "properties",
    "payments": "transactions",
    NUMBER_FIELD: "number",
}


def hyperline_problems(problems: Iterable[FieldProblem]) -> list[FieldProblem]:
    """A native refusal (a discount above its row, too many custom fields) in Hyperline's
    field names."""
    return [FieldProblem(_hyperline_field(p.field), p.message) for p in problems]


def _hyperline_field(field: str) -> str:
    if field.startswith("rows["):
        row, _, name = field.partition("].")
        name = _ROW_FIELDS.get(name, "coupons" if name == "discount" else name)
        return f"line_items[{row.removeprefix('rows[')}].{name}"
    return _FIELDS.get(field, field)


def _joined(separator: str, *parts: str | None) -> str | None:
    return separator.join(part for part in parts if part) or None


# A batch item's id names its place: one found was made by an earlier take of its chunk.
HYPERLINE = Sender(
    unknown_client=lambda _: FieldProblem("customer_id", "names no customer of yours"),
    terms=hyperline_problems,
    found=Found.MADE_EARLIER,
    placed=True,
)
