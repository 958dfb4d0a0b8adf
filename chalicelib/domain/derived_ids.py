"""Ids derived from keys, so that asking again finds what was made the first time, each family in
a namespace of its own: no value a client sends can name what the app derives (decision 0029).

Two hashes make the namespaces. The first scheme, uuid5 of "<tenant>\\n<key>", keeps naming
what it named before: a client's own externalId, and the vendor adapters' keys, which start
"hevn:" or "leanpay:" (a client's externalId that starts so is moved to the second scheme, so
the first holds nothing else). The second, SHA-256 of the source, the tenant and the key (each
but the last free of newlines, so no two inputs read alike), names everything newer."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from chalicelib.domain.values import Actor

# The first scheme's namespace; fixed forever, or every id it derived would move.
_FIRST_SCHEME = uuid.UUID("5f0c3a52-8e8d-4a43-9d2b-6f1c0e7d2b19")
_SECOND_SCHEME = "invoicing/ids/2"
# Keys of the first scheme that only the vendor adapters write.
VENDOR_PREFIXES = ("hevn:", "leanpay:")
BATCH_ITEM_SCHEME = 2  # what a batch queued now names its items with


def external_invoice_id(tenant_id: str, external_id: str) -> str:
    """The invoice a client's own externalId names, whatever the value."""
    if external_id.startswith(VENDOR_PREFIXES):
        return _second("externalId", tenant_id, external_id)
    return _first(tenant_id, external_id)


def hevn_invoice_id(tenant_id: str, contract_id: str, period: int) -> str:
    """hevn's invoice of a contract's period."""
    return _first(tenant_id, f"hevn:{contract_id}:{period}")


def leanpay_invoice_id(tenant_id: str, external_id: str) -> str:
    """The invoice a Leanpay import's externalId names."""
    return _first(tenant_id, f"leanpay:{external_id}")


def batch_item_id(tenant_id: str, batch_id: str, index: int, *, scheme: int) -> str:
    """A queued batch's item that brings no key of its own, by its place: a batch queued before
    the second scheme (`scheme` 1) finishes with the ids it started with."""
    if scheme == 1:
        return _first(tenant_id, f"{batch_id}#{index}")
    return _second("batchItem", tenant_id, f"{batch_id}#{index}")


def request_id(tenant_id: str, request: str, kind: str, index: int = 0) -> str:
    """What a retryable request makes (the `index`th invoice, a client, a batch...): the same
    request, retried, names the same thing and finds it made."""
    return _second(f"request:{kind}", tenant_id, f"{request}#{index}")


def made_by_request(actor: Actor, kind: str) -> str | None:
    """The id of the `kind` a retryable request makes (its only one), or None outside one."""
    return None if actor.request is None else request_id(actor.tenant_id, actor.request, kind)


def event_delivery_id(tenant_id: str, webhook_id: str, event_id: str, occurred: datetime) -> str:
    """The one delivery of an event to an endpoint, which every attempt at it records: shaped as
    a UUIDv7 of the event's time (deliveries list newest first), its other bits hashed from the
    endpoint and the event."""
    digest = hashlib.sha256(
        "\n".join((_SECOND_SCHEME, "delivery", tenant_id, webhook_id, event_id)).encode()
    ).digest()
    millis = int(occurred.timestamp() * 1000) & ((1 << 48) - 1)
    value = (millis << 80) | (int.from_bytes(digest[:10], "big") & ((1 << 80) - 1))
    value = (value & ~(0xF << 76)) | (7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return str(uuid.UUID(int=value))


def _first(tenant_id: str, key: str) -> str:
    return str(uuid.uuid5(_FIRST_SCHEME, f"{tenant_id}\n{key}"))


def _second(source: str, tenant_id: str, key: str) -> str:
    digest = hashlib.sha256("\n".join((_SECOND_SCHEME, source, tenant_id, key)).encode()).digest()
    value = int.from_bytes(digest[:16], "big")
    # Shaped as a UUID of version 8 (RFC 9562: a custom layout), as every other id is a UUID.
    value = (value & ~(0xF << 76)) | (8 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return str(uuid.UUID(int=value))
