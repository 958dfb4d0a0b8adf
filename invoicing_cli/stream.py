"""The local stack's event source for the table's stream (decision 0064): reads DynamoDB Local's
(or moto's) stream as Lambda's poller does (DescribeStream, GetShardIterator, GetRecords,
following shards as they split or close) and hands each batch to the relay's own handler, in
a Lambda-shaped event. A batch the handler reports failed is read again from that record."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import boto3

Records = list[dict[str, Any]]
_IDLE_SECONDS = 0.2
BATCH_SIZE = 100  # records per relay, as the deployed event source mapping's default
STOP_TIMEOUT_SECONDS = 1.0


class StreamReader:
    """Every record of a table's stream, once each, in order per shard, from its oldest."""

    def __init__(self, streams: Any, stream_arn: str) -> None:
        self._streams = streams  # a "dynamodbstreams" client
        self._arn = stream_arn
        self._iterators: dict[str, str | None] = {}  # shard -> next iterator; None: closed

    @classmethod
    def of_table(cls, dynamodb: Any, streams: Any, table: str) -> StreamReader:
        arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        return cls(streams, arn)

    @property
    def arn(self) -> str:
        return self._arn

    def read(self) -> Records:
        """The next page of what was written since the last read (at most BATCH_SIZE records,
        as Lambda's batch size bounds an invocation, so a stop never waits on a long backlog);
        a parent shard's records before its children's."""
        for shard in self._shards():
            records = self._page(shard)
            if records:
                return records
        return []

    def again_from(self, sequence_number: str, records: Records) -> None:
        """Hand out `records` from the one of `sequence_number` on again (a failed batch)."""
        for record in records:
            shard = record["_shard"]
            if record["dynamodb"]["SequenceNumber"] == sequence_number:
                self._iterators[shard] = self._iterator(
                    shard, "AT_SEQUENCE_NUMBER", sequence_number
                )
                return

    def _shards(self) -> list[str]:
        shards: list[dict[str, Any]] = []
        request: dict[str, Any] = {"StreamArn": self._arn}
        while True:
            description = self._streams.describe_stream(**request)["StreamDescription"]
            shards += description.get("Shards", [])
            if "LastEvaluatedShardId" not in description:
                break
            request["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]
        known = {shard["ShardId"] for shard in shards}
        ordered = [s for s in shards if s.get("ParentShardId") not in known]
        ordered += [s for s in shards if s.get("ParentShardId") in known]
        return [shard["ShardId"] for shard in ordered]

    def _page(self, shard: str) -> Records:
        if shard not in self._iterators:
            self._iterators[shard] = self._iterator(shard, "TRIM_HORIZON")
        iterator = self._iterators[shard]
        if iterator is None:  # closed, and read to its end
            return []
        reply = self._streams.get_records(ShardIterator=iterator, Limit=BATCH_SIZE)
        self._iterators[shard] = reply.get("NextShardIterator")
        return [{**record, "_shard": shard} for record in reply.get("Records", [])]

    def _iterator(self, shard: str, kind: str, sequence: str | None = None) -> str:
        request = {"StreamArn": self._arn, "ShardId": shard, "ShardIteratorType": kind}
        if sequence is not None:
            request["SequenceNumber"] = sequence
        return str(self._streams.get_shard_iterator(**request)["ShardIterator"])


def lambda_event(records: Records, stream_arn: str) -> dict[str, Any]:
    """The records as Lambda passes them to a function: times in epoch seconds."""
    return {"Records": [_as_lambda(record, stream_arn) for record in records]}


def _as_lambda(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    stream = dict(record["dynamodb"])
    moment = stream.get("ApproximateCreationDateTime")
    if isinstance(moment, datetime):
        stream["ApproximateCreationDateTime"] = moment.timestamp()
    stream.setdefault("SizeBytes", 0)
    plain = {name: value for name, value in record.items() if name != "_shard"}
    return {**plain, "dynamodb": stream, "eventSourceARN": stream_arn}


def relay_once(
    reader: StreamReader, handler: Callable[[dict[str, Any], Any], Any], stream_arn: str
) -> int:
    """Read what is new and relay it, as one Lambda invocation would; returns the records
    relayed. A record the handler names failed is read again on the next call."""
    records = reader.read()
    if not records:
        return 0
    answer = handler(lambda_event(records, stream_arn), None) or {}
    failed = [f["itemIdentifier"] for f in answer.get("batchItemFailures", [])]
    if failed:
        reader.again_from(failed[0], records)
    return len(records) - len(failed)


@contextmanager
def relaying(
    session: boto3.session.Session,
    dynamodb_url: str,
    table: str,
    handler: Callable[..., Any],
    after: Callable[[], int] = lambda: 0,
) -> Iterator[None]:
    """A thread relaying the table's stream until the block ends, doing `after` (which answers
    how much it did) after each read."""
    dynamodb = session.client("dynamodb", endpoint_url=dynamodb_url)
    streams = session.client("dynamodbstreams", endpoint_url=dynamodb_url)
    reader = StreamReader.of_table(dynamodb, streams, table)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                relayed = relay_once(reader, handler, reader.arn) + after()
            except Exception:  # the local relay keeps going, as Lambda retries
                logging.getLogger(__name__).exception("Relaying the table's stream failed")
                relayed = 0
            if not relayed:
                stop.wait(_IDLE_SECONDS)

    thread = threading.Thread(target=loop, name="event-relay", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        # A relay cut short is read again from the stream's start next time (at least once):
        # a stop does not wait on it past a moment (tests/e2e/test_local_stack_holds.py).
        thread.join(timeout=STOP_TIMEOUT_SECONDS)
