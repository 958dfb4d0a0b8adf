"""Every e-invoice format, over a generated corpus of issued invoices and credit notes (issue 22,
decision 0060): discounts, inclusive tax, mixed rates, reverse charge, intra-community supplies,
exports, supplies outside the scope of VAT, credit notes of rows, of amounts and of the rest, in
EUR, JPY (0 decimals) and KWD (3 decimals, amounts whose third decimal is 0). Each document the
mapping accepts breaks no fatal rule of the EN 16931 Schematron of its syntax and fits its XSD;
each it refuses is refused for a reason the standard gives (decision 0060), and few are.

The examples are derandomized, so CI checks the same corpus every run; each stylesheet is
compiled once per process (tests/einvoice_rules.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.documents.einvoice_xml import einvoice_xml
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.einvoice_model import EInvoiceFormat
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.invoice import Invoice, QuantityType
from chalicelib.domain.parties import PartyDetails
from tests.einvoice_rules import explain, fatal
from tests.einvoices import (
    BUYER,
    EXPORT_BUYER,
    FOREIGN_BUYER,
    credit_note,
    document_of,
    findings,
    issued,
    schema_errors,
)

D = Decimal
EXAMPLES = 150  # per syntax; each example is an invoice and, mostly, one of its credit notes
SYNTAXES = {
    "cii": (EInvoiceFormat.FACTUR_X, EInvoiceFormat.XRECHNUNG_CII),
    "ubl": (EInvoiceFormat.XRECHNUNG_UBL, EInvoiceFormat.PEPPOL_UBL),
}
RATES = {
    "EUR": [D(19), D(7), D(20), D("5.5"), D(21), D("25.5")],
    "JPY": [D(10), D(8)],
    "KWD": [D(5), D(10), D(15)],  # whole rates on whole amounts: taxes in hundredths
}
# What the mapping may refuse of a generated invoice, and only in that currency: yen rows whose
# rounded taxes add up to a yen from the rate's (BR-CO-17).
ALLOWED_REFUSALS = {"JPY": {"totalTax"}, "EUR": set(), "KWD": set()}
CORPUS: Counter[str] = Counter()


@dataclass(frozen=True)
class Case:
    invoice: Invoice
    note: CreditNote | None
    currency: str
    kind: str


def _amounts(currency: str) -> tuple[st.SearchStrategy[Decimal], st.SearchStrategy[Decimal]]:
    """Quantities and unit prices: cents and fractions in EUR, yen, whole dinars."""
    if currency == "EUR":
        return st.decimals(D("0.01"), 50, places=2), st.decimals(D("0.0001"), 2000, places=4)
    if currency == "JPY":
        return st.integers(1, 40).map(D), st.integers(1, 200_000).map(D)
    return st.integers(1, 20).map(D), st.integers(1, 5_000).map(D)


@st.composite
def _row(draw: st.DrawFn, currency: str, category: str) -> dict[str, Any]:
    quantities, prices = _amounts(currency)
    quantity, price = draw(quantities), draw(prices)
    row: dict[str, Any] = {
        "description": draw(st.sampled_from(["Consulting", "Hosting", "Kabel 3 × 1,5 mm²"])),
        "quantity": quantity,
        "quantityType": draw(st.sampled_from(list(QuantityType))),
        "unitPrice": -price if draw(st.integers(0, 9)) == 0 else price,  # a deduction, now and then
        "vatCategory": category,
        "taxRate": draw(st.sampled_from(RATES[currency])) if category == "S" else D(0),
    }
    if category == "E":
        row["vatExemptionReason"] = "Exempt under Article 132(1)(i) of Directive 2006/112/EC"
    # A dinar row's amounts are whole, so that its tax, at a whole rate, is in hundredths.
    kinds = ["none", "fixed"] if currency == "KWD" else ["none", "fixed", "percentage"]
    discount = draw(st.sampled_from(kinds))
    if discount == "fixed":
        places = {"EUR": 2, "JPY": 0, "KWD": 0}[currency]
        third = (quantity * price / 3).quantize(D(1).scaleb(-places), rounding=ROUND_DOWN)
        row["discount"] = third
    elif discount == "percentage":
        places = 2 if currency == "EUR" else 0
        row |= {"discount": draw(st.decimals(0, 100, places=places)), "discountType": "PERCENTAGE"}
    return row


# The VAT situations, each with the client it needs and the categories its rows take.
KINDS: dict[str, tuple[PartyDetails, list[str]]] = {
    "domestic": (BUYER, ["S", "S", "S", "Z", "E"]),
    "reverse charge": (FOREIGN_BUYER, ["AE", "AE", "S"]),
    "intra-community": (FOREIGN_BUYER, ["K", "K", "S"]),
    "export": (EXPORT_BUYER, ["G", "G", "S"]),
    "outside the scope": (BUYER, ["O"]),
}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    currency = draw(st.sampled_from(["EUR", "EUR", "JPY", "KWD"]))
    kind = draw(st.sampled_from(list(KINDS)))
    client, categories = KINDS[kind]
    rows = draw(st.lists(st.sampled_from(categories).flatmap(lambda c: _row(currency, c)),
                         min_size=1, max_size=6))  # fmt: skip
    inclusive = currency != "KWD" and draw(st.booleans())
    try:
        invoice = issued(rows, currency=currency, inclusive=inclusive, client=client)
    except InvalidInputError:  # a deduction larger than the rest, or a discount beyond its row
        CORPUS["not an invoice"] += 1
        return draw(cases())
    return Case(invoice, draw(_credit_notes(invoice)), currency, kind)


@st.composite
def _credit_notes(draw: st.DrawFn, invoice: Invoice) -> CreditNote | None:
    choice = draw(st.sampled_from(["none", "rest", "row", "amount"]))
    charged = [row for row in invoice.rows if row.total > 0]
    try:
        if choice == "rest":
            return credit_note(invoice)
        if choice == "row" and charged:
            row = draw(st.sampled_from(charged))
            return credit_note(invoice, {"rows": [{"rowId": row.id, "quantity": row.quantity}]})
        if choice == "amount" and charged:
            row = draw(st.sampled_from(charged))
            base = row.total_with_tax if invoice.tax_inclusive else row.total
            amount = max(base // 2, D(1))
            return credit_note(invoice, {"amounts": [{"taxRate": row.tax_rate, "amount": amount}]})
    except InvalidInputError:  # nothing left to credit at that rate
        return None
    return None


def _ambiguous(source: Invoice | CreditNote, case: Case) -> set[str]:
    """A credit note's lines of an amount at a rate where the invoice's rows name more than one
    VAT category (Z and E rows at 0 %): which category the amount is cannot be known."""
    if not isinstance(source, CreditNote):
        return set()
    return {
        f"rows[{n}].vatCategory"
        for n, line in enumerate(source.rows)
        if line.invoice_row_id is None
        and len({r.vat_category for r in case.invoice.rows if r.tax_rate == line.tax_rate}) > 1
    }


def _check(case: Case, fmt: EInvoiceFormat) -> None:
    sources: list[tuple[str, Invoice | CreditNote]] = [("invoice", case.invoice)]
    if case.note is not None:
        sources.append(("credit note", case.note))
    for name, source in sources:
        try:
            document = document_of(source, fmt, case.invoice)
        except InvalidInputError as refusal:
            fields = {problem.field for problem in refusal.problems}
            assert fields <= ALLOWED_REFUSALS[case.currency] | _ambiguous(source, case), refusal
            CORPUS[f"{fmt} refused"] += 1
            continue
        xml = einvoice_xml(document, fmt)
        fatal_findings = fatal(findings(xml, fmt))
        assert fatal_findings == [], f"{name}, {case.kind}:\n{explain(fatal_findings)}"
        assert schema_errors(xml, fmt) == [], f"{name}, {case.kind}"
        CORPUS[f"{fmt} checked"] += 1
        CORPUS[f"{fmt} {case.currency} {name}s"] += 1
        CORPUS[f"{fmt} {case.kind}"] += 1
        inclusive = case.invoice.tax_inclusive
        CORPUS[f"{fmt} {'inclusive' if inclusive else 'exclusive'}"] += 1
        CORPUS[f"{fmt} with allowances"] += any(line.allowance for line in document.lines)
        CORPUS[f"{fmt} mixed rates"] += len(document.breakdown) > 1


def _corpus_test(syntax: str) -> Any:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=cases())
    def run(case: Case) -> None:
        for fmt in SYNTAXES[syntax]:
            _check(case, fmt)

    return run


test_cii_formats_break_no_fatal_rule_over_the_corpus = _corpus_test("cii")
test_ubl_formats_break_no_fatal_rule_over_the_corpus = _corpus_test("ubl")


@pytest.mark.parametrize("fmt", list(EInvoiceFormat))
def test_the_corpus_checked_enough_documents_of_each_format(fmt: EInvoiceFormat) -> None:
    """Runs after the corpus tests above (in file order): each format saw invoices and credit
    notes in every currency, and the mapping refused few."""
    if not CORPUS[f"{fmt} checked"]:
        pytest.skip("the corpus tests did not run in this process")
    assert CORPUS[f"{fmt} checked"] >= EXAMPLES
    for currency in RATES:
        assert CORPUS[f"{fmt} {currency} invoices"] > 0, currency
    for kind in (*KINDS, "inclusive", "with allowances", "mixed rates"):
        assert CORPUS[f"{fmt} {kind}"] > 0, kind
    assert CORPUS[f"{fmt} EUR credit notes"] > 0
    assert CORPUS[f"{fmt} refused"] <= CORPUS[f"{fmt} checked"] // 10
