"""What a vendor's document promises of an answer, checked field by field against the document's
own example response: the same fields, no more and no fewer, each of the example's JSON type,
and each string in the format the example's string shows (a UUID, a date-time, a date)."""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal
from typing import Any

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FORMATS = {"a UUID": UUID, "a date-time": DATE_TIME, "a date": DATE}


def assert_documented(
    answer: Any,
    example: Any,
    *,
    nullable: Collection[str] = (),
    any_format: Collection[str] = (),
    path: str = "",
) -> None:
    """`answer` (read with exact decimals) shaped as `example`. A number is an int or Decimal,
    never a boolean; every element of an array is shaped as the example's first; an empty
    example object ({}) leaves its fields open. A null is allowed only at a path `nullable` names
    ("results[].invoice.paidAt"), a string of another format only at one `any_format` names."""
    where = path or "the answer"
    if answer is None:
        assert path in nullable, f"{where} is null; the document shows {example!r}"
        return
    if isinstance(example, dict):
        assert isinstance(answer, dict), f"{where} is {answer!r}, not an object"
        if example:
            assert set(answer) == set(example), f"{where}: fields {sorted(answer)}"
        for name, value in example.items():
            inner = f"{path}.{name}" if path else name
            assert_documented(
                answer[name], value, nullable=nullable, any_format=any_format, path=inner
            )
    elif isinstance(example, list):
        assert isinstance(answer, list), f"{where} is {answer!r}, not an array"
        for element in answer if example else ():
            assert_documented(
                element, example[0], nullable=nullable, any_format=any_format, path=f"{path}[]"
            )
    else:
        _assert_scalar(answer, example, where, loose=path in any_format)


def assert_json_type(answer: Any, example: Any, where: str) -> None:
    """`answer` is of the example's JSON type: a boolean, a number (never a boolean), or text."""
    if isinstance(example, bool):
        assert isinstance(answer, bool), f"{where} is {answer!r}, not a boolean"
    elif isinstance(example, int | float | Decimal):
        number = isinstance(answer, int | Decimal) and not isinstance(answer, bool)
        assert number, f"{where} is {answer!r}, not a number"
    else:
        assert isinstance(answer, str), f"{where} is {answer!r}, not a string"


def _assert_scalar(answer: Any, example: Any, where: str, *, loose: bool) -> None:
    assert_json_type(answer, example, where)
    if isinstance(example, str):
        for name, pattern in FORMATS.items():
            if pattern.fullmatch(example) and not loose:
                assert pattern.fullmatch(answer), f"{where} is {answer!r}, not {name}"
                return
