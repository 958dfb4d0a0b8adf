"""What rendering one invoice PDF costs (issue 5): a 25-row invoice whose parties and rows are
written in Greek, Polish and Cyrillic, rendered again and again in one warm process by
`chalicelib.documents.pdf`, by the same code reading the full DejaVu Sans for every document
(what `pdf_fonts` saves), and, from an HTML page with the same words, figures and QR code in
the same font, by WeasyPrint. Renders alternate, so load from other processes on a shared
machine slows each alike.

Run from the repository root: `.venv/bin/python -m bench.pdf` (about half a minute), or
`--renders 10` for a quick run. WeasyPrint needs Pango from the system; it is the `bench` extra
(`pip install -e '.[bench]'`)."""

from __future__ import annotations

import argparse
import base64
import gc
import html
import io
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from fpdf import FPDF
from pypdf import PdfReader

from chalicelib.documents import pdf as pdf_module
from chalicelib.documents.pdf import render_invoice_pdf
from chalicelib.documents.pdf_fonts import FAMILY, FILES, FONT_DIR
from chalicelib.documents.pdf_payment import epc_qr_png, epc_transfer
from chalicelib.documents.pdf_text import Fact, InvoiceText, Party, invoice_text
from chalicelib.domain import invoicing, transitions
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.documents import InvoiceDocument
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.parties import PartyDetails, PaymentAccount, PostalAddress, SellerDetails
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor

DEFAULT_RENDERS = 50
ROWS = 25
BAR_MEDIAN_MS = 50.0
BAR_RATIO = 5.0
BAR_SIZE_KB = 60.0
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
TIMES = "\N{MULTIPLICATION SIGN}"  # spelled out: ruff flags the bare sign as ambiguous
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
BENCH = Actor("bench", "bench")
SELLER = SellerDetails(
    name="Ζωή Παπαδοπούλου και Συνεργάτες",
    email="logistirio@papadopoulou.example",
    vat_id="EL094259216",
    address=PostalAddress(street="Οδός Ερμού 25", postal_code="105 63", city="Αθήνα", country="GR"),
    bank_accounts=[PaymentAccount(iban="GR1601101250000000012300695", bic="ETHNGRAA")],
)
CLIENT = PartyDetails(
    name="Торговый дом «Северный ветер»",
    vat_id="PL5260250274",
    address=PostalAddress(
        street="ul. Żółkiewskiego 17/3", postal_code="90-001", city="Łódź", country="PL"
    ),
)
WORK = (
    ("Tłumaczenie umowy na język grecki", "HOURS", "65"),
    ("Перевод технической документации, раздел", "PIECES", "120"),
    ("Konsultacje w siedzibie klienta, Łódź", "DAYS", "720"),
    ("Συντονισμός έργου και ποιοτικός έλεγχος", "HOURS", "80"),
    ("Korekta językowa, rozdział", "AMOUNT", "45.5"),
)


@dataclass(frozen=True)
class Run:
    """Every render of one renderer: wall and CPU time, and the file it made."""

    name: str
    wall_ns: list[int]
    cpu_ns: list[int]
    pdf: bytes

    def median_ms(self) -> float:
        return statistics.median(self.wall_ns) / 1e6

    def p95_ms(self) -> float:
        return statistics.quantiles(self.wall_ns, n=20, method="inclusive")[-1] / 1e6

    def median_cpu_ms(self) -> float:
        return statistics.median(self.cpu_ns) / 1e6

    def size_kb(self) -> float:
        return len(self.pdf) / 1024

    def pages(self) -> int:
        return len(PdfReader(io.BytesIO(self.pdf)).pages)


def bench_document() -> InvoiceDocument:
    """A SENT euro invoice (so it carries a QR code), built as the domain builds one."""
    rows = [_bench_row(n) for n in range(ROWS)]
    fields = InvoiceFields.model_validate({"currency": "EUR", "rows": rows})
    draft = invoicing.new_invoice(
        fields, actor=BENCH, now=NOW, defaults=invoicing.InvoiceDefaults()
    )
    issuing = transitions.Issuing(InvoiceCounter(last={"2026": 122}), TenantSettings())
    sent, _ = transitions.mark_as_sent(draft, issuing, actor=BENCH, now=NOW)
    return InvoiceDocument(invoice=sent, seller=SELLER, client=CLIENT, locale="pl-PL")


def _bench_row(n: int) -> dict[str, str]:
    text, unit, price = WORK[n % len(WORK)]
    return {
        "description": f"{text} {n + 1}" + (", z poprawkami po konsultacji" if n % 4 else ""),
        "quantity": str(1 + n % 5) + (".5" if n % 3 == 0 else ""),
        "quantityType": unit,
        "unitPrice": price,
        "taxRate": ("23", "8", "0")[n % 3],
    }


def render_reading_the_font_each_time(document: InvoiceDocument) -> bytes:
    """Our renderer as plain fpdf2 use would have it: `add_font` of the full DejaVu Sans for
    every document, which parses the whole font, and reads all of it again to subset it."""

    def add_full_fonts(pdf: FPDF) -> None:
        pdf.add_font(FAMILY, "", DEJAVU_DIR / "DejaVuSans.ttf")
        pdf.add_font(FAMILY, "B", DEJAVU_DIR / "DejaVuSans-Bold.ttf")

    with mock.patch.object(pdf_module, "add_invoice_fonts", add_full_fonts):
        return render_invoice_pdf(document)


def render_with_weasyprint(document: InvoiceDocument) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html_page(document)).write_pdf()
    return pdf


def html_page(document: InvoiceDocument) -> str:
    """The invoice as one HTML page with the words and figures our renderer prints."""
    text = invoice_text(document)
    transfer = epc_transfer(document)
    png = epc_qr_png(transfer) if transfer is not None else None
    qr_image = ""
    if png is not None:
        qr = base64.b64encode(png).decode()
        qr_image = f'<img class="qr" src="data:image/png;base64,{qr}">'
    headings = "".join(f"<th>{_e(heading)}</th>" for heading in text.column_headings())
    rows = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row.cells()) + "</tr>"
        for row in text.rows
    )
    return f"""<!doctype html><html lang="{text.language}"><head><meta charset="utf-8">
<style>{_css(text)}</style></head><body>
<header><div>{_party(text.seller)}</div></header>
<h1>{_e(text.title)}</h1>
<section class="parties"><div><small>{_e(text.labels.bill_to)}</small>
{_party(text.client) if text.client else ""}</div>{_facts(text.facts)}</section>
<table class="rows"><thead><tr>{headings}</tr></thead><tbody>{rows}</tbody></table>
{_totals(text)}
<section class="payment">{qr_image}<h3>{_e(text.labels.payment_instructions)}</h3>
{_facts(text.payment)}<small>{_e(text.labels.scan_to_pay) if qr_image else ""}</small></section>
</body></html>"""


def _css(text: InvoiceText) -> str:
    fonts = "".join(
        f"@font-face {{ font-family: InvoiceSans; font-weight: {700 if style else 400};"
        f" src: url('{(FONT_DIR / name).as_uri()}'); }}"
        for style, name in FILES.items()
    )
    page = _e(text.labels.page).replace("{page}", '" counter(page) "')
    page = page.replace("{pages}", '" counter(pages) "')
    return f"""{fonts}
@page {{ size: A4; margin: 16mm 18mm 23mm 18mm;
  @bottom-left {{ content: "{_e(text.title)}"; font: 8pt InvoiceSans; color: #696969; }}
  @bottom-right {{ content: "{page}"; font: 8pt InvoiceSans; color: #696969; }} }}
body {{ font: 9pt InvoiceSans; color: #191919; }}
small, .facts dt {{ color: #696969; }}
h1 {{ font-size: 17pt; margin: 10mm 0 5mm; }}
.parties {{ display: flex; justify-content: space-between; }}
.facts {{ display: grid; grid-template-columns: 40mm auto; margin: 0; }}
.facts dd {{ margin: 0; }}
.parties .facts {{ width: 76mm; }}
table {{ border-collapse: collapse; }}
.rows {{ width: 100%; margin-top: 8mm; }}
.rows th {{ background: #f0f0f0; font-size: 8pt; text-align: right; padding: 1.6mm; }}
.rows td {{ text-align: right; padding: 1.6mm; border-bottom: 0.2mm solid #c8c8c8; }}
.rows th:first-child, .rows td:first-child {{ text-align: left; width: 82mm; }}
.totals {{ margin: 6mm 0 0 auto; width: 96mm; }}
.totals td {{ text-align: right; }} .totals td:first-child {{ text-align: left; }}
.payment {{ margin-top: 10mm; page-break-inside: avoid; }}
.qr {{ float: right; width: 34mm; }}"""


def _party(party: Party) -> str:
    lines = "".join(f"<br>{_e(line)}" for line in party.lines)
    return f"<strong>{_e(party.name)}</strong>{lines}"


def _facts(facts: Sequence[Fact]) -> str:
    pairs = "".join(f"<dt>{_e(fact.label)}</dt><dd>{_e(fact.value)}</dd>" for fact in facts)
    return f'<dl class="facts">{pairs}</dl>'


def _totals(text: InvoiceText) -> str:
    labels = text.labels
    lines = [f"<tr><th>{_e(labels.tax_rate)}</th><th>{_e(labels.net)}</th>"]
    lines[0] += f"<th>{_e(labels.total_tax)}</th></tr>"
    lines += [
        f"<tr><td>{_e(line.rate)}</td><td>{_e(line.net)}</td><td>{_e(line.tax)}</td></tr>"
        for line in text.tax_lines
    ]
    lines += [
        f'<tr><td colspan="2">{_e(fact.label)}</td><td>{_e(fact.value)}</td></tr>'
        for fact in text.totals
    ]
    return f'<h3>{_e(labels.tax_breakdown)}</h3><table class="totals">{"".join(lines)}</table>'


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def measure(document: InvoiceDocument, renders: int) -> list[Run]:
    """Each renderer warmed by a first render, then all of them in turn `renders` times."""
    renderers: dict[str, Callable[[InvoiceDocument], bytes]] = {
        "chalicelib.documents.pdf (fpdf2)": render_invoice_pdf,
        "the same, reading the full DejaVu Sans per document": render_reading_the_font_each_time,
        "WeasyPrint from HTML": render_with_weasyprint,
    }
    runs = {name: Run(name, [], [], render(document)) for name, render in renderers.items()}
    for _ in range(renders):
        for name, render in renderers.items():
            gc.collect()  # so neither renderer's garbage is collected on the other's time
            wall, cpu = time.perf_counter_ns(), time.process_time_ns()
            render(document)
            runs[name].cpu_ns.append(time.process_time_ns() - cpu)
            runs[name].wall_ns.append(time.perf_counter_ns() - wall)
    return list(runs.values())


def table(runs: Sequence[Run]) -> str:
    lines = [
        "| renderer | median ms | p95 ms | median CPU ms | pages | size KB |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {run.name} | {run.median_ms():.1f} | {run.p95_ms():.1f} | "
        f"{run.median_cpu_ms():.1f} | {run.pages()} | {run.size_kb():.1f} |"
        for run in runs
    ]
    return "\n".join(lines)


def problems(ours: Run, theirs: Run) -> list[str]:
    """One sentence per missed bar; empty when all is well."""
    found = []
    ratio = theirs.median_ms() / ours.median_ms()
    if ours.median_ms() > BAR_MEDIAN_MS:
        found.append(f"median {ours.median_ms():.1f} ms, bar {BAR_MEDIAN_MS:.0f} ms")
    if ratio < BAR_RATIO:
        found.append(f"WeasyPrint only {ratio:.1f} times slower, bar {BAR_RATIO:.0f}")
    if ours.size_kb() >= BAR_SIZE_KB:
        found.append(f"file {ours.size_kb():.1f} KB, bar under {BAR_SIZE_KB:.0f} KB")
    if render_invoice_pdf(bench_document()) != ours.pdf:
        found.append("a second render gave different bytes")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; exit 1 after printing it if any bar was missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.pdf", description=__doc__)
    parser.add_argument("--renders", type=int, default=DEFAULT_RENDERS, help="timed renders each")
    args = parser.parse_args(argv)
    if args.renders < 2:
        parser.error("need at least 2 renders")
    runs = measure(bench_document(), args.renders)
    ours, theirs = runs[0], runs[-1]
    found = problems(ours, theirs)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"{ROWS}-row invoice (Greek seller, Cyrillic client, Polish rows, pl-PL, EUR with QR), "
        f"{args.renders} warm renders each, alternating; load average {load} on "
        f"{os.cpu_count()} CPUs.\n\n{table(runs)}\n\n"
        f"WeasyPrint median / ours: {theirs.median_ms() / ours.median_ms():.1f}"
        f"{TIMES} (bar {BAR_RATIO:.0f}{TIMES}); ours at most {BAR_MEDIAN_MS:.0f} ms "
        f"median and under {BAR_SIZE_KB:.0f} KB; the same bytes on every render.\n"
        + ("\n".join(f"MISSED: {problem}" for problem in found) or "Every bar met.")
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
