"""The webhook queue (decision 0064): one SQS message per event and endpoint, which the webhook
worker takes; its body is the contract between the relay and that worker."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import boto3
import simplejson
from botocore.config import Config

from chalicelib.domain.errors import TemporarilyUnavailableError
from chalicelib.ports import WebhookMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

_BATCH = 10  # SendMessageBatch's limit
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4})


def message_body(message: WebhookMessage) -> str:
    """`{"tenantId", "webhookId", "eventId", "eventType", "payload"}`, amounts exact."""
    body: dict[str, Any] = {
        "tenantId": message.tenant_id,
        "webhookId": message.webhook_id,
        "eventId": message.event.id,
        "eventType": message.event.type,
        "payload": message.event.to_json(),
    }
    return str(simplejson.dumps(body, use_decimal=True))


class SqsWebhookMessages:
    def __init__(self, queue_url: str) -> None:
        self._url = queue_url

    @functools.cached_property
    def _client(self) -> SQSClient:
        return boto3.session.Session().client("sqs", config=_CLIENT_CONFIG)

    def send(self, messages: Sequence[WebhookMessage]) -> None:
        for start in range(0, len(messages), _BATCH):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(index), "MessageBody": message_body(message)}
                for index, message in enumerate(messages[start : start + _BATCH])
            ]
            reply = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            if reply.get("Failed"):
                codes = sorted({failure["Code"] for failure in reply["Failed"]})
                raise TemporarilyUnavailableError(f"The webhook queue refused messages: {codes}")
