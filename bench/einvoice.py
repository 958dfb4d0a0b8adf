"""What making an e-invoice costs (issue 22): the 25-row bench invoice of bench/pdf.py (Greek
seller, Cyrillic client, Polish rows, three rates) made into each EN 16931 format, next to its
plain PDF, in one warm process, alternating so load from other processes slows each alike. Each
format's time is the whole of it: the mapping from the invoice, the XML, and for Factur-X the
PDF/A-3b that carries the XML. The bar: Factur-X at most 2 times the plain PDF's median.

Run from the repository root: `.venv/bin/python -m bench.einvoice` (about ten seconds), or
`--renders 10` for a quick run."""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.pdf import BENCH, CLIENT, NOW, ROWS, SELLER, _bench_row
from chalicelib.documents.einvoice_xml import einvoice_xml
from chalicelib.documents.pdf import render_factur_x_pdf, render_invoice_pdf
from chalicelib.domain import invoicing, transitions
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.documents import InvoiceDocument
from chalicelib.domain.einvoice import invoice_einvoice
from chalicelib.domain.einvoice_model import EInvoiceFormat
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.parties import SellerContact
from chalicelib.domain.settings import TenantSettings

DEFAULT_RENDERS = 50
BAR_RATIO = 2.0
TIMES = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True)
class Run:
    name: str
    wall_ns: list[int]
    size: int

    def median_ms(self) -> float:
        return statistics.median(self.wall_ns) / 1e6

    def p95_ms(self) -> float:
        return statistics.quantiles(self.wall_ns, n=20, method="inclusive")[-1] / 1e6


def bench_document() -> InvoiceDocument:
    """bench/pdf.py's invoice, its 0 % rows zero-rated (an e-invoice states the category)."""
    rows = [_bench_row(n) for n in range(ROWS)]
    for row in rows:
        if row["taxRate"] == "0":
            row["vatCategory"] = "Z"
    fields = InvoiceFields.model_validate({"currency": "EUR", "rows": rows})
    draft = invoicing.new_invoice(
        fields, actor=BENCH, now=NOW, defaults=invoicing.InvoiceDefaults()
    )
    issuing = transitions.Issuing(InvoiceCounter(last={"2026": 122}), TenantSettings())
    sent, _ = transitions.mark_as_sent(draft, issuing, actor=BENCH, now=NOW)
    # XRechnung asks for the buyer's reference, both parties' electronic addresses and the
    # seller's contact (decision 0062).
    client = CLIENT.model_copy(update={"email": "ksiegowosc@wiatr.example"})
    client = client.model_copy(update={"buyer_reference": "PO-2026-0417"})
    contact = SellerContact(name="Λογιστήριο", phone="+30 210 1234567")
    seller = SELLER.model_copy(update={"contact": contact})
    sent = sent.model_copy(update={"seller": seller, "client": client})
    return InvoiceDocument(invoice=sent, seller=seller, client=client, locale="pl-PL")


def xml_of(fmt: EInvoiceFormat) -> Callable[[InvoiceDocument], bytes]:
    def made(document: InvoiceDocument) -> bytes:
        return einvoice_xml(invoice_einvoice(document.invoice, fmt), fmt)

    return made


def factur_x(document: InvoiceDocument) -> bytes:
    fmt = EInvoiceFormat.FACTUR_X
    xml = einvoice_xml(invoice_einvoice(document.invoice, fmt), fmt)
    return render_factur_x_pdf(document, xml)


MAKERS: dict[str, Callable[[InvoiceDocument], bytes]] = {
    "plain PDF (the baseline)": render_invoice_pdf,
    "factur-x (PDF/A-3b + CII)": factur_x,
    "xrechnung-cii": xml_of(EInvoiceFormat.XRECHNUNG_CII),
    "xrechnung-ubl": xml_of(EInvoiceFormat.XRECHNUNG_UBL),
    "peppol-ubl": xml_of(EInvoiceFormat.PEPPOL_UBL),
}


def measure(document: InvoiceDocument, renders: int) -> list[Run]:
    """Each maker warmed by a first run, then all of them in turn `renders` times."""
    runs = {name: Run(name, [], len(make(document))) for name, make in MAKERS.items()}
    for _ in range(renders):
        for name, make in MAKERS.items():
            gc.collect()
            started = time.perf_counter_ns()
            make(document)
            runs[name].wall_ns.append(time.perf_counter_ns() - started)
    return list(runs.values())


def table(runs: Sequence[Run]) -> str:
    base = runs[0].median_ms()
    lines = [
        "| made | median ms | p95 ms | / plain PDF | size KB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {run.name} | {run.median_ms():.1f} | {run.p95_ms():.1f} | "
        f"{run.median_ms() / base:.2f}{TIMES} | {run.size / 1024:.1f} |"
        for run in runs
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; exit 1 after printing it if the bar was missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.einvoice", description=__doc__)
    parser.add_argument("--renders", type=int, default=DEFAULT_RENDERS, help="timed runs each")
    args = parser.parse_args(argv)
    if args.renders < 2:
        parser.error("need at least 2 runs")
    document = bench_document()
    runs = measure(document, args.renders)
    ratio = runs[1].median_ms() / runs[0].median_ms()
    same = factur_x(document) == factur_x(document)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"{ROWS}-row invoice, {args.renders} warm runs each, alternating; load average {load} "
        f"on {os.cpu_count()} CPUs.\n\n{table(runs)}\n\n"
        f"Factur-X / plain PDF: {ratio:.2f}{TIMES} (bar {BAR_RATIO:.0f}{TIMES}); "
        f"the same Factur-X bytes twice: {same}."
    )
    missed = ratio > BAR_RATIO or not same
    print("MISSED" if missed else "Every bar met.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
