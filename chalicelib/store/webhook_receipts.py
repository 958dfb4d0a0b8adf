"""The webhook queue as its worker takes it: a message failed to deliver is hidden for the retry
schedule's delay (ChangeMessageVisibility), so SQS brings it back then. Lambda's event source
receives and deletes in AWS; the local stack's consumer does both here, in Lambda's record shape,
so the worker's code is the same in both."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

_BATCH = 10  # ReceiveMessage's most
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4})
MAX_VISIBILITY = timedelta(hours=12)  # SQS's most


class SqsWebhookReceipts:
    def __init__(self, queue_url: str) -> None:
        self._url = queue_url

    @functools.cached_property
    def _client(self) -> SQSClient:
        return boto3.session.Session().client("sqs", config=_CLIENT_CONFIG)

    def retry_after(self, receipt_handle: str, delay: timedelta) -> None:
        seconds = int(min(delay, MAX_VISIBILITY).total_seconds())
        self._client.change_message_visibility(
            QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )

    def receive(self, *, wait_seconds: int = 0) -> list[dict[str, Any]]:
        """Up to ten messages, each as Lambda's SQS event source passes a record."""
        reply = self._client.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=_BATCH,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": dict(message.get("Attributes", {})),
            }
            for message in reply.get("Messages", [])
        ]

    def delete(self, receipt_handle: str) -> None:
        self._client.delete_message(QueueUrl=self._url, ReceiptHandle=receipt_handle)
