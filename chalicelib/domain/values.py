"""Value types shared by the domain models: who acts, calendar dates, timestamps, bounded text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer
from uuid6 import uuid7

from chalicelib.domain.money import known_currencies, plain

TENANT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
# Ids we issue are UUIDs; anything else (too long, or with a key separator) cannot exist.
_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Actor:
    """Who is acting: the tenant and user taken from a verified credential, never from input."""

    tenant_id: str
    user_id: str


def new_id() -> str:
    """A time-ordered id (UUIDv7), so lists read in creation order."""
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


CalendarDate = Annotated[
    date,
    BeforeValidator(_calendar_date),
    AfterValidator(_within_supported_years),
    PlainSerializer(_wire_date, return_type=str),
]


def _utc_millis(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a timezone offset, for example 2026-11-21T10:00:00Z")
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def format_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[
    datetime,
    AfterValidator(_utc_millis),
    PlainSerializer(format_timestamp, return_type=str),
]


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


def _currency_code(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _known_currency(code: str) -> str:
    if code not in known_currencies():
        raise ValueError("must be a three-letter ISO 4217 currency code, such as EUR")
    return code


CurrencyCode = Annotated[str, BeforeValidator(_currency_code), AfterValidator(_known_currency)]

Count = Annotated[int, BeforeValidator(_no_bool)]
PlainDecimal = Annotated[Decimal, AfterValidator(plain)]

Reference = Annotated[str, Field(min_length=1, max_length=128)]
ShortText = Annotated[str, Field(max_length=255)]
LongText = Annotated[str, Field(max_length=5000)]
