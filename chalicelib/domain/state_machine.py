"""The invoice state machine (DESIGN.md section 5): which action each status allows, and where
each transition leads."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from chalicelib.domain.errors import InvalidStateError
from chalicelib.domain.invoice import Invoice, InvoiceStatus


class Action(StrEnum):
    UPDATE = "update"
    ADD_ROW = "add a row"
    REMOVE_ROW = "remove a row"
    COMMENT = "comment"
    DELETE = "delete"
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    SEND = "send"
    MARK_AS_SENT = "mark as sent"
    SEND_REMINDER = "send a reminder"
    FLAG_OVERDUE = "flag as overdue"
    ADD_PAYMENT = "add a payment"
    REMOVE_PAYMENT = "remove a payment"
    MARK_AS_PAID = "mark as paid"
    UNMARK_AS_PAID = "unmark as paid"
    CANCEL = "cancel"


S = InvoiceStatus
_ANY = {Action.COMMENT, Action.UPDATE}  # UPDATE after DRAFT: only the annotation fields
_COLLECTING = {Action.ADD_PAYMENT, Action.MARK_AS_PAID, Action.REMOVE_PAYMENT}

ALLOWED_ACTIONS: dict[InvoiceStatus, frozenset[Action]] = {
    S.DRAFT: frozenset(
        _ANY
        | {Action.ADD_ROW, Action.REMOVE_ROW, Action.DELETE, Action.SCHEDULE}
        | {Action.SEND, Action.MARK_AS_SENT, Action.CANCEL}
    ),
    S.SCHEDULED: frozenset(
        _ANY | {Action.UNSCHEDULE, Action.SEND, Action.MARK_AS_SENT, Action.CANCEL}
    ),
    S.SENT: frozenset(
        _ANY | _COLLECTING | {Action.SEND, Action.SEND_REMINDER, Action.FLAG_OVERDUE, Action.CANCEL}
    ),
    S.OVERDUE: frozenset(_ANY | _COLLECTING | {Action.SEND, Action.SEND_REMINDER, Action.CANCEL}),
    S.PAID: frozenset(_ANY | {Action.UNMARK_AS_PAID, Action.REMOVE_PAYMENT}),
    S.CANCELLED: frozenset(_ANY),
}


def ensure_allowed(invoice: Invoice, action: Action) -> None:
    allowed = ALLOWED_ACTIONS[invoice.status]
    if action not in allowed:
        names = sorted(str(a) for a in allowed)
        raise InvalidStateError(invoice.id, invoice.status, str(action), names)


def open_status(due_date: date, today: date) -> InvoiceStatus:
    """Where an issued, unpaid invoice stands: OVERDUE once its due date has passed."""
    return InvoiceStatus.OVERDUE if due_date < today else InvoiceStatus.SENT
