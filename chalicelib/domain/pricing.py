"""Pricing an invoice's rows and totals by the one rule (money.line_amounts): each row priced
from what was asked for, a FIXED discount never above its row, and the invoice's totals the sums
of its rounded rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chalicelib.domain.commands import RowInput
from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.invoice import InvoiceRow
from chalicelib.domain.money import exceeds_row, invoice_totals, line_amounts
from chalicelib.domain.values import new_id


def priced_rows(
    sources: Sequence[tuple[RowInput | InvoiceRow, str]], currency: str, tax_inclusive: bool
) -> list[InvoiceRow]:
    return [
        priced_row(source, row_id, currency, tax_inclusive, at=f"rows[{n}].")
        for n, (source, row_id) in enumerate(sources)
    ]


def priced_row(
    source: RowInput | InvoiceRow, row_id: str, currency: str, tax_inclusive: bool, *, at: str
) -> InvoiceRow:
    """The one pricing rule (money.line_amounts); `at` prefixes the field a refusal names."""
    amounts = line_amounts(
        source.quantity,
        source.unit_price,
        source.tax_rate,
        currency,
        discount=source.discount,
        discount_type=source.discount_type,
        tax_inclusive=tax_inclusive,
    )
    if exceeds_row(amounts):
        problem = f"a FIXED discount must not exceed the row's amount, {amounts.amount} {currency}"
        raise InvalidInputError([FieldProblem(f"{at}discount", problem)])
    return InvoiceRow(
        id=row_id,
        description=source.description,
        product_id=source.product_id,
        quantity=source.quantity,
        quantity_type=source.quantity_type,
        unit_price=source.unit_price,
        tax_rate=source.tax_rate,
        type=source.type,
        discount=source.discount,
        discount_type=source.discount_type,
        discount_amount=amounts.discount_amount,
        total=amounts.total,
        tax_amount=amounts.tax_amount,
        total_with_tax=amounts.total_with_tax,
    )


def rows_for_update(
    requested: Sequence[RowInput],
    existing: Iterable[InvoiceRow],
    currency: str,
    tax_inclusive: bool,
) -> list[InvoiceRow]:
    """A requested row that names an existing row keeps its id; any other row gets a new one."""
    known = {row.id for row in existing}
    sources = [(row, _kept_id(row.id, known)) for row in requested]
    return priced_rows(sources, currency, tax_inclusive)


def _kept_id(requested: str | None, known: set[str]) -> str:
    return requested if requested is not None and requested in known else new_id()


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
