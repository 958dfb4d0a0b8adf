"""The relay of the table's stream (decision 0064): a batch of stream records, as Lambda passes
them or the local stack's poller reads them, told through the relay's ports. Lambda's
ReportBatchItemFailures starts again from the record this answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.domain.integration_events import events_of
from chalicelib.services.event_relay import RecordEvents, RelayPorts, relay
from chalicelib.store.stream_records import change_of, sequence_number


def relay_records(records: Iterable[Mapping[str, Any]], ports: RelayPorts) -> dict[str, Any]:
    """Lambda's partial batch answer: the first record not told, if any."""
    told = []
    for record in records:
        change = change_of(record)
        events = events_of(change) if change is not None else []
        told.append(RecordEvents(record_id=sequence_number(record), events=events))
    failed = relay(told, ports)
    return {"batchItemFailures": [{"itemIdentifier": record_id} for record_id in failed]}
