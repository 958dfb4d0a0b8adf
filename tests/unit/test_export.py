"""The export's CSV rules, cell by cell: exact amounts, ISO dates, formula cells neutralised."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from chalicelib.domain.export import HEADER, InvoiceCsv, cell_text, neutralised


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
