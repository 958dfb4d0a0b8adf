"""Emailing a credit note on the fakes: its PDF, kept once, goes out through the invoices' mailer
and the note records SENT over the version read; a refused email records nothing, a retried
request never sends twice, a race lost after sending records once without sending again, and
another tenant sends nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.domain.credit_note_events import sent_by_mail
from chalicelib.domain.credit_notes import CreditNote, credit_note_input
from chalicelib.domain.errors import (
    CreditNoteNoRecipientError,
    CreditNoteNotFoundError,
    DeliveryFailedError,
)
from chalicelib.domain.files import credit_note_pdf_path
from chalicelib.services import credit_notes, delivery, lifecycle
from chalicelib.services.credit_note_documents import credit_note_pdf_bytes
from tests.fakes import FakeWorld
from tests.unit.test_service_delivery import ACME, GLOBEX, NOW, a_draft, send, world

__all__ = ["world"]  # the fixture, shared


def a_note(world: FakeWorld, **fields: Any) -> CreditNote:
    """A credit note on an invoice emailed to its contact (marked as sent when it has none)."""
    draft = a_draft(world, **fields)
    if draft.contact_email:
        invoice = send(world, draft.id)
    else:
        invoice = lifecycle.mark_as_sent(draft.id, actor=ACME, ports=world.ports)
    return credit_notes.create_credit_note(
        invoice.id, credit_note_input({"reason": "Returned"}), actor=ACME, ports=world.ports
    )


def stored(world: FakeWorld, note: CreditNote) -> CreditNote:
    found = world.invoices.get_credit_note("acme", note.id)
    assert found is not None
    return found


def test_the_kept_pdf_is_emailed_and_the_note_records_it_sent(world: FakeWorld) -> None:
    note = a_note(world)

    sent = delivery.send_credit_note(note.id, actor=ACME, ports=world.documents)

    assert [event.type for event in sent.events] == ["ISSUED", "SENT"]
    assert (sent.events[1].date, sent.events[1].author_id) == (NOW, "alice")
    assert (stored(world, note), sent.version) == (sent, 2)
    mail = world.mailer.sent[-1]
    assert (mail.to, mail.content.subject) == (
        ("ap@client.example",),
        "Credit note CN-2026-0001 from Acme GmbH",
    )
    (attached,) = mail.attachments
    name, kept = credit_note_pdf_bytes(note.id, actor=ACME, ports=world.documents)
    assert (attached.filename, attached.data) == (name, kept) == ("CN-2026-0001.pdf", kept)
    assert world.files.objects.keys() >= {credit_note_pdf_path("acme", note.id)}


def test_a_refused_email_records_nothing(world: FakeWorld) -> None:
    note = a_note(world)
    before = stored(world, note)
    world.mailer.refusal = DeliveryFailedError("The mail service refused the message")

    with pytest.raises(DeliveryFailedError):
        delivery.send_credit_note(note.id, actor=ACME, ports=world.documents)

    assert stored(world, note) == before


def test_no_one_to_email_is_refused_before_anything_is_sent(world: FakeWorld) -> None:
    note = a_note(world, contactEmail=None)
    mails = len(world.mailer.sent)

    with pytest.raises(CreditNoteNoRecipientError):
        delivery.send_credit_note(note.id, actor=ACME, ports=world.documents)

    assert len(world.mailer.sent) == mails
    assert [event.type for event in stored(world, note).events] == ["ISSUED"]


def test_a_retried_send_sends_once(world: FakeWorld) -> None:
    note = a_note(world)
    mails = len(world.mailer.sent)
    retrying = replace(ACME, request="request-1")

    first = delivery.send_credit_note(note.id, actor=retrying, ports=world.documents)
    again = delivery.send_credit_note(note.id, actor=retrying, ports=world.documents)

    assert again == first
    assert len(world.mailer.sent) == mails + 1


def test_a_race_lost_after_sending_records_once_over_the_new_read(
    world: FakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = a_note(world)
    mails = len(world.mailer.sent)
    save = world.invoices.save_credit_note
    raced: list[CreditNote] = []

    def another_send_first(sent: CreditNote, *, previous: CreditNote) -> CreditNote:
        if not raced:
            other = sent_by_mail(previous, "other@client.example", actor=ACME, now=NOW)
            raced.append(save(other, previous=previous))
        return save(sent, previous=previous)

    monkeypatch.setattr(world.invoices, "save_credit_note", another_send_first)

    sent = delivery.send_credit_note(note.id, actor=ACME, ports=world.documents)

    assert [e.description for e in sent.events[1:]] == [
        "Sent to other@client.example",
        "Sent to ap@client.example",
    ]
    assert sent.version == 3
    assert len(world.mailer.sent) == mails + 1


def test_another_tenant_sends_nothing(world: FakeWorld) -> None:
    note = a_note(world)
    mails = len(world.mailer.sent)

    with pytest.raises(CreditNoteNotFoundError):
        delivery.send_credit_note(note.id, actor=GLOBEX, ports=world.documents)

    assert len(world.mailer.sent) == mails
    assert [event.type for event in stored(world, note).events] == ["ISSUED"]
