"""Every change to an invoice goes through `record`: it applies the change and appends who did
what and when to the invoice's events."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.invoice import EventType, Invoice, InvoiceEvent
from chalicelib.domain.values import Actor, new_id


def record(
    invoice: Invoice,
    kind: EventType,
    description: str,
    *,
    actor: Actor,
    now: datetime,
    **changes: object,
) -> Invoice:
    event = InvoiceEvent(
        id=new_id(), type=kind, date=now, author_id=actor.user_id, description=description
    )
    return invoice.model_copy(
        update={
            **changes,
            "events": [*invoice.events, event],
            "updated": now,
            "updated_by": actor.user_id,
        }
    )
