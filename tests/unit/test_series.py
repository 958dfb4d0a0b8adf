"""Whether a tenant's series could still give a number (domain/series.py, decision 0057): the
places at which a format renders a number, and whether the counter has passed them."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.numbering import (
    CREDIT_NOTE_FORMAT,
    DEFAULT_FORMAT,
    InvoiceCounter,
    format_problem,
    render,
    series_of,
)
from chalicelib.domain.series import NumberFormats, Position, positions
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import EARLIEST_DATE, LATEST_DATE

TENANT = NumberFormats.of(TenantSettings())


def test_the_default_format_reads_its_year_and_sequence() -> None:
    assert positions("INV-2026-0005", DEFAULT_FORMAT) == (Position("2026", 5),)
    assert positions("INV-2026-12345", DEFAULT_FORMAT) == (Position("2026", 12345),)


def test_a_number_the_format_never_writes_has_no_place() -> None:
    never = [
        *("INV-35", "INV-2026-005", "INV-2026-00005", "INV-2026-0000", "inv-2026-0005"),
        *("INV-1899-0001", "INV-3000-0001", "INV-2026-00x5", "INV-2026-\u0663\u0663\u0663\u0663"),
        *("HL-7", ""),
    ]
    assert [number for number in never if positions(number, DEFAULT_FORMAT)] == []


def test_a_month_is_one_of_twelve_and_a_token_shown_twice_shows_one_value() -> None:
    assert positions("RE 2026/13-01", "RE {YYYY}/{MM}-{SEQ:02}") == ()
    assert positions("RE 2026/12-01", "RE {YYYY}/{MM}-{SEQ:02}") == (Position("2026", 1),)
    assert positions("2026-7-2027", "{YYYY}-{SEQ}-{YYYY}") == ()
    assert positions("2026-7-26", "{YYYY}-{SEQ}-{YY}") == (Position("2026", 7),)


def test_a_two_digit_year_is_that_year_of_every_century_an_invoice_may_be_dated_in() -> None:
    places = positions("RE 26-001", "RE {YY}-{SEQ:03}")
    assert [p.series for p in places] == [str(year) for year in range(1926, 3000, 100)]
    assert {p.sequence for p in places} == {1}


def test_a_format_without_a_year_has_one_series() -> None:
    assert positions("7", "{SEQ}") == (Position("ALL", 7),)
    assert positions("07", "{SEQ}") == ()
    assert positions("05-000012", "{MM}-{SEQ:06}") == (Position("ALL", 12),)


def test_credit_notes_count_under_their_prefix_and_both_series_are_asked() -> None:
    assert TENANT.credit_note == CREDIT_NOTE_FORMAT
    assert TENANT.positions("CN-2026-0003") == (Position("CN:2026", 3),)
    both = NumberFormats("{SEQ}", "N{SEQ}")
    assert both.positions("N4") == (Position("CN:ALL", 4),)
    assert NumberFormats("{SEQ}", "{SEQ:02}").positions("12") == (
        Position("ALL", 12),
        Position("CN:ALL", 12),
    )


def test_the_series_could_still_give_a_number_at_a_place_its_counter_has_not_reached() -> None:
    counter = InvoiceCounter(last={"2026": 4, "CN:2026": 2})
    assert not TENANT.could_still_give("INV-2026-0004", counter)  # given: its own item says so
    assert TENANT.could_still_give("INV-2026-0005", counter)
    assert TENANT.could_still_give("INV-2025-0001", counter)  # a year not begun
    assert not TENANT.could_still_give("CN-2026-0002", counter)
    assert TENANT.could_still_give("CN-2026-0003", counter)
    assert not TENANT.could_still_give("LP-1", InvoiceCounter())  # another shape: only unique


_LITERAL = st.text("ABCXYZabc0123456789 ._/#-", max_size=4)
_TOKEN = st.sampled_from(["{YYYY}", "{YY}", "{MM}"])


@st.composite
def formats(draw: st.DrawFn) -> str:
    """A format the settings accept: literals and date tokens around exactly one {SEQ}."""
    parts = draw(st.lists(st.one_of(_LITERAL, _TOKEN), max_size=5))
    width = draw(st.sampled_from(["", ":01", ":02", ":04", ":06", ":09"]))
    parts.insert(draw(st.integers(0, len(parts))), f"{{SEQ{width}}}")
    number_format = "".join(parts)
    return number_format if format_problem(number_format) is None else DEFAULT_FORMAT


days = st.dates(min_value=EARLIEST_DATE, max_value=LATEST_DATE)
sequences = st.integers(min_value=1, max_value=10**7)


@given(formats(), days, sequences)
def test_every_number_a_format_renders_is_read_back_at_its_place(
    number_format: str, day: date, sequence: int
) -> None:
    number = render(number_format, day, sequence)
    assert Position(series_of(number_format, day), sequence) in positions(number, number_format)


@given(formats(), days, sequences)
def test_each_place_read_renders_the_number_again(
    number_format: str, day: date, sequence: int
) -> None:
    number = render(number_format, day, sequence)
    for place in positions(number, number_format):
        year = int(place.series) if place.series.isdigit() else day.year
        renders = {
            render(number_format, date(year, month, 1), place.sequence) for month in range(1, 13)
        }
        assert number in renders


@given(days, sequences, st.dictionaries(st.sampled_from(["2025", "2026", "2027"]), sequences))
def test_the_series_could_still_give_a_number_exactly_when_its_counter_is_short_of_it(
    day: date, sequence: int, last: dict[str, int]
) -> None:
    number = render(DEFAULT_FORMAT, day, sequence)
    counter = InvoiceCounter(last=last)
    expected = last.get(str(day.year), 0) < sequence
    assert TENANT.could_still_give(number, counter) == expected
