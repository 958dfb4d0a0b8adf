"""A credit note's PDF and email, from the pure domain: every amount negative as the document's
locale writes it, in the currency's minor units (none for JPY, three for KWD), the tax breakdown
per rate as the invoice's, never a negative zero, and the same bytes every time; the ISSUED event
on the note itself."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from chalicelib.documents.mail import compose_credit_note_mail
from chalicelib.documents.pdf import render_credit_note_pdf
from chalicelib.domain.credit_note_events import CreditNoteEventType, sent_by_mail
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.documents import CreditNoteDocument, credit_note_document_of
from chalicelib.domain.parties import PartyDetails, SellerDetails
from tests.unit.test_credit_notes import ALICE, NOW, credit, issued

NBSP = "\xa0"
SELLER = SellerDetails(name="Acme Oy", locale="fi-FI")
MIXED = [
    {"description": "Licence", "quantity": 1, "unitPrice": "1000", "taxRate": 24},
    {"description": "Books", "quantity": 2, "unitPrice": "150", "taxRate": 14},
    {"description": "Deposit", "quantity": 1, "unitPrice": "200", "taxRate": 0},
]


def note_of(rows: list[dict[str, Any]], body: dict[str, Any], **issued_as: Any) -> CreditNote:
    note, _ = credit(issued(rows, **issued_as), body)
    return note


def document(note: CreditNote, locale: str | None = None) -> CreditNoteDocument:
    client = PartyDetails(name="Buyer", locale=locale) if locale else None
    return credit_note_document_of(
        note.model_copy(update={"client": client}), seller=SELLER, client=None
    )


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_client_locale_writes_it_and_the_sellers_stands_in_for_none() -> None:
    note = note_of(MIXED, {})
    assert document(note, "de-AT").locale == "de-AT"
    assert document(note).locale == "en"  # the seller's, as the invoice copied it
    uncopied = note.model_copy(update={"seller": None})
    assert document(uncopied).locale == "fi-FI"  # today's seller, for a note that copied none


def test_yen_have_no_decimals_and_dinars_three() -> None:
    yen = note_of([{"quantity": 3, "unitPrice": "1000", "taxRate": 10}], {}, currency="JPY")
    dinar = note_of([{"quantity": 1, "unitPrice": "12.345", "taxRate": 0}], {}, currency="KWD")

    yen_text = text_of(render_credit_note_pdf(document(yen, "en")))
    dinar_text = text_of(render_credit_note_pdf(document(dinar, "en")))

    assert "10% -¥3,000 -¥300\nSubtotal -¥3,000\nTax -¥300\nTotal -¥3,300" in yen_text
    assert "0% -KWD12.345 KWD0.000\nSubtotal -KWD12.345\nTax KWD0.000" in dinar_text
    assert "Total -KWD12.345" in dinar_text


def test_an_amount_per_rate_is_a_line_of_its_own_and_no_zero_is_negative() -> None:
    note = note_of(MIXED, {"amounts": [{"taxRate": 24, "amount": "100.00"}]})

    text = text_of(render_credit_note_pdf(document(note, "de-DE")))

    assert f"24{NBSP}% -100,00{NBSP}€ -24,00{NBSP}€" in text
    assert f"Gesamtbetrag -124,00{NBSP}€" in text
    assert "-0,00" not in text


def test_the_same_note_renders_the_same_bytes() -> None:
    note = note_of(MIXED, {})
    assert render_credit_note_pdf(document(note, "pl-PL")) == render_credit_note_pdf(
        document(note, "pl-PL")
    )
    assert "Faktura korygująca CN-2026-0001" in text_of(
        render_credit_note_pdf(document(note, "pl"))
    )


def test_the_mail_falls_back_to_english_words_in_the_clients_formats() -> None:
    note = note_of(MIXED, {})

    mail = compose_credit_note_mail(document(note, "fi-FI"))

    assert mail.subject == "Credit note CN-2026-0001 from Acme Oy"
    assert f"Total: -1{NBSP}782,00{NBSP}€" in mail.text
    assert "Reason: Returned goods" in mail.text
    assert "Returned goods" in mail.html and "Payment details" not in mail.text


def test_a_note_is_issued_with_its_event_and_sending_adds_one() -> None:
    note = note_of(MIXED, {})
    (issued_event,) = note.events
    assert (issued_event.type, issued_event.date, issued_event.author_id) == (
        CreditNoteEventType.ISSUED,
        NOW,
        "alice",
    )
    assert issued_event.description == (
        "Credit note CN-2026-0001 of 1782.00 EUR issued on invoice INV-2026-0001"
    )
    sent = sent_by_mail(note, "ap@example.com", actor=ALICE, now=NOW)
    assert [event.type for event in sent.events] == ["ISSUED", "SENT"]
    assert note.events == [issued_event]  # the note read is left as it was
