"""Many invoices read at once, at the speed a whole list needs: DynamoDB's answers taken as the
JSON they are, and their items turned into invoices without botocore's or boto3's per-value walk
(decision 0034).

botocore parses a DynamoDB answer by walking every attribute value against the service model,
about 0.7 ms for a 3 KB invoice; boto3's TypeDeserializer then walks them again. The JSON already
is the attribute-value form botocore hands back (numbers stay text, and invoices hold no binary
values), so a read marked `raw_answers()` skips the walk: a `before-parse` hook loads the body
with msgspec's decoder (faster than `json.loads`; the same values) and leaves the parser an empty
object. The mark is per thread, so only reads
made inside it are affected, on the app's one client (its call counting and hooks still see
them)."""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from chalicelib.domain.errors import UnreadableInvoiceError
from chalicelib.domain.invoice import Invoice
from chalicelib.store import keys, segments
from chalicelib.store.dynamo import MAX_BATCH_GET_KEYS, batch_get, throttling_as_unavailable
from chalicelib.store.items import invoice_key, invoice_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# The operations whose answers carry items; only these are ever taken raw.
_RAW_OPERATIONS = ("Query", "BatchGetItem")
_HOOK_ID = "invoicing-raw-answers"
_PARALLEL_READS = 8
_PAGES_AHEAD = 2  # pages a range read in parallel may hold before the reader takes them
_DONE = object()
# A whole list this long is read in key ranges in parallel (decision 0034).
SEGMENTED_FROM = 5_000
_marked = threading.local()
# A binary attribute value, {"B": ...} or {"BS": [...]}, as DynamoDB or moto writes it.
_BINARY = re.compile(rb'\{\s*"BS?"\s*:')


def enable_raw_answers(client: DynamoDBClient) -> None:
    """Lets reads on `client` inside `raw_answers()` skip botocore's parse (registered once)."""
    for operation in _RAW_OPERATIONS:
        client.meta.events.register(
            f"before-parse.dynamodb.{operation}", _take_raw, unique_id=f"{_HOOK_ID}-{operation}"
        )


@contextmanager
def raw_answers() -> Iterator[None]:
    """Reads this thread makes inside the block answer their JSON as sent."""
    before = getattr(_marked, "raw", False)
    _marked.raw = True
    try:
        yield
    finally:
        _marked.raw = before


def _take_raw(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    # Errors keep botocore's parse, which names their codes; so does an answer holding a binary
    # value (never an invoice's), whose base64 text only botocore decodes.
    body = response_dict.get("body")
    if not getattr(_marked, "raw", False) or response_dict.get("status_code") != 200:
        return
    if not isinstance(body, bytes) or _BINARY.search(body):
        return
    customized_response_dict.update(msgspec.json.decode(body))
    response_dict["body"] = b"{}"


def plain(value: Mapping[str, Any]) -> Any:
    """One DynamoDB attribute value (a mapping of exactly one type to its content) as Python,
    as boto3's TypeDeserializer gives it (numbers as exact Decimals): the types an invoice holds
    most, looked up first."""
    if "S" in value:
        return value["S"]
    if "N" in value:
        return Decimal(value["N"])
    if "M" in value:
        return {name: plain(inner) for name, inner in value["M"].items()}
    if "L" in value:
        return [plain(inner) for inner in value["L"]]
    if "BOOL" in value:
        return value["BOOL"]
    if "NULL" in value:
        return None
    if "SS" in value:
        return set(value["SS"])
    if "NS" in value:
        return {Decimal(number) for number in value["NS"]}
    if value:
        raise ValueError(f"an attribute of type {next(iter(value))} is not read in bulk")
    raise ValueError("an attribute value names no type")


def readable(items: Sequence[Mapping[str, Any]]) -> list[Invoice]:
    """The invoices stored as `items`; one that cannot be read is left out (and logged by
    items.invoice_of, which reads it again the slow way to say why)."""
    invoices = []
    for item in items:
        try:
            attributes = {name: plain(value) for name, value in item.items()}
            invoices.append(Invoice.from_stored(attributes))
        except (ValueError, ArithmeticError):
            try:
                invoices.append(invoice_of(dict(item)))
            except UnreadableInvoiceError:
                continue
    return invoices


def query_pages(
    client: DynamoDBClient, request: Mapping[str, Any], start: dict[str, Any] | None = None
) -> Iterator[list[Any]]:
    """The items of a Query, page by page; the next page is asked for while the caller works
    on this one (DynamoDB answers while Python turns items into invoices)."""
    with ThreadPoolExecutor(1) as reader:
        pending = reader.submit(_query_page, client, request, start)
        while True:
            items, start = pending.result()
            if start is not None:
                pending = reader.submit(_query_page, client, request, start)
            yield items
            if start is None:
                return


def _query_page(
    client: DynamoDBClient, request: Mapping[str, Any], start: dict[str, Any] | None
) -> tuple[list[Any], dict[str, Any] | None]:
    asked = dict(request) if start is None else {**request, "ExclusiveStartKey": start}
    with raw_answers(), throttling_as_unavailable():
        response = client.query(**asked)
    return response.get("Items", []), response.get("LastEvaluatedKey")


@dataclass(frozen=True)
class Partition:
    """The items of one partition whose sort keys start with `prefix`, read `page` at a time
    (strongly consistent), each with only the `attributes` named (all when none are)."""

    client: DynamoDBClient
    table: str
    key: str
    prefix: str
    page: int
    attributes: tuple[str, ...] = ()

    def request(
        self, condition: str, values: dict[str, Any], *, whole: bool = True, **more: Any
    ) -> dict[str, Any]:
        asked = {
            "TableName": self.table,
            "KeyConditionExpression": f"PK = :pk AND {condition}",
            "ExpressionAttributeValues": {":pk": {"S": self.key}, **values},
            "ConsistentRead": True,
            "Limit": self.page,
            **more,
        }
        if whole and self.attributes:
            names = {f"#a{n}": name for n, name in enumerate(self.attributes)}
            asked["ProjectionExpression"] = ", ".join([*names, "SK"])
            asked["ExpressionAttributeNames"] = names
        return asked

    def between(self, low: str, high: str, *, whole: bool = True, **more: Any) -> dict[str, Any]:
        values = {":lo": {"S": self.prefix + low}, ":hi": {"S": self.prefix + high}}
        return self.request("SK BETWEEN :lo AND :hi", values, whole=whole, **more)


def every_item(partition: Partition, *, how_many: Callable[[], int]) -> Iterator[list[Any]]:
    """Every item of the partition in key order, a page at a time: read on page after page while
    `how_many` says they are few; past SEGMENTED_FROM, the rest in key ranges of about equal size
    read in parallel (store/segments.py), still answered in key order."""
    request = partition.request("begins_with(SK, :prefix)", {":prefix": {"S": partition.prefix}})
    items, start = _query_page(partition.client, request, None)
    yield items
    if start is None:
        return
    if how_many() < SEGMENTED_FROM:
        yield from query_pages(partition.client, request, start)
        return
    after = str(start["SK"]["S"]).removeprefix(partition.prefix)
    yield from _in_ranges(partition, after)


def _in_ranges(partition: Partition, after: str) -> Iterator[list[Any]]:
    with ThreadPoolExecutor(3) as pool:
        last = pool.submit(_edge, partition, after, segments.END, forward=False)
        oldest, newest = (pool.submit(_created, partition, forward=f) for f in (True, False))
        band = _band(oldest.result(), newest.result())
        cut = segments.ranges(after, last.result() or after, band)
    yield from in_order(partition.client, [partition.between(*span) for span in cut])


def _edge(partition: Partition, low: str, high: str, *, forward: bool) -> str | None:
    """The first (or last) id between two bounds: one key read, from the table's own keys."""
    request = partition.between(
        low, high, whole=False, ScanIndexForward=forward, ProjectionExpression="SK"
    )
    items, _ = _query_page(partition.client, {**request, "Limit": 1}, None)
    return str(items[0]["SK"]["S"]).removeprefix(partition.prefix) if items else None


def _created(partition: Partition, *, forward: bool) -> datetime | None:
    """When the partition's oldest (or newest) invoice was made, from the creation index's
    first (or last) entry: where its time-ordered ids lie."""
    request = {
        "TableName": partition.table,
        "IndexName": keys.BY_CREATED,
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": partition.key}},
        "ProjectionExpression": "byCreated",
        "ScanIndexForward": forward,
        "Limit": 1,
    }
    items, _ = _query_page(partition.client, request, None)
    if not items:
        return None
    return datetime.fromisoformat(str(items[0]["byCreated"]["S"]).rsplit("#", 1)[0])


def _band(oldest: datetime | None, newest: datetime | None) -> tuple[str, str] | None:
    return None if oldest is None or newest is None else segments.time_band(oldest, newest)


def in_order(client: DynamoDBClient, requests: Sequence[Mapping[str, Any]]) -> Iterator[list[Any]]:
    """The pages of Queries over contiguous BETWEEN ranges, range after range. Up to
    _PARALLEL_READS ranges are read at once, each a few pages ahead at most (memory stays
    bounded); an item at a range's lower bound is the range before's last, so it is left out."""
    stop = threading.Event()
    queues: list[queue.Queue[Any]] = [queue.Queue(maxsize=_PAGES_AHEAD) for _ in requests]

    def read(n: int) -> None:
        low = requests[n]["ExpressionAttributeValues"][":lo"]
        try:
            for items in query_pages(client, requests[n]):
                kept = [item for item in items if item["SK"] != low]
                if not _handed(queues[n], kept, stop):
                    return
            _handed(queues[n], _DONE, stop)
        except Exception as exc:  # noqa: BLE001 - raised by the reader, in its place in the order
            _handed(queues[n], exc, stop)

    with ThreadPoolExecutor(_PARALLEL_READS) as pool:
        try:
            for n in range(min(_PARALLEL_READS, len(requests))):
                pool.submit(read, n)
            for n in range(len(requests)):
                while (got := queues[n].get()) is not _DONE:
                    if isinstance(got, BaseException):
                        raise got
                    yield got
                if n + _PARALLEL_READS < len(requests):
                    pool.submit(read, n + _PARALLEL_READS)
        finally:
            stop.set()  # a reader that stopped early lets the others go


def _handed(to: queue.Queue[Any], value: Any, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            to.put(value, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def invoices_in_order(
    client: DynamoDBClient, table: str, tenant_id: str, ids: Sequence[str]
) -> list[Invoice]:
    """The invoices an index listed, in its order, read in BatchGetItems of 100 (in parallel
    when there are more). The index can still list an invoice deleted a moment ago: it is left
    out, as is one that cannot be read."""
    step = MAX_BATCH_GET_KEYS
    chunks = [ids[start : start + step] for start in range(0, len(ids), step)]
    if len(chunks) <= 1:
        return _in_order(client, table, tenant_id, ids)
    with ThreadPoolExecutor(min(_PARALLEL_READS, len(chunks))) as pool:
        parts = pool.map(lambda chunk: _in_order(client, table, tenant_id, chunk), chunks)
        return [invoice for part in parts for invoice in part]


def _in_order(
    client: DynamoDBClient, table: str, tenant_id: str, ids: Sequence[str]
) -> list[Invoice]:
    with raw_answers():
        items = batch_get(client, table, [invoice_key(tenant_id, i) for i in ids])
    by_id = {invoice.id: invoice for invoice in readable(items)}
    return [by_id[i] for i in ids if i in by_id]
