"""Invoice numbers: the tenant's format, rendered with a gapless sequence per series."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.numbering import (
    DEFAULT_FORMAT,
    InvoiceCounter,
    format_problem,
    next_number,
    render,
    series_of,
)
from chalicelib.domain.settings import TenantSettings

NOV_2026 = date(2026, 11, 21)


def test_tenants_number_as_inv_year_and_four_digit_sequence_by_default() -> None:
    assert DEFAULT_FORMAT == "INV-{YYYY}-{SEQ:04}"
    assert TenantSettings().numbering_format == DEFAULT_FORMAT
    assert format_problem(DEFAULT_FORMAT) is None


@pytest.mark.parametrize(
    "number_format",
    [
        "{SEQ}",
        "RE {YY}/{MM}-{SEQ:06}",
        "#{SEQ:09}",
        "a.b_c/d#e-f {YYYY}{SEQ:01}",
        "X" * 59 + "{SEQ}",
    ],
)
def test_formats_of_tokens_and_plain_characters_are_accepted(number_format: str) -> None:
    assert format_problem(number_format) is None


@pytest.mark.parametrize(
    ("number_format", "problem"),
    [
        ("", "must be 1 to 64 characters"),
        ("X" * 60 + "{SEQ}", "must be 1 to 64 characters"),
        ("INV-{YYYY}", "must contain {SEQ} exactly once"),
        ("{SEQ}-{SEQ:04}", "must contain {SEQ} exactly once"),
        ("INV-{DD}-{SEQ}", "may hold {YYYY}, {YY}, {MM}, {SEQ} or {SEQ:0N}"),
        ("INV-{YYYY:04}-{SEQ}", "only {SEQ} takes a width"),
        ("INV*{SEQ}", "may hold"),
        ("INV\n{SEQ}", "may hold"),
        ("FÄKT-{SEQ}", "may hold"),
        ("INV-{SEQ}}", "may hold"),
    ],
    ids=[
        "empty", "too-long", "no-seq", "two-seq", "unknown-token", "width-on-year",
        "asterisk", "newline", "non-ascii-letter", "stray-brace",
    ],
)  # fmt: skip
def test_a_format_that_cannot_number_invoices_is_explained(
    number_format: str, problem: str
) -> None:
    found = format_problem(number_format)

    assert found is not None
    assert found.startswith(problem)


@pytest.mark.parametrize("number_format", ["INV-{seq}", "INV-{SEQ:4}", "INV-{SEQ:00}"])
def test_misspelt_sequence_tokens_are_refused(number_format: str) -> None:
    assert format_problem(number_format) is not None


@pytest.mark.parametrize(
    ("number_format", "on", "sequence", "expected"),
    [
        ("INV-{YYYY}-{SEQ:04}", date(2026, 3, 5), 7, "INV-2026-0007"),
        ("{YY}{MM}-{SEQ}", date(2026, 3, 5), 42, "2603-42"),
        ("R/{YYYY}/{MM}/{SEQ:03}", date(2027, 12, 31), 1, "R/2027/12/001"),
        ("{YY}-{SEQ:02}", date(2000, 1, 1), 3, "00-03"),
        ("INV-{SEQ:04}", NOV_2026, 9999, "INV-9999"),
    ],
)
def test_render_fills_in_the_date_and_the_zero_padded_sequence(
    number_format: str, on: date, sequence: int, expected: str
) -> None:
    assert render(number_format, on, sequence) == expected


def test_a_sequence_longer_than_its_width_is_never_truncated() -> None:
    assert render("INV-{YYYY}-{SEQ:04}", NOV_2026, 10000) == "INV-2026-10000"


@pytest.mark.parametrize(
    ("number_format", "expected"),
    [
        ("INV-{YYYY}-{SEQ:04}", "2026"),
        ("{YY}-{SEQ}", "2026"),
        ("{YY}{MM}-{SEQ}", "2026"),
        ("INV-{SEQ}", "ALL"),
        ("{MM}-{SEQ}", "ALL"),
    ],
)
def test_the_sequence_restarts_yearly_only_when_the_number_shows_the_year(
    number_format: str, expected: str
) -> None:
    assert series_of(number_format, NOV_2026) == expected


def test_consecutive_numbers_have_no_gaps() -> None:
    counter = InvoiceCounter()
    numbers = []
    for _ in range(3):
        number, counter = next_number(counter, DEFAULT_FORMAT, NOV_2026)
        numbers.append(number)

    assert numbers == ["INV-2026-0001", "INV-2026-0002", "INV-2026-0003"]
    assert counter.last == {"2026": 3}


def test_a_new_year_starts_at_one_and_the_old_year_continues_where_it_was() -> None:
    counter = InvoiceCounter(last={"2026": 41})

    first_of_2027, counter = next_number(counter, DEFAULT_FORMAT, date(2027, 1, 2))
    late_2026, counter = next_number(counter, DEFAULT_FORMAT, date(2026, 12, 31))
    second_of_2027, counter = next_number(counter, DEFAULT_FORMAT, date(2027, 1, 3))

    assert (first_of_2027, late_2026, second_of_2027) == (
        "INV-2027-0001",
        "INV-2026-0042",
        "INV-2027-0002",
    )
    assert counter.last == {"2026": 42, "2027": 2}


def test_a_two_digit_year_also_restarts_the_sequence() -> None:
    counter = InvoiceCounter(last={"2026": 5})

    number, counter = next_number(counter, "{YY}-{SEQ:03}", date(2027, 1, 1))

    assert number == "27-001"
    assert counter.last == {"2026": 5, "2027": 1}


def test_a_month_alone_does_not_restart_the_sequence() -> None:
    counter = InvoiceCounter()

    january, counter = next_number(counter, "{MM}-{SEQ}", date(2026, 1, 31))
    february, counter = next_number(counter, "{MM}-{SEQ}", date(2026, 2, 1))
    next_year, counter = next_number(counter, "{MM}-{SEQ}", date(2027, 1, 1))

    assert (january, february, next_year) == ("01-1", "02-2", "01-3")
    assert counter.last == {"ALL": 3}


def test_taking_a_number_never_changes_the_counter_passed_in() -> None:
    counter = InvoiceCounter(last={"2026": 7}, version=3)

    number, advanced = next_number(counter, DEFAULT_FORMAT, NOV_2026)
    again, _ = next_number(counter, DEFAULT_FORMAT, NOV_2026)

    assert counter == InvoiceCounter(last={"2026": 7}, version=3)
    assert (number, again) == ("INV-2026-0008", "INV-2026-0008")
    assert advanced.last == {"2026": 8}
