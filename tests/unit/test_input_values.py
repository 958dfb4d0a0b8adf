"""The value types where input enters: every date-time, whatever its offset, is taken exactly when
its instant lies within the supported years and refused otherwise (never an overflow); a number
written as text is read only from the digits 0-9."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from chalicelib.domain.values import (
    AcceptedTimestamp,
    CalendarDate,
    Count,
    PlainDecimal,
    Timestamp,
)

accepted = TypeAdapter(AcceptedTimestamp)
stored = TypeAdapter(Timestamp)
days = TypeAdapter(CalendarDate)
decimals = TypeAdapter(PlainDecimal)
counts = TypeAdapter(Count)

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# To the millisecond, as timestamps are kept.
local_times = st.datetimes(
    min_value=datetime(1, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(9999, 12, 31, 23, 59, 59),  # noqa: DTZ001
).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))


def in_range(moment: datetime) -> bool | None:
    """Whether the instant is within 1900..2999 in UTC; None when it has no UTC time at all."""
    try:
        return 1900 <= moment.astimezone(UTC).year <= 2999
    except OverflowError:
        return None


@given(local=local_times, offset=offsets)
def test_any_date_time_is_taken_exactly_when_its_instant_is_in_range(
    local: datetime, offset: timezone
) -> None:
    moment = local.replace(tzinfo=offset)
    for given_as in (moment, moment.isoformat()):
        if in_range(moment):
            assert accepted.validate_python(given_as) == moment
        else:
            with pytest.raises(ValidationError):
                accepted.validate_python(given_as)


@given(local=local_times, offset=offsets)
def test_a_stored_date_time_reads_back_or_is_refused_never_overflows(
    local: datetime, offset: timezone
) -> None:
    moment = local.replace(tzinfo=offset)
    if in_range(moment) is None:
        with pytest.raises(ValidationError):
            stored.validate_python(moment.isoformat())
    else:
        assert stored.validate_python(moment.isoformat()) == moment


@given(local=local_times, offset=offsets)
def test_any_date_written_as_a_date_time_is_taken_as_written_within_the_years(
    local: datetime, offset: timezone
) -> None:
    written = local.replace(tzinfo=offset).isoformat()
    if 1900 <= local.year <= 2999:
        assert days.validate_python(written) == local.date()
    else:
        with pytest.raises(ValidationError):
            days.validate_python(written)


other_digits = st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())
plain_numerals = st.from_regex(r"^-?[0-9]{1,9}(\.[0-9]{1,6})?$", fullmatch=True)


@given(numeral=plain_numerals, digit=other_digits, at=st.integers(min_value=0, max_value=12))
def test_a_number_is_read_only_from_the_digits_0_to_9(numeral: str, digit: str, at: int) -> None:
    assert decimals.validate_python(numeral) == Decimal(numeral)
    cut = min(at, len(numeral))
    for written in (numeral[:cut] + digit + numeral[cut:], numeral[:cut] + "_" + numeral[cut:]):
        with pytest.raises(ValidationError):
            decimals.validate_python(written)


@given(number=st.integers(min_value=-(10**9), max_value=10**9), digit=other_digits)
def test_a_whole_number_is_read_only_from_the_digits_0_to_9(number: int, digit: str) -> None:
    assert counts.validate_python(str(number)) == number
    for written in (f"{number}{digit}", f"{digit}{abs(number)}", f"{number}_0"):
        with pytest.raises(ValidationError):
            counts.validate_python(written)
