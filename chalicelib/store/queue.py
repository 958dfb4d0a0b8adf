"""Chunks of a job's work on Amazon SQS, ten messages to a request; the worker function
(`on_sqs_message` in app.py) takes them one at a time."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from chalicelib.domain.due import Job
from chalicelib.domain.errors import TemporarilyUnavailableError
from chalicelib.domain.work import Chunk, WorkItem

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

_BATCH = 10  # SendMessageBatch's limit
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4})
MAX_DELAY_SECONDS = 900  # SQS's limit


class SqsChunkQueue:
    def __init__(self, queue_url: str) -> None:
        self._url = queue_url

    @functools.cached_property
    def _client(self) -> SQSClient:
        return boto3.session.Session().client("sqs", config=_CLIENT_CONFIG)

    def send(self, chunks: Iterable[Chunk], *, delay_seconds: int = 0) -> int:
        """Queue every chunk; returns how many. Raises when SQS refused any of them."""
        sent = 0
        for batch in _batches(chunks):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {
                    "Id": str(index),
                    "MessageBody": chunk.to_message(),
                    "DelaySeconds": min(delay_seconds, MAX_DELAY_SECONDS),
                }
                for index, chunk in enumerate(batch)
            ]
            reply = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            if reply.get("Failed"):
                codes = sorted({failure["Code"] for failure in reply["Failed"]})
                raise TemporarilyUnavailableError(f"The job queue refused chunks: {codes}")
            sent += len(entries)
        return sent

    def send_batch(self, tenant_id: str, batch_id: str, now: datetime) -> None:
        """Queue a batch of invoices the API accepted, for the worker to create."""
        self.send([Chunk(Job.BATCH, now, (WorkItem(tenant_id, batch_id),))])

    def receive(self, *, wait_seconds: int = 0) -> list[tuple[Chunk, str]]:
        """Up to ten chunks with the receipt handles that delete them (the local stack drains the
        queue this way; in AWS, Lambda's event source does)."""
        reply = self._client.receive_message(
            QueueUrl=self._url, MaxNumberOfMessages=_BATCH, WaitTimeSeconds=wait_seconds
        )
        return [
            (Chunk.from_message(message["Body"]), message["ReceiptHandle"])
            for message in reply.get("Messages", [])
        ]

    def delete(self, receipt_handle: str) -> None:
        self._client.delete_message(QueueUrl=self._url, ReceiptHandle=receipt_handle)


def _batches(chunks: Iterable[Chunk]) -> Iterator[list[Chunk]]:
    iterator = iter(chunks)
    while batch := list(islice(iterator, _BATCH)):
        yield batch
