"""Credit notes: what they credit, to the minor unit, never more than remains of the invoice, and
the last bit of it exactly what remains; their numbers in a series of their own."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain import invoicing, payments, transitions
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.credit_notes import (
    DEFAULT_FORMAT,
    CreditNote,
    credit_note_input,
    full_credit_for_cancellation,
    fully_covered,
    issue_credit_note,
    next_credit_note_number,
    open_amount,
    summarize,
)
from chalicelib.domain.crediting import CreditedSummary, RateAmounts
from chalicelib.domain.errors import FieldProblem, InvalidInputError, InvalidStateError
from chalicelib.domain.invoice import Invoice, InvoiceStatus, PaymentMethod
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.numbering import InvoiceCounter, next_number
from chalicelib.domain.parties import PartyDetails
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor

CREATED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SENT_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# 22:30 in UTC is half past midnight in Helsinki: the credit note is of December 1st.
NOW = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)
ALICE = Actor(tenant_id="acme", user_id="alice")
SETTINGS = TenantSettings(company_name="Acme Oy", timezone="Europe/Helsinki")
BUYER = PartyDetails(name="Buyer GmbH", vat_id="DE123456789")
D = Decimal
S = InvoiceStatus


def issued(
    rows: list[dict[str, Any]], *, currency: str = "EUR", inclusive: bool = False
) -> Invoice:
    """An invoice as the API makes it: created as a draft, then marked as sent."""
    fields = InvoiceFields.model_validate(
        {"currency": currency, "invoiceDate": "2026-11-01", "taxInclusive": inclusive, "rows": rows}
    )
    draft = invoicing.new_invoice(fields, actor=ALICE, now=CREATED, defaults=InvoiceDefaults())
    issuing = transitions.Issuing(InvoiceCounter(), SETTINGS, BUYER)
    sent, _ = transitions.mark_as_sent(draft, issuing, actor=ALICE, now=SENT_AT)
    return sent


def credit(
    invoice: Invoice, body: dict[str, Any], summary: CreditedSummary | None = None
) -> tuple[CreditNote, CreditedSummary]:
    return issue_credit_note(
        invoice,
        credit_note_input({"reason": "Returned goods", **body}),
        summary=summary or CreditedSummary(),
        number="CN-2026-0001",
        note_id="cn-1",
        actor=ALICE,
        now=NOW,
    )


def amounts(line: Any) -> tuple[Decimal, ...]:
    """What a credit note row, a summary row or an invoice row comes to: net, tax, gross."""
    return (line.total, line.tax_amount, line.total_with_tax)


def totals(document: Any) -> tuple[Decimal, ...]:
    return (document.total_excluding_tax, document.total_tax, document.total_with_tax)


def refusal(invoice: Invoice, body: dict[str, Any], summary: CreditedSummary | None = None) -> Any:
    before = (summary or CreditedSummary()).model_dump()
    with pytest.raises(InvalidInputError) as refused:
        credit(invoice, body, summary)
    assert (summary or CreditedSummary()).model_dump() == before
    return refused.value.problems


SIMPLE = [
    {"id": "a", "description": "Chairs", "quantity": "2", "unitPrice": "50.00", "taxRate": "24"},
    {"id": "b", "description": "Delivery", "quantity": "1", "unitPrice": "30.00", "taxRate": "24"},
]
WITH_ADVANCE = [
    {"id": "a", "quantity": "1", "unitPrice": "100.00", "taxRate": "24"},
    {"id": "advance", "quantity": "1", "unitPrice": "-30.00", "taxRate": "0"},
]
MIXED = [
    {"id": "a", "quantity": "1", "unitPrice": "1000.00", "taxRate": "24"},
    {"id": "b", "quantity": "2", "unitPrice": "150.00", "taxRate": "14"},
    {"id": "c", "quantity": "1", "unitPrice": "200.00", "taxRate": "0"},
]


# Golden credits


def test_a_whole_credit_of_a_simple_invoice_credits_each_row_and_copies_the_invoice() -> None:
    invoice = issued(SIMPLE)

    note, summary = credit(invoice, {})

    assert [(r.invoice_row_id, r.quantity, *amounts(r)) for r in note.rows] == [
        ("a", D("2"), D("100.00"), D("24.00"), D("124.00")),
        ("b", D("1"), D("30.00"), D("7.20"), D("37.20")),
    ]
    assert note.tax_breakdown == [
        RateAmounts(tax_rate=D("24"), net=D("130.00"), tax=D("31.20"), gross=D("161.20"))
    ]
    assert [str(a) for a in totals(note)] == ["130.00", "31.20", "161.20"]
    assert totals(note) == totals(invoice)
    assert (note.invoice_id, note.invoice_number, note.invoice_date) == (
        invoice.id,
        "INV-2026-0001",
        date(2026, 11, 1),
    )
    assert (note.currency, note.tax_inclusive, note.client, note.seller) == (
        "EUR",
        False,
        BUYER,
        invoice.seller,
    )
    assert (note.credit_note_date, note.reason, note.created_by) == (
        date(2026, 12, 1),
        "Returned goods",
        "alice",
    )
    assert [n.credit_note_number for n in summary.credit_notes] == ["CN-2026-0001"]
    assert summary.total_with_tax == D("161.20")


def test_part_of_a_row_with_a_percentage_discount_credits_the_discount_pro_rata() -> None:
    # 3 x 33.33 = 99.99, less 10 % (10.00): 89.99 net, 21.60 tax.
    row = {"id": "a", "quantity": "3", "unitPrice": "33.33", "taxRate": "24"}
    invoice = issued([{**row, "discount": "10", "discountType": "PERCENTAGE"}])

    note, _ = credit(invoice, {"rows": [{"rowId": "a", "quantity": "1"}]})

    (line,) = note.rows
    assert (line.quantity, line.unit_price, line.discount_amount) == (D(1), D("33.33"), D("3.33"))
    assert amounts(line) == (D("30.00"), D("7.20"), D("37.20"))


def test_part_of_a_row_with_a_fixed_discount_credits_its_share_of_the_discount() -> None:
    # 3 x 25.00 = 75.00, less 10.00: 65.00 net, 15.60 tax.
    row = {"id": "a", "quantity": "3", "unitPrice": "25.00", "taxRate": "24", "discount": "10"}
    invoice = issued([row])

    first, summary = credit(invoice, {"rows": [{"rowId": "a", "quantity": "1"}]})
    rest, summary = credit(invoice, {"rows": [{"rowId": "a"}]}, summary)

    assert first.rows[0].discount_amount == D("3.33")
    assert amounts(first.rows[0]) == (D("21.67"), D("5.20"), D("26.87"))
    assert (rest.rows[0].quantity, rest.rows[0].discount_amount) == (D(2), D("6.67"))
    assert amounts(rest.rows[0]) == (D("43.33"), D("10.40"), D("53.73"))
    assert totals(summary) == (D("65.00"), D("15.60"), D("80.60")) == totals(invoice)


def test_part_of_a_tax_inclusive_row_splits_its_tax_out_of_the_gross() -> None:
    # 3 x 9.99 gross = 29.97, of which 5.80 tax.
    invoice = issued(
        [{"id": "a", "quantity": "3", "unitPrice": "9.99", "taxRate": "24"}], inclusive=True
    )

    note, summary = credit(invoice, {"rows": [{"rowId": "a", "quantity": "2"}]})
    rest, summary = credit(invoice, {}, summary)

    assert amounts(note.rows[0]) == (D("16.11"), D("3.87"), D("19.98"))
    assert (note.tax_inclusive, note.rows[0].unit_price) == (True, D("9.99"))
    assert amounts(rest.rows[0]) == (D("8.06"), D("1.93"), D("9.99"))
    assert totals(summary) == (D("24.17"), D("5.80"), D("29.97")) == totals(invoice)


def test_an_amount_at_a_rate_of_a_tax_inclusive_invoice_is_a_gross_amount() -> None:
    invoice = issued(
        [{"id": "a", "quantity": "3", "unitPrice": "9.99", "taxRate": "24"}], inclusive=True
    )

    note, _ = credit(invoice, {"amounts": [{"taxRate": "24", "amount": "5.00"}]})

    assert amounts(note.rows[0]) == (D("4.03"), D("0.97"), D("5.00"))
    assert (note.rows[0].invoice_row_id, note.rows[0].quantity, note.rows[0].unit_price) == (
        None,
        D(1),
        D("5.00"),
    )


def test_amounts_at_mixed_rates_split_their_tax_as_rows_at_those_rates_then_the_rest() -> None:
    invoice = issued(MIXED)  # 1500.00 net, 282.00 tax, 1782.00 in all
    asked = [
        {"taxRate": "24", "amount": "333.33"},
        {"taxRate": "14.00", "amount": "100.00"},
        {"taxRate": "0", "amount": "50.00"},
    ]

    note, summary = credit(invoice, {"amounts": asked})
    rest, summary = credit(invoice, {}, summary)

    assert [(b.tax_rate, b.net, b.tax, b.gross) for b in note.tax_breakdown] == [
        (D("24"), D("333.33"), D("80.00"), D("413.33")),
        (D("14"), D("100.00"), D("14.00"), D("114.00")),
        (D("0"), D("50.00"), D("0.00"), D("50.00")),
    ]
    assert totals(note) == (D("483.33"), D("94.00"), D("577.33"))
    # What remains at each rate is credited as one amount: its rows were partly credited by it.
    assert [(r.invoice_row_id, r.tax_rate, *amounts(r)) for r in rest.rows] == [
        (None, D("24"), D("666.67"), D("160.00"), D("826.67")),
        (None, D("14"), D("200.00"), D("28.00"), D("228.00")),
        (None, D("0"), D("150.00"), D("0.00"), D("150.00")),
    ]
    assert totals(summary) == totals(invoice) == (D("1500.00"), D("282.00"), D("1782.00"))


def test_yen_are_credited_in_whole_yen_and_the_rest_takes_the_rounding() -> None:
    # 3 x 1980 = 5940 at 8 %: 475 tax (475.2); one of them 158 (158.4).
    invoice = issued(
        [{"id": "a", "quantity": "3", "unitPrice": "1980", "taxRate": "8"}], currency="JPY"
    )

    first, summary = credit(invoice, {"rows": [{"rowId": "a", "quantity": "1"}]})
    second, summary = credit(invoice, {"rows": [{"rowId": "a", "quantity": "1"}]}, summary)
    rest, summary = credit(invoice, {"rows": [{"rowId": "a"}]}, summary)

    assert amounts(first.rows[0]) == amounts(second.rows[0]) == (D(1980), D(158), D(2138))
    assert amounts(rest.rows[0]) == (D(1980), D(159), D(2139))
    assert totals(summary) == (D(5940), D(475), D(6415)) == totals(invoice)
    assert all(a.as_tuple().exponent == 0 for a in amounts(rest.rows[0]))


def test_yen_credited_one_at_a_time_never_credit_more_tax_than_the_row_has() -> None:
    # 10 x 15 = 150 at 10 %: 15 tax; each one alone would be 2 (1.5), ten of them 20.
    invoice = issued(
        [{"id": "a", "quantity": "10", "unitPrice": "15", "taxRate": "10"}], currency="JPY"
    )
    summary = CreditedSummary()
    taxes = []
    for _ in range(10):
        note, summary = credit(invoice, {"rows": [{"rowId": "a", "quantity": "1"}]}, summary)
        taxes.append(note.rows[0].tax_amount)

    assert taxes == [D(2)] * 7 + [D(1), D(0), D(0)]
    assert totals(summary) == (D(150), D(15), D(165)) == totals(invoice)


def test_kuwaiti_dinars_are_credited_to_the_fils() -> None:
    # 3 x 1.2345 = 3.704 (3.7035) at 5 %: 0.185 tax.
    invoice = issued(
        [{"id": "a", "quantity": "3", "unitPrice": "1.2345", "taxRate": "5"}], currency="KWD"
    )

    note, summary = credit(invoice, {"rows": [{"rowId": "a", "quantity": "1"}]})
    rest, summary = credit(invoice, {}, summary)

    assert [str(a) for a in amounts(note.rows[0])] == ["1.235", "0.062", "1.297"]
    assert amounts(rest.rows[0]) == (D("2.469"), D("0.123"), D("2.592"))
    assert totals(summary) == (D("3.704"), D("0.185"), D("3.889")) == totals(invoice)


def test_two_partial_credits_and_then_the_rest_add_up_to_the_invoice_to_the_cent() -> None:
    # 3 x 0.335 = 1.01 (1.005) with 0.24 tax; one of them alone 0.34 with 0.08.
    invoice = issued(
        [
            {"id": "a", "quantity": "3", "unitPrice": "0.335", "taxRate": "24"},
            {"id": "b", "quantity": "1", "unitPrice": "10.00", "taxRate": "14"},
        ]
    )
    one = {"rows": [{"rowId": "a", "quantity": "1"}]}

    first, summary = credit(invoice, one)
    second, summary = credit(invoice, one, summary)
    rest, summary = credit(invoice, {}, summary)

    assert amounts(first.rows[0]) == amounts(second.rows[0]) == (D("0.34"), D("0.08"), D("0.42"))
    assert [(r.invoice_row_id, r.quantity, *amounts(r)) for r in rest.rows] == [
        ("a", D(1), D("0.33"), D("0.08"), D("0.41")),
        ("b", D(1), D("10.00"), D("1.40"), D("11.40")),
    ]
    assert totals(summary) == totals(invoice) == (D("11.01"), D("1.64"), D("12.65"))
    assert [amounts(r) for r in summary.rows] == [amounts(row) for row in invoice.rows]
    assert summarize([first, second, rest]) == summary


def test_a_row_stating_its_tax_without_a_rate_is_credited_its_share_of_that_tax() -> None:
    # No rate of 4 decimals gives 123456.78 on 1000000.00: the row keeps its tax with no rate.
    stated = {"id": "a", "quantity": "1", "unitPrice": "1000000.00", "taxAmount": "123456.78"}
    invoice = issued([stated, SIMPLE[1]])

    half, summary = credit(invoice, {"rows": [{"rowId": "a", "quantity": "0.5"}]})
    rest, summary = credit(invoice, {}, summary)

    assert (half.rows[0].tax_rate, *amounts(half.rows[0])) == (
        None,
        D("500000.00"),
        D("61728.39"),
        D("561728.39"),
    )
    assert [(b.tax_rate, b.tax) for b in rest.tax_breakdown] == [
        (None, D("61728.39")),
        (D("24"), D("7.20")),
    ]
    assert totals(summary) == totals(invoice)


def test_a_deduction_row_is_credited_with_the_rows_it_reduces() -> None:
    # An advance deducted in a row of its own: 124.00 less 30.00, 94.00 in all.
    invoice = issued(WITH_ADVANCE)

    half, summary = credit(invoice, {"rows": [{"rowId": "a", "quantity": "0.5"}]})
    rest, summary = credit(invoice, {}, summary)

    assert half.total_with_tax == D("62.00")
    assert [(r.invoice_row_id, r.total_with_tax) for r in rest.rows] == [
        ("a", D("62.00")),
        ("advance", D("-30.00")),
    ]
    assert rest.total_with_tax == D("32.00")
    assert totals(summary) == totals(invoice) == (D("70.00"), D("24.00"), D("94.00"))


def test_a_summary_read_back_without_trailing_zeros_still_credits_in_minor_units() -> None:
    # DynamoDB keeps a number's value, not its scale: 37.20 comes back as 37.2.
    invoice = issued(SIMPLE)
    _, summary = credit(invoice, {"rows": [{"rowId": "b"}, {"rowId": "a", "quantity": "1"}]})
    stored = CreditedSummary.model_validate(
        _normalized(summary.model_dump(by_alias=True, mode="python"))
    )

    rest, _ = credit(invoice, {}, stored)

    assert [(r.invoice_row_id, *amounts(r)) for r in rest.rows] == [
        ("a", D("50.00"), D("12.00"), D("62.00"))
    ]
    assert [str(a) for a in totals(rest)] == ["50.00", "12.00", "62.00"]


def _normalized(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, dict):
        return {name: _normalized(inner) for name, inner in value.items()}
    if isinstance(value, list):
        return [_normalized(inner) for inner in value]
    return value


# Refusals: each names the field and what remains, and nothing is produced


def test_more_than_remains_of_a_row_is_refused() -> None:
    invoice = issued(SIMPLE)
    _, summary = credit(invoice, {"rows": [{"rowId": "a", "quantity": "1"}]})

    problems = refusal(invoice, {"rows": [{"rowId": "a", "quantity": "1.5"}]}, summary)

    assert problems == (
        FieldProblem("rows[0].quantity", "is more than the 1 that remain of the row's 2"),
    )


def test_a_row_credited_in_full_cannot_be_credited_again() -> None:
    invoice = issued(SIMPLE)
    _, summary = credit(invoice, {"rows": [{"rowId": "b"}]})

    problems = refusal(invoice, {"rows": [{"rowId": "b"}]}, summary)

    assert problems == (FieldProblem("rows[0].rowId", "nothing remains to be credited of row b"),)


def test_more_than_remains_at_a_rate_is_refused() -> None:
    invoice = issued(MIXED)

    problems = refusal(invoice, {"amounts": [{"taxRate": "24", "amount": "1000.01"}]})

    assert problems == (
        FieldProblem(
            "amounts[0].amount", "is more than the 1000.00 EUR (net) that remain at this rate"
        ),
    )


def test_a_row_beyond_what_amounts_left_at_its_rate_is_refused() -> None:
    invoice = issued(MIXED)
    _, summary = credit(invoice, {"amounts": [{"taxRate": "24", "amount": "500.00"}]})

    problems = refusal(invoice, {"rows": [{"rowId": "a"}]}, summary)

    assert problems == (
        FieldProblem(
            "rows",
            "credits 1000.00 EUR net and 240.00 EUR tax at taxRate 24, more than the 500.00 EUR "
            "net and 120.00 EUR tax that remain",
        ),
        FieldProblem(
            "rows",
            "credits 1240.00 EUR with tax in all, more than the 1162.00 EUR of the invoice not "
            "yet credited",
        ),
    )


def test_more_than_remains_of_the_invoice_is_refused() -> None:
    invoice = issued(WITH_ADVANCE)

    problems = refusal(invoice, {"rows": [{"rowId": "a"}]})

    assert problems == (
        FieldProblem(
            "rows",
            "credits 124.00 EUR with tax in all, more than the 94.00 EUR of the invoice not yet "
            "credited",
        ),
    )


def test_a_credit_of_a_deduction_alone_is_refused() -> None:
    problems = refusal(issued(WITH_ADVANCE), {"rows": [{"rowId": "advance"}]})

    assert problems == (
        FieldProblem("rows", "credits -30.00 EUR in all: a credit note credits more than 0"),
    )


def test_a_row_the_invoice_does_not_have_is_refused() -> None:
    problems = refusal(issued(SIMPLE), {"rows": [{"rowId": "a"}, {"rowId": "zzz"}]})

    assert problems == (FieldProblem("rows[1].rowId", "names no row of the invoice"),)


def test_a_rate_the_invoice_does_not_have_is_refused() -> None:
    problems = refusal(issued(MIXED), {"amounts": [{"taxRate": "10", "amount": "5.00"}]})

    assert problems == (
        FieldProblem(
            "amounts[0].taxRate", "the invoice has no row at this rate; its rates: 24, 14, 0"
        ),
    )


def test_an_amount_finer_than_the_currency_is_refused() -> None:
    problems = refusal(issued(MIXED), {"amounts": [{"taxRate": "24", "amount": "5.001"}]})

    assert problems == (
        FieldProblem("amounts[0].amount", "EUR amounts have at most 2 decimal places"),
    )


def test_the_same_row_or_rate_twice_is_refused() -> None:
    invoice = issued(MIXED)

    rows = refusal(invoice, {"rows": [{"rowId": "a", "quantity": "0.5"}, {"rowId": "a"}]})
    rates = refusal(
        invoice,
        {"amounts": [{"taxRate": "24", "amount": "1"}, {"taxRate": "24.0", "amount": "1"}]},
    )

    assert rows == (
        FieldProblem("rows[1].rowId", "names the row rows[0] names: ask for each row once"),
    )
    assert rates == (
        FieldProblem("amounts[1].taxRate", "names the rate amounts[0] names: one amount per rate"),
    )


def test_a_fully_credited_invoice_has_nothing_left_to_credit() -> None:
    invoice = issued(SIMPLE)
    _, summary = credit(invoice, {})

    problems = refusal(invoice, {}, summary)

    assert problems == (
        FieldProblem("body", "nothing of invoice INV-2026-0001 remains to be credited"),
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"reason": "  "}, "reason", "must not be blank: say why the invoice is credited"),
        ({}, "reason", "Field required"),
        (
            {"reason": "x", "rows": [{"rowId": "a"}], "amounts": [{"taxRate": 24, "amount": 1}]},
            "amounts",
            "give rows or amounts, not both (neither credits all that remains)",
        ),
        ({"reason": "x", "row": [{"rowId": "a"}]}, "row", "Extra inputs are not permitted"),
        (
            {"reason": "x", "rows": [{"rowId": "a", "quantity": 0}]},
            "rows[0].quantity",
            "Input should be greater than 0",
        ),
        (
            {"reason": "x", "amounts": [{"taxRate": 24, "amount": "-5"}]},
            "amounts[0].amount",
            "Input should be greater than 0",
        ),
        (
            {"reason": "x", "rows": []},
            "rows",
            "List should have at least 1 item after validation, not 0",
        ),
        ({"reason": "x" * 1001}, "reason", "String should have at most 1000 characters"),
    ],
)
def test_a_request_that_breaks_a_rule_is_refused_naming_its_field(
    body: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        credit_note_input(body)

    assert refused.value.problems == (FieldProblem(field, message),)


@pytest.mark.parametrize("status", [S.DRAFT, S.SCHEDULED, S.CANCELLED])
def test_an_invoice_that_is_not_issued_or_is_cancelled_gets_no_credit_note(
    status: InvoiceStatus,
) -> None:
    invoice = issued(SIMPLE)
    if status is S.CANCELLED:
        invoice = transitions.cancel(invoice, actor=ALICE, now=NOW)
    else:
        invoice = invoice.model_copy(update={"status": status})

    with pytest.raises(
        InvalidStateError,
        match=f"Cannot issue a credit note while invoice {invoice.id} is {status}",
    ):
        credit(invoice, {})


def test_a_paid_invoice_credited_owes_the_client_a_refund() -> None:
    invoice = issued(SIMPLE)
    paid = payments.mark_as_paid(
        invoice, paid_on=None, method=PaymentMethod.BANK_TRANSFER, actor=ALICE, now=NOW
    )

    note, summary = credit(paid, {"rows": [{"rowId": "b"}]})

    assert note.total_with_tax == D("37.20")
    assert open_amount(paid.total_with_tax, paid.paid, summary.total_with_tax) == D("-37.20")
    assert fully_covered(paid.total_with_tax, paid.paid, summary.total_with_tax)


# Effect on the invoice


def test_payments_and_credits_that_cover_the_invoice_leave_nothing_open() -> None:
    invoice = issued(SIMPLE)  # 161.20
    partly = payments.add_payment(invoice, PaymentInput(amount=D("100.00")), actor=ALICE, now=NOW)
    _, summary = credit(partly, {"rows": [{"rowId": "a", "quantity": "1"}]})  # 62.00

    assert open_amount(partly.total_with_tax, partly.paid, summary.total_with_tax) == D("-0.80")
    assert open_amount(D("161.20"), D("99.20"), D("62.00")) == D("0.00")
    assert fully_covered(D("161.20"), D("99.20"), D("62.00"))
    assert not fully_covered(D("161.20"), D("99.19"), D("62.00"))
    assert not fully_covered(D("0.00"), D("0.00"), D("0.00"))


# Cancelling an issued invoice


def cancellation(invoice: Invoice, summary: CreditedSummary | None = None) -> Any:
    return full_credit_for_cancellation(
        invoice,
        summary or CreditedSummary(),
        number="CN-2026-0002",
        note_id="cn-2",
        actor=ALICE,
        now=NOW,
    )


def test_cancelling_an_unpaid_invoice_credits_all_of_it_row_by_row() -> None:
    invoice = issued(MIXED)

    note, summary = cancellation(invoice)

    assert [r.invoice_row_id for r in note.rows] == ["a", "b", "c"]
    assert totals(note) == totals(invoice)
    assert (note.reason, note.cancels_invoice) == ("Cancels invoice INV-2026-0001", True)
    assert open_amount(invoice.total_with_tax, invoice.paid, summary.total_with_tax) == 0


def test_cancelling_a_partly_paid_invoice_credits_the_unpaid_rest_pro_rata_across_rates() -> None:
    invoice = issued(MIXED)  # 1240.00 at 24 %, 342.00 at 14 %, 200.00 at 0 %
    partly = payments.add_payment(invoice, PaymentInput(amount=D("500.00")), actor=ALICE, now=NOW)

    note, summary = cancellation(partly)

    # 1282.00 unpaid: 892.08 + 246.04 + 143.88, the tax of each its share of the rate's tax.
    assert [(r.tax_rate, *amounts(r)) for r in note.rows] == [
        (D("24"), D("719.42"), D("172.66"), D("892.08")),
        (D("14"), D("215.82"), D("30.22"), D("246.04")),
        (D("0"), D("143.88"), D("0.00"), D("143.88")),
    ]
    assert totals(note) == (D("1079.12"), D("202.88"), D("1282.00"))
    assert open_amount(partly.total_with_tax, partly.paid, summary.total_with_tax) == 0


def test_cancelling_after_a_credit_note_credits_only_what_it_left() -> None:
    invoice = issued(SIMPLE)
    _, summary = credit(invoice, {"rows": [{"rowId": "a", "quantity": "1"}]})

    note, summary = cancellation(invoice, summary)

    assert [(r.invoice_row_id, r.quantity, *amounts(r)) for r in note.rows] == [
        ("a", D(1), D("50.00"), D("12.00"), D("62.00")),
        ("b", D(1), D("30.00"), D("7.20"), D("37.20")),
    ]
    assert totals(summary) == totals(invoice)


def test_a_paid_invoice_is_not_cancelled_by_a_credit_note() -> None:
    paid = payments.mark_as_paid(
        issued(SIMPLE), paid_on=None, method=PaymentMethod.CASH, actor=ALICE, now=NOW
    )

    with pytest.raises(InvalidStateError, match="issue a credit note"):
        cancellation(paid)


# Numbers


def test_credit_notes_count_in_their_own_series_in_the_invoices_counter() -> None:
    counter = InvoiceCounter(last={"2026": 6}, version=3)

    first, counter = next_credit_note_number(counter, DEFAULT_FORMAT, date(2026, 12, 1))
    second, counter = next_credit_note_number(counter, DEFAULT_FORMAT, date(2026, 12, 1))
    invoice_number, counter = next_number(counter, "INV-{YYYY}-{SEQ:04}", date(2026, 12, 1))
    next_year, counter = next_credit_note_number(counter, DEFAULT_FORMAT, date(2027, 1, 2))

    assert (first, second, invoice_number, next_year) == (
        "CN-2026-0001",
        "CN-2026-0002",
        "INV-2026-0007",
        "CN-2027-0001",
    )
    assert counter.last == {"2026": 7, "CN:2026": 2, "CN:2027": 1}
    assert counter.version == 3


def test_a_credit_note_format_without_the_year_never_restarts() -> None:
    counter = InvoiceCounter(last={"CN:ALL": 41, "ALL": 9})

    number, counter = next_credit_note_number(counter, "GS/{SEQ:05}", date(2026, 12, 1))

    assert (number, counter.last) == ("GS/00042", {"CN:ALL": 42, "ALL": 9})


def test_a_credit_note_is_answered_in_camel_case_without_its_version() -> None:
    note, _ = credit(issued(SIMPLE), {"rows": [{"rowId": "b"}]})

    dumped = note.model_copy(update={"version": 4}).model_dump(by_alias=True, mode="json")

    assert "version" not in dumped
    assert dumped["creditNoteNumber"] == "CN-2026-0001"
    assert dumped["creditNoteDate"] == "2026-12-01T00:00:00Z"
    assert dumped["rows"][0]["invoiceRowId"] == "b"
    assert CreditNote.model_validate(dumped) == note
