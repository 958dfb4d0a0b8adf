"""moto's DynamoDB answering as it does, sooner: five of its costs grew with the size of an item
or of the table, and made tests with many invoices slow for no behaviour of ours.

- `Item.project` rebuilt the whole item as plain JSON once per attribute a ProjectionExpression
  (or an index's INCLUDE) names: a Query naming an invoice's fifty attributes made fifty copies
  of every item. Here each named top-level attribute is turned once (nested paths and list
  elements still go moto's own way).
- `Table.query` measured each candidate item twice against the 1 MB page: here an item is
  measured once per query (nothing changes it while a query runs).
- `Item(...)` checked the 400 KB limit again after each attribute it added, measuring all of
  them each time: here the same limit is checked once, on the whole item.
- `transact_write_items` deep-copied the whole table once per action, to put it back if the
  transaction is cancelled: here only the items the actions name are kept, and put back
  exactly where moto would have put the table back.
- Its answers were written by walking botocore's model for every attribute value, asking each
  value for each of the ten kinds an AttributeValue may be: here a value of the usual kinds
  (S, N, BOOL, NULL, SS, NS, M, L) is written as it is, which is what that walk makes of it;
  binary values and anything unusual still take the walk.

What every call answers, and what the table holds after it, is moto's own; only the work done
to get there changes. Installed for the session by tests/conftest.py.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, cast

import moto.dynamodb.models as dynamodb_models
from botocore.utils import merge_dicts
from moto.core.serialize import BaseJSONSerializer, JSONSerializer
from moto.dynamodb.exceptions import (
    ItemSizeTooLarge,
    MockValidationException,
    MultipleTransactionsException,
    TransactionCanceledException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models import dynamo_type as types
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import bytesize, find_nested_key

ITEM_LIMIT = 405_000  # LimitedSizeDict's own limit, in bytes
# The errors after which moto puts the tables back as they were before the transaction.
ROLLED_BACK = (MultipleTransactionsException, MockValidationException, TransactionCanceledException)

Slot = tuple[Table, DynamoType, DynamoType | None]


def _project_once(original: Callable[[Item, list[list[str]]], Item]) -> Any:
    def project(self: Item, projection_expressions: list[list[str]]) -> Item:
        if not all(len(path) == 1 and "[" not in path[0] for path in projection_expressions):
            return original(self, projection_expressions)
        # to_regular_json turns each attribute into plain JSON on its own, a top-level name is
        # found without changing the dict it is found in, and merging names into the result
        # never changes what they point at (a name given twice merges a value into itself):
        # turning each named attribute once gives the same item.
        names = {path[0] for path in projection_expressions}
        plain = {
            name: types.deserializer.deserialize(value.to_regular_json())
            for name, value in self.attrs.items()
            if name in names
        }
        result: dict[str, Any] = {}
        for path in projection_expressions:
            merge_dicts(result, find_nested_key(path, plain))
        attrs = dict(types.serializer.serialize(result)["M"])
        return Item(hash_key=self.hash_key, range_key=self.range_key, attrs=attrs)

    return project


_measured = threading.local()  # per thread, the items a running query has measured


def _measured_once(original: Callable[[Item], int]) -> Any:
    def size(self: Item) -> int:
        sizes: dict[int, tuple[Item, int]] | None = getattr(_measured, "sizes", None)
        if sizes is None:
            return original(self)
        if id(self) not in sizes:  # the item is kept with its size, so its id is not reused
            sizes[id(self)] = (self, original(self))
        return sizes[id(self)][1]

    return size


def _measuring_once(original: Callable[..., Any]) -> Any:
    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        _measured.sizes = {}
        try:
            return original(self, *args, **kwargs)
        finally:
            _measured.sizes = None

    return query


def _item_init(
    self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]
) -> None:
    # LimitedSizeDict refuses an insert that takes the item past the limit; sizes are never
    # negative, so that happens exactly when the whole item is past it.
    self.hash_key = hash_key
    self.range_key = range_key
    values = {key: DynamoType(value) for key, value in attrs.items()}
    if sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = LimitedSizeDict()
    dict.update(self.attrs, values)


def _slots(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[Slot]:
    """Where the actions may write: a Put where its item's key says, the others at their Key."""
    slots = []
    for action in transact_items:
        for kind, operation in action.items():
            try:
                table = backend.tables[operation["TableName"]]
                key = operation["Item" if kind == "Put" else "Key"]
                hash_value = DynamoType(key[table.hash_key_attr])
                range_value = (
                    DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
                )
            except (KeyError, TypeError, AttributeError, IndexError, ValueError):
                continue  # moto refuses such an action before it writes anything
            slots.append((table, hash_value, range_value))
    return slots


def _held(table: Table, hash_value: DynamoType, range_value: DynamoType | None) -> Item | None:
    items: dict[DynamoType, Any] = table.items
    held = (
        items.get(hash_value) if range_value is None else items.get(hash_value, {}).get(range_value)
    )
    return cast(Item | None, held)


def _put_back(kept: list[tuple[Slot, Item | None]]) -> None:
    for (table, hash_value, range_value), item in reversed(kept):
        items: dict[DynamoType, Any] = table.items  # by hash key: items by range key, or one
        if range_value is None:
            if item is None:
                items.pop(hash_value, None)
            else:
                items[hash_value] = item
        elif item is None:
            items.get(hash_value, {}).pop(range_value, None)
        else:
            items.setdefault(hash_value, {})[range_value] = item


def _transact_keeping_items(original: Callable[[DynamoDBBackend, list[Any]], None]) -> Any:
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        # moto's own copies of the tables are the tables themselves here (_TablesNotCopied), so
        # its roll-back changes nothing; these copies of the named items are put back instead.
        kept = [(slot, copy.deepcopy(_held(*slot))) for slot in _slots(self, transact_items)]
        try:
            original(self, transact_items)
        except ROLLED_BACK:
            _put_back(kept)
            raise

    return transact_write_items


class _UnusualValueError(Exception):
    """An attribute value the walk of the model must write (binary, or not DynamoDB JSON)."""


def _as_written(value: Any) -> dict[str, Any]:
    """The attribute value as the model's walk writes it: strings, booleans and lists of
    strings as they are, maps and lists value by value."""
    if type(value) is not dict or len(value) != 1:
        raise _UnusualValueError
    ((kind, inner),) = value.items()
    if kind in ("S", "N") and type(inner) is str:
        return {kind: inner}
    if kind in ("BOOL", "NULL") and type(inner) is bool:
        return {kind: inner}
    if kind in ("SS", "NS") and type(inner) is list and all(type(v) is str for v in inner):
        return {kind: list(inner)}
    if kind == "M" and type(inner) is dict:
        return {"M": {name: _as_written(member) for name, member in inner.items()}}
    if kind == "L" and type(inner) is list:
        return {"L": [_as_written(member) for member in inner]}
    raise _UnusualValueError


def _values_written_directly(original: Callable[..., None]) -> Any:
    def _serialize_type_structure(
        self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str
    ) -> None:
        if key and shape.name == "AttributeValue" and self.service_model.service_name == "dynamodb":
            try:
                written = _as_written(value)
            except _UnusualValueError:
                pass
            else:
                self._default_serialize(serialized, written, shape, key)
                return
        original(self, serialized, value, shape, key)

    return _serialize_type_structure


class _TablesNotCopied(SimpleNamespace):
    """The `copy` module as moto.dynamodb.models sees it: a Table is handed back, not copied;
    everything else is copied as before."""

    def __init__(self) -> None:
        super().__init__(**{name: getattr(copy, name) for name in copy.__all__})

        def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

        self.deepcopy = deepcopy


# Each shortcut: where it goes, and what it makes of moto's own attribute there.
_SHORTCUTS: list[tuple[Any, str, Callable[[Any], Any]]] = [
    (Item, "project", _project_once),
    (Item, "__init__", lambda _: _item_init),
    (Item, "size", _measured_once),
    (Table, "query", _measuring_once),
    (DynamoDBBackend, "transact_write_items", _transact_keeping_items),
    (dynamodb_models, "copy", lambda _: _TablesNotCopied()),
    (JSONSerializer, "_serialize_type_structure", _values_written_directly),
]
# moto's own, as imported: what the shortcuts wrap, and what moto_as_shipped puts back.
_MOTO_OWN = [getattr(owner, name) for owner, name, _ in _SHORTCUTS]


@contextmanager
def _set(values: list[Any]) -> Iterator[None]:
    before = [getattr(owner, name) for owner, name, _ in _SHORTCUTS]
    for (owner, name, _), value in zip(_SHORTCUTS, values, strict=True):
        setattr(owner, name, value)
    try:
        yield
    finally:
        for (owner, name, _), value in zip(_SHORTCUTS, before, strict=True):
            setattr(owner, name, value)


@contextmanager
def quicker_moto() -> Iterator[None]:
    """moto's DynamoDB with the five shortcuts above, until the block ends."""
    shortcuts = [make(own) for (_, _, make), own in zip(_SHORTCUTS, _MOTO_OWN, strict=True)]
    with _set(shortcuts):
        yield


@contextmanager
def moto_as_shipped() -> Iterator[None]:
    """moto without the shortcuts until the block ends, to check that they answer as it does."""
    with _set(_MOTO_OWN):
        yield
