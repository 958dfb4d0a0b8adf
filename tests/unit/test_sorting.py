"""Sorting in memory (domain/ordering.py): several keys in turn, absent values first, ties as the
indexes keep them, and the page's runs of one lead value; and the sort fields, every scalar field
an invoice is answered with (issue 17)."""

from __future__ import annotations

import types
import typing
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from chalicelib.domain.invoice import Invoice
from chalicelib.domain.ordering import (
    group_ends,
    ordered,
    tie_broken,
    window_groups,
)
from chalicelib.domain.search import InvoiceQuery, Sort, SortField

Record = dict[str, Any]


def _scalar(annotation: Any) -> bool:
    """Not a list, a mapping or a model (an optional one included)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return all(_scalar(arm) for arm in typing.get_args(annotation) if arm is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        return _scalar(typing.get_args(annotation)[0])
    origin = typing.get_origin(annotation) or annotation
    return not (
        origin in (list, dict) or (isinstance(origin, type) and issubclass(origin, BaseModel))
    )


def test_every_scalar_field_an_invoice_is_answered_with_sorts_and_nothing_else() -> None:
    answered = {
        field.alias or name
        for name, field in Invoice.model_fields.items()
        if not field.exclude and _scalar(field.annotation)
    }
    assert {str(field) for field in SortField} == answered


def by(*keys: str) -> list[Sort]:
    """`"total"` ascending, `"-total"` descending."""
    return [
        Sort(field=SortField(key.lstrip("-")), ascending=not key.startswith("-")) for key in keys
    ]


def ids(records: list[Record], *keys: str) -> list[str]:
    return [record["id"] for record in ordered(records, by(*keys), lambda record: record)]


ROWS = [
    {"id": "a", "status": "SENT", "total": Decimal("10.00"), "note": "b", "invoiceDate": "2"},
    {"id": "b", "status": "PAID", "total": Decimal("10"), "note": None, "invoiceDate": "1"},
    {"id": "c", "status": "SENT", "total": Decimal("5.00"), "note": "a", "invoiceDate": "1"},
    {"id": "d", "status": "DRAFT", "total": Decimal("10.00"), "note": "a", "invoiceDate": "3"},
    {"id": "e", "status": "SENT", "total": Decimal("10.00"), "note": "b", "invoiceDate": "1"},
]


class TestOrdered:
    def test_each_key_breaks_the_ties_of_the_one_before_in_its_own_direction(self) -> None:
        assert ids(ROWS, "total", "note") == ["c", "b", "d", "a", "e"]
        assert ids(ROWS, "-total", "note") == ["b", "d", "a", "e", "c"]
        assert ids(ROWS, "total", "-note") == ["c", "e", "a", "d", "b"]
        assert ids(ROWS, "note", "-total") == ["b", "d", "c", "e", "a"]

    def test_an_absent_value_comes_first_ascending_and_last_descending(self) -> None:
        assert ids(ROWS, "note")[0] == "b"
        assert ids(ROWS, "-note")[-1] == "b"

    def test_what_every_key_leaves_tied_is_in_id_order_in_the_last_keys_direction(self) -> None:
        assert ids(ROWS, "note", "total") == ["b", "c", "d", "a", "e"]
        assert ids(ROWS, "note", "-total") == ["b", "d", "c", "e", "a"]
        assert ids(ROWS, "-note", "-total") == ["e", "a", "d", "c", "b"]

    def test_a_status_last_is_tied_by_invoice_date_as_its_index_orders_it(self) -> None:
        assert tie_broken(by("status"))[1:] == by("invoiceDate", "id")
        assert ids(ROWS, "status") == ["d", "b", "c", "e", "a"]
        assert ids(ROWS, "-status") == ["a", "e", "c", "b", "d"]

    def test_amounts_compare_by_value_whatever_their_places(self) -> None:
        assert ids(ROWS, "total", "-id")[1:] == ["e", "d", "b", "a"]


class TestWindow:
    @pytest.mark.parametrize(
        ("offset", "size", "span"),
        [
            (0, 2, (0, 3)),  # the page ends inside the first run: the whole run
            (3, 2, (3, 5)),  # exactly the second run
            (4, 3, (3, 10)),  # from inside the second run into the third
            (9, 5, (5, 10)),  # past the end: the last run
            (12, 5, (10, 10)),  # nothing there
        ],
    )
    def test_the_runs_that_hold_a_page_whole(
        self, offset: int, size: int, span: tuple[int, int]
    ) -> None:
        ends = group_ends(["x"] * 3 + ["y"] * 2 + ["z"] * 5)
        assert ends == [3, 5, 10]
        assert window_groups(ends, offset, size) == span

    def test_no_entries_no_runs(self) -> None:
        assert group_ends([]) == []
        assert window_groups([], 0, 20) == (0, 0)


class TestQuery:
    def test_sort_keys_are_a_list_one_object_or_none_at_all(self) -> None:
        assert InvoiceQuery.model_validate({}).sort == by("created")
        assert InvoiceQuery.model_validate({"sort": []}).sort == by("created")
        assert InvoiceQuery.model_validate({"sort": {"field": "note"}}).sort == by("note")
        many = {"sort": [{"field": "status"}, {"field": "total", "ascending": False}]}
        assert InvoiceQuery.model_validate(many).sort == by("status", "-total")

    def test_a_size_of_0_is_the_default_size(self) -> None:
        assert InvoiceQuery.model_validate({"size": 0}).size == 20
        assert InvoiceQuery.model_validate({"size": "0"}).size == 20
