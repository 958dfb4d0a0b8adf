"""Credit note goldens through HTTP (issue 21): discounts, tax-inclusive prices and dinars to the
fils, as the wire writes them (exact JSON numbers in the currency's minor units), a part and then
the rest adding up to the invoice, and the invoice's open amount and figures following."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance import CheckedApi, checked_tenant
from tests.figures import exact_json
from tests.integration.test_credit_notes_api import (
    BASE,
    amounts,
    assert_figures_are_a_recount,
    credit,
    issued,
    read,
    row_id,
    totals,
)

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")


acme = checked_tenant("acme", "alice")


def credited_text(client: CheckedApi, invoice: dict[str, Any], **body: Any) -> tuple[Any, str]:
    reply = credit(client, invoice, **body)
    assert reply.status == 201, reply.body
    return exact_json(reply.body), reply.body.decode()


def part_then_rest(
    client: CheckedApi, invoice: dict[str, Any], quantity: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    first, _ = credited_text(
        client, invoice, rows=[{"rowId": row_id(invoice, 0), "quantity": quantity}]
    )
    rest, _ = credited_text(client, invoice)
    return first, rest


def test_a_percentage_discount_is_credited_pro_rata(acme: CheckedApi) -> None:
    # 3 x 33.33 = 99.99, less 10 % (10.00): 89.99 net, 21.60 tax, 111.59 in all.
    row = {"quantity": 3, "unitPrice": "33.33", "taxRate": 24}
    invoice = issued(acme, [{**row, "discount": 10, "discountType": "PERCENTAGE"}])

    first, rest = part_then_rest(acme, invoice, "1")

    (line,) = first["rows"]
    assert (str(line["unitPrice"]), str(line["discountAmount"])) == ("33.33", "3.33")
    assert amounts(line) == ("30.00", "7.20", "37.20")
    assert [str(rest["rows"][0][n]) for n in ("quantity", "discountAmount")] == ["2", "6.67"]
    assert amounts(rest["rows"][0]) == ("59.99", "14.40", "74.39")
    after = read(acme, invoice)
    assert totals(after["credited"]) == totals(invoice) == ("89.99", "21.60", "111.59")
    assert after["status"] == "PAID"
    assert_figures_are_a_recount(acme)


def test_a_fixed_discount_is_shared_by_quantity(acme: CheckedApi) -> None:
    # 3 x 25.00 = 75.00, less 10.00: 65.00 net, 15.60 tax, 80.60 in all.
    invoice = issued(acme, [{"quantity": 3, "unitPrice": "25.00", "taxRate": 24, "discount": 10}])

    first, rest = part_then_rest(acme, invoice, "1")

    assert str(first["rows"][0]["discountAmount"]) == "3.33"
    assert amounts(first["rows"][0]) == ("21.67", "5.20", "26.87")
    assert str(rest["rows"][0]["discountAmount"]) == "6.67"
    assert amounts(rest["rows"][0]) == ("43.33", "10.40", "53.73")
    assert totals(read(acme, invoice)["credited"]) == ("65.00", "15.60", "80.60")


def test_tax_inclusive_prices_split_the_tax_out_of_the_gross(acme: CheckedApi) -> None:
    # 3 x 9.99 gross = 29.97, of which 5.80 tax.
    invoice = issued(acme, [{"quantity": 3, "unitPrice": "9.99", "taxRate": 24}], taxInclusive=True)

    first, rest = part_then_rest(acme, invoice, "2")

    assert (first["taxInclusive"], str(first["rows"][0]["unitPrice"])) == (True, "9.99")
    assert amounts(first["rows"][0]) == ("16.11", "3.87", "19.98")
    assert amounts(rest["rows"][0]) == ("8.06", "1.93", "9.99")
    assert totals(read(acme, invoice)["credited"]) == ("24.17", "5.80", "29.97")


def test_an_amount_at_a_rate_of_a_tax_inclusive_invoice_is_gross(acme: CheckedApi) -> None:
    invoice = issued(acme, [{"quantity": 3, "unitPrice": "9.99", "taxRate": 24}], taxInclusive=True)

    note, text = credited_text(acme, invoice, amounts=[{"taxRate": 24, "amount": "5.00"}])

    assert amounts(note["rows"][0]) == ("4.03", "0.97", "5.00")
    assert '"totalWithTax": 5.00' in text
    assert str(read(acme, invoice)["credited"]["totalWithTax"]) == "5.00"
    assert_figures_are_a_recount(acme)


def test_kuwaiti_dinars_are_credited_to_the_fils(acme: CheckedApi) -> None:
    # 3 x 1.2345 = 3.704 (3.7035) at 5 %: 0.185 tax, 3.889 in all.
    invoice = issued(acme, [{"quantity": 3, "unitPrice": "1.2345", "taxRate": 5}], currency="KWD")

    first, text = credited_text(acme, invoice, rows=[{"rowId": row_id(invoice, 0), "quantity": 1}])
    rest, _ = credited_text(acme, invoice)

    assert amounts(first["rows"][0]) == ("1.235", "0.062", "1.297")
    assert '"totalWithTax": 1.297' in text
    assert amounts(rest["rows"][0]) == ("2.469", "0.123", "2.592")
    after = read(acme, invoice)
    assert totals(after["credited"]) == ("3.704", "0.185", "3.889")
    assert after["status"] == "PAID"
    figures = assert_figures_are_a_recount(acme)
    assert str(figures["totalCredited"]) == "3.889"


def test_cancelling_a_part_paid_dinar_invoice_credits_the_rest_to_the_fils(
    acme: CheckedApi,
) -> None:
    invoice = issued(acme, [{"quantity": 3, "unitPrice": "1.2345", "taxRate": 5}], currency="KWD")
    paid = acme.patch(f"{BASE}/{invoice['id']}/add-payment", {"amount": "1.000"})
    assert paid.status == 200, paid.body

    reply = acme.patch(f"{BASE}/{invoice['id']}/cancel")

    assert reply.status == 200, reply.body
    after = exact_json(reply.body)
    assert (after["status"], str(after["paid"])) == ("CANCELLED", "1.000")
    # 3.889 - 1.000 = 2.889 open, split into net and tax as what remains is (3.704 and 0.185):
    # 2.752 and 0.137, so the credits never take more tax than the invoice charged.
    assert totals(after["credited"]) == ("2.752", "0.137", "2.889")
    assert '"totalWithTax": 2.889' in reply.body.decode()
    assert_figures_are_a_recount(acme)
