"""The lines, VAT breakdown and amounts of an e-invoice, from the rows an invoice or a credit note
already priced: every amount is the stored one, written with at most 2 decimals or refused
(decision 0060), and nothing is computed a second way that could differ from the invoice.

EN 16931 prices and line amounts are net. A row's net amount before its discount is its net
(`total`) plus its discount when prices exclude tax; when they include it, it is the gross
before the discount less the tax the invoice's own rule splits out of that gross
(money.tax_on), and the allowance is what separates it from the row's net."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from chalicelib.domain.einvoice_model import Line, LineAllowance, VatBreakdown
from chalicelib.domain.errors import FieldProblem
from chalicelib.domain.invoice import QuantityType, VatCategory
from chalicelib.domain.money import HUNDRED, ZERO, minor_units, sum_of, tax_on

# UN/ECE Recommendation 20 (BT-130) for a row's quantityType.
UNIT_CODES = {
    QuantityType.HOURS: "HUR",
    QuantityType.DAYS: "DAY",
    QuantityType.WEEKS: "WEE",
    QuantityType.MONTHS: "MON",
    QuantityType.KILOGRAMS: "KGM",
    QuantityType.LITERS: "LTR",
    QuantityType.METERS: "MTR",
    QuantityType.PIECES: "H87",
    QuantityType.AMOUNT: "C62",  # one: a unit of its own
}
# The VATEX code (BT-121) that the category itself says; an exempt row (E) says its own reason.
VATEX = {
    VatCategory.AE: "VATEX-EU-AE",
    VatCategory.K: "VATEX-EU-IC",
    VatCategory.G: "VATEX-EU-G",
    VatCategory.O: "VATEX-EU-O",
}
_EXACT = Context(prec=60, rounding=ROUND_HALF_UP)
MAX_DECIMALS = 2  # BR-DEC-*: amounts have at most 2 decimals


@dataclass(frozen=True)
class Row:
    """One row of an invoice or line of a credit note, as the mapping reads it; `at` prefixes
    the fields a refusal names (rows[2].)."""

    at: str
    description: str | None
    quantity: Decimal
    quantity_type: QuantityType
    unit_price: Decimal
    rate: Decimal | None
    discount_amount: Decimal
    total: Decimal
    tax_amount: Decimal
    total_with_tax: Decimal
    category: VatCategory | None
    reason: str | None
    # Where the category came from, when a refusal must say so (a credit note's invoice row).
    category_source: str = ""


class Problems(list[FieldProblem]):
    """The refusals found so far, each field and message once, in the order found."""

    def add(self, field: str, message: str) -> None:
        problem = FieldProblem(field, message)
        if problem not in self:
            self.append(problem)


def written(amount: Decimal, currency: str, field: str, problems: Problems) -> Decimal:
    """`amount` as the e-invoice writes it: with the currency's decimals, at most 2. One whose
    digits beyond the second decimal are not all 0 (1.235 KWD) cannot be written without
    changing money: it is refused, naming `field`, never rounded."""
    places = min(minor_units(currency), MAX_DECIMALS)
    shown = amount.quantize(Decimal(1).scaleb(-places), context=_EXACT)
    if shown != amount:
        problems.add(
            field,
            f"is {amount} {currency}; an e-invoice states amounts with at most {MAX_DECIMALS} "
            "decimals (EN 16931, BR-DEC) and this one cannot be stated so without changing it",
        )
    return _EXACT.add(shown, ZERO)


def checked_category(row: Row, problems: Problems) -> VatCategory | None:
    """The row's category where it fits its rate and reason, else None and what is wrong."""
    at, rate, category = row.at, row.rate, row.category
    if rate is None:
        problems.add(
            f"{at}taxRate",
            "the row states its tax as an amount no rate gives; an e-invoice states each "
            "line's VAT rate (BT-152)",
        )
        return None
    if category is None:
        problems.add(
            f"{at}vatCategory",
            f"{row.category_source}a row without tax names its VAT category for an e-invoice: "
            "Z, E, AE, K, G or O",
        )
        return None
    if category is VatCategory.S and rate <= 0:
        problems.add(f"{at}vatCategory", "S (standard rated) is for a taxRate above 0")
        return None
    if category is not VatCategory.S and rate != 0:
        problems.add(f"{at}taxRate", f"a row of VAT category {category} bears no VAT: 0")
        return None
    return _with_reason(row, category, problems)


def _with_reason(row: Row, category: VatCategory, problems: Problems) -> VatCategory | None:
    if category in (VatCategory.S, VatCategory.Z) and row.reason:
        problems.add(f"{row.at}vatExemptionReason", f"a row of category {category} is not exempt")
        return None
    if category is VatCategory.E and not row.reason:
        problems.add(
            f"{row.at}vatExemptionReason",
            "an exempt row (E) says why, as an e-invoice must (BT-120, BR-E-10)",
        )
        return None
    return category


def line_of(
    row: Row,
    line_id: str,
    category: VatCategory,
    currency: str,
    tax_inclusive: bool,
    problems: Problems,
) -> Line:
    """The row as an e-invoice line; an amount of it that cannot be written is a problem."""
    before = _net_before_discount(row, currency, tax_inclusive)
    discount = _EXACT.subtract(before, row.total)
    allowance = written(discount, currency, f"{row.at}discountAmount", problems)
    unit_net = row.unit_price
    if tax_inclusive and row.rate:
        unit_net = _EXACT.divide(_EXACT.multiply(row.unit_price, HUNDRED), HUNDRED + row.rate)
    quantity, price, base = _priced(row.quantity, unit_net, before)
    return Line(
        line_id=line_id,
        name=row.description or "",
        quantity=quantity,
        unit_code=UNIT_CODES[row.quantity_type],
        net_price=price,
        base_quantity=base,
        net_amount=written(row.total, currency, f"{row.at}total", problems),
        category=category,
        rate=None if category is VatCategory.O else row.rate,
        allowance=LineAllowance(allowance) if allowance else None,
    )


def _net_before_discount(row: Row, currency: str, tax_inclusive: bool) -> Decimal:
    if not row.discount_amount:
        return row.total
    if not tax_inclusive:
        return _EXACT.add(row.total, row.discount_amount)
    gross = _EXACT.add(row.total_with_tax, row.discount_amount)
    return _EXACT.subtract(gross, tax_on(gross, row.rate or ZERO, currency, tax_inclusive=True))


def _priced(
    quantity: Decimal, unit_net: Decimal, amount: Decimal
) -> tuple[Decimal, Decimal, Decimal | None]:
    """Quantity, net price (never negative, BR-27) and base quantity such that quantity x price /
    base is `amount` exactly: the unit price where it gives the amount, else the amount itself
    as the price of all `quantity` units, since a rounded unit price would not add up."""
    if _EXACT.multiply(quantity, unit_net) == amount:
        if unit_net < 0:
            return -quantity, -unit_net, None
        return quantity, unit_net, None
    signed = abs(quantity) if amount >= 0 else -abs(quantity)
    return signed, abs(amount), abs(quantity)


def breakdown_of(
    lines: Sequence[tuple[Line, Row]],
    reasons: dict[tuple[VatCategory, Decimal | None], str | None],
    currency: str,
    problems: Problems,
) -> list[VatBreakdown]:
    """One breakdown per VAT category and rate, in the order they first come: the sum of the
    lines' net amounts and of their rows' taxes, as the invoice's totals sum them."""
    groups: dict[tuple[VatCategory, Decimal | None], list[tuple[Line, Row]]] = {}
    for line, row in lines:
        groups.setdefault((line.category, line.rate), []).append((line, row))
    breakdown = []
    for (category, rate), members in groups.items():
        taxable = sum_of((line.net_amount for line, _ in members), currency)
        tax = sum_of((row.tax_amount for _, row in members), currency)
        named = f"the tax of the rows of VAT category {category}" + (
            f" at {rate} %" if rate is not None else ""
        )
        _refuse_tax_drift(taxable, tax, rate, currency, named, problems)
        breakdown.append(
            VatBreakdown(
                category=category,
                rate=rate,
                taxable_amount=written(taxable, currency, "totalExcludingTax", problems),
                tax_amount=written(tax, currency, "totalTax", problems),
                exemption_reason=reasons.get((category, rate)),
                exemption_code=VATEX.get(category),
            )
        )
    return breakdown


def _refuse_tax_drift(
    taxable: Decimal,
    tax: Decimal,
    rate: Decimal | None,
    currency: str,
    named: str,
    problems: Problems,
) -> None:
    """EN 16931 wants a category's tax to be its taxable amount x rate, rounded to 2 decimals,
    give or take less than 1 (BR-CO-17, BR-S-09); the invoice rounds each row's tax. When the
    rows' rounding adds up to 1 or more (a few yen), the invoice cannot be stated: refused."""
    if rate is None or rate == 0:
        if tax.to_integral_value(rounding=ROUND_HALF_UP) != 0:
            problems.add("totalTax", f"{named} is {tax} {currency}, and a rate of 0 taxes nothing")
        return
    exact = _EXACT.divide(_EXACT.multiply(abs(taxable), rate), HUNDRED)
    expected = exact.quantize(Decimal("0.01"), context=_EXACT)
    if rate.to_integral_value(rounding=ROUND_HALF_UP) == 0:
        fits = tax.to_integral_value(rounding=ROUND_HALF_UP) == 0
    else:
        fits = abs(abs(tax) - expected) < 1
    if not fits:
        problems.add(
            "totalTax",
            f"{named} is {tax} {currency}, the sum of each row's rounded tax, and the rate on "
            f"their {taxable} {currency} gives {expected}; EN 16931 (BR-CO-17) accepts a "
            "difference below 1 only, so this invoice cannot be an e-invoice",
        )
