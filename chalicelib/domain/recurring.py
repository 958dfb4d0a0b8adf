"""Recurring invoices: an invoice with a recurring agreement is the template of a series, and
each period that comes due makes one new invoice of type RECURRING from it: its rows, amounts
and client copied, its dates moved to the period."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from chalicelib.domain import due
from chalicelib.domain.events import record
from chalicelib.domain.invoice import EventType, Invoice, InvoiceType
from chalicelib.domain.money import round_money
from chalicelib.domain.pricing import TOTAL_FIELDS
from chalicelib.domain.values import LATEST_DATE, Actor, new_id

# What a period's invoice takes from its template; everything else starts afresh.
_COPIED = frozenset(
    {
        "currency",
        "payment_term_days",
        "client_id",
        "contact_email",
        "note",
        "opportunity_id",
        "milestone_id",
        "sales_order_id",
        "subsidiary_id",
        "payment_reference",
        "custom_fields",
        "tax_inclusive",
        "rows",
        *TOTAL_FIELDS,
        "timezone",
    }
)


def invoice_for_period(template: Invoice, period: date, *, actor: Actor, now: datetime) -> Invoice:
    """The period's invoice, a draft: dated on the period, due its payment terms later."""
    zero = round_money(Decimal(0), template.currency)
    invoice = Invoice.model_validate(
        {
            **template.model_dump(include=set(_COPIED)),
            "id": new_id(),
            "tenant_id": template.tenant_id,
            "type": InvoiceType.RECURRING,
            "invoice_date": period,
            # A period late in the last year falls due on its last day at the latest.
            "due_date": min(period + timedelta(days=template.payment_term_days), LATEST_DATE),
            "paid": zero,
            "paid_excluding_tax": zero,
            "created": now,
            "created_by": actor.user_id,
            "updated": now,
            "updated_by": actor.user_id,
        }
    )
    description = f"Recurring invoice for {period.isoformat()}, from invoice {template.id}"
    return record(invoice, EventType.CREATE, description, actor=actor, now=now)


def template_advanced(template: Invoice, *, actor: Actor, now: datetime) -> Invoice:
    """The template once its next period is invoiced. No event: a long series would otherwise
    grow the template without bound; each period's invoice names its template instead."""
    agreement = template.recurring_agreement
    assert agreement is not None, "only a template advances"
    return template.model_copy(
        update={
            "recurring_agreement": due.advanced(agreement),
            "updated": now,
            "updated_by": actor.user_id,
        }
    )
