"""store/bulk.py reads DynamoDB's attribute values itself for whole lists: it must read every
value as boto3's own TypeDeserializer does, numbers as exact Decimals, whatever the nesting."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.store.bulk import plain

numbers = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**20),
                      max_value=10**20, places=4)  # fmt: skip
scalars = st.one_of(st.text(max_size=20), numbers, st.booleans(), st.none())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["S", "N", "M", "L", "a", "BOOL"]), inner, max_size=4),
    ),
    max_leaves=20,
)


@given(values)
def test_every_value_reads_as_boto3_reads_it(value: Any) -> None:
    """Maps whose keys are themselves type names ("S", "N"...) included."""
    stored = TypeSerializer().serialize(value)
    as_sent = msgspec.json.decode(msgspec.json.encode(stored))  # as the raw answer hook reads it
    assert plain(as_sent) == TypeDeserializer().deserialize(stored)


def test_sets_read_as_sets_and_numbers_keep_their_scale() -> None:
    assert plain({"SS": ["a", "b"]}) == {"a", "b"}
    assert plain({"NS": ["1.50", "2"]}) == {Decimal("1.50"), Decimal(2)}
    assert str(plain({"N": "10.00"})) == "10.00"


@pytest.mark.parametrize(("value", "says"), [({"B": "AAE="}, "of type B"), ({}, "names no type")])
def test_a_value_bulk_does_not_read_is_refused(value: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        plain(value)
