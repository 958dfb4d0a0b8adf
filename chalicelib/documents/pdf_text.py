"""Everything an invoice PDF says, as strings: its words in the document's language and its
dates, numbers and amounts in its locale, so the drawing code only places text. A credit note's
PDF says the same kinds of things (pdf_credit_note.py), in the same formats.

Amounts print exactly the invoice's Decimals, written with the currency's minor units; nothing
is recomputed here except sums of the rows' rounded amounts: the tax breakdown per rate, and the
rows as entered, before their discounts, which the totals take the discount off."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from chalicelib.documents.formats import babel_locale, grouped_iban
from chalicelib.documents.labels import Labels, labels_for
from chalicelib.documents.pdf_payment import (
    account_holder,
    open_amount,
    payment_account,
)
from chalicelib.domain.documents import InvoiceDocument
from chalicelib.domain.invoice import Invoice, InvoiceRow, QuantityType
from chalicelib.domain.money import DiscountType, invoice_totals, round_money
from chalicelib.domain.parties import PartyDetails

if TYPE_CHECKING:
    from babel import Locale

# CLDR units for the quantity types that have one; Babel picks the plural form and the
# abbreviation for the locale (2,5 Std., 1,5 dnia, 3 kg).
_CLDR_UNITS = {
    QuantityType.HOURS: "duration-hour",
    QuantityType.DAYS: "duration-day",
    QuantityType.WEEKS: "duration-week",
    QuantityType.MONTHS: "duration-month",
    QuantityType.KILOGRAMS: "mass-kilogram",
    QuantityType.LITERS: "volume-liter",
    QuantityType.METERS: "length-meter",
}
# A quantity has at most six decimals (commands.Quantity): all of them print, none rounded.
_QUANTITY_DECIMALS = ".######"


class Fact(NamedTuple):
    label: str
    value: str


@dataclass(frozen=True)
class Party:
    name: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class RowText:
    description: str
    quantity: str
    unit_price: str
    tax_rate: str
    amount: str

    def cells(self) -> tuple[str, str, str, str, str]:
        return (self.description, self.quantity, self.unit_price, self.tax_rate, self.amount)


@dataclass(frozen=True)
class TaxLine:
    rate: str
    net: str
    tax: str


@dataclass(frozen=True)
class InvoiceText:
    labels: Labels
    language: str
    title: str
    seller: Party
    client: Party | None
    facts: tuple[Fact, ...]
    rows: tuple[RowText, ...]
    tax_lines: tuple[TaxLine, ...]
    totals: tuple[Fact, ...]  # what adds up to the total, and last the total
    included_tax: Fact | None  # the tax within the total, when prices include it
    payment: tuple[Fact, ...]
    remark: Fact | None = None  # a heading and its text below the rest: why a note credits

    def column_headings(self) -> tuple[str, str, str, str, str]:
        words = self.labels
        return (words.description, words.quantity, words.unit_price, words.tax, words.amount)


def invoice_text(document: InvoiceDocument) -> InvoiceText:
    """What the PDF of `document` says, each string ready to be placed on the page."""
    locale = babel_locale(document.locale)
    labels = labels_for(locale.language)
    formats = Formats(locale, document.invoice.currency, labels)
    invoice = document.invoice
    number = invoice.invoice_number or labels.draft
    return InvoiceText(
        labels=labels,
        language=str(locale).replace("_", "-"),
        title=f"{labels.invoice} {number}" if invoice.invoice_number else labels.invoice,
        seller=party_text(document.seller, labels, formats),
        client=party_text(document.client, labels, formats) if document.client else None,
        facts=(
            Fact(labels.invoice_number, number),
            Fact(labels.invoice_date, formats.date(invoice.invoice_date)),
            Fact(labels.due_date, formats.date(invoice.due_date)),
        ),
        rows=tuple(formats.row(row, invoice.tax_inclusive) for row in invoice.rows),
        tax_lines=_tax_lines(invoice.rows, formats),
        totals=_totals(invoice, labels, formats),
        included_tax=(
            Fact(labels.included_tax, formats.money(invoice.total_tax))
            if invoice.tax_inclusive
            else None
        ),
        payment=_payment(document, labels, formats),
    )


@functools.lru_cache(maxsize=64)
class Formats:
    """Babel's formats for one locale and currency."""

    def __init__(self, locale: Locale, currency: str, labels: Labels) -> None:
        self.locale, self.currency, self.labels = locale, currency, labels
        decimal_pattern = locale.decimal_formats[None].pattern.split(";")[0]
        self.quantity_pattern = decimal_pattern.split(".")[0] + _QUANTITY_DECIMALS

    def money(self, amount: Decimal) -> str:
        """An amount with exactly the currency's minor units (JPY none, KWD three)."""
        from babel.numbers import format_currency

        rounded = round_money(amount, self.currency)  # a stored amount is already: no change
        return format_currency(rounded, self.currency, locale=self.locale)

    def price(self, amount: Decimal) -> str:
        """A unit price: at least the minor units, and every further decimal it has."""
        from babel.numbers import format_currency

        return format_currency(
            amount, self.currency, locale=self.locale, decimal_quantization=False
        )

    def rate(self, percent: Decimal | None) -> str:
        """None, for a row whose tax was stated as an amount (decision 0032), prints no rate."""
        from babel.numbers import format_percent

        if percent is None:
            return ""
        return format_percent(percent.scaleb(-2), locale=self.locale, decimal_quantization=False)

    def quantity(self, quantity: Decimal, quantity_type: QuantityType) -> str:
        from babel.numbers import format_decimal
        from babel.units import format_unit

        unit = _CLDR_UNITS.get(quantity_type)
        if unit is not None:
            return format_unit(
                quantity, unit, length="short", format=self.quantity_pattern, locale=self.locale
            )
        number = format_decimal(quantity, format=self.quantity_pattern, locale=self.locale)
        if quantity_type is QuantityType.PIECES:
            return f"{number}\N{NO-BREAK SPACE}{self.labels.pieces}"
        return number

    def date(self, day: date) -> str:
        from babel.dates import format_date

        return format_date(day, format="medium", locale=self.locale)

    def country(self, code: str) -> str:
        return str(self.locale.territories.get(code, code))

    def row(self, row: InvoiceRow, tax_inclusive: bool) -> RowText:
        """The row as entered (quantity x unit price); its discount, if any, under its
        description, and taken off in the totals."""
        description = row.description or ""
        if row.discount_amount:
            off = (
                self.rate(row.discount)
                if row.discount_type is DiscountType.PERCENTAGE
                else self.money(row.discount_amount)
            )
            description = f"{description}\n{self.labels.discount} {off}".lstrip("\n")
        return RowText(
            description=description,
            quantity=self.quantity(row.quantity, row.quantity_type),
            unit_price=self.price(row.unit_price),
            tax_rate=self.rate(row.tax_rate),
            amount=self.money(row.amount(tax_inclusive)),
        )


def party_text(party: PartyDetails, labels: Labels, formats: Formats) -> Party:
    address = party.address
    lines: list[str | None] = []
    if address is not None:
        postal_city = " ".join(part for part in (address.postal_code, address.city) if part)
        country = formats.country(address.country) if address.country else None
        lines += [address.street, address.address_line2, postal_city, address.region, country]
    lines.append(f"{labels.vat_id}: {party.vat_id}" if party.vat_id else None)
    lines.append(party.email)
    return Party(name=party.name or "", lines=tuple(line for line in lines if line))


def _totals(invoice: Invoice, labels: Labels, formats: Formats) -> tuple[Fact, ...]:
    """Lines that add up to the total: the rows as entered, less the discount, plus the tax
    unless the prices already include it."""
    total = Fact(labels.total, formats.money(invoice.total_with_tax))
    rows_label = labels.items_total if invoice.tax_inclusive else labels.subtotal
    facts = [Fact(rows_label, formats.money(invoice.subtotal()))]
    if invoice.total_discount:
        facts.append(Fact(labels.discount, formats.money(-invoice.total_discount)))
    elif invoice.tax_inclusive:
        facts = []  # the rows add up to the total itself
    if not invoice.tax_inclusive:
        facts.append(Fact(labels.total_tax, formats.money(invoice.total_tax)))
    return (*facts, total)


def _tax_lines(rows: Iterable[InvoiceRow], formats: Formats) -> tuple[TaxLine, ...]:
    """Net base and tax per rate, from the rows' rounded amounts, lowest rate first."""
    # Rows whose tax was stated as an amount, without a rate, come last, in a line of their own.
    by_rate = sorted(rows, key=lambda row: (row.tax_rate is None, row.tax_rate or 0))
    lines = []
    for rate, rows_of_rate in itertools.groupby(by_rate, key=lambda row: row.tax_rate):
        totals = invoice_totals(rows_of_rate, formats.currency)
        lines.append(
            TaxLine(
                rate=formats.rate(rate),
                net=formats.money(totals.total_excluding_tax),
                tax=formats.money(totals.total_tax),
            )
        )
    return tuple(lines)


def _payment(document: InvoiceDocument, labels: Labels, formats: Formats) -> tuple[Fact, ...]:
    facts = []
    account = payment_account(document)
    if account is not None:
        facts.append(Fact(labels.account_holder, account_holder(document, account) or ""))
        facts.append(Fact("IBAN", grouped_iban(account.iban)))
        if account.bic:
            facts.append(Fact("BIC", account.bic))
    if document.payment_reference:
        facts.append(Fact(labels.payment_reference, document.payment_reference))
    facts.append(Fact(labels.amount_due, formats.money(open_amount(document.invoice))))
    facts.append(Fact(labels.due_date, formats.date(document.invoice.due_date)))
    return tuple(fact for fact in facts if fact.value)
