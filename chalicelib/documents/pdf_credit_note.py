"""Everything a credit note's PDF says, as strings, in the shape an invoice's takes (pdf_text), so
the one drawing code (pdf.py) places either: titled as a credit note in the document's language,
naming the invoice it credits and that invoice's date, its rows, its tax breakdown per rate and
its totals, every amount negative as the locale writes one ("-62,00 €", "-€62.00").

Amounts print exactly the note's Decimals, negated; nothing is recomputed but the sums of its
rounded lines as entered, before their discounts, which the totals take the discount off."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from chalicelib.documents.formats import babel_locale
from chalicelib.documents.labels import Labels, labels_for
from chalicelib.documents.pdf_text import Fact, Formats, InvoiceText, RowText, TaxLine, party_text
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.credited import RateAmounts
from chalicelib.domain.crediting import CreditNoteRow
from chalicelib.domain.documents import CreditNoteDocument
from chalicelib.domain.money import ZERO, amount_before_discount, difference, sum_of


def credit_note_text(document: CreditNoteDocument) -> InvoiceText:
    """What the PDF of the credit note says, each string ready to be placed on the page."""
    locale = babel_locale(document.locale)
    labels = labels_for(locale.language)
    note = document.note
    formats = Formats(locale, note.currency, labels)
    return InvoiceText(
        labels=labels,
        language=str(locale).replace("_", "-"),
        title=f"{labels.credit_note} {note.credit_note_number}",
        seller=party_text(document.seller, labels, formats),
        client=party_text(document.client, labels, formats) if document.client else None,
        facts=(
            Fact(labels.credit_note_number, note.credit_note_number),
            Fact(labels.credit_note_date, formats.date(note.credit_note_date)),
            Fact(labels.credited_invoice, note.invoice_number),
            Fact(labels.invoice_date, formats.date(note.invoice_date)),
        ),
        rows=tuple(_row(line, note.tax_inclusive, formats) for line in note.rows),
        tax_lines=_tax_lines(note.tax_breakdown, formats),
        totals=_totals(note, labels, formats),
        included_tax=(
            Fact(labels.included_tax, formats.money(negative(note.total_tax)))
            if note.tax_inclusive
            else None
        ),
        payment=(),
        remark=Fact(labels.reason, note.reason),
    )


def negative(amount: Decimal) -> Decimal:
    """What a credit note's document shows for an amount it credits: never a negative zero."""
    return difference(ZERO, amount)


def _row(line: CreditNoteRow, tax_inclusive: bool, formats: Formats) -> RowText:
    """The line as credited: its quantity and amount negative, the unit price as invoiced; its
    discount, if any, under its description and taken off in the totals."""
    description = line.description or ""
    if line.discount_amount:
        off = formats.money(line.discount_amount)
        description = f"{description}\n{formats.labels.discount} {off}".lstrip("\n")
    return RowText(
        description=description,
        quantity=formats.quantity(negative(line.quantity), line.quantity_type),
        unit_price=formats.price(line.unit_price),
        tax_rate=formats.rate(line.tax_rate),
        amount=formats.money(negative(amount_before_discount(line, tax_inclusive))),
    )


def _totals(note: CreditNote, labels: Labels, formats: Formats) -> tuple[Fact, ...]:
    """Lines that add up to the total, as an invoice's do, each negated: the lines as entered,
    the discount they no longer give, and the tax unless the prices include it."""
    total = Fact(labels.total, formats.money(negative(note.total_with_tax)))
    before = (amount_before_discount(line, note.tax_inclusive) for line in note.rows)
    discount = sum_of((line.discount_amount for line in note.rows), note.currency)
    rows_label = labels.items_total if note.tax_inclusive else labels.subtotal
    facts = [Fact(rows_label, formats.money(negative(sum_of(before, note.currency))))]
    if discount:
        facts.append(Fact(labels.discount, formats.money(discount)))
    elif note.tax_inclusive:
        facts = []  # the lines add up to the total itself
    if not note.tax_inclusive:
        facts.append(Fact(labels.total_tax, formats.money(negative(note.total_tax))))
    return (*facts, total)


def _tax_lines(breakdown: Iterable[RateAmounts], formats: Formats) -> tuple[TaxLine, ...]:
    """Net base and tax per rate, lowest rate first, tax stated without a rate last."""
    ordered = sorted(breakdown, key=lambda line: (line.tax_rate is None, line.tax_rate or 0))
    return tuple(
        TaxLine(
            rate=formats.rate(line.tax_rate),
            net=formats.money(negative(line.net)),
            tax=formats.money(negative(line.tax)),
        )
        for line in ordered
    )
