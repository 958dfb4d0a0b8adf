"""A tenant's figures (counts by status, amounts invoiced, outstanding, overdue, paid and
credited): what each invoice contributes, so that every write can keep them in step in its own
transaction. Credited counts where invoiced does, so net invoiced (invoiced - credited) is read
with them in the same one call; an invoice cancelled by a credit note counts in both."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal

from pydantic import ConfigDict, Field

from chalicelib.domain.base import DomainModel
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.money import ZERO, round_money

Figures = dict[str, Decimal]

_S = InvoiceStatus
_ISSUED = frozenset({_S.SENT, _S.OVERDUE, _S.PAID})
_OPEN = frozenset({_S.SENT, _S.OVERDUE})
MEASURES = ("invoiced", "outstanding", "overdue", "paid", "credited")


def contribution(invoice: Invoice | None) -> Figures:
    """The figures one invoice adds to its tenant (none for no invoice)."""
    if invoice is None:
        return {}
    currency, status = invoice.currency, invoice.status
    figures = {f"count#{status}#{currency}": Decimal(1)}
    credited = invoice.credited.total_with_tax
    unpaid = invoice.total - invoice.paid - credited  # what neither payments nor credits cover
    invoiced = status in _ISSUED or _cancelled_by_credit_note(invoice)
    amounts = {
        "invoiced": invoice.total if invoiced else ZERO,
        "outstanding": unpaid if status in _OPEN else ZERO,
        "overdue": unpaid if status == _S.OVERDUE else ZERO,
        # What payments settled of it: an excess is its client's credit, counted once, on the
        # invoice a CREDIT payment later settles with it (decision 0056).
        "paid": invoice.paid - invoice.client_credit if status != _S.DRAFT else ZERO,
        "credited": credited if invoiced else ZERO,
    }
    figures |= {f"{measure}#{currency}": amount for measure, amount in amounts.items() if amount}
    return figures


def _cancelled_by_credit_note(invoice: Invoice) -> bool:
    """Issued, then cancelled by the credit note for what it had open (decision 0058): it stays
    invoiced, and credited, so net invoiced is what was paid on it and totalCredited adds up its
    credit notes. An invoice cancelled before credit notes existed counts as it always did."""
    return invoice.status == _S.CANCELLED and bool(invoice.credited.credit_notes)


def delta(before: Invoice | None, after: Invoice | None) -> Figures:
    """What a write changes in the figures: after minus before, only what is not zero."""
    old, new = contribution(before), contribution(after)
    changed = {name: new.get(name, ZERO) - old.get(name, ZERO) for name in old.keys() | new.keys()}
    return {name: value for name, value in changed.items() if value}


def combined(deltas: Iterable[Mapping[str, Decimal]]) -> Figures:
    total: Figures = {}
    for figures in deltas:
        for name, value in figures.items():
            total[name] = total.get(name, ZERO) + value
    return {name: value for name, value in total.items() if value}


class Totals(DomainModel):
    total_invoiced: Decimal
    total_outstanding: Decimal
    total_overdue: Decimal
    total_paid: Decimal
    # What credit notes credited of the invoices in totalInvoiced: net invoiced is the difference.
    total_credited: Decimal


class InvoiceStats(DomainModel):
    # Answered without its nulls: byCurrency only when the tenant invoices in several.
    model_config = ConfigDict(json_schema_serialization_defaults_required=False)

    count_by_status: dict[str, int]
    total_invoiced: Decimal
    total_outstanding: Decimal
    total_overdue: Decimal
    total_paid: Decimal
    total_credited: Decimal
    currency: str
    by_currency: dict[str, Totals] | None = Field(default=None)


def count_by_status(figures: Mapping[str, Decimal]) -> dict[str, int]:
    """Every status, zero included, so a screen can show all of them."""
    return {str(status): count_matching(figures, [status]) for status in InvoiceStatus}


def count_matching(
    figures: Mapping[str, Decimal],
    statuses: Collection[str] | None = None,
    currency: str | None = None,
) -> int:
    """How many invoices are in one of `statuses` (any when None) and in `currency` (any when
    None): counts are kept by status and currency, the filters of a finance screen's tabs."""
    wanted = {str(status) for status in statuses} if statuses is not None else None
    total = ZERO
    for name, value in figures.items():
        kind, _, rest = name.partition("#")
        status, _, in_currency = rest.partition("#")
        if kind != "count" or (wanted is not None and status not in wanted):
            continue
        if currency is None or in_currency == currency:
            total += value
    return int(total)


def stats(figures: Mapping[str, Decimal], default_currency: str) -> InvoiceStats:
    """Totals in the tenant's one currency, or in its default currency plus a breakdown by
    currency when it invoices in several."""
    currencies = sorted(
        {name.split("#", 1)[1] for name in figures if not name.startswith("count#")}
    )
    main = currencies[0] if len(currencies) == 1 else default_currency
    totals = {currency: _totals(figures, currency) for currency in {*currencies, main}}
    return InvoiceStats(
        count_by_status=count_by_status(figures),
        **totals[main].model_dump(),
        currency=main,
        by_currency={c: totals[c] for c in currencies} if len(currencies) > 1 else None,
    )


def _totals(figures: Mapping[str, Decimal], currency: str) -> Totals:
    def amount(measure: str) -> Decimal:
        return round_money(figures.get(f"{measure}#{currency}", ZERO), currency)

    return Totals(
        total_invoiced=amount("invoiced"),
        total_outstanding=amount("outstanding"),
        total_overdue=amount("overdue"),
        total_paid=amount("paid"),
        total_credited=amount("credited"),
    )
