"""Which of a tenant's credit notes a list or a CSV export asks for: a range of their days, one
client, currency or invoice, and words to find, all of which must hold."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import ConfigDict, Field, model_validator

from chalicelib.domain.commands import Command
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.values import CalendarDate, CurrencyCode, Reference

MAX_SEARCH_LENGTH = 200


class CreditNoteQuery(Command):
    """GET /credit-notes and /credit-notes/csv-export: `dateFrom` and `dateTo` (their day, both
    included), `clientId`, `currency`, `invoiceId`, and `search` (words that must each appear in
    its number, its invoice's number, the client's name, the contact email or the reason, case
    ignored); oldest first unless `newestFirst`."""

    model_config = ConfigDict(extra="forbid")

    date_from: CalendarDate | None = None
    date_to: CalendarDate | None = None
    client_id: Reference | None = None
    currency: CurrencyCode | None = None
    invoice_id: Reference | None = None
    search: Annotated[str, Field(max_length=MAX_SEARCH_LENGTH)] | None = None
    newest_first: bool = False

    @model_validator(mode="after")
    def range_runs_forwards(self) -> Self:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("dateFrom must not be after dateTo")
        return self

    @property
    def terms(self) -> list[str]:
        """The words to find, case-folded as searchable_text is."""
        return self.search.casefold().split() if self.search else []

    def admits(self, note: CreditNote) -> bool:
        """Whether the note matches every filter given (what a store's key range and filter
        leave must pass this too; the in-memory fake uses it alone)."""
        wanted: dict[str, Any] = {
            "client_id": self.client_id,
            "currency": self.currency,
            "invoice_id": self.invoice_id,
        }
        within = (self.date_from is None or note.credit_note_date >= self.date_from) and (
            self.date_to is None or note.credit_note_date <= self.date_to
        )
        text = searchable_text(note)
        return (
            within
            and all(value is None or getattr(note, name) == value for name, value in wanted.items())
            and all(term in text for term in self.terms)
        )


def searchable_text(note: CreditNote) -> str:
    """What `search` looks in, case-folded."""
    client_name = note.client.name if note.client else None
    parts = (note.credit_note_number, note.invoice_number, client_name, note.contact_email)
    return "\n".join(part for part in (*parts, note.reason) if part).casefold()
