"""What an invoice's credit notes credited, as the invoice keeps it: the notes it lists, and the
money credited per row, per tax rate and in all, so that checking the next credit note, and what
is still open, takes the one read of the invoice. Apart from crediting.py, which prices credits
from an invoice's rows, because the invoice itself holds this summary."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field

from chalicelib.domain.base import DomainModel
from chalicelib.domain.money import ZERO, difference, round_money
from chalicelib.domain.values import CalendarDate

# A tax rate, or None for rows that state their tax as an amount no rate gives (decision 0032).
Rate = Decimal | None


@dataclass(frozen=True)
class Part:
    """Money credited or still creditable: net and tax (the gross is their sum), and the discount
    that was taken off before them."""

    net: Decimal
    tax: Decimal
    discount: Decimal = ZERO

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    def base(self, tax_inclusive: bool) -> Decimal:
        """The amount an invoice's prices are in: the gross when they include tax, else the net."""
        return self.gross if tax_inclusive else self.net

    def __add__(self, other: Part) -> Part:
        return Part(self.net + other.net, self.tax + other.tax, self.discount + other.discount)

    def __sub__(self, other: Part) -> Part:
        return Part(
            difference(self.net, other.net),
            difference(self.tax, other.tax),
            difference(self.discount, other.discount),
        )

    def is_nothing(self) -> bool:
        return not (self.net or self.tax)


NOTHING = Part(ZERO, ZERO)


class RateAmounts(DomainModel):
    """Money at one tax rate: a line of a credit note's tax breakdown, or what an invoice's
    credit notes credited at that rate."""

    tax_rate: Decimal | None
    net: Decimal
    tax: Decimal
    gross: Decimal

    @classmethod
    def of(cls, rate: Rate, part: Part) -> RateAmounts:
        return cls(tax_rate=rate, net=part.net, tax=part.tax, gross=part.gross)

    @property
    def part(self) -> Part:
        return Part(self.net, self.tax)


class RowCredited(DomainModel):
    """What the credit notes of an invoice credited of one of its rows."""

    row_id: str
    quantity: Decimal
    discount_amount: Decimal
    total: Decimal
    tax_amount: Decimal
    total_with_tax: Decimal

    @property
    def part(self) -> Part:
        return Part(self.total, self.tax_amount, self.discount_amount)


class CreditNoteReference(DomainModel):
    """A credit note as the invoice it credits lists it."""

    id: str
    credit_note_number: str
    credit_note_date: CalendarDate
    total_with_tax: Decimal

    def issued(self, currency: str) -> str:
        """The invoice's CREDITED event, in its words."""
        return f"Credit note {self.credit_note_number} of {self.total_with_tax} {currency} issued"


class CreditedSummary(DomainModel):
    """What an invoice's credit notes credited, kept on the invoice so that checking the next one
    takes one read: per row (from the notes that credit rows), per rate and in all (from every
    note, amounts per rate included), and the notes themselves."""

    credit_notes: list[CreditNoteReference] = Field(default_factory=list)
    rows: list[RowCredited] = Field(default_factory=list)
    rates: list[RateAmounts] = Field(default_factory=list)
    total_excluding_tax: Decimal = ZERO
    total_tax: Decimal = ZERO
    total_with_tax: Decimal = ZERO

    def in_minor_units(self, currency: str) -> CreditedSummary:
        """The same amounts written with the currency's minor units (10 EUR as 10.00), as the
        invoice's own are: DynamoDB keeps a number's value, not its scale."""

        def scaled(amount: Decimal) -> Decimal:
            return round_money(amount, currency)

        return self.model_copy(
            update={
                "credit_notes": [
                    note.model_copy(update={"total_with_tax": scaled(note.total_with_tax)})
                    for note in self.credit_notes
                ],
                "rows": [
                    row.model_copy(update={n: scaled(getattr(row, n)) for n in ROW_AMOUNTS})
                    for row in self.rows
                ],
                "rates": [
                    rate.model_copy(update={n: scaled(getattr(rate, n)) for n in RATE_AMOUNTS})
                    for rate in self.rates
                ],
                **{name: scaled(getattr(self, name)) for name in TOTALS},
            }
        )


# The amounts of each part, by field name (stored under their camelCase aliases).
ROW_AMOUNTS = ("discount_amount", "total", "tax_amount", "total_with_tax")
RATE_AMOUNTS = ("net", "tax", "gross")
TOTALS = ("total_excluding_tax", "total_tax", "total_with_tax")
