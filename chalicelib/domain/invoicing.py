"""Pure operations on invoices: each takes an invoice and returns the next one, with its event."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic.alias_generators import to_camel

from chalicelib.domain import pricing
from chalicelib.domain.commands import (
    MAX_ROWS,
    REQUIRED_FIELDS,
    InvoiceFields,
    NewInvoice,
    RecurringAgreementInput,
    RowInput,
)
from chalicelib.domain.derived_ids import external_invoice_id
from chalicelib.domain.errors import (
    FieldProblem,
    FrozenFieldsError,
    InvalidInputError,
    NumberedInvoiceError,
    RowNotFoundError,
)
from chalicelib.domain.events import record
from chalicelib.domain.invoice import (
    EventType,
    Invoice,
    InvoiceRow,
    InvoiceStatus,
    RecurringAgreement,
)
from chalicelib.domain.money import ZERO, invoice_totals, round_money
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.state_machine import Action, ensure_allowed
from chalicelib.domain.values import LATEST_DATE, Actor, new_id

# What an issued invoice says: frozen once it leaves DRAFT (DESIGN.md section 5).
CONTENT_FIELDS = frozenset(
    {
        "currency",
        "invoice_date",
        "payment_term_days",
        "tax_inclusive",
        "rows",
        "client_id",
        "payment_reference",
    }
)
_REFERENCES_ON_THE_DOCUMENT = ("client_id", "payment_reference")
# Internal annotations that may change in any status; None clears them.
ANNOTATION_FIELDS = frozenset(
    {
        "contact_email",
        "note",
        "opportunity_id",
        "milestone_id",
        "sales_order_id",
        "subsidiary_id",
        "custom_fields",
        "recurring_agreement",
    }
)


@dataclass(frozen=True)
class InvoiceDefaults:
    """What a new invoice gets when the request leaves a field out."""

    currency: str = "EUR"
    payment_term_days: int = 14
    timezone: str = "UTC"

    def today(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.timezone)).date()


def defaults_with(settings: TenantSettings, service: InvoiceDefaults) -> InvoiceDefaults:
    """The tenant's own defaults where it set them, the service's elsewhere."""
    return InvoiceDefaults(
        currency=settings.default_currency or service.currency,
        payment_term_days=(
            service.payment_term_days
            if settings.payment_term_days is None
            else settings.payment_term_days
        ),
        timezone=settings.timezone,
    )


def new_invoice(
    fields: InvoiceFields,
    *,
    actor: Actor,
    now: datetime,
    defaults: InvoiceDefaults,
    invoice_id: str | None = None,
) -> Invoice:
    """A new draft. Its id is `invoice_id` when given, else derived from its externalId when it
    has one, else a new one."""
    currency = fields.currency or defaults.currency
    invoice_date = fields.invoice_date or defaults.today(now)
    terms = (
        defaults.payment_term_days if fields.payment_term_days is None else fields.payment_term_days
    )
    tax_inclusive = bool(fields.tax_inclusive)
    rows = pricing.priced_rows(
        [(row, row.id or new_id()) for row in fields.rows or ()], currency, tax_inclusive
    )
    totals = invoice_totals(rows, currency)
    zero = round_money(ZERO, currency)
    external_id = fields.external_id if isinstance(fields, NewInvoice) else None
    if invoice_id is None:
        invoice_id = (
            new_id() if external_id is None else external_invoice_id(actor.tenant_id, external_id)
        )
    invoice = Invoice(
        id=invoice_id,
        tenant_id=actor.tenant_id,
        external_id=external_id,
        currency=currency,
        invoice_date=invoice_date,
        payment_term_days=terms,
        due_date=_due_date(invoice_date, terms),
        tax_inclusive=tax_inclusive,
        rows=rows,
        total_discount=totals.total_discount,
        total=totals.total_with_tax,
        total_excluding_tax=totals.total_excluding_tax,
        total_tax=totals.total_tax,
        total_with_tax=totals.total_with_tax,
        paid=zero,
        paid_excluding_tax=zero,
        client_id=fields.client_id,
        contact_email=fields.contact_email,
        note=fields.note,
        opportunity_id=fields.opportunity_id,
        milestone_id=fields.milestone_id,
        sales_order_id=fields.sales_order_id,
        subsidiary_id=fields.subsidiary_id,
        payment_reference=fields.payment_reference,
        custom_fields=fields.custom_fields,
        recurring_agreement=_agreement(fields.recurring_agreement),
        timezone=defaults.timezone,
        events=[],
        created=now,
        created_by=actor.user_id,
        updated=now,
        updated_by=actor.user_id,
    )
    return record(invoice, EventType.CREATE, "Invoice created", actor=actor, now=now)


def apply_changes(
    invoice: Invoice, fields: InvoiceFields, *, actor: Actor, now: datetime
) -> Invoice:
    """Change the fields whose value the request changes; when none does, the invoice is returned
    as it was (no event, nothing to write). Once it leaves DRAFT, only annotations may change."""
    ensure_allowed(invoice, Action.UPDATE)
    present = fields.model_fields_set
    cleared = sorted(name for name in present & REQUIRED_FIELDS if getattr(fields, name) is None)
    if cleared:
        raise InvalidInputError([FieldProblem(to_camel(n), "must not be null") for n in cleared])
    rows = _requested_rows(invoice, fields)
    # A client may send the whole invoice back: a value it repeats is no change.
    changed = {name for name in present if not _same(invoice, fields, name, rows)}
    content = changed & CONTENT_FIELDS
    if content and invoice.status != InvoiceStatus.DRAFT:
        raise FrozenFieldsError(
            invoice.id, invoice.status, _camel(content), _camel(ANNOTATION_FIELDS)
        )
    if not changed:
        return invoice
    changes = {name: getattr(fields, name) for name in changed & ANNOTATION_FIELDS}
    if "recurring_agreement" in changed:
        changes["recurring_agreement"] = _agreement(
            fields.recurring_agreement, invoice.recurring_agreement
        )
    if content:
        changes |= _content_changes(invoice, fields, rows)
    description = f"Changed {', '.join(_camel(changed))}"
    return record(invoice, EventType.UPDATE, description, actor=actor, now=now, **changes)


def _same(
    invoice: Invoice, fields: InvoiceFields, name: str, rows: list[InvoiceRow] | None
) -> bool:
    if name == "rows":
        return rows is not None and _same_rows(fields.rows or [], rows, invoice.rows)
    if name == "recurring_agreement":
        given = _agreement(fields.recurring_agreement, invoice.recurring_agreement)
        return given == invoice.recurring_agreement
    return bool(getattr(fields, name) == getattr(invoice, name))


def _same_rows(
    requested: Sequence[RowInput], priced: Sequence[InvoiceRow], stored: Sequence[InvoiceRow]
) -> bool:
    """The rows sent price to the rows stored, each sent without an id or under its own: a
    row sent back with its amounts and no rate is the same row."""
    return len(priced) == len(stored) and all(
        row.id in (None, old.id) and new.model_copy(update={"id": old.id}) == old
        for row, new, old in zip(requested, priced, stored, strict=True)
    )


def _requested_rows(invoice: Invoice, fields: InvoiceFields) -> list[InvoiceRow] | None:
    """The rows an update sends, priced in the currency and taxInclusive it leaves the invoice
    with; None when it sends none."""
    if fields.rows is None:
        return None
    currency, inclusive = _pricing_of(invoice, fields)
    return pricing.rows_for_update(fields.rows, invoice.rows, currency, inclusive)


def _pricing_of(invoice: Invoice, fields: InvoiceFields) -> tuple[str, bool]:
    inclusive = invoice.tax_inclusive if fields.tax_inclusive is None else fields.tax_inclusive
    return fields.currency or invoice.currency, inclusive


def _content_changes(
    invoice: Invoice, fields: InvoiceFields, requested: list[InvoiceRow] | None
) -> dict[str, object]:
    currency, inclusive = _pricing_of(invoice, fields)
    invoice_date = fields.invoice_date or invoice.invoice_date
    terms = (
        invoice.payment_term_days if fields.payment_term_days is None else fields.payment_term_days
    )
    rows = (
        requested
        if requested is not None
        else pricing.priced_rows([(row, row.id) for row in invoice.rows], currency, inclusive)
    )
    present = fields.model_fields_set
    return {
        "currency": currency,
        "invoice_date": invoice_date,
        "payment_term_days": terms,
        "due_date": _due_date(invoice_date, terms),
        "tax_inclusive": inclusive,
        "rows": rows,
        **pricing.totals_fields(rows, currency),
        "paid": round_money(invoice.paid, currency),
        "paid_excluding_tax": round_money(invoice.paid_excluding_tax, currency),
        **{
            name: getattr(fields, name)
            for name in ("client_id", "payment_reference")
            if name in present
        },
    }


def add_row(invoice: Invoice, row: RowInput, *, actor: Actor, now: datetime) -> Invoice:
    ensure_allowed(invoice, Action.ADD_ROW)
    if len(invoice.rows) >= MAX_ROWS:
        raise InvalidInputError([FieldProblem("rows", f"an invoice holds at most {MAX_ROWS} rows")])
    added = pricing.add_row(row, invoice.rows, invoice.currency, invoice.tax_inclusive)
    rows = [*invoice.rows, added]
    return record(
        invoice,
        EventType.ROW_ADDED,
        f"Row {added.id} added",
        actor=actor,
        now=now,
        rows=rows,
        **pricing.totals_fields(rows, invoice.currency),
    )


def remove_row(invoice: Invoice, row_id: str, *, actor: Actor, now: datetime) -> Invoice:
    ensure_allowed(invoice, Action.REMOVE_ROW)
    rows = [row for row in invoice.rows if row.id != row_id]
    if len(rows) == len(invoice.rows):
        raise RowNotFoundError(invoice.id, row_id)
    return record(
        invoice,
        EventType.ROW_REMOVED,
        f"Row {row_id} removed",
        actor=actor,
        now=now,
        rows=rows,
        **pricing.totals_fields(rows, invoice.currency),
    )


def add_comment(invoice: Invoice, text: str, *, actor: Actor, now: datetime) -> Invoice:
    ensure_allowed(invoice, Action.COMMENT)
    return record(invoice, EventType.COMMENT, text, actor=actor, now=now)


def ensure_deletable(invoice: Invoice) -> None:
    """Only drafts that never took a number: a numbered one is cancelled, so numbers keep no gap."""
    ensure_allowed(invoice, Action.DELETE)
    if invoice.invoice_number is not None:
        raise NumberedInvoiceError(invoice.id, invoice.invoice_number)


def _camel(names: Iterable[str]) -> list[str]:
    return sorted(to_camel(name) for name in names)


def _due_date(invoice_date: date, terms: int) -> date:
    # Checked here: model_copy skips validation, so a stored invoice could not be read back.
    due = invoice_date + timedelta(days=terms)
    if due > LATEST_DATE:
        problem = f"invoiceDate plus paymentTermDays must not be after {LATEST_DATE}"
        raise InvalidInputError([FieldProblem("paymentTermDays", problem)])
    return due


def _agreement(
    given: RecurringAgreementInput | None, current: RecurringAgreement | None = None
) -> RecurringAgreement | None:
    """The agreement as given. The same series (same next date and interval) keeps counting its
    periods from its anchor; any other starts a new series at its next date."""
    if given is None:
        return None
    agreement = RecurringAgreement.model_validate(given.model_dump())
    series = ("next_invoice_date", "interval_days", "interval_months")
    if current is not None and all(
        getattr(agreement, name) == getattr(current, name) for name in series
    ):
        return agreement.model_copy(
            update={
                "anchor_date": current.anchor_date,
                "periods_invoiced": current.periods_invoiced,
            }
        )
    return agreement.model_copy(update={"anchor_date": agreement.next_invoice_date})
