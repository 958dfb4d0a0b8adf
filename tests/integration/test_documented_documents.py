"""The native API's document endpoints as api-docs/alphaalpha-invoice-api.txt documents them:
attachments (upload, delete), the PDF, and email (send, remind, schedule, unschedule). Each sends
the document's own example request (its curl line, with a credential and real ids) and checks
every documented response field and its JSON type, then what was stored, mailed or refused.
Where the line's multipart part is only the schema's placeholder for a file, that line as written
is refused, and the closest request the document describes (the part as a file) is answered.
Another tenant's same request is a 404 that stores, mails and changes nothing (issue 17)."""

from __future__ import annotations

import email
import email.message
import email.policy
from typing import Any

import boto3
import pytest

from invoicing_cli.local import BUCKET_NAME
from tests.documented_native import (
    assert_documented_error,
    assert_documented_invoice,
    body_of,
)
from tests.integration.test_documents_api import (
    PDF,
    PNG,
    multipart,
    pdf_text,
    sent_messages,
    served,
    stored_keys,
)
from tests.support import Api, Reply

BASE = "/api/v1/invoices"
NOW = "2026-11-21T09:30:00.000Z"
pytestmark = pytest.mark.now(NOW, tick=False)

# `-F files="[\n  \"string\"\n]"` as a shell passes it (`\n` stays a backslash and an n): one
# text part holding the schema's placeholder for an array of files.
FILES_AS_WRITTEN = [("files", '[\\n  "string"\\n]')]
# `-F pdf="string"`: one text part holding the schema's placeholder for a file.
PDF_AS_WRITTEN = [("pdf", "string")]
# What those placeholders stand for, as `curl -F files=@...` and `-F pdf=@...` send it.
FILES = [
    ("files", ("Lieferschein Zoë.pdf", PDF, "application/pdf")),
    ("files", ("logo.png", PNG, "image/png")),
]
GIVEN_PDF = [("pdf", ("own.pdf", PDF, "application/pdf"))]
RECIPIENT = "ap@zoe.example"

# Unknown in a draft that has every field a caller sets: no number, mail, PDF, payment or
# agreement yet.
UNKNOWN_IN_A_DRAFT = frozenset(
    {"datePaid", "invoiceNumber", "mailBody", "overdueNotifiedAt", "pdf", "recurringAgreement",
     "reminderBody"}
)  # fmt: skip
UNKNOWN_ISSUED = UNKNOWN_IN_A_DRAFT - {"invoiceNumber"}


def draft(client: Api) -> dict[str, Any]:
    """A draft with every field a caller sets, so that each of them is checked for its type."""
    customer = client.post("/api/v1/clients", {"name": "Zoë Müller GmbH", "email": RECIPIENT})
    assert customer.status == 201, customer.body
    body = {
        "currency": "EUR",
        "invoiceDate": "2026-12-01",
        "paymentTermDays": 14,
        "clientId": customer.json()["id"],
        "contactEmail": RECIPIENT,
        "note": "Q4 retainer",
        "opportunityId": "opp-4711",
        "milestoneId": "ms-1",
        "salesOrderId": "so-1",
        "subsidiaryId": "sub-1",
        "paymentReference": "RF18539007547034",
        "rows": [
            {"description": "Consulting", "productId": "prod-1", "quantity": 3,
             "quantityType": "HOURS", "unitPrice": "120.00", "taxRate": 19, "type": "SERVICE"},
        ],
    }  # fmt: skip
    return assert_documented_invoice(client.post(BASE, body), 201, UNKNOWN_IN_A_DRAFT)


def found(client: Api, invoice_id: str) -> dict[str, Any] | None:
    reply = client.get(f"{BASE}/find/{invoice_id}")
    return body_of(reply) if reply.status == 200 else None


def stored(key: str) -> bytes:
    body: bytes = boto3.client("s3").get_object(Bucket=BUCKET_NAME, Key=key)["Body"].read()
    return body


def assert_refused_by_another_tenant(reply: Reply, acme: Api, invoice: dict[str, Any]) -> None:
    """A 404, as if the invoice did not exist, that changed, stored and mailed nothing."""
    keys, mails = stored_keys(), len(sent_messages())
    assert_documented_error(reply, 404)
    assert found(acme, invoice["id"]) == invoice
    assert (stored_keys(), len(sent_messages())) == (keys, mails)


def assert_refused_as_written(reply: Reply, field: str, acme: Api, invoice: dict[str, Any]) -> str:
    """A 400 naming the part that holds a placeholder, having changed, stored and mailed nothing;
    what it says of that part."""
    keys, mails = stored_keys(), len(sent_messages())
    [problem] = assert_documented_error(reply, 400, field)["errors"]
    assert found(acme, invoice["id"]) == invoice
    assert (stored_keys(), len(sent_messages())) == (keys, mails)
    message: str = problem["message"]
    return message


def attached(acme: Api, invoice: dict[str, Any]) -> dict[str, Any]:
    reply = multipart(acme, f"{BASE}/{invoice['id']}/upload-attachments", FILES)
    return assert_documented_invoice(reply, 200, UNKNOWN_IN_A_DRAFT)


def mailed_pdfs(raw: str) -> list[tuple[str | None, bytes]]:
    message = email.message_from_string(raw, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]


class TestAttachments:
    def test_the_documented_upload_attaches_and_stores_each_file(
        self, acme: Api, globex: Api
    ) -> None:
        invoice = draft(acme)
        # curl -X POST "http://localhost:18080/api/v1/invoices/string/upload-attachments" \
        #   -F files="[\n  \"string\"\n]"
        path = f"{BASE}/{invoice['id']}/upload-attachments"
        as_written = multipart(acme, path, FILES_AS_WRITTEN)
        assert assert_refused_as_written(as_written, "files", acme, invoice) == (
            "send at least one file"
        )
        assert_refused_by_another_tenant(multipart(globex, path, FILES), acme, invoice)
        answer = attached(acme, invoice)
        pdf, png = answer["attachments"]
        assert [(blob["name"], blob["type"], blob["extension"], blob["fileSize"], blob["created"])
                for blob in (pdf, png)] == [
            ("Lieferschein Zoë.pdf", "PDF", "pdf", len(PDF), NOW),
            ("logo.png", "IMAGE", "png", len(PNG), NOW),
        ]  # fmt: skip
        assert answer["events"][-1]["type"] == "ATTACHMENT_ADDED"
        prefix = f"acme/invoices/{invoice['id']}/attachments"
        assert stored_keys() == sorted(f"{prefix}/{blob['blobId']}" for blob in (pdf, png))
        for blob, data in ((pdf, PDF), (png, PNG)):
            assert served(acme.get(f"{BASE}/{invoice['id']}/attachments/{blob['blobId']}")) == data
        assert found(acme, invoice["id"]) == answer

    def test_the_documented_delete_removes_the_attachment_and_its_file(
        self, acme: Api, globex: Api
    ) -> None:
        invoice = attached(acme, draft(acme))
        kept, removed = invoice["attachments"]
        # curl -X DELETE "http://localhost:18080/api/v1/invoices/string/attachments/string"
        path = f"{BASE}/{invoice['id']}/attachments/{removed['blobId']}"
        assert_refused_by_another_tenant(globex.delete(path), acme, invoice)
        answer = assert_documented_invoice(acme.delete(path), 200, UNKNOWN_IN_A_DRAFT)
        assert answer["attachments"] == [kept]
        assert answer["events"][-1]["type"] == "ATTACHMENT_REMOVED"
        assert stored_keys() == [f"acme/invoices/{invoice['id']}/attachments/{kept['blobId']}"]
        assert_documented_error(acme.get(path), 404)
        assert found(acme, invoice["id"]) == answer


class TestPdf:
    def test_the_documented_generate_pdf_renders_and_stores_it(
        self, acme: Api, globex: Api
    ) -> None:
        invoice = draft(acme)
        # curl -X POST "http://localhost:18080/api/v1/invoices/string/generate-pdf"
        path = f"{BASE}/{invoice['id']}/generate-pdf"
        assert_refused_by_another_tenant(globex.post(path), acme, invoice)
        answer = assert_documented_invoice(acme.post(path), 200, UNKNOWN_IN_A_DRAFT - {"pdf"})
        pdf = answer["pdf"]
        assert (pdf["name"], pdf["type"], pdf["extension"], pdf["created"]) == (
            f"draft-{invoice['id']}.pdf", "PDF", "pdf", NOW,
        )  # fmt: skip
        assert answer["events"][-1]["type"] == "PDF_GENERATED"
        key = f"acme/invoices/{invoice['id']}/pdf/{pdf['blobId']}.pdf"
        assert stored_keys() == [key]
        data = stored(key)
        assert len(data) == pdf["fileSize"]
        text = pdf_text(data)
        assert "Zoë Müller GmbH" in text and "Consulting" in text
        only_pdf = {"Accept": "application/pdf"}
        assert acme.get(f"{BASE}/{invoice['id']}/pdf", headers=only_pdf).body == data
        assert found(acme, invoice["id"]) == answer


class TestEmail:
    def test_the_documented_send_issues_it_and_emails_the_pdf_given(
        self, acme: Api, globex: Api
    ) -> None:
        invoice = draft(acme)
        # curl -X POST "http://localhost:18080/api/v1/invoices/string/send" -F pdf="string"
        path = f"{BASE}/{invoice['id']}/send"
        as_written = multipart(acme, path, PDF_AS_WRITTEN)
        assert "must be a file" in assert_refused_as_written(as_written, "pdf", acme, invoice)
        assert_refused_by_another_tenant(multipart(globex, path, GIVEN_PDF), acme, invoice)
        reply = multipart(acme, path, GIVEN_PDF)
        unknown = UNKNOWN_ISSUED - {"mailBody", "pdf"}
        answer = assert_documented_invoice(reply, 200, unknown)
        assert (answer["status"], answer["invoiceNumber"]) == ("SENT", "INV-2026-0001")
        assert answer["sentMails"] == [RECIPIENT]
        assert "INV-2026-0001" in answer["mailBody"]
        pdf = answer["pdf"]
        assert (pdf["name"], pdf["fileSize"]) == ("INV-2026-0001.pdf", len(PDF))
        assert stored(f"acme/invoices/{invoice['id']}/pdf/{pdf['blobId']}.pdf") == PDF
        (message,) = sent_messages()
        assert message.destinations == [RECIPIENT]
        assert mailed_pdfs(message.raw_data) == [("INV-2026-0001.pdf", PDF)]
        assert found(acme, invoice["id"]) == answer

    def test_the_documented_send_reminder_emails_and_records_it(
        self, acme: Api, globex: Api
    ) -> None:
        made = draft(acme)
        issued = acme.patch(f"{BASE}/{made['id']}/mark-as-sent")  # owed, and never mailed yet
        invoice = assert_documented_invoice(issued, 200, UNKNOWN_ISSUED)
        # curl -X POST "http://localhost:18080/api/v1/invoices/string/send-reminder"
        path = f"{BASE}/{invoice['id']}/send-reminder"
        assert_refused_by_another_tenant(globex.post(path), acme, invoice)
        reply = acme.post(path)
        answer = assert_documented_invoice(reply, 200, UNKNOWN_ISSUED - {"reminderBody"})
        assert [(r["createdBy"], r["sentOn"]) for r in answer["reminders"]] == [("user-1", NOW)]
        assert answer["events"][-1]["type"] == "REMINDER_SENT"
        (message,) = sent_messages()
        assert message.destinations == [RECIPIENT]
        assert "INV-2026-0001" in message.raw_data
        [(name, _)] = mailed_pdfs(message.raw_data)
        assert name == "INV-2026-0001.pdf"
        assert found(acme, invoice["id"]) == answer

    def test_the_documented_schedule_numbers_it_for_the_sending_job(
        self, acme: Api, globex: Api
    ) -> None:
        invoice = draft(acme)
        # curl -X POST "http://localhost:18080/api/v1/invoices/string/schedule" -F pdf="string"
        path = f"{BASE}/{invoice['id']}/schedule"
        as_written = multipart(acme, path, PDF_AS_WRITTEN)
        assert "must be a file" in assert_refused_as_written(as_written, "pdf", acme, invoice)
        assert_refused_by_another_tenant(multipart(globex, path, GIVEN_PDF), acme, invoice)
        reply = multipart(acme, path, GIVEN_PDF)
        unknown = UNKNOWN_IN_A_DRAFT - {"invoiceNumber", "pdf"}
        answer = assert_documented_invoice(reply, 200, unknown)
        assert (answer["status"], answer["invoiceNumber"]) == ("SCHEDULED", "INV-2026-0001")
        # Not documented: when the sending job mails it, 08:00 on its date in the tenant's
        # timezone (UTC, as acme never set one).
        assert answer["sendAt"] == "2026-12-01T08:00:00.000Z"
        pdf = answer["pdf"]
        assert stored_keys() == [f"acme/invoices/{invoice['id']}/pdf/{pdf['blobId']}.pdf"]
        assert stored(stored_keys()[0]) == PDF and pdf["fileSize"] == len(PDF)
        assert pdf["name"] == "INV-2026-0001.pdf"  # named by the number it was given, as sent
        assert sent_messages() == []  # the sending job mails it at sendAt
        assert found(acme, invoice["id"]) == answer

    def test_the_documented_unschedule_returns_it_to_draft_with_its_number(
        self, acme: Api, globex: Api
    ) -> None:
        made = draft(acme)
        scheduled = acme.post(f"{BASE}/{made['id']}/schedule")
        invoice = assert_documented_invoice(scheduled, 200, UNKNOWN_ISSUED)
        # curl -X PATCH "http://localhost:18080/api/v1/invoices/string/unschedule"
        path = f"{BASE}/{invoice['id']}/unschedule"
        assert_refused_by_another_tenant(globex.patch(path), acme, invoice)
        answer = assert_documented_invoice(acme.patch(path), 200, UNKNOWN_ISSUED)
        assert (answer["status"], answer["invoiceNumber"]) == ("DRAFT", "INV-2026-0001")
        assert answer["sendAt"] is None
        assert answer["events"][-1]["type"] == "UNSCHEDULED"
        assert sent_messages() == []
        assert found(acme, invoice["id"]) == answer
