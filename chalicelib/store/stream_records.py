"""The table's DynamoDB Stream records read back as domain changes (decision 0064): the item
before and after one write, through the same readers the repositories use, so the relay sees an
invoice exactly as the API would answer it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from chalicelib.domain.batches import Batch
from chalicelib.domain.clients import Client
from chalicelib.domain.errors import UnreadableInvoiceError
from chalicelib.domain.integration_events import Change, Resource
from chalicelib.store import keys
from chalicelib.store.dynamo import from_item
from chalicelib.store.items import credit_note_of, invoice_of
from chalicelib.store.webhook_items import endpoint_of

log = logging.getLogger(__name__)

# The items whose writes make events, by their sort key's prefix. The relay's event source
# filters on the same prefixes (infra/template.json), so it is not invoked for any other item.
READERS: Mapping[str, Callable[[dict[str, Any]], Resource]] = {
    keys.INVOICE_PREFIX: invoice_of,
    keys.CREDIT_NOTE_PREFIX: credit_note_of,
    keys.CLIENT_PREFIX: lambda item: Client.model_validate(from_item(item)),
    keys.BATCH_PREFIX: lambda item: Batch.model_validate(from_item(item)),
    keys.WEBHOOK_PREFIX: endpoint_of,  # only its disabling makes an event
}


def change_of(record: Mapping[str, Any]) -> Change | None:
    """The change one stream record tells, as Lambda passes it or GetRecords answers it; None
    for an item that makes no event, or one that cannot be read back (logged: the relay goes on,
    as a list leaves out an unreadable invoice)."""
    stream = record["dynamodb"]
    sort_key = str(stream.get("Keys", {}).get("SK", {}).get("S", ""))
    reader = next((r for prefix, r in READERS.items() if sort_key.startswith(prefix)), None)
    if reader is None:
        return None
    try:
        before = reader(stream["OldImage"]) if "OldImage" in stream else None
        after = reader(stream["NewImage"]) if "NewImage" in stream else None
    except (UnreadableInvoiceError, ValidationError, ValueError, ArithmeticError, KeyError) as exc:
        log.error("Stream record of %s cannot be read: %s", sort_key, exc)
        return None
    if before is None and after is None:
        return None
    return Change(before=before, after=after, recorded_at=_recorded_at(stream))


def sequence_number(record: Mapping[str, Any]) -> str:
    """What identifies a record to Lambda's ReportBatchItemFailures."""
    return str(record["dynamodb"]["SequenceNumber"])


def _recorded_at(stream: Mapping[str, Any]) -> datetime:
    """Lambda passes epoch seconds; boto3's GetRecords a datetime."""
    moment = stream.get("ApproximateCreationDateTime")
    if isinstance(moment, datetime):
        return moment.astimezone(UTC)
    return datetime.fromtimestamp(float(moment or 0), UTC)
