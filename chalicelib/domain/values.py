"""Value types shared by the domain models: who acts, calendar dates, timestamps, bounded text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from chalicelib.domain.money import known_currencies, plain

TENANT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
# Ids we issue are UUIDs; anything else (too long, or with a key separator) cannot exist.
_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Actor:
    """Who is acting: the tenant and user taken from a verified credential, never from input.
    `request` names a write its caller may retry (its Idempotency-Key and content, hashed): what
    it makes is named after it, and what it changes carries it, so a retry whose first try's
    outcome is unknown finds that try's work instead of doing it again (decision 0031)."""

    tenant_id: str
    user_id: str
    request: str | None = None


def new_id() -> str:
    """A time-ordered id (UUIDv7), so lists read in creation order."""
    # uuid6 reads its version through importlib.metadata (about 16 ms): first id, not cold start.
    from uuid6 import uuid7

    return str(uuid7())


def is_well_formed_id(value: str) -> bool:
    """Could we have issued this id? One that could not names nothing, and is never looked up."""
    return bool(_ID_PATTERN.fullmatch(value))


def _calendar_date(value: Any) -> Any:
    # Invoice and due dates are calendar days. A date-time is accepted (the documented wire format)
    # and its date is taken as written, never shifted through a timezone conversion.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and "T" in value:
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            raise ValueError("must be a date (YYYY-MM-DD) or an ISO 8601 date-time") from None
    if isinstance(value, str | date):
        return value
    raise ValueError("must be a date (YYYY-MM-DD) or an ISO 8601 date-time")


def _within_supported_years(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


def _wire_date(value: date) -> str:
    return f"{value.isoformat()}T00:00:00Z"


# How dates and instants are answered: ISO 8601 date-times in UTC (a date is its midnight).
DateTimeText = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]

CalendarDate = Annotated[
    date,
    BeforeValidator(_calendar_date, json_schema_input_type=date | datetime),
    AfterValidator(_within_supported_years),
    PlainSerializer(_wire_date, return_type=DateTimeText),
]


def _utc_millis(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a timezone offset, for example 2026-11-21T10:00:00Z")
    try:
        value = value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 has no UTC time Python can hold
        raise ValueError(_RANGE_OF_INSTANTS) from None
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


_RANGE_OF_INSTANTS = f"must be between {EARLIEST_DATE}T00:00:00Z and {LATEST_DATE}T23:59:59Z"


def _within_supported_instants(value: datetime) -> datetime:
    if not EARLIEST_DATE <= value.date() <= LATEST_DATE:
        raise ValueError(_RANGE_OF_INSTANTS)
    return value


def format_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[
    datetime,
    AfterValidator(_utc_millis),
    PlainSerializer(format_timestamp, return_type=DateTimeText),
]
# A date-time the API accepts from a client: in UTC, within the years every date is (what the app
# computes from one, a due date or a reminder's day, may go past them; what it reads back may too).
AcceptedTimestamp = Annotated[
    datetime,
    AfterValidator(_utc_millis),
    AfterValidator(_within_supported_instants),
    PlainSerializer(format_timestamp, return_type=DateTimeText),
]


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


# Python's int() and Decimal() also read other scripts' digits (Arabic-Indic one as 1, fullwidth
# five as 5) and underscores ("1_000"), which no client means as a number; every other text is
# left to pydantic.
def _digits_0_to_9(value: Any, example: str) -> Any:
    if isinstance(value, str) and (not value.isascii() or "_" in value):
        raise ValueError(f"must be written with the digits 0-9, without separators, as {example}")
    return value


def ascii_number(value: Any) -> Any:
    """A number given as text is read only when written with the digits 0-9."""
    return _digits_0_to_9(value, "1000.50")


def _ascii_integer(value: Any) -> Any:
    return _digits_0_to_9(value, "14")


def _currency_code(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _known_currency(code: str) -> str:
    if code not in known_currencies():
        raise ValueError("must be a three-letter ISO 4217 currency code, such as EUR")
    return code


CurrencyCode = Annotated[str, BeforeValidator(_currency_code), AfterValidator(_known_currency)]

# No amount, quantity or rate we take comes near 1e100 (or 1e-100), while a Decimal with an
# exponent in the millions costs seconds to write out plainly, and then overflows. A JSON number
# is held to it as it is parsed (api/http.py); a number sent as text, here.
LARGEST_EXPONENT = 100


def _within_reach(value: Decimal) -> Decimal:
    if value.is_finite() and not value.is_zero() and abs(value.adjusted()) > LARGEST_EXPONENT:
        raise ValueError("is out of range: far larger or smaller than any amount")
    return value


Count = Annotated[int, BeforeValidator(_no_bool), BeforeValidator(_ascii_integer)]
PlainDecimal = Annotated[
    Decimal,
    BeforeValidator(ascii_number),
    AfterValidator(_within_reach),
    AfterValidator(plain),
]

Reference = Annotated[str, Field(min_length=1, max_length=128)]
ShortText = Annotated[str, Field(max_length=255)]
LongText = Annotated[str, Field(max_length=5000)]
