"""The export's CSV rules, cell by cell: exact amounts, ISO dates, formula cells neutralised."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.export import (
    FORMULA_TRIGGERS,
    HEADER,
    SEPARATORS,
    InvoiceCsv,
    cell_text,
    neutralised,
)
from chalicelib.domain.settings import TenantSettings
from tests.rendering import ROW, SETTINGS, issued_document


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (" =1", " =1"),  # a leading space: spreadsheets read it as text already
    ],
)
def test_text_that_a_spreadsheet_would_evaluate_gets_a_leading_apostrophe(
    text: str, cell: str
) -> None:
    assert neutralised(text) == cell
    assert cell_text(text) == cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (Decimal("-12.00"), "-12.00"),  # a number, even negative, is not a formula
        (Decimal("0.10"), "0.10"),  # the currency's places are kept
        (Decimal("1E+3"), "1000"),  # never in exponent notation
        (Decimal("123456789012.345"), "123456789012.345"),
        (date(2026, 2, 28), "2026-02-28"),
        (datetime(2026, 2, 28, 9, 30, tzinfo=UTC), "2026-02-28T09:30:00.000Z"),
        (14, "14"),
        (True, "true"),  # taxInclusive
        (False, "false"),
        (None, ""),
    ],
)
def test_amounts_dates_and_numbers_are_written_exactly(value: object, cell: str) -> None:
    assert cell_text(value) == cell  # type: ignore[arg-type]


def test_an_empty_export_is_the_header_row_alone() -> None:
    table = InvoiceCsv()
    assert table.rows == 0
    assert list(csv.reader(io.StringIO(table.text))) == [list(HEADER)]
    assert table.text.endswith("\r\n")


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("x;=1+1", "x;'=1+1"),  # German and French Excel split on ;
        ("x,=1+1", "x,'=1+1"),
        ("x\t=1+1", "x\t'=1+1"),
        ("x|=1+1", "x|'=1+1"),
        ("Grüße\n@SUM(A1)", "Grüße\n'@SUM(A1)"),
        ("=a;+b", "'=a;'+b"),
        ("a;b", "a;b"),
        ("2026-11-21; -5 %", "2026-11-21; -5 %"),  # a space first: read as text, as at the start
    ],
)
def test_a_formula_after_any_separator_is_neutralised_too(text: str, cell: str) -> None:
    assert neutralised(text) == cell


INVOICE = issued_document(
    TenantSettings.model_validate(SETTINGS), NewInvoice.model_validate({"rows": [ROW]})
).invoice


def pieces(text: str) -> list[str]:
    """What a spreadsheet splitting on any one separator makes cells of."""
    return [piece for separator in SEPARATORS for piece in text.split(separator)]


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("=+-@\t\r\n,;|'\" x1é請"), max_size=30) | st.text())
def test_no_piece_of_a_neutralised_cell_starts_a_formula_whatever_the_separator(
    text: str,
) -> None:
    table = InvoiceCsv()
    table.add([INVOICE.model_copy(update={"note": text, "payment_reference": text})])

    _, row = csv.reader(io.StringIO(table.text, newline=""))

    cells = dict(zip(HEADER, row, strict=True))
    assert cells["note"] == cells["paymentReference"] == neutralised(text)  # carried exactly
    assert not any(piece.startswith(FORMULA_TRIGGERS) for piece in pieces(cells["note"]))
    assert cells["note"].replace("'", "") == text.replace("'", "")  # only apostrophes added
    assert (cells["total"], cells["totalTax"]) == ("119.00", "19.00")  # numbers stay numbers
