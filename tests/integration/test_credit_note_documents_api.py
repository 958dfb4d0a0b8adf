"""A credit note's documents through HTTP (issue 21, part 4): its PDF in the client's locale,
titled as a credit note, naming the invoice's number and date, with the invoice PDF's tax
breakdown and every total negative as the locale writes it, kept under the tenant's prefix and
the same bytes when asked again; emailed with that PDF through the invoices' mailer, recorded on
the note as SENT over the version read. Another tenant gets 404 and changes nothing."""

from __future__ import annotations

import email
import uuid
from email.message import Message
from typing import Any

import pytest

from tests.conformance import CheckedApi, checked_tenant
from tests.integration.test_credit_notes_api import MIXED, SIMPLE, credited, issued
from tests.integration.test_documents_api import pdf_text, sent_messages, stored_keys
from tests.support import tenant_partition

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
NOTES = "/api/v1/credit-notes"
# The credit note's document routes, as registered under /api/v1: each is sent by another tenant
# below (test_tenant_isolation counts them covered here) and budgeted in test_call_budget.
ROUTES = {
    ("GET", "/credit-notes/{creditNoteId}/pdf"),
    ("POST", "/credit-notes/{creditNoteId}/send"),
}
# The one that writes: a retry with its Idempotency-Key is replayed below (test_idempotency_api).
WRITES = {("POST", "/credit-notes/{creditNoteId}/send")}
PDF_ONLY = {"Accept": "application/pdf"}
NBSP = "\xa0"


acme = checked_tenant("acme", "alice")
globex = checked_tenant("globex", "gina")


def client_in(acme: CheckedApi, locale: str, email_address: str | None = None) -> str:
    body = {"name": "Kunde Oy", "locale": locale, "email": email_address}
    reply = acme.post("/api/v1/clients", {k: v for k, v in body.items() if v is not None})
    assert reply.status == 201, reply.body
    client_id: str = reply.json()["id"]
    return client_id


def note_for(
    acme: CheckedApi, locale: str, rows: list[dict[str, Any]], **credit: Any
) -> dict[str, Any]:
    """A credit note on an invoice of 21 Nov 2026 to a client writing `locale`."""
    invoice = issued(acme, rows, clientId=client_in(acme, locale, "asiakas@example.com"))
    return credited(acme, invoice, **credit)


def pdf_of(client: CheckedApi, note: dict[str, Any]) -> bytes:
    reply = client.get(f"{NOTES}/{note['id']}/pdf", headers=PDF_ONLY)
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"] == "application/pdf"
    return reply.body


def attachment(raw: str) -> tuple[str | None, bytes]:
    """The one attachment of a raw message: its file name and its bytes."""
    message = email.message_from_string(raw)
    (part,) = [p for p in message.walk() if p.get_content_disposition() == "attachment"]
    assert isinstance(part, Message)
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return part.get_filename(), payload


def plain_text(raw: str) -> str:
    """The text/plain part of a raw message, decoded."""
    (part,) = [
        p for p in email.message_from_string(raw).walk() if p.get_content_type() == "text/plain"
    ]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


class TestPdf:
    def test_an_english_clients_pdf_shows_each_rate_and_every_total_negative_to_the_cent(
        self, acme: CheckedApi
    ) -> None:
        note = note_for(acme, "en-US", MIXED)  # all of it: 1500.00 net, 282.00 tax

        text = pdf_text(pdf_of(acme, note))

        assert "Credit note CN-2026-0001" in text
        assert "Credited invoice INV-2026-0001" in text
        assert "Invoice date Nov 21, 2026" in text
        assert "Reason\nReturned" in text
        # The tax breakdown: rate, net and tax per rate, lowest rate first, as the invoice's.
        assert "0% -€200.00 €0.00" in text
        assert "14% -€300.00 -€42.00" in text
        assert "24% -€1,000.00 -€240.00" in text
        assert "Subtotal -€1,500.00" in text
        assert "Tax -€282.00" in text
        assert "Total -€1,782.00" in text
        assert "Amount due" not in text and "Payment instructions" not in text

    def test_a_finnish_clients_pdf_writes_amounts_and_dates_as_finnish_does(
        self, acme: CheckedApi
    ) -> None:
        note = note_for(acme, "fi-FI", SIMPLE)  # all of it: 130.00 net, 31.20 tax

        text = pdf_text(pdf_of(acme, note))

        # No Finnish words yet (labels.py): English ones, in Finnish formats.
        assert "Credit note CN-2026-0001" in text
        assert "INV-2026-0001" in text and "21.11.2026" in text
        assert f"Chairs -2 50,00{NBSP}€ 24{NBSP}% -100,00{NBSP}€" in text
        assert f"24{NBSP}% -130,00{NBSP}€ -31,20{NBSP}€" in text
        assert f"Subtotal -130,00{NBSP}€" in text
        assert f"Tax -31,20{NBSP}€" in text
        assert f"Total -161,20{NBSP}€" in text

    def test_prices_with_tax_show_the_tax_a_negative_total_includes(self, acme: CheckedApi) -> None:
        invoice = issued(acme, SIMPLE, clientId=client_in(acme, "de-DE"), taxInclusive=True)
        note = credited(acme, invoice, rows=[{"rowId": invoice["rows"][0]["id"], "quantity": 1}])

        text = pdf_text(pdf_of(acme, note))

        assert f"24{NBSP}% -40,32{NBSP}€ -9,68{NBSP}€" in text  # 50.00 with tax: 40.32 + 9.68
        assert f"Gesamtbetrag -50,00{NBSP}€\nEnthaltene USt. -9,68{NBSP}€" in text

    def test_a_german_clients_pdf_is_a_rechnungskorrektur_of_part_of_a_row(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE, clientId=client_in(acme, "de-DE"))
        note = credited(acme, invoice, rows=[{"rowId": invoice["rows"][0]["id"], "quantity": 1}])

        text = pdf_text(pdf_of(acme, note))

        assert "Rechnungskorrektur CN-2026-0001" in text
        assert "Korrigierte Rechnung INV-2026-0001" in text
        assert "Rechnungsdatum 21.11.2026" in text
        # The quantity and amount credited negative, the unit price as invoiced.
        assert f"Chairs -1 50,00{NBSP}€ 24{NBSP}% -50,00{NBSP}€" in text
        assert "Delivery" not in text
        assert f"24{NBSP}% -50,00{NBSP}€ -12,00{NBSP}€" in text
        assert f"Nettobetrag -50,00{NBSP}€" in text
        assert f"Umsatzsteuer -12,00{NBSP}€" in text
        assert f"Gesamtbetrag -62,00{NBSP}€" in text

    def test_the_pdf_is_kept_under_the_tenant_and_is_the_same_bytes_when_asked_again(
        self, acme: CheckedApi
    ) -> None:
        note = note_for(acme, "de-DE", SIMPLE)
        key = f"acme/credit-notes/{note['id']}/pdf/{note['id']}.pdf"

        first = acme.get(f"{NOTES}/{note['id']}/pdf", headers=PDF_ONLY)
        link = acme.get(f"{NOTES}/{note['id']}/pdf")

        assert first.headers["Content-Disposition"].endswith('"CN-2026-0001.pdf"')
        assert stored_keys() == [key]
        assert link.status == 303
        assert link.headers["Location"] == link.json()["url"]
        assert key in link.json()["url"] and "X-Amz-Expires=900" in link.json()["url"]
        assert pdf_of(acme, note) == first.body

    def test_an_unknown_credit_note_has_no_pdf(self, acme: CheckedApi) -> None:
        assert acme.get(f"{NOTES}/{uuid.uuid4()}/pdf", headers=PDF_ONLY).status == 404
        assert acme.get(f"{NOTES}/{uuid.uuid4()}/pdf").status == 404
        assert stored_keys() == []


class TestSending:
    def test_send_emails_the_pdf_in_the_clients_language_and_records_sent_on_the_note(
        self, acme: CheckedApi
    ) -> None:
        seller = {"companyName": "Zoë Müller GmbH", "senderEmail": "billing@mueller.example"}
        assert acme.put("/api/v1/settings", seller).status == 200
        note = note_for(acme, "de-DE", SIMPLE, reason="Ware zurückgegeben")
        assert [event["type"] for event in note["events"]] == ["ISSUED"]

        reply = acme.post(f"{NOTES}/{note['id']}/send")

        assert reply.status == 200, reply.body
        sent = reply.json()
        assert [event["type"] for event in sent["events"]] == ["ISSUED", "SENT"]
        assert sent["events"][1]["description"] == "Sent to asiakas@example.com"
        assert sent["events"][1]["date"].startswith("2026-11-21T09:30")
        assert acme.get(f"{NOTES}/{note['id']}").json() == sent
        (message,) = sent_messages()
        assert message.destinations == ["asiakas@example.com"]
        raw = message.raw_data
        assert "Rechnungskorrektur CN-2026-0001 von" in email.message_from_string(raw)["Subject"]
        assert "Reply-To: billing@mueller.example" in raw
        name, pdf = attachment(raw)
        assert name == "CN-2026-0001.pdf"
        assert pdf == pdf_of(acme, note)  # the one kept, the one served

    def test_the_mail_says_what_is_credited_of_which_invoice(self, acme: CheckedApi) -> None:
        note = note_for(acme, "en-GB", SIMPLE)
        assert acme.post(f"{NOTES}/{note['id']}/send").status == 200
        (message,) = sent_messages()
        body = message.raw_data
        assert "Credit note CN-2026-0001" in email.message_from_string(body)["Subject"]
        text = plain_text(body)
        assert "credit note CN-2026-0001 dated 21 November 2026" in text
        assert "It credits €161.20 of invoice INV-2026-0001 dated 21 November 2026" in text
        assert "Total: -€161.20" in text

    def test_no_one_to_email_is_a_409_and_nothing_is_sent_or_written(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE)  # no client, no contactEmail
        note = credited(acme, invoice)
        before = tenant_partition("acme")

        reply = acme.post(f"{NOTES}/{note['id']}/send")

        assert reply.status == 409
        assert "no one to email" in reply.json()["detail"]
        assert sent_messages() == []
        assert tenant_partition("acme") == before

    def test_a_contact_email_on_the_invoice_is_where_its_credit_note_goes(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, SIMPLE, contactEmail="ap@example.com")
        note = credited(acme, invoice)
        assert acme.post(f"{NOTES}/{note['id']}/send").status == 200
        (message,) = sent_messages()
        assert message.destinations == ["ap@example.com"]

    def test_sending_again_emails_again_and_records_each(self, acme: CheckedApi) -> None:
        note = note_for(acme, "fr-FR", SIMPLE)
        for _ in range(2):
            assert acme.post(f"{NOTES}/{note['id']}/send").status == 200
        events = acme.get(f"{NOTES}/{note['id']}").json()["events"]
        assert [event["type"] for event in events] == ["ISSUED", "SENT", "SENT"]
        subjects = [email.message_from_string(m.raw_data)["Subject"] for m in sent_messages()]
        assert [subject.startswith("Avoir CN-2026-0001") for subject in subjects] == [True, True]

    def test_a_retry_with_the_same_key_emails_once(self, acme: CheckedApi) -> None:
        note = note_for(acme, "en", SIMPLE)
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = acme.post(f"{NOTES}/{note['id']}/send", headers=key)
        again = acme.post(f"{NOTES}/{note['id']}/send", headers=key)
        assert (again.status, again.body) == (first.status, first.body)
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert len(sent_messages()) == 1
        events = acme.get(f"{NOTES}/{note['id']}").json()["events"]
        assert [event["type"] for event in events] == ["ISSUED", "SENT"]


class TestTenants:
    def test_another_tenants_attempts_are_404_on_every_route_and_change_nothing(
        self, acme: CheckedApi, globex: CheckedApi
    ) -> None:
        note = note_for(acme, "de-DE", SIMPLE)
        pdf_of(acme, note)
        ours, theirs, kept = tenant_partition("acme"), tenant_partition("globex"), stored_keys()
        attempts = {
            ("GET", "/credit-notes/{creditNoteId}/pdf"): [
                globex.get(f"{NOTES}/{note['id']}/pdf"),
                globex.get(f"{NOTES}/{note['id']}/pdf", headers=PDF_ONLY),
            ],
            ("POST", "/credit-notes/{creditNoteId}/send"): [
                globex.post(f"{NOTES}/{note['id']}/send")
            ],
        }
        assert set(attempts) == ROUTES
        for route, replies in attempts.items():
            assert [reply.status for reply in replies] == [404] * len(replies), route
        assert (tenant_partition("acme"), tenant_partition("globex")) == (ours, theirs)
        assert stored_keys() == kept
        assert sent_messages() == []
