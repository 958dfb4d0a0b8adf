"""What happens to a credit note once it is issued (issue 21): it is issued, and it may be emailed,
each recorded on the note itself as who did what and when. Its amounts never change; its events
and its version are all a later write moves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from chalicelib.domain.base import DomainModel
from chalicelib.domain.values import Actor, Timestamp, new_id

if TYPE_CHECKING:
    from chalicelib.domain.credit_notes import CreditNote

MAX_WRITERS_KEPT = 20  # as an invoice keeps them


class CreditNoteEventType(StrEnum):
    ISSUED = "ISSUED"
    SENT = "SENT"  # emailed to the client with its PDF


class CreditNoteEvent(DomainModel):
    id: str
    type: CreditNoteEventType
    date: Timestamp
    author_id: str
    description: str | None = None


def event(
    kind: CreditNoteEventType, description: str, *, actor: Actor, now: datetime
) -> CreditNoteEvent:
    return CreditNoteEvent(
        id=new_id(), type=kind, date=now, author_id=actor.user_id, description=description
    )


def issued_event(
    number: str, invoice_number: str, total: str, *, actor: Actor, now: datetime
) -> CreditNoteEvent:
    described = f"Credit note {number} of {total} issued on invoice {invoice_number}"
    return event(CreditNoteEventType.ISSUED, described, actor=actor, now=now)


def sent_by_mail(note: CreditNote, recipient: str, *, actor: Actor, now: datetime) -> CreditNote:
    """The note once emailed to `recipient`, remembering the retryable request that sent it."""
    sent = event(CreditNoteEventType.SENT, f"Sent to {recipient}", actor=actor, now=now)
    written_by = note.written_by
    if actor.request is not None:
        written_by = [*written_by, actor.request][-MAX_WRITERS_KEPT:]
    return note.model_copy(update={"events": [*note.events, sent], "written_by": written_by})
