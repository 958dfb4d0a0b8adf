"""The invoice's own PDF made Factur-X (issue 22): PDF/A-3b by the checks tests/pdfa_checks.py
makes (the best offline; decision 0059), the CII XML attached as factur-x.xml with the
relationship Data, where factur-x (the reference library) finds it, and the same bytes for the
same invoice. The XML here is the hand-checked sample; the generator's own XML is checked by the
EN 16931 rules in its tests."""

from __future__ import annotations

from pathlib import Path

import facturx

from chalicelib.documents.pdf import render_factur_x_pdf, render_invoice_pdf
from tests.pdfa_checks import embedded_files, facturx_problems, pdfa3b_problems, xmp, xmp_values
from tests.unit.test_pdf import MIXED_RATES, _document, _issued

CII = (Path(__file__).parents[1] / "einvoice_samples" / "cii-invoice.xml").read_bytes()


def factur_x() -> bytes:
    document = _document(_issued(MIXED_RATES))
    return render_factur_x_pdf(document, CII)


def test_the_invoice_pdf_carries_its_xml_as_pdf_a_3b() -> None:
    pdf = factur_x()

    assert pdfa3b_problems(pdf) == []
    assert facturx_problems(pdf) == []
    assert embedded_files(pdf) == {"factur-x.xml": ("/Data", CII)}
    assert facturx.get_xml_from_pdf(pdf, check_xsd=True) == ("factur-x.xml", CII)
    root = xmp(pdf)
    assert root is not None
    assert xmp_values(root, "pdfaid:conformance") == ["B"]
    assert xmp_values(root, "fx:ConformanceLevel") == ["EN 16931"]


def test_the_same_invoice_gives_the_same_bytes_and_the_plain_pdf_is_unchanged() -> None:
    assert factur_x() == factur_x()
    plain = render_invoice_pdf(_document(_issued(MIXED_RATES)))
    assert embedded_files(plain) == {}
    assert b"pdfaid" not in plain
