"""Documents through HTTP: the PDF (rendered, stored under the tenant, linked, served), the
attachments (checked by content before anything is stored), the logo, and emailing through SES
(moto keeps what was sent): exactly one message, the right recipient and PDF, or nothing."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import pytest
import requests
from moto.ses.models import ses_backends
from pypdf import PdfReader
from urllib3 import encode_multipart_formdata

from chalicelib.domain.errors import DeliveryFailedError
from chalicelib.store.mailer import SesMailer
from invoicing_cli.local import BUCKET_NAME, REGION
from tests.support import Api, Reply

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")  # the dates below are written as of then
BASE = "/api/v1/invoices"
MOTO_ACCOUNT = "123456789012"  # the account moto answers as
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ROWS = [{"description": "Beratung für Zoë Müller GmbH", "quantity": 3, "unitPrice": "1234.56",
         "taxRate": 19}]  # fmt: skip


def invoice_of(client: Api, **fields: Any) -> dict[str, Any]:
    body = {"contactEmail": "kunde@example.com", "rows": ROWS, **fields}
    created: dict[str, Any] = client.post(BASE, body).json()
    return created


def multipart(client: Api, path: str, fields: list[tuple[str, Any]]) -> Reply:
    body, content_type = encode_multipart_formdata(fields)
    return client.request("POST", path, body=body, headers={"Content-Type": content_type})


def stored_keys() -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET_NAME).get("Contents", [])
    return sorted(item["Key"] for item in listed)


def sent_messages() -> list[Any]:
    return list(ses_backends[MOTO_ACCOUNT][REGION].sent_messages)


def post_form(form: dict[str, Any], data: bytes) -> requests.Response:
    """A presigned POST as a browser sends it, straight to S3 (moto)."""
    return requests.post(form["url"], data=form["fields"], files={"file": data}, timeout=10)


def served(link: Reply) -> bytes:
    """The bytes an attachment link leads to."""
    assert link.status == 303, link.body
    path = unquote(urlsplit(link.headers["Location"]).path).lstrip("/")
    key = path.removeprefix(f"{BUCKET_NAME}/")  # path-style or virtual-hosted
    body: bytes = boto3.client("s3").get_object(Bucket=BUCKET_NAME, Key=key)["Body"].read()
    return body


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


class TestPdf:
    def test_generated_pdf_is_stored_under_the_tenant_and_served_as_pdf(self, acme: Api) -> None:
        acme.request("PUT", "/api/v1/settings", {"companyName": "Zoë Müller GmbH",
                                                 "locale": "de-DE"})  # fmt: skip
        invoice = invoice_of(acme)
        reply = acme.post(f"{BASE}/{invoice['id']}/generate-pdf")
        assert reply.status == 200
        blob = reply.json()["pdf"]
        assert (blob["type"], blob["extension"]) == ("PDF", "pdf")
        assert reply.json()["events"][-1]["type"] == "PDF_GENERATED"
        served = acme.get(f"{BASE}/{invoice['id']}/pdf", headers={"Accept": "application/pdf"})
        assert (served.status, served.headers["Content-Type"]) == (200, "application/pdf")
        assert len(served.body) == blob["fileSize"]
        text = pdf_text(served.body)
        assert "Zoë Müller GmbH" in text
        assert "4.407,38\xa0€" in text  # 3 × 1,234.56 = 3,703.68, + 19 % (703.6992 → 703.70)
        assert stored_keys() == [f"acme/invoices/{invoice['id']}/pdf/{blob['blobId']}.pdf"]

    def test_the_pdf_link_is_a_short_lived_presigned_redirect(self, acme: Api) -> None:
        invoice = invoice_of(acme)
        acme.post(f"{BASE}/{invoice['id']}/generate-pdf")
        reply = acme.get(f"{BASE}/{invoice['id']}/pdf")
        assert reply.status == 303
        link = reply.json()["url"]
        assert reply.headers["Location"] == link
        assert f"acme/invoices/{invoice['id']}/pdf/" in link
        assert "X-Amz-Expires=900" in link

    def test_no_pdf_yet_is_a_404_that_says_how_to_make_one(self, acme: Api) -> None:
        invoice = invoice_of(acme)
        reply = acme.get(f"{BASE}/{invoice['id']}/pdf")
        assert reply.status == 404
        assert "generate-pdf" in reply.json()["detail"]

    def test_an_issued_invoice_renders_the_same_bytes_again(self, acme: Api) -> None:
        acme.request("PUT", "/api/v1/settings", {"companyName": "Ελληνική ΑΕ"})
        invoice = invoice_of(acme)
        path = f"{BASE}/{invoice['id']}"
        acme.patch(f"{path}/mark-as-sent")
        pdfs = []
        for _ in range(2):
            acme.post(f"{path}/generate-pdf")
            pdfs.append(acme.get(f"{path}/pdf", headers={"Accept": "application/pdf"}).body)
        acme.request("PUT", "/api/v1/settings", {"companyName": "Renamed"})
        acme.post(f"{path}/generate-pdf")
        pdfs.append(acme.get(f"{path}/pdf", headers={"Accept": "application/pdf"}).body)
        assert pdfs[0] == pdfs[1] == pdfs[2]
        assert "Ελληνική ΑΕ" in pdf_text(pdfs[0])

    def test_another_tenant_can_neither_render_nor_read_it(self, acme: Api, globex: Api) -> None:
        invoice = invoice_of(acme)
        acme.post(f"{BASE}/{invoice['id']}/generate-pdf")
        before = stored_keys()
        assert globex.post(f"{BASE}/{invoice['id']}/generate-pdf").status == 404
        assert globex.get(f"{BASE}/{invoice['id']}/pdf").status == 404
        pdf_only = {"Accept": "application/pdf"}
        assert globex.get(f"{BASE}/{invoice['id']}/pdf", headers=pdf_only).status == 404
        assert stored_keys() == before


class TestAttachments:
    def test_files_are_checked_stored_and_listed(self, acme: Api) -> None:
        invoice = invoice_of(acme)
        reply = multipart(acme, f"{BASE}/{invoice['id']}/upload-attachments", [
            ("files", ("Lieferschein Zoë.pdf", PDF, "application/pdf")),
            ("files", ("logo.png", PNG, "image/png")),
        ])  # fmt: skip
        assert reply.status == 200, reply.body
        attachments = reply.json()["attachments"]
        assert [(a["name"], a["type"], a["fileSize"]) for a in attachments] == [
            ("Lieferschein Zoë.pdf", "PDF", len(PDF)),
            ("logo.png", "IMAGE", len(PNG)),
        ]
        blob = attachments[0]["blobId"]
        link = acme.get(f"{BASE}/{invoice['id']}/attachments/{blob}")
        assert (link.status, link.json()["name"]) == (303, "Lieferschein Zoë.pdf")
        assert len(stored_keys()) == 2

    @pytest.mark.parametrize(
        ("name", "data", "claimed", "status"),
        [
            ("invoice.pdf", b"<!doctype html><script>alert(1)</script>", "application/pdf", 400),
            ("../../etc/passwd.pdf", PDF, "application/pdf", 400),
            ("big.pdf", PDF + b"0" * (5 * 1024 * 1024 - len(PDF) + 1), "application/pdf", 413),
            ("run.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/octet-stream", 400),
        ],
    )
    def test_a_refused_file_stores_nothing_not_even_its_good_neighbour(
        self, acme: Api, name: str, data: bytes, claimed: str, status: int
    ) -> None:
        invoice = invoice_of(acme)
        reply = multipart(acme, f"{BASE}/{invoice['id']}/upload-attachments", [
            ("files", ("fine.png", PNG, "image/png")),
            ("files", (name, data, claimed)),
        ])  # fmt: skip
        assert reply.status == status, reply.body
        assert set(reply.json()) >= {"title", "detail", "time"}
        assert stored_keys() == []
        assert acme.get(f"{BASE}/find/{invoice['id']}").json()["attachments"] == []

    def test_an_attachment_is_deleted_with_its_file(self, acme: Api) -> None:
        invoice = invoice_of(acme)
        path = f"{BASE}/{invoice['id']}"
        added = multipart(acme, f"{path}/upload-attachments", [("files", ("a.png", PNG))])
        blob = added.json()["attachments"][0]["blobId"]
        reply = acme.delete(f"{path}/attachments/{blob}")
        assert (reply.status, reply.json()["attachments"]) == (200, [])
        assert stored_keys() == []
        assert acme.delete(f"{path}/attachments/{blob}").status == 404

    def test_another_tenants_blob_id_is_not_found_and_untouched(
        self, acme: Api, globex: Api
    ) -> None:
        ours = invoice_of(acme)
        added = multipart(acme, f"{BASE}/{ours['id']}/upload-attachments",
                          [("files", ("a.png", PNG))])  # fmt: skip
        blob = added.json()["attachments"][0]["blobId"]
        theirs = invoice_of(globex)
        for path in (f"{BASE}/{theirs['id']}/attachments/{blob}",
                     f"{BASE}/{ours['id']}/attachments/{blob}"):  # fmt: skip
            assert globex.get(path).status == 404
            assert globex.delete(path).status == 404
        assert (
            globex.post(f"{BASE}/{theirs['id']}/attachments/{blob}", {"name": "a.png"}).status
            == 404
        )
        upload = [("files", ("b.png", PNG, "image/png"))]
        assert multipart(globex, f"{BASE}/{ours['id']}/upload-attachments", upload).status == 404
        asked = {"name": "s.pdf", "contentType": "application/pdf"}
        assert globex.post(f"{BASE}/{ours['id']}/attachments/upload-url", asked).status == 404
        assert len(stored_keys()) == 1
        assert len(acme.get(f"{BASE}/find/{ours['id']}").json()["attachments"]) == 1

    def test_a_large_file_goes_through_a_presigned_post_then_is_checked(self, acme: Api) -> None:
        invoice = invoice_of(acme)
        path = f"{BASE}/{invoice['id']}/attachments"
        reply = acme.post(
            f"{path}/upload-url", {"name": "scan.pdf", "contentType": "application/pdf"}
        )
        assert reply.status == 201, reply.body
        form = reply.json()
        assert form["fields"]["Content-Type"] == "application/pdf"
        # An upload never registered expires by the bucket's rule for this tag (a day later).
        assert "<Key>retention</Key><Value>short</Value>" in form["fields"]["tagging"]
        key = form["fields"]["key"]
        assert key == f"acme/invoices/{invoice['id']}/uploads/{form['blobId']}"
        assert post_form(form, PDF).ok  # as the caller does, straight to S3
        attached = acme.post(f"{path}/{form['blobId']}", {"name": "scan.pdf"})
        assert attached.status == 200, attached.body
        assert attached.json()["attachments"][0]["fileSize"] == len(PDF)
        kept = f"acme/invoices/{invoice['id']}/attachments/{form['blobId']}"
        assert stored_keys() == [kept]  # the upload itself is gone
        tags = boto3.client("s3").get_object_tagging(Bucket=BUCKET_NAME, Key=kept)["TagSet"]
        assert tags == []  # what was checked and kept does not expire

    def test_a_file_uploaded_again_with_the_same_form_after_its_check_is_never_served(
        self, acme: Api, globex: Api
    ) -> None:
        invoice = invoice_of(acme)
        path = f"{BASE}/{invoice['id']}/attachments"
        form = acme.post(f"{path}/upload-url", {"name": "a.pdf", "contentType": "application/pdf"})
        blob = form.json()["blobId"]
        assert post_form(form.json(), PDF).ok
        assert acme.post(f"{path}/{blob}", {"name": "a.pdf"}).status == 200
        html = b"<!doctype html><script>alert(document.cookie)</script>"
        assert post_form(form.json(), html).ok  # the form is valid for 15 minutes
        assert served(acme.get(f"{path}/{blob}")) == PDF
        again = acme.post(f"{path}/{blob}", {"name": "a.pdf"})
        assert (again.status, again.json()["attachments"][0]["fileSize"]) == (200, len(PDF))
        assert served(acme.get(f"{path}/{blob}")) == PDF
        theirs = invoice_of(globex)
        assert globex.post(f"{BASE}/{theirs['id']}/attachments/{blob}", {"name": "a"}).status == 404
        assert globex.get(f"{path}/{blob}").status == 404

    def test_one_upload_registered_twice_is_attached_once(self, acme: Api) -> None:
        invoice = invoice_of(acme)
        path = f"{BASE}/{invoice['id']}/attachments"
        form = acme.post(f"{path}/upload-url", {"name": "a.pdf", "contentType": "application/pdf"})
        blob = form.json()["blobId"]
        assert post_form(form.json(), PDF).ok
        first = acme.post(f"{path}/{blob}", {"name": "a.pdf"})
        second = acme.post(f"{path}/{blob}", {"name": "other.pdf"})
        assert (first.status, second.status) == (200, 200)
        assert second.json() == first.json()  # the existing attachment, nothing written
        assert second.headers["ETag"] == first.headers["ETag"]
        assert [a["blobId"] for a in second.json()["attachments"]] == [blob]
        events = acme.get(f"{BASE}/find/{invoice['id']}").json()["events"]
        assert [e["type"] for e in events].count("ATTACHMENT_ADDED") == 1

    def test_an_uploaded_file_that_is_not_what_it_claims_is_refused_and_deleted(
        self, acme: Api
    ) -> None:
        invoice = invoice_of(acme)
        path = f"{BASE}/{invoice['id']}/attachments"
        form = acme.post(f"{path}/upload-url", {"name": "x.pdf", "contentType": "application/pdf"})
        assert post_form(form.json(), b"<html>hi</html>").ok
        reply = acme.post(f"{path}/{form.json()['blobId']}", {"name": "x.pdf"})
        assert reply.status == 400
        assert stored_keys() == []
        assert acme.get(f"{BASE}/find/{invoice['id']}").json()["attachments"] == []


class TestSending:
    def test_send_issues_the_draft_and_emails_one_message_with_its_pdf(self, acme: Api) -> None:
        seller = {"companyName": "Zoë Müller GmbH", "senderEmail": "billing@mueller.example"}
        acme.request("PUT", "/api/v1/settings", seller)
        invoice = invoice_of(acme)
        reply = acme.post(f"{BASE}/{invoice['id']}/send")
        assert reply.status == 200, reply.body
        sent = reply.json()
        assert (sent["status"], sent["invoiceNumber"]) == ("SENT", "INV-2026-0001")
        assert sent["sentMails"] == ["kunde@example.com"]
        assert "INV-2026-0001" in sent["mailBody"]
        (message,) = sent_messages()
        assert message.destinations == ["kunde@example.com"]
        raw = message.raw_data
        assert "INV-2026-0001" in raw and "application/pdf" in raw
        assert "Reply-To: billing@mueller.example" in raw
        assert sent["pdf"]["name"] == "INV-2026-0001.pdf"

    def test_a_refused_send_leaves_the_invoice_and_the_store_unchanged(
        self, acme: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        invoice = invoice_of(acme)

        def refuse(self: SesMailer, mail: Any) -> str:
            raise DeliveryFailedError("The mail service refused the message (MessageRejected)")

        monkeypatch.setattr(SesMailer, "send", refuse)
        reply = acme.post(f"{BASE}/{invoice['id']}/send")
        assert reply.status == 502
        after = acme.get(f"{BASE}/find/{invoice['id']}").json()
        assert after == invoice
        assert stored_keys() == []
        assert acme.get("/api/v1/invoices/count-by-status").json()["SENT"] == 0

    def test_a_given_pdf_is_sent_instead_after_the_same_check(self, acme: Api) -> None:
        invoice = invoice_of(acme)
        fake = multipart(acme, f"{BASE}/{invoice['id']}/send",
                         [("pdf", ("mine.pdf", b"<html></html>", "application/pdf"))])  # fmt: skip
        assert fake.status == 400
        assert sent_messages() == []
        reply = multipart(acme, f"{BASE}/{invoice['id']}/send",
                          [("pdf", ("mine.pdf", PDF, "application/pdf"))])  # fmt: skip
        assert reply.status == 200, reply.body
        assert reply.json()["pdf"]["fileSize"] == len(PDF)

    def test_no_recipient_is_a_409_and_nothing_is_sent(self, acme: Api) -> None:
        invoice = invoice_of(acme, contactEmail=None)
        reply = acme.post(f"{BASE}/{invoice['id']}/send")
        assert reply.status == 409
        assert sent_messages() == []

    def test_a_reminder_is_emailed_and_recorded(self, acme: Api) -> None:
        invoice = invoice_of(acme)
        path = f"{BASE}/{invoice['id']}"
        assert acme.post(f"{path}/send-reminder").status == 409  # a draft owes nothing yet
        acme.post(f"{path}/send")
        reply = acme.post(f"{path}/send-reminder")
        assert reply.status == 200, reply.body
        assert len(reply.json()["reminders"]) == 1
        assert reply.json()["reminderBody"]
        assert len(sent_messages()) == 2

    def test_another_tenant_cannot_send_remind_or_schedule(self, acme: Api, globex: Api) -> None:
        invoice = invoice_of(acme)
        for action in ("send", "send-reminder", "schedule"):
            assert globex.post(f"{BASE}/{invoice['id']}/{action}").status == 404
        assert globex.patch(f"{BASE}/{invoice['id']}/unschedule").status == 404
        assert sent_messages() == []
        assert acme.get(f"{BASE}/find/{invoice['id']}").json() == invoice


class TestScheduling:
    def test_schedule_numbers_it_for_08_00_on_its_date_in_the_tenants_timezone(
        self, acme: Api
    ) -> None:
        acme.request("PUT", "/api/v1/settings", {"timezone": "Europe/Berlin"})
        invoice = invoice_of(acme, invoiceDate="2026-12-01")
        reply = acme.post(f"{BASE}/{invoice['id']}/schedule")
        assert reply.status == 200, reply.body
        scheduled = reply.json()
        assert (scheduled["status"], scheduled["invoiceNumber"]) == ("SCHEDULED", "INV-2026-0001")
        assert scheduled["sendAt"] == "2026-12-01T07:00:00.000Z"
        assert sent_messages() == []

    def test_a_given_time_and_pdf_are_kept(self, acme: Api) -> None:
        invoice = invoice_of(acme)
        reply = multipart(acme, f"{BASE}/{invoice['id']}/schedule", [
            ("sendAt", "2026-12-24T09:30:00+01:00"), ("pdf", ("own.pdf", PDF, "application/pdf"))
        ])  # fmt: skip
        assert reply.status == 200, reply.body
        assert reply.json()["sendAt"] == "2026-12-24T08:30:00.000Z"
        assert reply.json()["pdf"]["fileSize"] == len(PDF)

    def test_a_time_without_a_zone_is_a_400(self, acme: Api) -> None:
        invoice = invoice_of(acme)
        reply = multipart(acme, f"{BASE}/{invoice['id']}/schedule", [("sendAt", "2026-12-24")])
        assert reply.status == 400
        assert acme.get(f"{BASE}/find/{invoice['id']}").json()["status"] == "DRAFT"

    def test_unschedule_returns_it_to_draft_keeping_its_number(self, acme: Api) -> None:
        invoice = invoice_of(acme)
        path = f"{BASE}/{invoice['id']}"
        acme.post(f"{path}/schedule")
        reply = acme.patch(f"{path}/unschedule")
        assert reply.status == 200
        assert (reply.json()["status"], reply.json()["invoiceNumber"], reply.json()["sendAt"]) == (
            "DRAFT", "INV-2026-0001", None)  # fmt: skip
        assert acme.patch(f"{path}/unschedule").status == 409


def put_logo(client: Api, name: str, data: bytes, claimed: str) -> Reply:
    body, content_type = encode_multipart_formdata([("file", (name, data, claimed))])
    return client.request(
        "PUT", "/api/v1/settings/logo", body=body, headers={"Content-Type": content_type}
    )


def real_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


class TestLogo:
    def test_a_logo_is_kept_for_its_tenant_only_and_drawn_on_the_pdf(
        self, acme: Api, globex: Api
    ) -> None:
        reply = put_logo(acme, "logo.png", real_png(), "image/png")
        assert reply.status == 200, reply.body
        logo = reply.json()["logo"]
        assert (logo["type"], logo["name"]) == ("IMAGE", "logo.png")
        assert acme.get("/api/v1/settings").json()["logo"] == logo
        assert globex.get("/api/v1/settings").json()["logo"] is None
        assert stored_keys() == [f"acme/logos/{logo['blobId']}"]
        invoice = invoice_of(acme)
        acme.post(f"{BASE}/{invoice['id']}/generate-pdf")
        pdf = acme.get(f"{BASE}/{invoice['id']}/pdf", headers={"Accept": "application/pdf"})
        assert b"/Subtype /Image" in pdf.body

    def test_a_logo_that_is_not_an_image_is_refused(self, acme: Api) -> None:
        reply = put_logo(acme, "logo.png", PDF, "image/png")
        assert reply.status == 400
        assert acme.get("/api/v1/settings").json()["logo"] is None
        assert stored_keys() == []

    def test_a_deleted_logo_leaves_the_settings_of_its_tenant_only(
        self, acme: Api, globex: Api
    ) -> None:
        put_logo(acme, "logo.png", real_png(), "image/png")
        put_logo(globex, "theirs.png", real_png(), "image/png")
        reply = acme.delete("/api/v1/settings/logo")
        assert (reply.status, reply.json()["logo"]) == (200, None)
        assert globex.get("/api/v1/settings").json()["logo"]["name"] == "theirs.png"
