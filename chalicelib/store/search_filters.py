"""Search filters as a DynamoDB FilterExpression over the small attributes every index carries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.invoice import InvoiceStatus
from chalicelib.domain.search import Filters
from chalicelib.store import keys

_WIRE_DAY = "{}T00:00:00Z"  # how invoice and due dates are stored (as on the wire)


@dataclass
class Condition:
    expression: str = ""
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    _parts: list[str] = field(default_factory=list)

    def add(self, part: str, names: dict[str, str], values: dict[str, Any]) -> None:
        self._parts.append(part)
        self.names |= names
        self.values |= values
        self.expression = " AND ".join(self._parts)


def filter_condition(
    filters: Filters,
    today: date,
    *,
    skip: set[str] | frozenset[str] = frozenset(),
    terms: Sequence[str] = (),
) -> Condition | None:
    """Every filter not in `skip` (already enforced by the key) and every search term, ANDed."""
    condition = Condition()
    for name in sorted(filters.given - skip):
        _ADD[name](condition, getattr(filters, name), today)
    for number, term in enumerate(terms):
        condition.add(
            f"contains(#text, :t{number})", {"#text": "searchText"}, {f":t{number}": {"S": term}}
        )
    return condition if condition.expression else None


def _equals(attribute: str) -> Any:
    def add(condition: Condition, value: Any, _: date) -> None:
        condition.add(
            f"#{attribute} = :{attribute}",
            {f"#{attribute}": attribute},
            {f":{attribute}": {"S": str(value)}},
        )

    return add


def _statuses(condition: Condition, statuses: list[InvoiceStatus], _: date) -> None:
    placeholders = {f":status{n}": {"S": str(status)} for n, status in enumerate(statuses)}
    condition.add(f"#status IN ({', '.join(placeholders)})", {"#status": "status"}, placeholders)


def _day_bound(attribute: str, operator: str, name: str) -> Any:
    def add(condition: Condition, value: date, _: date) -> None:
        condition.add(
            f"#{attribute} {operator} :{name}",
            {f"#{attribute}": attribute},
            {f":{name}": {"S": _WIRE_DAY.format(value.isoformat())}},
        )

    return add


def _total_bound(operator: str, name: str) -> Any:
    def add(condition: Condition, value: Decimal, _: date) -> None:
        bound = keys.total_bound(value, lower=operator == ">=")
        condition.add(
            f"#total {operator} :{name}", {"#total": "total"}, {f":{name}": {"N": str(bound)}}
        )

    return add


def _overdue(condition: Condition, wanted: bool, today: date) -> None:
    """Overdue: flagged OVERDUE, or SENT with its due date passed before the job flags it."""
    overdue = "(#status = :overdue OR (#status = :sent AND #dueDate < :today))"
    condition.add(
        overdue if wanted else f"NOT {overdue}",
        {"#status": "status", "#dueDate": "dueDate"},
        {
            ":overdue": {"S": str(InvoiceStatus.OVERDUE)},
            ":sent": {"S": str(InvoiceStatus.SENT)},
            ":today": {"S": _WIRE_DAY.format(today.isoformat())},
        },
    )


_ADD = {
    "status": _statuses,
    "client_id": _equals("clientId"),
    "currency": _equals("currency"),
    "opportunity_id": _equals("opportunityId"),
    "invoice_date_from": _day_bound("invoiceDate", ">=", "invoiceDateFrom"),
    "invoice_date_to": _day_bound("invoiceDate", "<=", "invoiceDateTo"),
    "due_date_from": _day_bound("dueDate", ">=", "dueDateFrom"),
    "due_date_to": _day_bound("dueDate", "<=", "dueDateTo"),
    "overdue": _overdue,
    "min_total": _total_bound(">=", "minTotal"),
    "max_total": _total_bound("<=", "maxTotal"),
}
