"""Which actions each invoice status allows (DESIGN.md section 5)."""

from __future__ import annotations

from enum import StrEnum

from chalicelib.domain.errors import InvalidStateError
from chalicelib.domain.invoice import Invoice, InvoiceStatus


class Action(StrEnum):
    UPDATE = "update"
    ADD_ROW = "add a row"
    REMOVE_ROW = "remove a row"
    COMMENT = "comment"
    DELETE = "delete"


_ALWAYS = frozenset({Action.COMMENT})

ALLOWED_ACTIONS: dict[InvoiceStatus, frozenset[Action]] = {
    InvoiceStatus.DRAFT: _ALWAYS
    | {Action.UPDATE, Action.ADD_ROW, Action.REMOVE_ROW, Action.DELETE},
    InvoiceStatus.SCHEDULED: _ALWAYS,
    InvoiceStatus.SENT: _ALWAYS,
    InvoiceStatus.OVERDUE: _ALWAYS,
    InvoiceStatus.PAID: _ALWAYS,
    InvoiceStatus.CANCELLED: _ALWAYS,
}


def ensure_allowed(invoice: Invoice, action: Action) -> None:
    allowed = ALLOWED_ACTIONS[invoice.status]
    if action not in allowed:
        names = sorted(str(a) for a in allowed)
        raise InvalidStateError(invoice.id, invoice.status, str(action), names)
