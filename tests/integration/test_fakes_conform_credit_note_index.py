"""The fake credit note index against its DynamoDB adapter on moto (issue 21; decision 0058):
the tenant's credit notes by day, oldest or newest first, filtered, paged by a cursor that cannot
leave the caller's tenant. Both backends pass the same assertions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count

import pytest

from chalicelib.domain import payments
from chalicelib.domain.credit_note_query import CreditNoteQuery
from chalicelib.domain.credit_notes import (
    CreditNote,
    CreditNoteInput,
    credit_note_date,
    issue_credit_note,
    next_credit_note_number,
)
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.invoice import InvoiceStatus
from chalicelib.domain.numbering import CREDIT_NOTE_FORMAT
from chalicelib.domain.values import Actor, new_id
from chalicelib.ports import ClientRepository, CreditNoteIndex, InvoiceRepository
from chalicelib.store.clients import DynamoClientRepository
from chalicelib.store.credit_notes import DynamoCreditNoteIndex
from chalicelib.store.invoices import DynamoInvoiceRepository
from invoicing_cli.local import TABLE_NAME
from tests.fakes import InMemoryClientRepository, InMemoryCreditNoteIndex, InMemoryInvoiceRepository
from tests.integration.test_fakes_conform import (
    ACME,
    BACKENDS,
    GLOBEX,
    NOW,
    a_client,
    dynamodb,
    invoice_naming,
    on_moto,
)

_NUMBERS = count(1)
_: type[CreditNoteIndex] = InMemoryCreditNoteIndex  # mypy holds the fake to the port
__: type[CreditNoteIndex] = DynamoCreditNoteIndex


@dataclass(frozen=True)
class Notes:
    invoices: InvoiceRepository
    index: CreditNoteIndex
    clients: ClientRepository


@pytest.fixture(params=BACKENDS)
def notes(request: pytest.FixtureRequest) -> Notes:
    if on_moto(request):
        return Notes(
            DynamoInvoiceRepository(dynamodb(), TABLE_NAME),
            DynamoCreditNoteIndex(dynamodb(), TABLE_NAME),
            DynamoClientRepository(dynamodb(), TABLE_NAME),
        )
    clients = InMemoryClientRepository()
    repo = InMemoryInvoiceRepository(clients=clients)
    return Notes(repo, InMemoryCreditNoteIndex(repo), clients)


def issued(
    notes: Notes, *, days_ago: int, actor: Actor = ACME, client: str | None = None
) -> CreditNote:
    """A credit note of a whole invoice of 10.00, issued `days_ago` days before NOW."""
    now = NOW - timedelta(days=days_ago)
    draft = notes.invoices.add(invoice_naming(client, actor))
    number = f"X-{next(_NUMBERS)}"
    sent = draft.model_copy(update={"status": InvoiceStatus.SENT, "invoice_number": number})
    invoice = notes.invoices.save(sent, previous=draft)
    return credit(notes, invoice.id, now, actor)


def credit(notes: Notes, invoice_id: str, now: datetime, actor: Actor) -> CreditNote:
    context = notes.invoices.get_for_credit(actor.tenant_id, invoice_id)
    assert context is not None
    invoice = context.invoice
    day = credit_note_date(invoice, now)
    number, counter = next_credit_note_number(context.counter, CREDIT_NOTE_FORMAT, day)
    note, summary = issue_credit_note(
        invoice,
        CreditNoteInput(reason="Returned"),
        summary=invoice.credited,
        number=number,
        note_id=new_id(),
        actor=actor,
        now=now,
    )
    after = payments.credited(invoice, note.reference(), summary, actor=actor, now=now)
    notes.invoices.save_credited(after, previous=invoice, counter=counter, note=note)
    found = notes.invoices.get_credit_note(actor.tenant_id, note.id)
    assert found is not None
    return found


def every_page(notes: Notes, query: CreditNoteQuery, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = notes.index.page("acme", query, limit=limit, cursor=cursor)
        pages.append([note.credit_note_number for note in page.items])
        if page.cursor is None:
            return pages
        cursor = page.cursor


def test_pages_run_by_day_either_way_and_hold_each_note_once(notes: Notes) -> None:
    made = [issued(notes, days_ago=days) for days in (5, 3, 3, 0)]
    numbers = [note.credit_note_number for note in made]

    forwards = every_page(notes, CreditNoteQuery(), limit=3)
    backwards = every_page(notes, CreditNoteQuery(newest_first=True), limit=3)

    assert forwards == [numbers[:3], numbers[3:]]
    assert backwards == [numbers[::-1][:3], numbers[::-1][3:]]
    whole = [note for chunk in notes.index.every("acme", CreditNoteQuery()) for note in chunk]
    assert whole == made


def test_filters_and_day_ranges_hold_both_ways(notes: Notes) -> None:
    kone = notes.clients.add(a_client(name="Kone Oyj")).id
    old = issued(notes, days_ago=5, client=kone)
    new = issued(notes, days_ago=1, client=notes.clients.add(a_client(name="Nokia Oyj")).id)
    week_ago = (NOW - timedelta(days=7)).date()

    def numbers(**asked: object) -> list[str]:
        page = notes.index.page(
            "acme", CreditNoteQuery.model_validate(asked), limit=10, cursor=None
        )
        return [note.credit_note_number for note in page.items]

    assert numbers(date_from=(NOW - timedelta(days=1)).date()) == [new.credit_note_number]
    assert numbers(date_to=(NOW - timedelta(days=5)).date()) == [old.credit_note_number]
    assert numbers(date_from=week_ago, client_id=kone) == [old.credit_note_number]
    assert numbers(invoice_id=new.invoice_id) == [new.credit_note_number]
    assert numbers(currency="USD") == []
    assert numbers(search=f"returned {new.credit_note_number.lower()}") == [new.credit_note_number]


def test_another_tenant_meets_none_and_a_forged_cursor_is_refused(notes: Notes) -> None:
    ours = issued(notes, days_ago=2)
    theirs = issued(notes, days_ago=2, actor=GLOBEX)
    first = notes.index.page("acme", CreditNoteQuery(), limit=1, cursor=None)
    assert [n.id for n in first.items] == [ours.id]

    page = notes.index.page("globex", CreditNoteQuery(), limit=10, cursor=None)

    assert [n.id for n in page.items] == [theirs.id]
    with pytest.raises(InvalidInputError):
        notes.index.page("acme", CreditNoteQuery(), limit=1, cursor="bm90LWEtY3Vyc29y")
