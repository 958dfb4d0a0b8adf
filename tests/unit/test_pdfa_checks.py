"""The PDF/A-3b and Factur-X checks (tests/pdfa_checks.py, decision 0059) on PDFs made the two
ways a generator can: fpdf2 alone (PDF/A-3B compliance, the XML as an associated file, the
Factur-X XMP), and the factur-x package embedding the XML into an fpdf2 PDF."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import facturx
from fpdf import FPDF
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject

from tests.einvoice_rules import cii_findings, explain, fatal
from tests.pdfa_checks import (
    FACTUR_X_FILE,
    embedded_files,
    facturx_problems,
    pdfa3b_problems,
    xmp,
    xmp_values,
)

REPO = Path(__file__).parent.parent.parent
FONT = REPO / "chalicelib" / "documents" / "fonts" / "InvoiceSans-Regular.ttf"
SAMPLES = REPO / "tests" / "einvoice_samples"
CII = (SAMPLES / "cii-invoice.xml").read_bytes()
ISSUED = datetime(2026, 12, 1, tzinfo=UTC)


def factur_x_xmp() -> str:
    """The sample XMP without the comment before it, which is for people."""
    text = (SAMPLES / "factur-x-en16931.xmp").read_text(encoding="utf-8")
    return text.split("-->", 1)[1].strip()


def invoice_pages(compliance: str | None = "PDF/A-3B") -> FPDF:
    """A one-page invoice drawn with the app's embedded font, as chalicelib/documents does."""
    pdf = FPDF(enforce_compliance=compliance) if compliance else FPDF()
    pdf.creation_date = ISSUED
    pdf.add_font("InvoiceSans", fname=FONT)
    pdf.add_page()
    pdf.set_font("InvoiceSans", size=12)
    pdf.cell(text="Invoice INV-2026-0001: 1 190,00 €")
    pdf.link(x=10, y=10, w=40, h=10, link="https://example.com/invoices/INV-2026-0001")
    return pdf


def fpdf2_factur_x(relationship: str = "Data") -> bytes:
    pdf = invoice_pages()
    pdf.embed_file(
        bytes=CII,
        basename=FACTUR_X_FILE,
        mime_type="text/xml",
        associated_file_relationship=relationship,
        modification_date=ISSUED,
        desc="Factur-X XML file",
    )
    pdf.set_xmp_metadata(factur_x_xmp())
    return bytes(pdf.output())


def test_fpdf2_alone_makes_a_factur_x_pdf_a_3b() -> None:
    pdf = fpdf2_factur_x()
    assert pdfa3b_problems(pdf) == []
    assert facturx_problems(pdf) == []
    assert embedded_files(pdf) == {FACTUR_X_FILE: ("/Data", CII)}
    # The reference library finds the XML where a reader of Factur-X looks for it.
    name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert (name, xml) == (FACTUR_X_FILE, CII)
    assert fatal(cii_findings(xml)) == [], explain(cii_findings(xml))


def test_fpdf2s_pdf_a_3b_without_a_file_passes_with_its_own_xmp() -> None:
    pdf = bytes(invoice_pages().output())
    assert pdfa3b_problems(pdf) == []
    root = xmp(pdf)
    assert root is not None
    assert xmp_values(root, "pdfaid:part") == ["3"]
    assert xmp_values(root, "xmp:CreateDate") == ["2026-12-01T00:00:00+00:00"]
    assert facturx_problems(pdf) == [
        f"no embedded {FACTUR_X_FILE}, only []",
        "XMP fx:DocumentType is [], not 'INVOICE'",
        "XMP fx:DocumentFileName is [], not 'factur-x.xml'",
        "XMP fx:Version is [], not '1.0'",
        "XMP fx:ConformanceLevel is [], not 'EN 16931'",
        "the XMP declares no PDF/A extension schema for the fx: namespace",
    ]


def test_factur_x_on_an_fpdf2_pdf_a_leaves_only_its_keywords_out_of_the_xmp() -> None:
    plain = bytes(invoice_pages().output())
    pdf = facturx.generate_from_binary(plain, CII, flavor="factur-x", level="en16931")
    assert facturx_problems(pdf) == []
    # factur-x writes Info /Keywords ("Invoice, Factur-X") but no pdf:Keywords in its XMP,
    # which ISO 19005-3 6.6.2.3.1 requires to agree: the one thing it breaks.
    assert pdfa3b_problems(pdf) == [
        "Info /Keywords 'Invoice, Factur-X' is not XMP pdf:Keywords [] (6.6.2.3.1)"
    ]


def test_factur_x_alone_does_not_make_pdf_a_of_a_pdf_that_is_not() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Invoice INV-2026-0001")
    made = facturx.generate_from_binary(bytes(pdf.output()), CII, flavor="factur-x")
    problems = pdfa3b_problems(made)
    assert "no GTS_PDFA1 output intent (6.2.3)" in problems
    assert "font /Helvetica is not embedded (6.2.11.4)" in problems
    assert facturx_problems(made) == []


def test_a_plain_pdf_fails_the_metadata_and_output_intent_checks() -> None:
    problems = pdfa3b_problems(bytes(invoice_pages(compliance=None).output()))
    assert problems == [
        "no XMP metadata stream in the catalog (6.6.2.1)",
        "no GTS_PDFA1 output intent (6.2.3)",
    ]


def test_an_xml_file_of_unspecified_relationship_is_no_factur_x() -> None:
    pdf = fpdf2_factur_x(relationship="Unspecified")
    assert pdfa3b_problems(pdf) == []
    assert facturx_problems(pdf) == [f"{FACTUR_X_FILE}'s AFRelationship is '/Unspecified'"]


def test_an_annotation_that_is_not_printed_is_a_problem() -> None:
    writer = PdfWriter(clone_from=io.BytesIO(fpdf2_factur_x()))
    for annotation in cast(ArrayObject, writer.pages[0]["/Annots"]):
        del cast(DictionaryObject, annotation.get_object())["/F"]
    hidden = io.BytesIO()
    writer.write(hidden)
    assert pdfa3b_problems(hidden.getvalue()) == [
        "page 1: a /Link annotation is not printed (6.3.2)"
    ]
