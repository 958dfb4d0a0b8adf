"""The stack's EventBridge bus (decision 0064): each integration event is one entry, source
`invoicing`, its type as the detail-type, the event itself as the detail, ten to a PutEvents."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import boto3
import simplejson
from botocore.config import Config

from chalicelib.domain.errors import TemporarilyUnavailableError
from chalicelib.domain.integration_events import IntegrationEvent

SOURCE = "invoicing"
_BATCH = 10  # PutEvents' limit
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4})


class EventBridgeBus:
    def __init__(self, bus_name: str) -> None:
        self._bus = bus_name

    @functools.cached_property
    def _client(self) -> Any:  # no stubs for EventBridge's client are installed
        return boto3.session.Session().client("events", config=_CLIENT_CONFIG)

    def publish(self, events: Sequence[IntegrationEvent]) -> None:
        for start in range(0, len(events), _BATCH):
            entries = [self.entry(event) for event in events[start : start + _BATCH]]
            reply = self._client.put_events(Entries=entries)
            if reply.get("FailedEntryCount"):
                codes = sorted({e["ErrorCode"] for e in reply["Entries"] if "ErrorCode" in e})
                raise TemporarilyUnavailableError(f"The event bus refused events: {codes}")

    def entry(self, event: IntegrationEvent) -> dict[str, Any]:
        return {
            "EventBusName": self._bus,
            "Source": SOURCE,
            "DetailType": event.type,
            "Detail": simplejson.dumps(event.to_json(), use_decimal=True),
            "Time": event.occurred_at,
            "Resources": [],
        }
