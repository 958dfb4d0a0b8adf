"""The invoice state machine of DESIGN.md section 5, and what an issued invoice may still change."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain import invoicing
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.errors import FrozenFieldsError, InvalidStateError
from chalicelib.domain.invoice import EventType, Invoice, InvoiceStatus
from chalicelib.domain.invoicing import ANNOTATION_FIELDS, CONTENT_FIELDS, InvoiceDefaults
from chalicelib.domain.state_machine import ALLOWED_ACTIONS, Action, ensure_allowed, open_status
from chalicelib.domain.values import Actor

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
ALICE = Actor(tenant_id="acme", user_id="alice")
BOB = Actor(tenant_id="acme", user_id="bob")

S = InvoiceStatus
A = Action

# Written from DESIGN.md section 5 as a user reads it, not copied from the code: drafts are
# edited, deleted, scheduled, sent or cancelled; a scheduled invoice goes back to draft or out;
# an issued invoice collects payments, gets reminders and may be emailed again; PAID only goes
# back (a payment removed, or unmarked); CANCELLED is final. Comments and the annotation part
# of an update are allowed everywhere.
EXPECTED_ALLOWED: dict[InvoiceStatus, set[Action]] = {
    S.DRAFT: {
        A.UPDATE, A.ADD_ROW, A.REMOVE_ROW, A.COMMENT, A.DELETE,
        A.SCHEDULE, A.SEND, A.MARK_AS_SENT, A.CANCEL,
    },
    S.SCHEDULED: {A.UPDATE, A.COMMENT, A.UNSCHEDULE, A.SEND, A.MARK_AS_SENT, A.CANCEL},
    S.SENT: {
        A.UPDATE, A.COMMENT, A.SEND, A.SEND_REMINDER, A.FLAG_OVERDUE,
        A.ADD_PAYMENT, A.REMOVE_PAYMENT, A.MARK_AS_PAID, A.CANCEL,
    },
    S.OVERDUE: {
        A.UPDATE, A.COMMENT, A.SEND, A.SEND_REMINDER,
        A.ADD_PAYMENT, A.REMOVE_PAYMENT, A.MARK_AS_PAID, A.CANCEL,
    },
    S.PAID: {A.UPDATE, A.COMMENT, A.REMOVE_PAYMENT, A.UNMARK_AS_PAID},
    S.CANCELLED: {A.UPDATE, A.COMMENT},
}  # fmt: skip


def _fields(**data: Any) -> InvoiceFields:
    return InvoiceFields.model_validate(data)


def _invoice(status: InvoiceStatus = S.DRAFT) -> Invoice:
    fields = _fields(rows=[{"quantity": "1", "unitPrice": "10", "taxRate": "24"}])
    draft = invoicing.new_invoice(fields, actor=ALICE, now=NOW, defaults=InvoiceDefaults())
    return draft.model_copy(update={"status": status})


def _update(invoice: Invoice, **data: Any) -> Invoice:
    return invoicing.apply_changes(invoice, _fields(**data), actor=BOB, now=LATER)


def test_the_table_names_every_status_and_exactly_the_expected_actions() -> None:
    expected = {status: frozenset(actions) for status, actions in EXPECTED_ALLOWED.items()}

    assert expected == ALLOWED_ACTIONS


@pytest.mark.parametrize("status", list(InvoiceStatus))
@pytest.mark.parametrize("action", list(Action))
def test_each_action_is_allowed_or_refused_in_each_status_as_section_5_says(
    status: InvoiceStatus, action: Action
) -> None:
    invoice = _invoice(status)

    if action in EXPECTED_ALLOWED[status]:
        ensure_allowed(invoice, action)
    else:
        with pytest.raises(InvalidStateError) as refused:
            ensure_allowed(invoice, action)
        assert refused.value.status == status
        assert f"Cannot {action.value} while invoice {invoice.id} is {status.value}" in str(
            refused.value
        )


def test_a_refusal_names_the_current_status_and_everything_allowed_from_it() -> None:
    draft = _invoice(S.DRAFT)

    with pytest.raises(InvalidStateError) as refused:
        ensure_allowed(draft, A.ADD_PAYMENT)

    assert str(refused.value) == (
        f"Cannot add a payment while invoice {draft.id} is DRAFT; allowed from DRAFT: "
        "add a row, cancel, comment, delete, mark as sent, remove a row, schedule, send, update"
    )


def test_a_cancelled_invoice_allows_only_comments_and_annotations() -> None:
    cancelled = _invoice(S.CANCELLED)

    with pytest.raises(InvalidStateError) as refused:
        ensure_allowed(cancelled, A.CANCEL)

    assert str(refused.value).endswith("allowed from CANCELLED: comment, update")


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (date(2026, 11, 20), S.OVERDUE),
        (date(2026, 11, 21), S.SENT),
        (date(2026, 11, 22), S.SENT),
    ],
    ids=["due-yesterday", "due-today", "due-tomorrow"],
)
def test_an_open_invoice_is_overdue_only_once_its_due_date_has_passed(
    due: date, expected: InvoiceStatus
) -> None:
    assert open_status(due, today=date(2026, 11, 21)) is expected


def test_every_editable_field_is_either_frozen_content_or_a_free_annotation() -> None:
    content = frozenset({
        "currency", "invoice_date", "payment_term_days", "rows", "client_id", "payment_reference",
        "tax_inclusive",
    })  # fmt: skip
    annotations = frozenset({
        "note", "contact_email", "opportunity_id", "milestone_id", "sales_order_id",
        "subsidiary_id", "recurring_agreement", "custom_fields",
    })  # fmt: skip

    assert (content, annotations) == (CONTENT_FIELDS, ANNOTATION_FIELDS)
    assert set(InvoiceFields.model_fields) == CONTENT_FIELDS | ANNOTATION_FIELDS


AGREEMENT = {"intervalMonths": 1, "nextInvoiceDate": "2026-12-01"}


# note and opportunityId after DRAFT are covered in test_invoicing.py.
@pytest.mark.parametrize("status", list(InvoiceStatus))
@pytest.mark.parametrize(
    ("field", "value", "attribute"),
    [
        ("contactEmail", "billing@example.com", "contact_email"),
        ("milestoneId", "ms-2", "milestone_id"),
        ("salesOrderId", "so-3", "sales_order_id"),
        ("subsidiaryId", "sub-4", "subsidiary_id"),
    ],
)
def test_each_annotation_still_changes_in_every_status(
    status: InvoiceStatus, field: str, value: str, attribute: str
) -> None:
    invoice = _invoice(status)

    changed = _update(invoice, **{field: value})

    assert getattr(changed, attribute) == value
    assert (changed.status, changed.rows, changed.total) == (status, invoice.rows, invoice.total)
    assert (changed.events[-1].type, changed.events[-1].author_id) == (EventType.UPDATE, "bob")


@pytest.mark.parametrize("status", list(InvoiceStatus))
def test_a_recurring_agreement_can_be_set_and_cleared_in_every_status(
    status: InvoiceStatus,
) -> None:
    agreed = _update(_invoice(status), recurringAgreement=AGREEMENT)

    assert agreed.recurring_agreement is not None
    assert agreed.recurring_agreement.interval_months == 1
    assert _update(agreed, recurringAgreement=None).recurring_agreement is None


def test_an_annotation_of_a_sent_invoice_can_be_cleared() -> None:
    sent = _update(_invoice(S.DRAFT), note="call first").model_copy(update={"status": S.SENT})

    assert _update(sent, note=None).note is None


def test_a_mixed_update_of_an_issued_invoice_is_refused_naming_only_the_content_fields() -> None:
    sent = _invoice(S.SENT)

    with pytest.raises(FrozenFieldsError) as refused:
        _update(sent, note="x", currency="USD", rows=[])

    assert str(refused.value).startswith(
        f"Cannot change currency, rows while invoice {sent.id} is SENT:"
    )
