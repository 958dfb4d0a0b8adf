"""XRechnung's own requirements (the CIUS's BR-DE-* rules, decision 0062), which no package
offers offline to check: the mapping refuses what they need and the document lacks, naming the
field, and the XML states what they ask for. Each test names its rule; each document made is
also held to EN 16931's Schematron and the XSD of its syntax."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from lxml import etree
from pydantic import ValidationError

from chalicelib.documents.einvoice_xml import einvoice_xml
from chalicelib.domain.einvoice import invoice_einvoice
from chalicelib.domain.einvoice_model import Contact, EInvoiceFormat
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.invoice import VatCategory
from chalicelib.domain.parties import PostalAddress, SellerContact
from chalicelib.domain.settings import TenantSettings
from tests.einvoices import (
    BUYER,
    FOREIGN_BUYER,
    SELLER_SETTINGS,
    SETTINGS,
    credit_note,
    document_of,
    fatal_findings,
    issued,
)

XRECHNUNG = (EInvoiceFormat.XRECHNUNG_CII, EInvoiceFormat.XRECHNUNG_UBL)
CONSULTING = {"description": "Consulting", "quantity": "10", "quantityType": "HOURS",
              "unitPrice": "100.00", "taxRate": 19}  # fmt: skip
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CII_SELLER = (
    "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty"
)
CII_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
UBL_SELLER = "cac:AccountingSupplierParty/cac:Party"
# Parses what we generate: never a DTD, an entity or the network.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def settings_with(**fields: Any) -> TenantSettings:
    return TenantSettings.model_validate({**SELLER_SETTINGS, **fields})


def refused(source: Any, fmt: EInvoiceFormat, invoice: Any = None) -> set[str]:
    with pytest.raises(InvalidInputError) as caught:
        document_of(source, fmt, invoice)
    return {problem.field for problem in caught.value.problems}


def xml_of(source: Any, fmt: EInvoiceFormat, invoice: Any = None) -> etree._Element:
    """The document's XML, parsed, after it passed EN 16931's rules and its XSD."""
    document = document_of(source, fmt, invoice)
    assert fatal_findings(document, fmt) == ([], []), fmt
    return etree.fromstring(einvoice_xml(document, fmt), _PARSER)


def texts(element: etree._Element, path: str) -> list[str]:
    return [found.text or "" for found in element.iterfind(path, NS)]


def children(element: etree._Element | None) -> list[str]:
    assert element is not None
    return [etree.QName(child).localname for child in element]


@pytest.mark.parametrize("fmt", XRECHNUNG)
def test_xrechnung_without_a_seller_contact_names_its_name_and_phone(fmt: EInvoiceFormat) -> None:
    """BR-DE-2, -5, -6: the contact's email is the sender email unless it names its own."""
    invoice = issued([CONSULTING], settings=settings_with(contact=None))
    assert refused(invoice, fmt) == {"seller.contact.name", "seller.contact.phone"}
    note = credit_note(invoice)
    assert refused(note, fmt, invoice) == {"seller.contact.name", "seller.contact.phone"}


@pytest.mark.parametrize("fmt", XRECHNUNG)
def test_xrechnung_without_any_seller_email_names_the_contacts_email_too(
    fmt: EInvoiceFormat,
) -> None:
    """BR-DE-7 (BT-43) beside the seller's electronic address (BT-34)."""
    settings = settings_with(senderEmail=None, contact={"phone": "030 123"})
    problems = refused(issued([CONSULTING], settings=settings), fmt)
    assert problems == {"seller.email", "seller.contact.name", "seller.contact.email"}


def test_the_other_formats_make_do_without_a_contact() -> None:
    invoice = issued([CONSULTING], settings=settings_with(contact=None))
    for fmt in (EInvoiceFormat.FACTUR_X, EInvoiceFormat.PEPPOL_UBL):
        contact = invoice_einvoice(invoice, fmt).seller.contact
        assert contact == Contact(email="billing@muster.example"), fmt


def test_the_contact_is_written_in_cii_in_the_schemas_order() -> None:
    settings = settings_with(contact={"name": "Erika Muster", "phone": "+49 30 1234567",
                                      "email": "erika@muster.example"})  # fmt: skip
    seller = xml_of(issued([CONSULTING], settings=settings), EInvoiceFormat.XRECHNUNG_CII)
    party = seller.find(CII_SELLER, NS)
    assert children(party) == ["Name", "DefinedTradeContact", "PostalTradeAddress",
                               "URIUniversalCommunication", "SpecifiedTaxRegistration"]  # fmt: skip
    contact = f"{CII_SELLER}/ram:DefinedTradeContact"
    assert texts(seller, f"{contact}/ram:PersonName") == ["Erika Muster"]
    phone = f"{contact}/ram:TelephoneUniversalCommunication/ram:CompleteNumber"
    assert texts(seller, phone) == ["+49 30 1234567"]
    email = f"{contact}/ram:EmailURIUniversalCommunication/ram:URIID"
    assert texts(seller, email) == ["erika@muster.example"]
    # BT-34 stays the sender email, the seller's electronic address.
    assert texts(seller, f"{CII_SELLER}/ram:URIUniversalCommunication/ram:URIID") == [
        "billing@muster.example"
    ]


def test_the_contact_is_written_in_ubl_after_the_legal_entity() -> None:
    root = xml_of(issued([CONSULTING]), EInvoiceFormat.XRECHNUNG_UBL)
    party = root.find(UBL_SELLER, NS)
    assert children(party) == ["EndpointID", "PostalAddress", "PartyTaxScheme",
                               "PartyLegalEntity", "Contact"]  # fmt: skip
    assert children(root.find(f"{UBL_SELLER}/cac:Contact", NS)) == [
        "Name",
        "Telephone",
        "ElectronicMail",
    ]
    assert texts(root, f"{UBL_SELLER}/cac:Contact/cbc:Name") == ["Buchhaltung"]
    assert texts(root, f"{UBL_SELLER}/cac:Contact/cbc:Telephone") == ["+49 30 1234567-0"]
    # No email of its own: the sender email answers for the contact (decision 0062).
    assert texts(root, f"{UBL_SELLER}/cac:Contact/cbc:ElectronicMail") == ["billing@muster.example"]


def test_an_invoice_issued_before_the_contact_was_set_takes_it_from_the_settings() -> None:
    invoice = issued([CONSULTING], settings=settings_with(contact=None))
    fmt = EInvoiceFormat.XRECHNUNG_UBL
    document = invoice_einvoice(invoice, fmt, settings_seller=SETTINGS.seller_details())
    assert document.seller.contact == Contact(
        "Buchhaltung", "+49 30 1234567-0", "billing@muster.example"
    )


def test_the_settings_contact_is_copied_onto_an_issued_invoice() -> None:
    invoice = issued([CONSULTING])
    assert invoice.seller is not None
    assert invoice.seller.contact == SellerContact(name="Buchhaltung", phone="+49 30 1234567-0")


@pytest.mark.parametrize("phone", ["+49 30 1234567-0", "(030) 123 45", "030/12345", "+1.555.0100"])
def test_a_telephone_number_is_written_as_people_write_it(phone: str) -> None:
    contact = settings_with(contact={"phone": phone}).contact
    assert contact is not None and contact.phone == phone


@pytest.mark.parametrize("phone", ["12", "call me", "+49 30 12345 ext. 7", "1" * 21, "49+30", ""])
def test_what_is_no_telephone_number_is_refused_naming_the_field(phone: str) -> None:
    with pytest.raises(ValidationError) as caught:
        settings_with(contact={"phone": phone})
    assert [error["loc"] for error in caught.value.errors()] == [("contact", "phone")]


@pytest.mark.parametrize("fmt", XRECHNUNG)
def test_a_credit_note_states_payment_means_with_no_instrument_and_no_account(
    fmt: EInvoiceFormat,
) -> None:
    """BR-DE-1 holds for credit notes too; how the credit is settled is not known when it is
    issued, so code 1 (instrument not defined), which needs no account (BR-61, BR-DE-23 ask
    for one with 30 and 58)."""
    invoice = issued([CONSULTING])
    root = xml_of(credit_note(invoice), fmt, invoice)
    if fmt is EInvoiceFormat.XRECHNUNG_CII:
        means = root.find(f"{CII_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans", NS)
        assert children(means) == ["TypeCode"]
        assert texts(root, f"{CII_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans/"
                           "ram:TypeCode") == ["1"]  # fmt: skip
    else:
        assert children(root.find("cac:PaymentMeans", NS)) == ["PaymentMeansCode"]
        assert texts(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["1"]


def test_other_credit_notes_state_no_payment_means() -> None:
    invoice = issued([CONSULTING])
    for fmt in (EInvoiceFormat.FACTUR_X, EInvoiceFormat.PEPPOL_UBL):
        assert document_of(credit_note(invoice), fmt, invoice).payment_means is None


@pytest.mark.parametrize("fmt", XRECHNUNG)
def test_an_invoice_states_a_sepa_transfer_to_the_sellers_account(fmt: EInvoiceFormat) -> None:
    """BR-DE-1 with BR-DE-23-a: code 58 and the account (BG-17)."""
    means = invoice_einvoice(issued([CONSULTING]), fmt).payment_means
    assert means is not None and (means.code, means.iban) == ("58", "DE02120300000000202051")
    assert "seller.bankAccounts" in refused(
        issued([CONSULTING], settings=settings_with(bankAccounts=[])), fmt
    )


@pytest.mark.parametrize("fmt", XRECHNUNG)
def test_xrechnung_needs_both_parties_city_postal_code_and_the_buyers_reference(
    fmt: EInvoiceFormat,
) -> None:
    """BR-DE-3, -4 (seller), BR-DE-8, -9 (buyer), BR-DE-15 (buyer reference)."""
    settings = settings_with(address={"street": "Invalidenstraße 1", "country": "DE"})
    client = BUYER.model_copy(
        update={"address": PostalAddress(country="DE"), "buyer_reference": None}
    )
    assert refused(issued([CONSULTING], settings=settings, client=client), fmt) == {
        "seller.address.city",
        "seller.address.postalCode",
        "client.address.city",
        "client.address.postalCode",
        "client.buyerReference",
    }


@pytest.mark.parametrize("fmt", XRECHNUNG)
def test_xrechnung_needs_the_sellers_vat_id(fmt: EInvoiceFormat) -> None:
    """BR-DE-16 (S, Z, E, AE, K, G: BT-31 or a tax number, BT-32, which we do not hold), and
    EN 16931's BR-CO-26 for O: the seller's VAT id is always required."""
    outside = {**CONSULTING, "taxRate": 0, "vatCategory": "O"}
    for rows in ([CONSULTING], [outside]):
        invoice = issued(rows, settings=settings_with(vatId=None))
        assert "seller.vatId" in refused(invoice, fmt)


def test_xrechnung_states_its_specification_process_and_type_codes() -> None:
    """BR-DE-21 (BT-24), BT-23 as XRechnung 3.0's rules require it in CII too
    (PEPPOL-EN16931-R001), BR-DE-17 (380 and 381 only)."""
    xrechnung = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    process = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    invoice = issued([CONSULTING])
    note = credit_note(invoice)
    context = "rsm:ExchangedDocumentContext"
    for source, code in ((invoice, "380"), (note, "381")):
        cii = xml_of(source, EInvoiceFormat.XRECHNUNG_CII, invoice)
        assert children(cii.find(context, NS)) == [
            "BusinessProcessSpecifiedDocumentContextParameter",
            "GuidelineSpecifiedDocumentContextParameter",
        ]
        assert texts(cii, f"{context}/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == [
            xrechnung
        ]
        assert texts(
            cii, f"{context}/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
        ) == [process]
        assert texts(cii, "rsm:ExchangedDocument/ram:TypeCode") == [code]
        ubl = xml_of(source, EInvoiceFormat.XRECHNUNG_UBL, invoice)
        assert (texts(ubl, "cbc:CustomizationID"), texts(ubl, "cbc:ProfileID")) == (
            [xrechnung],
            [process],
        )
        assert texts(ubl, "cbc:InvoiceTypeCode") + texts(ubl, "cbc:CreditNoteTypeCode") == [code]
    factur_x = xml_of(invoice, EInvoiceFormat.FACTUR_X)
    assert children(factur_x.find(context, NS)) == ["GuidelineSpecifiedDocumentContextParameter"]


def test_outside_the_scope_of_vat_xrechnung_states_a_rate_of_0_in_the_breakdown() -> None:
    """BR-DE-14: every breakdown states its rate; the lines still state none (BR-O-05)."""
    outside = {**CONSULTING, "taxRate": 0, "vatCategory": "O"}
    invoice = issued([outside])
    for fmt in XRECHNUNG:
        document = invoice_einvoice(invoice, fmt)
        assert [(b.category, b.rate) for b in document.breakdown] == [(VatCategory.O, Decimal(0))]
        assert document.lines[0].rate is None
        xml_of(invoice, fmt)
    assert invoice_einvoice(invoice, EInvoiceFormat.FACTUR_X).breakdown[0].rate is None


def test_an_intra_community_supply_in_xrechnung_is_delivered_to_the_buyers_address() -> None:
    """BR-DE-10, -11: a deliver-to address states its city and postal code."""
    supply = {**CONSULTING, "taxRate": 0, "vatCategory": "K"}
    invoice = issued([supply], client=FOREIGN_BUYER)
    for fmt in XRECHNUNG:
        deliver_to = invoice_einvoice(invoice, fmt).deliver_to
        assert deliver_to is not None
        assert (deliver_to.city, deliver_to.postal_code, deliver_to.country) == (
            "Amsterdam",
            "1012 JS",
            "NL",
        )
        xml_of(invoice, fmt)
    other = invoice_einvoice(invoice, EInvoiceFormat.PEPPOL_UBL).deliver_to
    assert other is not None and (other.city, other.country) == (None, "NL")
