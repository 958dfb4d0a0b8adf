"""The checking side of e-invoices (issue 22, decision 0059): the hand-written samples in
tests/einvoice_samples pass the official EN 16931 rules and the XSDs, and a broken total, an
unknown code or a misplaced element is caught by the rule the standard names for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.einvoice_rules import (
    CII_D22B_XSD,
    Finding,
    cii_findings,
    cii_xsd_errors,
    explain,
    fatal,
    parse_svrl,
    rules,
    ubl_findings,
    ubl_xsd_errors,
)

SAMPLES = Path(__file__).parent.parent / "einvoice_samples"
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def changed(name: str, old: str, new: str) -> bytes:
    text = sample(name).decode("utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new).encode("utf-8")


@pytest.mark.parametrize("name", ["cii-invoice.xml", "cii-credit-note.xml"])
def test_cii_samples_break_no_rule_and_fit_both_cii_schemas(name: str) -> None:
    xml = sample(name)
    findings = cii_findings(xml)
    assert findings == [], explain(findings)
    assert cii_xsd_errors(xml) == []
    assert cii_xsd_errors(xml, schema=CII_D22B_XSD) == []


@pytest.mark.parametrize("name", ["ubl-invoice.xml", "ubl-credit-note.xml"])
def test_ubl_samples_break_no_rule_and_fit_the_ubl_schema(name: str) -> None:
    xml = sample(name)
    findings = ubl_findings(xml)
    assert findings == [], explain(findings)
    assert ubl_xsd_errors(xml) == []


def test_the_samples_are_an_invoice_and_a_credit_note_of_it() -> None:
    assert b"<ram:TypeCode>380</ram:TypeCode>" in sample("cii-invoice.xml")
    assert b"<ram:TypeCode>381</ram:TypeCode>" in sample("cii-credit-note.xml")
    assert b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>" in sample("ubl-invoice.xml")
    assert b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>" in sample("ubl-credit-note.xml")


def test_a_cii_grand_total_that_is_not_net_plus_vat_breaks_br_co_15() -> None:
    xml = changed(
        "cii-invoice.xml",
        "<ram:GrandTotalAmount>1190.00</ram:GrandTotalAmount>",
        "<ram:GrandTotalAmount>1200.00</ram:GrandTotalAmount>",
    )
    # The amount due still says 1190.00, so BT-115 = BT-112 - BT-113 (BR-CO-16) breaks as well.
    assert rules(fatal(cii_findings(xml))) == {"BR-CO-15", "BR-CO-16"}


@pytest.mark.parametrize("name", ["ubl-invoice.xml", "ubl-credit-note.xml"])
def test_a_ubl_total_with_vat_that_is_not_net_plus_vat_breaks_br_co_15(name: str) -> None:
    xml = changed(
        name,
        '<cbc:TaxInclusiveAmount currencyID="EUR">1190.00</cbc:TaxInclusiveAmount>',
        '<cbc:TaxInclusiveAmount currencyID="EUR">1200.00</cbc:TaxInclusiveAmount>',
    )
    assert rules(fatal(ubl_findings(xml))) == {"BR-CO-15", "BR-CO-16"}


def test_a_line_total_that_is_not_the_sum_of_the_lines_breaks_br_co_10() -> None:
    xml = changed(
        "ubl-invoice.xml",
        '<cbc:LineExtensionAmount currencyID="EUR">1000.00</cbc:LineExtensionAmount><!-- BT-106',
        '<cbc:LineExtensionAmount currencyID="EUR">999.00</cbc:LineExtensionAmount><!-- BT-106',
    )
    assert "BR-CO-10" in rules(fatal(ubl_findings(xml)))


def test_a_vat_amount_that_is_not_the_rate_of_its_basis_breaks_br_s_09() -> None:
    xml = changed(
        "cii-invoice.xml",
        "<ram:CalculatedAmount>190.00</ram:CalculatedAmount>",
        "<ram:CalculatedAmount>180.00</ram:CalculatedAmount>",
    )
    assert "BR-S-09" in rules(fatal(cii_findings(xml)))


def test_an_unknown_cii_unit_code_is_caught_through_the_code_lists_beside_the_rules() -> None:
    # In CII the Factur-X profile's rules (FX-SCH-*), not BR-CL-*, hold codes to the code
    # lists, which they read from FACTUR-X_EN16931_codedb.xml: this proves it is found offline.
    xml = changed("cii-invoice.xml", 'unitCode="HUR"', 'unitCode="HOURS"')
    [finding] = fatal(cii_findings(xml))
    assert finding.rule.startswith("FX-SCH-")
    assert "@unitCode" in finding.text
    assert finding.location.endswith(
        "BilledQuantity[namespace-uri()='urn:un:unece:uncefact:data:"
        "standard:ReusableAggregateBusinessInformationEntity:100'][1]"
    )


def test_an_unknown_unit_code_breaks_br_cl_23_in_ubl() -> None:
    xml = changed("ubl-invoice.xml", 'unitCode="HUR"', 'unitCode="HOURS"')
    assert "BR-CL-23" in rules(fatal(ubl_findings(xml)))


def test_a_standard_rated_invoice_without_the_sellers_vat_id_breaks_br_s_02() -> None:
    text = sample("ubl-invoice.xml").decode("utf-8")
    start = text.index("      <cac:PartyTaxScheme>")
    end = text.index("</cac:PartyTaxScheme>") + len("</cac:PartyTaxScheme>")
    xml = (text[:start] + text[end:]).encode("utf-8")
    assert "BR-S-02" in rules(fatal(ubl_findings(xml)))


def test_the_xrechnung_identifier_breaks_a_factur_x_rule_unless_checked_as_a_cius() -> None:
    xml = changed(
        "cii-invoice.xml",
        "<ram:ID>urn:cen.eu:en16931:2017</ram:ID>",
        f"<ram:ID>{XRECHNUNG}</ram:ID>",
    )
    [finding] = fatal(cii_findings(xml))
    assert finding.rule.startswith("FX-SCH-")
    assert cii_findings(xml, cius=True) == []


def test_a_cius_is_still_held_to_the_code_lists() -> None:
    xml = changed(
        "cii-invoice.xml",
        "<ram:ID>urn:cen.eu:en16931:2017</ram:ID>",
        f"<ram:ID>{XRECHNUNG}</ram:ID>",
    ).replace(b'unitCode="HUR"', b'unitCode="HOURS"')
    [finding] = fatal(cii_findings(xml, cius=True))
    assert "@unitCode" in finding.text


def test_xsd_errors_name_the_line_and_the_element() -> None:
    cii = changed("cii-invoice.xml", "<ram:LineID>1</ram:LineID>", "<ram:LineNo>1</ram:LineNo>")
    ubl = changed("ubl-invoice.xml", "<cbc:ID>1</cbc:ID><!-- BT-126 -->", "")
    [cii_error] = cii_xsd_errors(cii)
    assert "LineNo" in cii_error
    assert cii_error.startswith("line ")
    assert any("InvoiceLine" in error or "ID" in error for error in ubl_xsd_errors(ubl))


def test_a_root_that_is_no_ubl_document_is_an_xsd_error() -> None:
    assert ubl_xsd_errors(b"<Order/>") == [
        "line 1: Order is neither a UBL Invoice nor a CreditNote"
    ]


def test_svrl_without_a_flag_is_fatal_and_warnings_stay_warnings() -> None:
    svrl = b"""<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
      <svrl:failed-assert id="BR-01" location="/a"><svrl:text>
        [BR-01] An  invoice shall have a specification identifier.</svrl:text></svrl:failed-assert>
      <svrl:failed-assert id="UBL-CR-001" flag="warning" location="/b">
        <svrl:text>No extensions.</svrl:text></svrl:failed-assert>
    </svrl:schematron-output>"""
    findings = parse_svrl(svrl)
    assert findings == [
        Finding(
            "BR-01", "fatal", "/a", "[BR-01] An invoice shall have a specification identifier."
        ),
        Finding("UBL-CR-001", "warning", "/b", "No extensions."),
    ]
    assert fatal(findings) == findings[:1]
