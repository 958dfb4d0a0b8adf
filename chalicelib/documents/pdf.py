"""The invoice as a PDF: an A4 document drawn with fpdf2 in an embedded Unicode font, with the
seller and client, the rows, a tax breakdown per rate, the totals and how to pay. A credit note
is drawn by the same code from what its PDF says (pdf_credit_note.py): the same layout, titled
as a credit note, with why it credits in place of how to pay.

`render_invoice_pdf` and `render_credit_note_pdf` are pure and deterministic: the same document
gives the same bytes in any process (the creation date is the document's date, its `dated`;
fpdf2 derives the file id from the content). This module loads fpdf2 (and, on first use, Babel
and segno): import it inside the function that renders, never from a module loaded at cold
start."""

from __future__ import annotations

import io
from datetime import datetime

from fpdf import FPDF
from fpdf.image_parsing import preload_image

from chalicelib.documents.facturx import FILE_NAME, xmp_metadata
from chalicelib.documents.images import drawing_problem
from chalicelib.documents.pdf_credit_note import credit_note_text
from chalicelib.documents.pdf_fonts import FAMILY, add_invoice_fonts
from chalicelib.documents.pdf_payment import epc_qr_png, epc_transfer
from chalicelib.documents.pdf_text import Fact, InvoiceText, Party, invoice_text
from chalicelib.documents.pdf_wrap import wrap
from chalicelib.domain.documents import CreditNoteDocument, InvoiceDocument

# Page geometry on A4, in millimetres: the text area and where the footer starts.
PAGE_WIDTH = 210.0
LEFT, RIGHT, TOP, BOTTOM = 18.0, 192.0, 16.0, 274.0
FOOTER_TOP = 281.0
PADDING = 1.6
LINE_SPACING = 1.3  # line height over font size
BASELINE = 1.0  # from a line's top to its baseline, over font size
BODY, SMALL, NAME, TITLE = 9.0, 8.0, 11.0, 17.0  # points

INK = (25, 25, 25)
MUTED = (105, 105, 105)
RULE = (200, 200, 200)
SHADE = (240, 240, 240)

# Rows table: description, quantity, unit price, tax rate, amount.
COLUMN_WIDTHS = (82.0, 24.0, 26.0, 14.0, 28.0)
COLUMN_ALIGN = ("L", "R", "R", "R", "R")
TOTALS_WIDTH = 96.0
TOTALS_LEFT = RIGHT - TOTALS_WIDTH
LOGO_BOX = (54.0, 22.0)
QR_SIZE = 34.0
FACT_LABEL_WIDTH = 40.0
_ALIGN_SHARE = {"L": 0.0, "C": 0.5, "R": 1.0}  # of the room left on a line, what goes before it


def render_invoice_pdf(document: InvoiceDocument) -> bytes:
    """The invoice's PDF, in the document's language and locale."""
    text = invoice_text(document)
    return _rendered(document, text, _payment_code(document, text))


def render_credit_note_pdf(document: CreditNoteDocument) -> bytes:
    """The credit note's PDF, in the document's language and locale: nothing to pay, no code."""
    return _rendered(document, credit_note_text(document), None)


def render_factur_x_pdf(document: InvoiceDocument | CreditNoteDocument, xml: bytes) -> bytes:
    """The document's own PDF as PDF/A-3b, carrying its CII XML (Factur-X): the same pages,
    every font embedded, an sRGB output intent, the XML attached as its Data."""
    if isinstance(document, InvoiceDocument):
        text = invoice_text(document)
        return _rendered(document, text, _payment_code(document, text), xml)
    return _rendered(document, credit_note_text(document), None, xml)


def _rendered(
    document: InvoiceDocument | CreditNoteDocument,
    text: InvoiceText,
    code: bytes | str | None,
    xml: bytes | None = None,
) -> bytes:
    pdf = _InvoicePages(text, compliance="PDF/A-3B" if xml else None)
    pdf.set_creation_date(document.dated)
    pdf.set_title(text.title)
    if document.seller.name:
        pdf.set_author(document.seller.name)
    pdf.set_lang(text.language)
    if xml is not None:
        _embed(pdf, xml, text.title, document.dated)
    pdf.add_page()
    y = _draw_heading(pdf, text, document.logo)
    y = _draw_rows(pdf, text, y + 8)
    y = _draw_totals(pdf, text, y + 6)
    if text.payment or code is not None:
        y = _draw_payment(pdf, text, code, y + 10)
    if text.remark is not None:
        _draw_remark(pdf, text.remark, y + 10)
    return bytes(pdf.output())


def _embed(pdf: FPDF, xml: bytes, title: str, created: datetime) -> None:
    pdf.embed_file(
        bytes=xml,
        basename=FILE_NAME,
        mime_type="text/xml",
        associated_file_relationship="Data",
        modification_date=created,
        desc="Factur-X XML file",
    )
    pdf.set_xmp_metadata(xmp_metadata(title, created))


def _payment_code(document: InvoiceDocument, text: InvoiceText) -> bytes | str | None:
    """The EPC QR code as a PNG where one applies; where one applies but the EPC format cannot
    carry these details (more than its 331 bytes, or a reference stored before references were
    checked), the words that say so in its place."""
    transfer = epc_transfer(document)
    if transfer is None:
        return None
    return epc_qr_png(transfer) or text.labels.no_qr_code


class _InvoicePages(FPDF):
    """A4 pages in the invoice font, each with the invoice's title and its page number below.

    Text from the invoice is drawn with `text()`, which leaves it as it is; `cell()` is kept
    for the page number, as it replaces fpdf2's total-pages alias ("{nb}") in what it draws."""

    def __init__(self, text: InvoiceText, *, compliance: str | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4", enforce_compliance=compliance)
        self.invoice_text = text
        add_invoice_fonts(self)
        self.set_margins(LEFT, TOP, PAGE_WIDTH - RIGHT)
        self.set_auto_page_break(False)  # each block makes room for itself
        self.use(INK)

    def footer(self) -> None:
        labels = self.invoice_text.labels
        self.set_font(FAMILY, "", SMALL)
        self.use(MUTED)
        self.put_text(LEFT, FOOTER_TOP, 80.0, self.invoice_text.title)
        self.set_xy(RIGHT - 60.0, FOOTER_TOP)
        page = labels.page.format(page=self.page_no(), pages="{nb}")
        self.cell(60.0, self.line_height(), page, align="R")
        self.use(INK)

    def use(self, color: tuple[int, int, int]) -> None:
        """Draw text and fills in `color`, with no colour change around each piece of text."""
        self.set_text_color(*color)
        self.set_fill_color(*color)

    def line_height(self) -> float:
        return self.font_size * LINE_SPACING

    def measure(self, text: str) -> float:
        """The width of `text` in the current font: `get_string_width` without its per-call
        parsing of markup and styles, which cost more than the rest of the drawing."""
        assert self.current_font is not None
        _, width_pt = self.current_font.get_text_width(text, self.font_size_pt, None)
        return width_pt / self.k

    def wrapped(self, text: str, width: float) -> list[str]:
        return wrap(text, width, self.measure)

    def put_text(self, x: float, top: float, width: float, text: str, align: str = "L") -> float:
        """Write `text` wrapped to `width` from `top`; the height it took (none for no text)."""
        if not text:
            return 0.0
        return self.write_lines(x, top, width, self.wrapped(text, width), align)

    def write_lines(
        self, x: float, top: float, width: float, lines: list[str], align: str = "L"
    ) -> float:
        height = self.line_height()
        for index, line in enumerate(lines):
            left = x + (width - self.measure(line)) * _ALIGN_SHARE[align]
            self.text(left, top + index * height + self.font_size * BASELINE, line)
        return len(lines) * height

    def make_room(self, top: float, height: float) -> float:
        """Where a block of `height` starts: at `top`, or on a new page when it would not fit."""
        if top + height <= BOTTOM:
            return top
        self.add_page()
        return TOP


def _draw_heading(pdf: _InvoicePages, text: InvoiceText, logo: bytes | None) -> float:
    """The seller (and logo), the title, the client and the invoice's dates; where it ends. A
    logo that cannot be drawn (one stored before logos were checked) is left out, as an invoice
    that renders without it is worth more than one that does not render."""
    drawn = logo if logo and drawing_problem(logo) is None else None
    logo_bottom = _draw_logo(pdf, drawn) if drawn else TOP
    pdf.set_font(FAMILY, "B", NAME)
    seller_bottom = TOP + pdf.put_text(LEFT, TOP, 100.0, text.seller.name)
    pdf.set_font(FAMILY, "", SMALL)
    pdf.use(MUTED)
    seller_bottom += pdf.put_text(LEFT, seller_bottom, 100.0, "\n".join(text.seller.lines))
    pdf.use(INK)
    y = max(seller_bottom, logo_bottom) + 10.0
    pdf.set_font(FAMILY, "B", TITLE)
    y += pdf.put_text(LEFT, y, RIGHT - LEFT, text.title) + 5.0
    client_bottom = _draw_client(pdf, text.client, text.labels.bill_to, y)
    pdf.set_font(FAMILY, "", BODY)
    facts_bottom = _draw_facts(pdf, text.facts, RIGHT - 76.0, y, 76.0)
    return max(client_bottom, facts_bottom)


def _draw_logo(pdf: _InvoicePages, logo: bytes) -> float:
    """The logo at the top right, as large as fits the logo box; where it ends."""
    _, _, info = preload_image(pdf.image_cache, io.BytesIO(logo))
    box_width, box_height = LOGO_BOX
    scale = min(box_width / info.width, box_height / info.height)
    width, height = info.width * scale, info.height * scale
    pdf.image(io.BytesIO(logo), x=RIGHT - width, y=TOP, w=width, h=height)
    return TOP + height


def _draw_client(pdf: _InvoicePages, client: Party | None, caption: str, top: float) -> float:
    if client is None:
        return top
    pdf.set_font(FAMILY, "", SMALL)
    pdf.use(MUTED)
    y = top + pdf.put_text(LEFT, top, 90.0, caption)
    pdf.use(INK)
    pdf.set_font(FAMILY, "B", BODY + 1)
    y += pdf.put_text(LEFT, y, 90.0, client.name)
    pdf.set_font(FAMILY, "", BODY)
    return y + pdf.put_text(LEFT, y, 90.0, "\n".join(client.lines))


def _draw_facts(
    pdf: _InvoicePages, facts: tuple[Fact, ...], x: float, top: float, width: float
) -> float:
    """Label and value pairs, labels muted on the left; where they end."""
    y = top
    for fact in facts:
        pdf.use(MUTED)
        label_height = pdf.put_text(x, y, FACT_LABEL_WIDTH, fact.label)
        pdf.use(INK)
        value_width = width - FACT_LABEL_WIDTH
        value_height = pdf.put_text(x + FACT_LABEL_WIDTH, y, value_width, fact.value)
        y += max(label_height, value_height)
    return y


def _draw_rows(pdf: _InvoicePages, text: InvoiceText, top: float) -> float:
    """The rows table, its headings again on every page it reaches; where it ends."""
    y = _draw_column_headings(pdf, text, pdf.make_room(top, 20.0))
    pdf.set_font(FAMILY, "", BODY)
    for row in text.rows:
        cells = _wrapped_cells(pdf, row.cells())
        height = max(len(lines) for lines in cells) * pdf.line_height() + 2 * PADDING
        if y + height > BOTTOM:
            pdf.add_page()
            y = _draw_column_headings(pdf, text, TOP)
            pdf.set_font(FAMILY, "", BODY)
        _draw_cells(pdf, cells, y + PADDING)
        pdf.set_draw_color(*RULE)
        pdf.line(LEFT, y + height, RIGHT, y + height)
        y += height
    return y


def _draw_column_headings(pdf: _InvoicePages, text: InvoiceText, top: float) -> float:
    pdf.set_font(FAMILY, "B", SMALL)
    cells = _wrapped_cells(pdf, text.column_headings())
    height = max(len(lines) for lines in cells) * pdf.line_height() + 2 * PADDING
    pdf.use(SHADE)
    pdf.rect(LEFT, top, RIGHT - LEFT, height, style="F")
    pdf.use(INK)
    _draw_cells(pdf, cells, top + PADDING)
    return top + height


def _wrapped_cells(pdf: _InvoicePages, cells: tuple[str, ...]) -> list[list[str]]:
    return [
        pdf.wrapped(cell, width - 2 * PADDING)
        for cell, width in zip(cells, COLUMN_WIDTHS, strict=True)
    ]


def _draw_cells(pdf: _InvoicePages, cells: list[list[str]], top: float) -> None:
    x = LEFT
    for lines, width, align in zip(cells, COLUMN_WIDTHS, COLUMN_ALIGN, strict=True):
        pdf.write_lines(x + PADDING, top, width - 2 * PADDING, lines, align)
        x += width


def _draw_totals(pdf: _InvoicePages, text: InvoiceText, top: float) -> float:
    """The tax breakdown per rate, then what adds up to the total (subtotal, discount, tax) and
    the total, at the right, and the tax it includes when prices include tax; where it ends."""
    pdf.set_font(FAMILY, "", BODY)
    lines = len(text.tax_lines) + len(text.totals) + 3 + (text.included_tax is not None)
    y = pdf.make_room(top, lines * pdf.line_height() + 4.0)
    if text.tax_lines:
        y = _draw_tax_breakdown(pdf, text, y) + 2.0
    *amounts, total = text.totals
    for fact in amounts:
        y += _write_columns(pdf, y, (fact.label, "", fact.value))
    pdf.set_draw_color(*RULE)
    pdf.line(TOTALS_LEFT, y + 1.0, RIGHT, y + 1.0)
    pdf.set_font(FAMILY, "B", BODY + 1)
    y += 2.0 + _write_columns(pdf, y + 2.0, (total.label, "", total.value))
    if text.included_tax is not None:
        pdf.set_font(FAMILY, "", BODY)
        pdf.use(MUTED)
        y += _write_columns(pdf, y, (text.included_tax.label, "", text.included_tax.value))
        pdf.use(INK)
    return y


def _draw_tax_breakdown(pdf: _InvoicePages, text: InvoiceText, top: float) -> float:
    labels = text.labels
    pdf.set_font(FAMILY, "B", SMALL)
    y = top + pdf.put_text(TOTALS_LEFT, top, TOTALS_WIDTH, labels.tax_breakdown)
    pdf.set_font(FAMILY, "", SMALL)
    pdf.use(MUTED)
    y += _write_columns(pdf, y, (labels.tax_rate, labels.net, labels.total_tax))
    pdf.use(INK)
    pdf.set_font(FAMILY, "", BODY)
    for line in text.tax_lines:
        y += _write_columns(pdf, y, (line.rate, line.net, line.tax))
    return y


def _write_columns(pdf: _InvoicePages, top: float, cells: tuple[str, str, str]) -> float:
    """In the totals block: a label on the left (over two columns when the second is empty)
    and figures aligned right in the columns after it; the height it took."""
    first, second, third = cells
    column = TOTALS_WIDTH / 3
    height = pdf.put_text(TOTALS_LEFT, top, column if second else 2 * column, first)
    height = max(height, pdf.put_text(TOTALS_LEFT + column, top, column, second, "R"))
    return max(height, pdf.put_text(TOTALS_LEFT + 2 * column, top, column, third, "R"))


def _draw_payment(
    pdf: _InvoicePages, text: InvoiceText, code: bytes | str | None, top: float
) -> float:
    """How to pay: the account, reference, amount and date, and at the right the QR code (or
    why there is none); where the facts end."""
    pdf.set_font(FAMILY, "", BODY)
    facts_height = (len(text.payment) + 1) * pdf.line_height()
    y = pdf.make_room(top, max(facts_height, QR_SIZE + 6.0 if code else 0.0))
    pdf.set_font(FAMILY, "B", BODY)
    pdf.put_text(LEFT, y, 100.0, text.labels.payment_instructions)
    pdf.set_font(FAMILY, "", BODY)
    end = _draw_facts(pdf, text.payment, LEFT, y + pdf.line_height() + 1.0, 120.0)
    if code is None:
        return end
    pdf.set_font(FAMILY, "", SMALL)
    pdf.use(MUTED)
    if isinstance(code, str):
        pdf.put_text(RIGHT - QR_SIZE, y, QR_SIZE, code)
    else:
        pdf.image(io.BytesIO(code), x=RIGHT - QR_SIZE, y=y, w=QR_SIZE, h=QR_SIZE)
        pdf.put_text(RIGHT - QR_SIZE, y + QR_SIZE, QR_SIZE, text.labels.scan_to_pay, "C")
    pdf.use(INK)
    return max(end, y + QR_SIZE + pdf.line_height())


def _draw_remark(pdf: _InvoicePages, remark: Fact, top: float) -> None:
    """A heading and its text across the page, below the rest (a credit note's reason)."""
    pdf.set_font(FAMILY, "", BODY)
    lines = pdf.wrapped(remark.value, RIGHT - LEFT)
    y = pdf.make_room(top, (len(lines) + 1) * pdf.line_height() + 1.0)
    pdf.set_font(FAMILY, "B", BODY)
    y += pdf.put_text(LEFT, y, RIGHT - LEFT, remark.label) + 1.0
    pdf.set_font(FAMILY, "", BODY)
    pdf.write_lines(LEFT, y, RIGHT - LEFT, lines)
