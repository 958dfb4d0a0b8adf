"""Issued invoices and credit notes made as the app makes them (invoicing.new_invoice, then
issuing), with a seller and a client complete enough for every e-invoice format, and the check
of an e-invoice's XML by the official rules (tests/einvoice_rules.py) in one call."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.documents.einvoice_xml import einvoice_xml
from chalicelib.domain import invoicing, transitions
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.credit_notes import CreditNote, credit_note_input, issue_credit_note
from chalicelib.domain.crediting import CreditedSummary
from chalicelib.domain.einvoice import credit_note_einvoice, invoice_einvoice
from chalicelib.domain.einvoice_model import EInvoice, EInvoiceFormat
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.parties import PartyDetails, PostalAddress
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from tests.einvoice_rules import (
    Finding,
    cii_findings,
    cii_xsd_errors,
    fatal,
    ubl_findings,
    ubl_xsd_errors,
)

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
ALICE = Actor(tenant_id="acme", user_id="alice")
SELLER_SETTINGS: dict[str, Any] = {
    "companyName": "Muster Beratung GmbH",
    "address": {"street": "Invalidenstraße 1", "postalCode": "10115", "city": "Berlin",
                "country": "DE"},
    "vatId": "DE136695976",
    "senderEmail": "billing@muster.example",
    # XRechnung's seller contact (BG-6); its email is the sender email.
    "contact": {"name": "Buchhaltung", "phone": "+49 30 1234567-0"},
    "bankAccounts": [{"iban": "DE02120300000000202051", "bic": "BYLADEM1001"}],
}  # fmt: skip
SETTINGS = TenantSettings.model_validate(SELLER_SETTINGS)
BUYER = PartyDetails(
    name="Kunde AG",
    email="ap@kunde.example",
    address=PostalAddress(street="Marienplatz 2", postal_code="80331", city="München",
                          country="DE"),
    vat_id="DE811569869",
    buyer_reference="04011000-12345-67",
)  # fmt: skip
FOREIGN_BUYER = BUYER.model_copy(
    update={
        "name": "Klant BV",
        "address": PostalAddress(street="Dam 1", postal_code="1012 JS", city="Amsterdam",
                                 country="NL"),
        "vat_id": "NL004495445B01",
    }
)  # fmt: skip
EXPORT_BUYER = BUYER.model_copy(
    update={
        "name": "Client Inc.",
        "address": PostalAddress(street="1 Main St", postal_code="10001", city="New York",
                                 country="US"),
        "vat_id": None,
    }
)  # fmt: skip


def issued(
    rows: list[dict[str, Any]],
    *,
    currency: str = "EUR",
    inclusive: bool = False,
    client: PartyDetails | None = BUYER,
    settings: TenantSettings = SETTINGS,
    **fields: Any,
) -> Invoice:
    """An invoice made of `rows` and sent, as the app makes and issues one."""
    rows = [{"id": f"r{n}", **row} for n, row in enumerate(rows)]
    given = InvoiceFields.model_validate(
        {"currency": currency, "taxInclusive": inclusive, "invoiceDate": "2026-11-02",
         "paymentTermDays": 14, "rows": rows, **fields}
    )  # fmt: skip
    draft = invoicing.new_invoice(given, actor=ALICE, now=NOW, defaults=InvoiceDefaults())
    issuing = transitions.Issuing(InvoiceCounter(), settings, client)
    sent, _ = transitions.mark_as_sent(draft, issuing, actor=ALICE, now=NOW)
    return sent


def credit_note(
    invoice: Invoice, body: dict[str, Any] | None = None, *, summary: CreditedSummary | None = None
) -> CreditNote:
    note, _ = issue_credit_note(
        invoice,
        credit_note_input({"reason": "Returned goods", **(body or {})}),
        summary=summary or CreditedSummary(),
        number="CN-2026-0001",
        note_id="cn-1",
        actor=ALICE,
        now=NOW,
    )
    return note


def document_of(
    source: Invoice | CreditNote, fmt: EInvoiceFormat, invoice: Invoice | None = None
) -> EInvoice:
    if isinstance(source, CreditNote):
        assert invoice is not None
        return credit_note_einvoice(source, invoice, fmt)
    return invoice_einvoice(source, fmt)


def findings(xml: bytes, fmt: EInvoiceFormat) -> list[Finding]:
    """What the EN 16931 Schematron of the format's syntax finds: XRechnung CII declares its
    CIUS in BT-24, which the Factur-X profile's rules are told to read as plain EN 16931."""
    if fmt in (EInvoiceFormat.XRECHNUNG_UBL, EInvoiceFormat.PEPPOL_UBL):
        return ubl_findings(xml)
    return cii_findings(xml, cius=fmt is EInvoiceFormat.XRECHNUNG_CII)


def schema_errors(xml: bytes, fmt: EInvoiceFormat) -> list[str]:
    if fmt in (EInvoiceFormat.XRECHNUNG_UBL, EInvoiceFormat.PEPPOL_UBL):
        return ubl_xsd_errors(xml)
    return cii_xsd_errors(xml)


def fatal_findings(document: EInvoice, fmt: EInvoiceFormat) -> tuple[list[Finding], list[str]]:
    """The fatal findings and the schema's complaints about `document` written in `fmt`."""
    xml = einvoice_xml(document, fmt)
    return fatal(findings(xml, fmt)), schema_errors(xml, fmt)
