"""Pure invoice operations: each takes an invoice and returns the next one, with its event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain import invoicing
from chalicelib.domain.commands import MAX_ROWS, InvoiceFields, RowInput
from chalicelib.domain.errors import (
    FrozenFieldsError,
    InvalidInputError,
    InvalidStateError,
    NumberedInvoiceError,
    RowNotFoundError,
)
from chalicelib.domain.invoice import EventType, Invoice, InvoiceStatus
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.recurring import invoice_for_period
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
ALICE = Actor(tenant_id="acme", user_id="alice")
BOB = Actor(tenant_id="acme", user_id="bob")


def _fields(**data: Any) -> InvoiceFields:
    return InvoiceFields.model_validate(data)


def _row(quantity: str, unit_price: str, tax_rate: str = "0", **extra: Any) -> dict[str, Any]:
    return {"quantity": quantity, "unitPrice": unit_price, "taxRate": tax_rate, **extra}


def _new(defaults: InvoiceDefaults | None = None, now: datetime = NOW, **data: Any) -> Invoice:
    return invoicing.new_invoice(
        _fields(**data), actor=ALICE, now=now, defaults=defaults or InvoiceDefaults()
    )


def _update(invoice: Invoice, **data: Any) -> Invoice:
    return invoicing.apply_changes(invoice, _fields(**data), actor=BOB, now=LATER)


def _totals(invoice: Invoice) -> tuple[str, str, str, str]:
    return (
        str(invoice.total_excluding_tax),
        str(invoice.total_tax),
        str(invoice.total_with_tax),
        str(invoice.total),
    )


def test_new_invoice_takes_the_defaults_for_missing_fields() -> None:
    invoice = _new()

    assert invoice.currency == "EUR"
    assert invoice.payment_term_days == 14
    assert invoice.invoice_date == date(2026, 11, 21)
    assert invoice.due_date == date(2026, 12, 5)
    assert invoice.status is InvoiceStatus.DRAFT
    assert invoice.tenant_id == "acme"
    assert invoice.rows == []
    assert _totals(invoice) == ("0.00", "0.00", "0.00", "0.00")
    assert (str(invoice.paid), str(invoice.paid_excluding_tax)) == ("0.00", "0.00")


def test_new_invoice_uses_the_tenant_defaults() -> None:
    invoice = _new(InvoiceDefaults(currency="JPY", payment_term_days=30))

    assert (invoice.currency, invoice.payment_term_days) == ("JPY", 30)
    assert invoice.due_date == date(2026, 12, 21)
    assert (str(invoice.total), str(invoice.paid)) == ("0", "0")


def test_today_is_taken_in_the_defaults_timezone() -> None:
    late_utc_evening = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)
    auckland = InvoiceDefaults(timezone="Pacific/Auckland")
    los_angeles = InvoiceDefaults(timezone="America/Los_Angeles")

    assert _new(auckland, now=late_utc_evening).invoice_date == date(2026, 11, 22)
    assert _new(InvoiceDefaults(), now=late_utc_evening).invoice_date == date(2026, 11, 21)
    assert _new(los_angeles, now=NOW).invoice_date == date(2026, 11, 21)  # 01:30 in LA
    assert _new(los_angeles, now=LATER).invoice_date == date(2026, 11, 22)  # 00:00 in LA


def test_given_fields_override_the_defaults() -> None:
    invoice = _new(currency="usd", invoiceDate="2026-01-31", paymentTermDays=0)

    assert (invoice.currency, invoice.invoice_date) == ("USD", date(2026, 1, 31))
    assert invoice.due_date == date(2026, 1, 31)


def test_due_date_is_invoice_date_plus_payment_terms_across_months_and_leap_days() -> None:
    assert _new(invoiceDate="2028-02-15", paymentTermDays=14).due_date == date(2028, 2, 29)
    assert _new(invoiceDate="2026-12-20", paymentTermDays=365).due_date == date(2027, 12, 20)


def test_invoice_and_due_dates_are_written_as_midnight_utc() -> None:
    wire = _new(invoiceDate="2026-11-21T23:30:00-08:00").model_dump(mode="json", by_alias=True)

    assert wire["invoiceDate"] == "2026-11-21T00:00:00Z"
    assert wire["dueDate"] == "2026-12-05T00:00:00Z"


def test_due_date_after_the_supported_range_is_refused() -> None:
    with pytest.raises(InvalidInputError) as refused:
        _new(invoiceDate="2999-12-31", paymentTermDays=1)

    assert [p.field for p in refused.value.problems] == ["paymentTermDays"]
    draft = _new(invoiceDate="2999-12-01")
    with pytest.raises(InvalidInputError, match="paymentTermDays"):
        _update(draft, paymentTermDays=365)


def test_new_invoice_computes_row_and_invoice_totals() -> None:
    invoice = _new(rows=[_row("2", "10.00", "24"), _row("1", "0.125", "0")])

    first, second = invoice.rows
    assert (str(first.total), str(first.tax_amount), str(first.total_with_tax)) == (
        "20.00",
        "4.80",
        "24.80",
    )
    assert str(second.total) == "0.13"
    assert _totals(invoice) == ("20.13", "4.80", "24.93", "24.93")


def test_new_invoice_keeps_a_clients_row_id_and_gives_the_others_their_own() -> None:
    invoice = _new(rows=[_row("1", "1", id="client-row"), _row("1", "2")])

    ids = [row.id for row in invoice.rows]
    assert ids[0] == "client-row"
    assert len(set(ids)) == 2


def test_a_row_id_given_twice_is_refused_naming_the_second_row() -> None:
    with pytest.raises(InvalidInputError) as refused:
        _new(rows=[_row("1", "1", id="r1"), _row("1", "2"), _row("1", "3", id="r1")])

    [problem] = refused.value.problems
    assert problem.field == "rows[2].id"
    assert "r1" in problem.message and "rows[0]" in problem.message


def test_new_invoice_records_a_create_event_by_its_author() -> None:
    invoice = _new()

    [event] = invoice.events
    assert event.type is EventType.CREATE
    assert (event.author_id, event.date) == ("alice", NOW)
    assert (invoice.created, invoice.created_by) == (NOW, "alice")
    assert (invoice.updated, invoice.updated_by) == (NOW, "alice")


def test_new_invoices_get_distinct_ids() -> None:
    assert _new().id != _new().id


def test_update_changes_only_the_fields_present() -> None:
    draft = _new(note="first", clientId="client-1", rows=[_row("1", "5")])

    changed = _update(draft, note="second")

    assert changed.note == "second"
    assert changed.client_id == "client-1"
    assert changed.rows == draft.rows
    assert (changed.currency, changed.due_date) == (draft.currency, draft.due_date)
    assert (changed.created_by, changed.updated_by, changed.updated) == ("alice", "bob", LATER)


def test_update_with_explicit_null_clears_an_optional_field() -> None:
    draft = _new(clientId="client-1", note="keep")

    changed = _update(draft, clientId=None)

    assert (changed.client_id, changed.note) == (None, "keep")


def test_update_appends_an_update_event_listing_the_changed_fields() -> None:
    changed = _update(_new(), note="x", paymentTermDays=7)

    event = changed.events[-1]
    assert len(changed.events) == 2
    assert (event.type, event.author_id, event.date) == (EventType.UPDATE, "bob", LATER)
    assert event.description == "Changed note, paymentTermDays"


def test_update_recomputes_the_due_date_from_date_or_terms() -> None:
    draft = _new(invoiceDate="2026-11-01", paymentTermDays=10)

    assert _update(draft, invoiceDate="2026-12-01").due_date == date(2026, 12, 11)
    assert _update(draft, paymentTermDays=0).due_date == date(2026, 11, 1)


@pytest.mark.parametrize("field", ["currency", "invoiceDate", "paymentTermDays", "rows"])
def test_update_setting_a_required_field_to_null_is_refused_naming_it(field: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        _update(_new(), **{field: None})

    assert [p.field for p in refused.value.problems] == [field]
    assert field in str(refused.value)


def test_update_names_every_required_field_set_to_null() -> None:
    with pytest.raises(InvalidInputError) as refused:
        _update(_new(), rows=None, currency=None, note="fine")

    assert [p.field for p in refused.value.problems] == ["currency", "rows"]


def test_update_replaces_rows_keeping_the_ids_they_are_sent_with() -> None:
    draft = _new(rows=[_row("1", "1"), _row("1", "2")])
    kept = draft.rows[0].id

    changed = _update(
        draft, rows=[_row("3", "1", id=kept), _row("1", "9", id="made-up"), _row("1", "4")]
    )

    ids = [row.id for row in changed.rows]
    assert ids[:2] == [kept, "made-up"]
    assert draft.rows[1].id not in ids
    assert len(set(ids)) == 3
    assert str(changed.rows[0].total) == "3.00"
    assert _totals(changed) == ("16.00", "0.00", "16.00", "16.00")


def test_update_with_empty_rows_removes_every_row() -> None:
    changed = _update(_new(rows=[_row("1", "1")]), rows=[])

    assert changed.rows == []
    assert _totals(changed) == ("0.00", "0.00", "0.00", "0.00")


def test_changing_currency_re_rounds_existing_rows() -> None:
    draft = _new(rows=[_row("3", "33.5", "10")])
    assert _totals(draft) == ("100.50", "10.05", "110.55", "110.55")

    changed = _update(draft, currency="jpy")

    assert changed.currency == "JPY"
    row = changed.rows[0]
    assert (row.id, str(row.total), str(row.tax_amount)) == (draft.rows[0].id, "101", "10")
    assert _totals(changed) == ("101", "10", "111", "111")
    assert (str(changed.paid), str(changed.paid_excluding_tax)) == ("0", "0")


def test_empty_update_returns_the_same_invoice_without_an_event() -> None:
    draft = _new(note="x")

    unchanged = _update(draft)

    assert unchanged is draft
    assert len(unchanged.events) == 1


def test_fields_the_client_computed_do_not_change_the_invoice() -> None:
    draft = _new(rows=[_row("1", "10")])

    changed = _update(draft, total="999", totalWithTax="999", status="PAID", dueDate="2030-01-01")

    assert changed is draft


def test_update_can_set_and_clear_a_recurring_agreement() -> None:
    agreement = {"intervalMonths": 1, "nextInvoiceDate": "2026-12-01"}

    with_agreement = _update(_new(), recurringAgreement=agreement)
    assert with_agreement.recurring_agreement is not None
    assert with_agreement.recurring_agreement.interval_months == 1
    assert with_agreement.recurring_agreement.next_invoice_date == date(2026, 12, 1)
    assert _update(with_agreement, recurringAgreement=None).recurring_agreement is None


def test_add_row_prices_the_row_updates_totals_and_records_it() -> None:
    draft = _new(rows=[_row("1", "10", "24")])

    changed = invoicing.add_row(
        draft, RowInput.model_validate(_row("2", "0.125", "24")), actor=BOB, now=LATER
    )

    added = changed.rows[-1]
    assert (str(added.total), str(added.tax_amount)) == ("0.25", "0.06")
    assert _totals(changed) == ("10.25", "2.46", "12.71", "12.71")
    event = changed.events[-1]
    assert (event.type, event.author_id) == (EventType.ROW_ADDED, "bob")
    assert added.id in (event.description or "")


def test_add_row_uses_the_invoice_currency() -> None:
    draft = _new(currency="KWD")

    changed = invoicing.add_row(
        draft, RowInput.model_validate(_row("3", "0.3335")), actor=BOB, now=LATER
    )

    assert str(changed.total) == "1.001"


def test_remove_row_updates_totals_and_records_it() -> None:
    draft = _new(rows=[_row("1", "10", "24"), _row("1", "5", "24")])
    removed = draft.rows[0].id

    changed = invoicing.remove_row(draft, removed, actor=BOB, now=LATER)

    assert [row.id for row in changed.rows] == [draft.rows[1].id]
    assert _totals(changed) == ("5.00", "1.20", "6.20", "6.20")
    event = changed.events[-1]
    assert event.type is EventType.ROW_REMOVED
    assert removed in (event.description or "")


def test_removing_an_unknown_row_is_refused() -> None:
    draft = _new(rows=[_row("1", "10")])

    with pytest.raises(RowNotFoundError, match="no-such-row"):
        invoicing.remove_row(draft, "no-such-row", actor=BOB, now=LATER)


def test_the_row_after_the_last_allowed_one_is_refused() -> None:
    almost_full = _new(rows=[_row("1", "1")] * (MAX_ROWS - 1))
    one_row = RowInput.model_validate(_row("1", "1"))

    full = invoicing.add_row(almost_full, one_row, actor=BOB, now=LATER)
    assert len(full.rows) == MAX_ROWS == 250
    with pytest.raises(InvalidInputError) as refused:
        invoicing.add_row(full, one_row, actor=BOB, now=LATER)

    assert [p.field for p in refused.value.problems] == ["rows"]


def test_add_comment_records_the_text_and_changes_nothing_else() -> None:
    draft = _new(rows=[_row("1", "10")])

    commented = invoicing.add_comment(draft, "Called the client", actor=BOB, now=LATER)

    event = commented.events[-1]
    assert (event.type, event.description, event.author_id) == (
        EventType.COMMENT,
        "Called the client",
        "bob",
    )
    assert commented.rows == draft.rows
    assert commented.total == draft.total


def test_a_draft_may_be_deleted() -> None:
    invoicing.ensure_deletable(_new())


def _one_row() -> RowInput:
    return RowInput.model_validate(_row("1", "1"))


ACTIONS_ONLY_FOR_DRAFTS: dict[str, Callable[[Invoice], object]] = {
    "add a row": lambda inv: invoicing.add_row(inv, _one_row(), actor=BOB, now=LATER),
    "remove a row": lambda inv: invoicing.remove_row(inv, inv.rows[0].id, actor=BOB, now=LATER),
    "delete": invoicing.ensure_deletable,
}

NOT_DRAFT = [status for status in InvoiceStatus if status is not InvoiceStatus.DRAFT]


@pytest.mark.parametrize("status", NOT_DRAFT)
@pytest.mark.parametrize("action", ACTIONS_ONLY_FOR_DRAFTS)
def test_only_drafts_may_be_changed_or_deleted(status: InvoiceStatus, action: str) -> None:
    issued = _new(rows=[_row("1", "10")]).model_copy(update={"status": status})

    with pytest.raises(InvalidStateError) as refused:
        ACTIONS_ONLY_FOR_DRAFTS[action](issued)

    assert refused.value.status == status
    message = str(refused.value)
    assert f"Cannot {action} while invoice {issued.id} is {status.value}" in message
    allowed = message.split(f"allowed from {status.value}: ")[1].split(", ")
    assert "comment" in allowed and action not in allowed


@pytest.mark.parametrize("status", NOT_DRAFT)
@pytest.mark.parametrize(
    ("field", "value"),
    [("currency", "USD"), ("invoiceDate", "2027-01-01"), ("paymentTermDays", 60),
     ("rows", []), ("clientId", "other"), ("paymentReference", "RF18")],
)  # fmt: skip
def test_what_an_issued_invoice_says_is_frozen(
    status: InvoiceStatus, field: str, value: object
) -> None:
    issued = _new(rows=[_row("1", "10")]).model_copy(update={"status": status})

    with pytest.raises(FrozenFieldsError) as refused:
        _update(issued, **{field: value})

    message = str(refused.value)
    assert f"Cannot change {field} while invoice {issued.id} is {status.value}" in message
    assert "note" in message.split("only ")[1]


@pytest.mark.parametrize("status", NOT_DRAFT)
def test_annotations_of_an_issued_invoice_still_change(status: InvoiceStatus) -> None:
    issued = _new(rows=[_row("1", "10")]).model_copy(update={"status": status})

    changed = _update(issued, note="Paid by cheque", opportunityId="opp-9")

    assert (changed.note, changed.opportunity_id) == ("Paid by cheque", "opp-9")
    assert (changed.rows, changed.total, changed.status) == (issued.rows, issued.total, status)
    assert changed.events[-1].type == EventType.UPDATE


def test_a_numbered_draft_cannot_be_deleted() -> None:
    numbered = _new().model_copy(update={"invoice_number": "INV-2026-0007"})

    with pytest.raises(NumberedInvoiceError, match="INV-2026-0007"):
        invoicing.ensure_deletable(numbered)


@pytest.mark.parametrize("status", list(InvoiceStatus))
def test_comments_are_allowed_in_every_status(status: InvoiceStatus) -> None:
    invoice = _new().model_copy(update={"status": status})

    commented = invoicing.add_comment(invoice, "Paid late", actor=BOB, now=LATER)

    assert commented.events[-1].type is EventType.COMMENT
    assert commented.status is status


def test_an_empty_update_of_a_sent_invoice_changes_nothing() -> None:
    sent = _new().model_copy(update={"status": InvoiceStatus.SENT})

    assert _update(sent) is sent


def test_an_issued_invoice_sent_back_whole_with_a_new_note_only_changes_the_note() -> None:
    issued = _new(rows=[_row("2", "10.50")]).model_copy(update={"status": InvoiceStatus.SENT})
    whole = issued.model_dump(mode="python", by_alias=True)

    changed = _update(issued, **{**whole, "note": "Thanks!"})

    assert changed.note == "Thanks!"
    assert (changed.rows, changed.total, changed.currency) == (issued.rows, issued.total, "EUR")
    assert changed.events[-1].description == "Changed note"


@pytest.mark.parametrize(
    ("field", "value"),
    [("currency", "USD"), ("paymentTermDays", 99), ("rows", [{"quantity": 3, "unitPrice": 1}])],
)
def test_a_frozen_field_sent_back_with_another_value_is_still_refused(
    field: str, value: object
) -> None:
    issued = _new(rows=[_row("2", "10.50")]).model_copy(update={"status": InvoiceStatus.SENT})
    whole = issued.model_dump(mode="python", by_alias=True)

    with pytest.raises(FrozenFieldsError, match=f"Cannot change {field} "):
        _update(issued, **{**whole, field: value, "note": "x"})


def test_the_tenants_defaults_fill_what_it_set_and_its_timezone_dates_today() -> None:
    service = InvoiceDefaults(currency="EUR", payment_term_days=14)
    mine = invoicing.defaults_with(
        TenantSettings(default_currency="CHF", timezone="Pacific/Auckland"), service
    )
    assert (mine.currency, mine.payment_term_days) == ("CHF", 14)
    late_on_the_21st = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)
    assert mine.today(late_on_the_21st) == date(2026, 11, 22)  # already the 22nd in Auckland
    unset = invoicing.defaults_with(TenantSettings(payment_term_days=0), service)
    assert (unset.currency, unset.payment_term_days, unset.today(late_on_the_21st)) == (
        "EUR",
        0,
        date(2026, 11, 21),
    )


def test_a_discounted_tax_inclusive_invoice_sums_its_rounded_rows() -> None:
    invoice = _new(
        taxInclusive=True,
        rows=[
            _row("1", "119", "19", discount="10", discountType="PERCENTAGE"),
            _row("4", "25", "7", discount="10"),
        ],
    )

    first, second = invoice.rows
    assert (str(first.discount_amount), str(first.total), str(first.tax_amount)) == (
        "11.90",
        "90.00",
        "17.10",
    )
    assert (str(second.discount_amount), str(second.total_with_tax)) == ("10.00", "90.00")
    assert _totals(invoice) == ("174.11", "22.99", "197.10", "197.10")
    assert (str(invoice.total_discount), str(invoice.subtotal())) == ("21.90", "219.00")


def test_a_fixed_discount_above_its_row_is_refused_naming_the_row() -> None:
    with pytest.raises(InvalidInputError, match=r"rows\[1\]\.discount"):
        _new(rows=[_row("1", "5"), _row("2", "5", discount="10.01")])


def test_a_row_added_with_a_discount_above_it_is_refused_naming_the_discount() -> None:
    draft = _new()

    with pytest.raises(InvalidInputError) as refused:
        row = RowInput.model_validate(_row("1", "5", discount="6"))
        invoicing.add_row(draft, row, actor=BOB, now=LATER)
    assert [p.field for p in refused.value.problems] == ["discount"]


def test_a_percentage_discount_above_100_is_refused_as_input() -> None:
    with pytest.raises(ValueError, match="at most 100"):
        RowInput.model_validate(_row("1", "5", discount="100.01", discountType="PERCENTAGE"))
    assert RowInput.model_validate(_row("1", "5", discount="250")).discount == 250


def test_switching_to_inclusive_prices_reprices_every_row() -> None:
    draft = _new(rows=[_row("1", "119", "19")])

    inclusive = _update(draft, taxInclusive=True)

    assert inclusive.tax_inclusive
    assert _totals(inclusive) == ("100.00", "19.00", "119.00", "119.00")
    with pytest.raises(InvalidInputError, match="taxInclusive"):
        _update(draft, taxInclusive=None)


def test_an_invoice_stored_before_discounts_reads_as_undiscounted_and_exclusive() -> None:
    stored = _new(rows=[_row("2", "10", "24")]).model_dump(by_alias=True)
    for row in stored["rows"]:
        for name in ("discount", "discountType", "discountAmount"):
            del row[name]
    for name in ("taxInclusive", "totalDiscount", "customFields"):
        del stored[name]

    invoice = Invoice.model_validate(stored).in_minor_units()

    [row] = invoice.rows
    assert (str(row.discount), row.discount_type, str(row.discount_amount)) == (
        "0",
        "FIXED",
        "0.00",
    )
    assert (invoice.tax_inclusive, str(invoice.total_discount)) == (False, "0.00")
    assert str(row.amount(invoice.tax_inclusive)) == "20.00"


def test_a_recurring_period_copies_prices_discounts_and_custom_fields() -> None:
    template = _new(
        taxInclusive=True,
        customFields={"costCenter": "K-17"},
        rows=[_row("1", "119", "19", discount="10", discountType="PERCENTAGE")],
    )

    period = invoice_for_period(template, date(2026, 12, 1), actor=ALICE, now=LATER)

    assert (period.tax_inclusive, period.custom_fields) == (True, {"costCenter": "K-17"})
    assert period.rows == template.rows
    assert (period.total_discount, period.total_with_tax) == (
        template.total_discount,
        template.total_with_tax,
    )
