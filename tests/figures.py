"""A tenant's report figures recomputed from its invoices as the API shows them, by the rules of
issue 4 and decision 0012 written out here, independently of chalicelib.domain.aggregates: what
GET /invoices/count-by-status and GET /invoices/stats must answer at every moment.

- countByStatus: every status, zeros included.
- totalInvoiced: totals of SENT, OVERDUE and PAID invoices.
- totalOutstanding: total - paid - credited of SENT and OVERDUE invoices.
- totalOverdue: total - paid - credited of OVERDUE invoices.
- totalPaid: paid of every invoice that left DRAFT, cancelled ones included, less what of it went
  beyond the invoice to its client's credit (clientCredit): counted where that credit settles
  another invoice (a CREDIT payment), so money is counted once.
- totalCredited: what credit notes credited (credited.totalWithTax) of SENT, OVERDUE and PAID
  invoices: the invoices totalInvoiced counts, so net invoiced is their difference (issue 21).
- A CANCELLED invoice that lists credit notes (an issued one, cancelled by the credit note for
  what it had open) counts in totalInvoiced and totalCredited too: net, it invoiced what was paid.
- currency: the tenant's one currency, or the default currency (EUR) when it has amounts in
  several; byCurrency, the same four totals per currency, only then. A currency counts when some
  invoice in it has an amount in one of the four totals (drafts have none, nor does a cancelled
  invoice that was never paid).
- Amounts are exact JSON numbers written with the currency's minor units.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.domain.aggregates import combined, contribution
from chalicelib.domain.invoice import Invoice
from chalicelib.store.items import STATS_SHARDS, invoice_item, stats_key, stats_shard

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

STATUSES = ("DRAFT", "SCHEDULED", "SENT", "OVERDUE", "PAID", "CANCELLED")
DEFAULT_CURRENCY = "EUR"
MINOR_UNITS = {"EUR": 2, "USD": 2, "GBP": 2, "JPY": 0, "KWD": 3}
TOTALS = ("totalInvoiced", "totalOutstanding", "totalOverdue", "totalPaid", "totalCredited")
ZERO = Decimal(0)


def exact_json(text: str | bytes) -> Any:
    """JSON with its decimals read as Decimal, so 119.00 keeps its value and its two places."""
    return json.loads(text, parse_float=Decimal)


def expected_counts(invoices: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for invoice in invoices:
        counts[invoice["status"]] += 1
    return counts


def expected_stats(invoices: list[dict[str, Any]]) -> dict[str, Any]:
    by_currency: dict[str, dict[str, Decimal]] = {}
    for invoice in invoices:
        status = invoice["status"]
        total, paid = Decimal(str(invoice["total"])), Decimal(str(invoice["paid"]))
        credited = Decimal(str(invoice["credited"]["totalWithTax"]))
        sums = by_currency.setdefault(invoice["currency"], dict.fromkeys(TOTALS, ZERO))
        cancelled_by_credit = status == "CANCELLED" and invoice["credited"]["creditNotes"]
        if status in ("SENT", "OVERDUE", "PAID") or cancelled_by_credit:
            sums["totalInvoiced"] += total
            sums["totalCredited"] += credited
        if status in ("SENT", "OVERDUE"):
            sums["totalOutstanding"] += total - paid - credited
        if status == "OVERDUE":
            sums["totalOverdue"] += total - paid - credited
        if status != "DRAFT":
            sums["totalPaid"] += paid - Decimal(str(invoice.get("clientCredit", 0)))
    currencies = sorted(c for c, sums in by_currency.items() if any(sums.values()))
    main = currencies[0] if len(currencies) == 1 else DEFAULT_CURRENCY
    zeros = dict.fromkeys(TOTALS, ZERO)
    expected: dict[str, Any] = {
        "countByStatus": expected_counts(invoices),
        **by_currency.get(main, zeros),
        "currency": main,
    }
    if len(currencies) > 1:
        expected["byCurrency"] = {c: by_currency[c] for c in currencies}
    return expected


def assert_amounts_in_minor_units(stats: dict[str, Any]) -> None:
    """Each amount is written with exactly its currency's places: 119.00 EUR, 1190 JPY."""
    groups = [(stats["currency"], stats), *stats.get("byCurrency", {}).items()]
    for currency, totals in groups:
        for name in TOTALS:
            exponent = Decimal(totals[name]).as_tuple().exponent
            assert exponent == -MINOR_UNITS[currency], (currency, name, totals[name])


def load_straight(client: DynamoDBClient, table: str, invoices: Sequence[Invoice]) -> None:
    """Invoices written straight into the table, as the benchmark loads them, each adding its
    figures to its own shard as its write would: quick where moto copies the whole table for
    every transaction."""
    for start in range(0, len(invoices), 25):
        puts: list[Any] = [
            {"PutRequest": {"Item": invoice_item(invoice)}}
            for invoice in invoices[start : start + 25]
        ]
        client.batch_write_item(RequestItems={table: puts})
    for shard in range(STATS_SHARDS):
        figures = combined(contribution(i) for i in invoices if stats_shard(i.id) == shard)
        if not figures:
            continue
        names = sorted(figures)
        client.update_item(
            TableName=table,
            Key=stats_key(invoices[0].tenant_id, shard),
            UpdateExpression="ADD " + ", ".join(f"#f{n} :v{n}" for n in range(len(names))),
            ExpressionAttributeNames={f"#f{n}": name for n, name in enumerate(names)},
            ExpressionAttributeValues={
                f":v{n}": {"N": str(figures[name])} for n, name in enumerate(names)
            },
        )
