"""Credit notes, for any invoice and any run of credits that fit: never more than the invoice per
row, per rate or in all, and the rest, credited last or by cancelling, makes the credits and
payments the invoice exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import invoicing, payments, transitions
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.credit_notes import (
    CreditNote,
    credit_note_input,
    full_credit_for_cancellation,
    issue_credit_note,
    open_amount,
    summarize,
)
from chalicelib.domain.crediting import CreditedSummary, Part, Rate, creditable, parts_by_rate
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.money import minor_units
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
ALICE = Actor(tenant_id="acme", user_id="alice")
D = Decimal


def _third(row: dict[str, Any]) -> dict[str, Any]:
    """A FIXED discount of about a third of the row, within it in any currency."""
    amount = row["quantity"] * row["unitPrice"]
    return {**row, "discount": (amount / 3).quantize(D("0.000001"), rounding=ROUND_DOWN)}


_ROW = st.fixed_dictionaries(
    {
        "quantity": st.decimals(D("0.01"), 50, places=2),
        "unitPrice": st.decimals(D("0.0001"), 2000, places=4),
        "taxRate": st.sampled_from([D(0), D(10), D(14), D(24), D("25.5")]),
    }
)
_ROWS = st.lists(
    _ROW
    | _ROW.map(_third)
    | st.builds(
        lambda row, percent: {**row, "discount": percent, "discountType": "PERCENTAGE"},
        _ROW,
        st.decimals(0, 100, places=2),
    ),
    min_size=1,
    max_size=6,
)


def _issued(rows: list[dict[str, Any]], currency: str, inclusive: bool) -> Invoice:
    rows = [{**row, "id": f"r{n}"} for n, row in enumerate(rows)]
    fields = InvoiceFields.model_validate(
        {"currency": currency, "taxInclusive": inclusive, "invoiceDate": "2026-11-01", "rows": rows}
    )
    draft = invoicing.new_invoice(fields, actor=ALICE, now=NOW, defaults=InvoiceDefaults())
    issuing = transitions.Issuing(InvoiceCounter(), TenantSettings())
    sent, _ = transitions.mark_as_sent(draft, issuing, actor=ALICE, now=NOW)
    return sent


def _fraction(amount: Decimal, quarters: int, places: int) -> Decimal:
    return (amount * quarters / 4).quantize(D(1).scaleb(-places), rounding=ROUND_DOWN)


def _rows_request(data: st.DataObject, invoice: Invoice, summary: CreditedSummary) -> Any:
    """Some rows, each a quarter to all of what remains of it (all: sometimes by no quantity)."""
    left = creditable(invoice, summary)
    open_rows = sorted(row_id for row_id, rest in left.rows.items() if not rest.is_nothing())
    if not open_rows:
        return None
    ids = data.draw(st.lists(st.sampled_from(open_rows), min_size=1, unique=True))
    asked: list[dict[str, Any]] = []
    for row_id in ids:
        quarters = data.draw(st.integers(1, 5))
        if quarters == 5:
            asked.append({"rowId": row_id})
        elif quantity := _fraction(left.rows[row_id].quantity, quarters, 2):
            asked.append({"rowId": row_id, "quantity": quantity})
    return {"rows": asked} if asked else None


def _amounts_request(data: st.DataObject, invoice: Invoice, summary: CreditedSummary) -> Any:
    """Some rates, each a quarter to all of what remains at it, in the invoice's prices."""
    left = creditable(invoice, summary)
    rates = data.draw(st.lists(st.sampled_from(list(left.rates)), min_size=1, unique=True))
    asked = []
    for rate in rates:
        most = left.rates[rate].base(invoice.tax_inclusive)
        amount = _fraction(most, data.draw(st.integers(1, 4)), minor_units(invoice.currency))
        if amount > 0:
            asked.append({"taxRate": rate, "amount": amount})
    return {"amounts": asked} if asked else None


def _credit(
    invoice: Invoice, body: dict[str, Any], summary: CreditedSummary
) -> tuple[CreditNote, CreditedSummary]:
    request = credit_note_input({"reason": "Correction", **body})
    return issue_credit_note(
        invoice, request, summary=summary, number="CN-1", note_id="cn", actor=ALICE, now=NOW
    )


def _assert_within(invoice: Invoice, summary: CreditedSummary) -> None:
    """Never more than the invoice, row by row, rate by rate and in all; never less than nothing."""
    rows = {row.id: row for row in invoice.rows}
    for credited in summary.rows:
        row = rows[credited.row_id]
        assert 0 <= credited.quantity <= row.quantity
        assert 0 <= credited.discount_amount <= row.discount_amount
        assert 0 <= credited.total <= row.total
        assert 0 <= credited.tax_amount <= row.tax_amount
    invoiced = _invoiced(invoice)
    for credited_rate in summary.rates:
        assert 0 <= credited_rate.net <= invoiced[credited_rate.tax_rate].net
        assert 0 <= credited_rate.tax <= invoiced[credited_rate.tax_rate].tax
    assert 0 <= summary.total_excluding_tax <= invoice.total_excluding_tax
    assert 0 <= summary.total_tax <= invoice.total_tax


def _invoiced(invoice: Invoice) -> dict[Rate, Part]:
    return parts_by_rate((row.tax_rate, Part(row.total, row.tax_amount)) for row in invoice.rows)


def _partial_credits(
    data: st.DataObject, invoice: Invoice, mixed: bool
) -> tuple[CreditedSummary, list[CreditNote]]:
    """A run of credits, each within what remains of what it names; those refused change nothing."""
    summary, notes = CreditedSummary(), []
    for _ in range(data.draw(st.integers(0, 5), label="credits")):
        by_amounts = mixed and data.draw(st.booleans(), label="by amounts")
        asked = (_amounts_request if by_amounts else _rows_request)(data, invoice, summary)
        if asked is None:
            continue
        try:
            note, summary = _credit(invoice, asked, summary)
        except InvalidInputError as refused:
            # Within what remains of each row, only a credit of nothing is refused; with amounts
            # per rate credited too, also rows beyond what those amounts left at their rate.
            assert mixed or "in all: a credit note credits more than 0" in str(refused)
            continue
        notes.append(note)
        assert note.total_with_tax > 0
        assert all(line.total >= 0 and line.tax_amount >= 0 for line in note.rows)
        _assert_within(invoice, summary)
    return summary, notes


def _run(data: st.DataObject, invoice: Invoice, mixed: bool) -> None:
    summary, notes = _partial_credits(data, invoice, mixed)
    rest_issued = creditable(invoice, summary).total.gross > 0
    if rest_issued:
        note, summary = _credit(invoice, {}, summary)
        notes.append(note)

    _assert_within(invoice, summary)
    assert (summary.total_excluding_tax, summary.total_tax, summary.total_with_tax) == (
        invoice.total_excluding_tax,
        invoice.total_tax,
        invoice.total_with_tax,
    )
    assert {r.tax_rate: (r.net, r.tax) for r in summary.rates if r.net or r.tax} == {
        rate: (part.net, part.tax)
        for rate, part in _invoiced(invoice).items()
        if part.net or part.tax
    }
    assert summarize(notes) == summary
    if not mixed:
        _assert_rows_credited_whole(invoice, summary, rest_issued)


def _assert_rows_credited_whole(
    invoice: Invoice, summary: CreditedSummary, rest_issued: bool
) -> None:
    """Credited row by row, each row is credited to the cent; its quantity and discount too
    when the rest was credited (when nothing of the invoice's money was left, none was)."""
    credited = {c.row_id: c for c in summary.rows}
    for row in invoice.rows:
        taken = credited.get(row.id)
        if taken is None:
            assert not (row.total or row.tax_amount or rest_issued)
            continue
        assert (taken.total, taken.tax_amount) == (row.total, row.tax_amount)
        if rest_issued:
            assert (taken.quantity, taken.discount_amount) == (row.quantity, row.discount_amount)


# Any invoice: its rows, a currency with 2, 0 or 3 decimals, prices with or without tax.
_INVOICE_SHAPES = {
    "rows": _ROWS,
    "currency": st.sampled_from(["EUR", "JPY", "KWD"]),
    "inclusive": st.booleans(),
}


@settings(max_examples=150, deadline=None)
@given(**_INVOICE_SHAPES, data=st.data())
def test_credits_of_rows_never_exceed_the_invoice_and_the_rest_makes_it_whole(
    rows: list[dict[str, Any]], currency: str, inclusive: bool, data: st.DataObject
) -> None:
    _run(data, _issued(rows, currency, inclusive), mixed=False)


@settings(max_examples=150, deadline=None)
@given(**_INVOICE_SHAPES, data=st.data())
def test_credits_of_rows_and_of_amounts_per_rate_never_exceed_the_invoice_either(
    rows: list[dict[str, Any]], currency: str, inclusive: bool, data: st.DataObject
) -> None:
    _run(data, _issued(rows, currency, inclusive), mixed=True)


@settings(max_examples=100, deadline=None)
@given(**_INVOICE_SHAPES, data=st.data())
def test_cancelling_credits_exactly_what_is_neither_paid_nor_credited(
    rows: list[dict[str, Any]], currency: str, inclusive: bool, data: st.DataObject
) -> None:
    invoice = _issued(rows, currency, inclusive)
    summary, _ = _partial_credits(data, invoice, mixed=True)
    unpaid = open_amount(invoice.total_with_tax, invoice.paid, summary.total_with_tax)
    paying = _fraction(unpaid, data.draw(st.integers(0, 3)), minor_units(currency))
    if paying > 0:
        payment = PaymentInput(amount=paying)
        invoice = payments.add_payment(invoice, payment, actor=ALICE, now=NOW)

    cancelled = full_credit_for_cancellation(
        invoice, summary, number="CN-2", note_id="cn-2", actor=ALICE, now=NOW
    )

    if unpaid <= 0:
        assert cancelled is None
        return
    assert cancelled is not None
    note, summary = cancelled
    assert note.total_with_tax == unpaid - paying
    assert all(line.total >= 0 and line.tax_amount >= 0 for line in note.rows)
    assert open_amount(invoice.total_with_tax, invoice.paid, summary.total_with_tax) == 0
    _assert_within(invoice, summary)
