"""Pricing an invoice's rows and totals by the one rule (money.line_amounts): each row priced
from what was asked for, a FIXED discount never above its row, and the invoice's totals the sums
of its rounded rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from chalicelib.domain.commands import InvoiceRowInput, RowInput
from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.invoice import InvoiceRow
from chalicelib.domain.money import (
    ZERO,
    LineAmounts,
    difference,
    exceeds_row,
    invoice_totals,
    line_amounts,
    line_amounts_with_tax,
)
from chalicelib.domain.stated_amounts import StatedAmounts, implied_tax_rate, over_precise
from chalicelib.domain.values import new_id

RowSource = RowInput | InvoiceRow


def priced_rows(
    sources: Sequence[tuple[RowSource, str]],
    currency: str,
    tax_inclusive: bool,
    *,
    preferred_rates: Sequence[Decimal | None] | None = None,
) -> list[InvoiceRow]:
    """Each row priced by the one rule, under the id it is given: a client's own id is kept, so
    one it gives two rows is refused, naming the second. `preferred_rates` are the rates the
    rows had, kept where a row's stated amounts imply them too."""
    _refuse_repeated_ids([row_id for _, row_id in sources])
    preferred = preferred_rates or [None] * len(sources)
    return [
        priced_row(source, row_id, currency, tax_inclusive, at=f"rows[{n}].", preferred_rate=rate)
        for n, ((source, row_id), rate) in enumerate(zip(sources, preferred, strict=True))
    ]


def priced_row(
    source: RowSource,
    row_id: str,
    currency: str,
    tax_inclusive: bool,
    *,
    at: str,
    preferred_rate: Decimal | None = None,
) -> InvoiceRow:
    """The one pricing rule (money.line_amounts); `at` prefixes the field a refusal names. A row
    without a rate whose amounts state a tax takes the rate they imply, or, where no rate of
    4 decimals gives that tax, keeps it as stated with no rate (decision 0032); whatever else
    it states must be what it comes to."""
    stated = _stated(source)
    problems = over_precise(stated, currency, at)
    if problems:
        raise InvalidInputError(problems)
    rate, amounts = _rate_and_amounts(source, stated, currency, tax_inclusive, preferred_rate)
    if exceeds_row(amounts):
        problem = f"a FIXED discount must not exceed the row's amount, {amounts.amount} {currency}"
        raise InvalidInputError([FieldProblem(f"{at}discount", problem)])
    row = InvoiceRow(
        id=row_id,
        description=source.description,
        product_id=source.product_id,
        quantity=source.quantity,
        quantity_type=source.quantity_type,
        unit_price=source.unit_price,
        tax_rate=rate,
        vat_category=source.vat_category,
        vat_exemption_reason=source.vat_exemption_reason,
        type=source.type,
        discount=source.discount,
        discount_type=source.discount_type,
        discount_amount=amounts.discount_amount,
        total=amounts.total,
        tax_amount=amounts.tax_amount,
        total_with_tax=amounts.total_with_tax,
    )
    _refuse_disagreement(stated, row, currency, at)
    return row


def _stated(source: RowSource) -> StatedAmounts:
    """What the row says it comes to. A stored row states only a tax it keeps without a rate;
    its other amounts follow from the rule, and move when the currency or taxInclusive does."""
    if isinstance(source, InvoiceRow):
        return StatedAmounts(tax_amount=source.tax_amount if source.tax_rate is None else None)
    if not isinstance(source, InvoiceRowInput):
        return StatedAmounts()
    return StatedAmounts(
        total=source.total,
        tax_amount=source.tax_amount,
        total_with_tax=source.total_with_tax,
        discount_amount=source.discount_amount,
    )


def _rate_and_amounts(
    source: RowSource,
    stated: StatedAmounts,
    currency: str,
    tax_inclusive: bool,
    preferred_rate: Decimal | None,
) -> tuple[Decimal | None, LineAmounts]:
    """The row's rate (None: its tax is kept as stated) and what it comes to."""
    given = _given_rate(source)
    if given is not None:
        return given, _amounts(source, currency, tax_inclusive, rate=given)
    untaxed = _amounts(source, currency, tax_inclusive, rate=ZERO)
    discounted = difference(untaxed.amount, untaxed.discount_amount)
    tax = stated.tax(discounted, tax_inclusive)
    if tax is None:
        return ZERO, untaxed
    rate = implied_tax_rate(
        discounted, tax, currency, tax_inclusive=tax_inclusive, preferred=preferred_rate
    )
    if rate is None:
        return None, _amounts(source, currency, tax_inclusive, tax=tax)
    return rate, _amounts(source, currency, tax_inclusive, rate=rate)


def _amounts(
    source: RowSource,
    currency: str,
    tax_inclusive: bool,
    *,
    rate: Decimal | None = None,
    tax: Decimal = ZERO,
) -> LineAmounts:
    """What the row comes to at `rate`, or, without one, with `tax` as its tax."""
    priced = (source.quantity, source.unit_price)
    if rate is None:
        return line_amounts_with_tax(
            *priced,
            tax,
            currency,
            discount=source.discount,
            discount_type=source.discount_type,
            tax_inclusive=tax_inclusive,
        )
    return line_amounts(
        *priced,
        rate,
        currency,
        discount=source.discount,
        discount_type=source.discount_type,
        tax_inclusive=tax_inclusive,
    )


def _given_rate(source: RowSource) -> Decimal | None:
    if isinstance(source, InvoiceRowInput) and not source.rate_given:
        return None
    return source.tax_rate


def _refuse_disagreement(stated: StatedAmounts, row: InvoiceRow, currency: str, at: str) -> None:
    """Money is never changed silently: an amount the row states and does not come to is
    refused, naming it and what the row comes to."""
    rate = "its tax as stated" if row.tax_rate is None else f"taxRate {row.tax_rate}"
    problems = [
        FieldProblem(
            f"{at}{name}",
            f"is {computed} {currency} for this row (quantity x unitPrice, less its discount, "
            f"with {rate}), not {value}",
        )
        for name, value in stated.named()
        if (computed := getattr(row, _ATTRIBUTE[name])) != value
    ]
    if problems:
        raise InvalidInputError(problems)


_ATTRIBUTE = {
    "total": "total",
    "taxAmount": "tax_amount",
    "totalWithTax": "total_with_tax",
    "discountAmount": "discount_amount",
}


def _refuse_repeated_ids(row_ids: Sequence[str]) -> None:
    first: dict[str, int] = {}
    problems = []
    for n, row_id in enumerate(row_ids):
        if row_id in first:
            message = f"{row_id} is already the id of rows[{first[row_id]}]: a row's id is unique"
            problems.append(FieldProblem(f"rows[{n}].id", message))
        first.setdefault(row_id, n)
    if problems:
        raise InvalidInputError(problems)


def rows_for_update(
    requested: Sequence[RowInput],
    existing: Sequence[InvoiceRow],
    currency: str,
    tax_inclusive: bool,
) -> list[InvoiceRow]:
    """The rows that replace an invoice's rows: each keeps the id it was sent with, or gets a
    new one. Where its stated amounts imply the rate the row it names had (by id, or by place
    when it names none), it keeps that rate."""
    by_id = {row.id: row for row in existing}
    had = [
        by_id.get(row.id) if row.id is not None else (existing[n] if n < len(existing) else None)
        for n, row in enumerate(requested)
    ]
    return priced_rows(
        [(row, row.id or new_id()) for row in requested],
        currency,
        tax_inclusive,
        preferred_rates=[previous.tax_rate if previous else None for previous in had],
    )


def add_row(
    row: RowInput, existing: Iterable[InvoiceRow], currency: str, tax_inclusive: bool
) -> InvoiceRow:
    """A row added to the others: under its own id when it brings one no other row has."""
    if row.id is not None and row.id in {other.id for other in existing}:
        message = f"{row.id} is already the id of one of the invoice's rows: a row's id is unique"
        raise InvalidInputError([FieldProblem("id", message)])
    return priced_row(row, row.id or new_id(), currency, tax_inclusive, at="")


# An invoice's totals: the sums of its rows, which move whenever its rows do.
TOTAL_FIELDS = ("total_discount", "total", "total_excluding_tax", "total_tax", "total_with_tax")


def totals_fields(rows: Sequence[InvoiceRow], currency: str) -> dict[str, object]:
    totals = invoice_totals(rows, currency)
    return {
        "total": totals.total_with_tax,
        "total_excluding_tax": totals.total_excluding_tax,
        "total_tax": totals.total_tax,
        "total_with_tax": totals.total_with_tax,
        "total_discount": totals.total_discount,
    }
