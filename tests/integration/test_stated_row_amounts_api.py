"""Rows that state their amounts, as the native document's examples send them (decision 0032):
a row without a rate takes the rate its amounts imply, or keeps its tax as stated with no rate;
what a row states and does not come to is a 400 naming it; a client's row id is kept. And the
body of a comment, and a payment's account (decision 0033)."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import boto3
import pytest
import simplejson
from boto3.dynamodb.types import TypeDeserializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.store.keys import invoice_sk, tenant_pk
from invoicing_cli.local import TABLE_NAME
from tests.support import Api, DynamoCalls, Reply, stored_items

BASE = "/api/v1/invoices"
AMOUNTS = ("total", "taxAmount", "totalWithTax", "discountAmount")
MINOR_UNITS = {"EUR": 2, "JPY": 0, "KWD": 3}
_WIDE = Context(prec=60, rounding=ROUND_HALF_UP)  # half away from zero, as the money rules


def post(client: Api, path: str, body: Any, method: str = "POST") -> Reply:
    """Numbers written exactly as given (Decimals as JSON numbers, never floats)."""
    text = simplejson.dumps(body, use_decimal=True)
    headers = {"Content-Type": "application/json"}
    return client.request(method, f"{BASE}{path}", body=text, headers=headers)


def answer(reply: Reply, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.body
    body: dict[str, Any] = json.loads(reply.body, parse_float=Decimal)
    return body


def refused(reply: Reply, *fields: str) -> dict[str, Any]:
    body = answer(reply, 400)
    assert {"title", "detail", "time"} <= body.keys()
    assert [error["field"] for error in body["errors"]] == list(fields), body
    return body


def created(client: Api, *rows: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return answer(post(client, "", {"currency": "EUR", **fields, "rows": list(rows)}), 201)


def found(client: Api, invoice_id: str) -> dict[str, Any]:
    return answer(client.get(f"{BASE}/find/{invoice_id}"), 200)


def stored_rows(tenant: str, invoice_id: str) -> list[dict[str, Any]]:
    """The invoice's rows as DynamoDB holds them, read past the app."""
    key = {"PK": {"S": tenant_pk(tenant)}, "SK": {"S": invoice_sk(invoice_id)}}
    item = boto3.client("dynamodb").get_item(TableName=TABLE_NAME, Key=key)["Item"]
    rows: list[dict[str, Any]] = TypeDeserializer().deserialize(item["rows"])
    return rows


def stored_count(tenant: str) -> int:
    """How many invoices the tenant has in the table."""
    reply = boto3.client("dynamodb").query(
        TableName=TABLE_NAME,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues={":pk": {"S": tenant_pk(tenant)}, ":prefix": {"S": "INV#"}},
        Select="COUNT",
    )
    return int(reply["Count"])


def as_sent_back(invoice: dict[str, Any]) -> dict[str, Any]:
    """The rows as a client that knows only the document's request sends them: no taxRate."""
    return {"rows": [{k: v for k, v in row.items() if k != "taxRate"} for row in invoice["rows"]]}


class TestARowWithoutARate:
    def test_its_stated_tax_gives_it_the_rate_it_implies(self, acme: Api) -> None:
        row = {"unitPrice": 100, "quantity": 1, "taxAmount": 19, "totalWithTax": 119}
        invoice = created(acme, row)
        [priced] = invoice["rows"]
        assert (priced["taxRate"], priced["taxAmount"], priced["totalWithTax"]) == (19, 19, 119)
        assert (invoice["totalTax"], invoice["totalWithTax"], invoice["total"]) == (19, 119, 119)
        assert stored_rows("acme", invoice["id"])[0]["taxRate"] == 19

    @pytest.mark.parametrize(
        ("row", "rate"),
        [
            ({"quantity": 1, "unitPrice": "123.45", "taxAmount": "9.51"}, "7.7"),  # fewest places
            ({"quantity": 1, "unitPrice": "0.10", "totalWithTax": "0.12"}, "20"),  # 15 to 24.99..
            ({"quantity": -1, "unitPrice": 100, "taxAmount": -19}, "19"),  # a credit row
            ({"quantity": 1, "unitPrice": 0, "taxAmount": 0}, "0"),
        ],
    )
    def test_the_rate_is_the_simplest_that_gives_the_tax(
        self, acme: Api, row: dict[str, Any], rate: str
    ) -> None:
        [priced] = created(acme, row)["rows"]
        assert priced["taxRate"] == Decimal(rate)
        assert all(
            priced[name] == Decimal(str(value)) for name, value in row.items() if name in AMOUNTS
        )

    def test_prices_that_include_tax_imply_the_rate_of_the_tax_they_include(
        self, acme: Api
    ) -> None:
        row = {"quantity": 1, "unitPrice": 119, "total": 100, "taxAmount": 19, "totalWithTax": 119}
        invoice = created(acme, row, taxInclusive=True)
        assert (invoice["rows"][0]["taxRate"], invoice["totalExcludingTax"]) == (19, 100)

    def test_a_discounted_row_states_what_it_comes_to_after_its_discount(self, acme: Api) -> None:
        row = {"quantity": 2, "unitPrice": 50, "discount": 10, "discountType": "PERCENTAGE",
               "discountAmount": 10, "total": 90, "taxAmount": "17.10",
               "totalWithTax": "107.10"}  # fmt: skip
        invoice = created(acme, row)
        assert (invoice["rows"][0]["taxRate"], invoice["totalDiscount"]) == (19, 10)
        wrong = {**row, "discountAmount": 9}
        refused(post(acme, "", {"rows": [wrong]}), "rows[0].discountAmount")

    def test_a_tax_no_rate_gives_is_kept_as_stated_without_a_rate(self, acme: Api) -> None:
        # 0.01 on 1,000,000.00 is 0.000001 %: no rate of 4 decimals gives it.
        row = {"quantity": 1, "unitPrice": 1000000, "taxAmount": "0.01"}
        tax_only = {"description": "Tax adjustment", "quantity": 0, "unitPrice": 10, "taxAmount": 5}
        invoice = created(acme, row, tax_only)
        kept, adjustment = invoice["rows"]
        assert (kept["taxRate"], kept["taxAmount"], kept["totalWithTax"]) == (
            None, Decimal("0.01"), Decimal("1000000.01"),
        )  # fmt: skip
        assert (adjustment["taxRate"], adjustment["total"], adjustment["totalWithTax"]) == (
            None,
            0,
            5,
        )
        totals = (invoice["totalExcludingTax"], invoice["totalTax"], invoice["totalWithTax"])
        assert totals == (Decimal("1000000.00"), Decimal("5.01"), Decimal("1000005.01"))
        assert [row.get("taxRate") for row in stored_rows("acme", invoice["id"])] == [None, None]

    def test_a_row_sent_back_as_answered_is_no_change_even_once_issued(
        self, acme: Api, globex: Api
    ) -> None:
        invoice = created(
            acme,
            {
                "quantity": 1,
                "unitPrice": 1,
                "taxRate": "19.5",
            },  # 0.195 rounds to 0.20: 20 would too
            {"quantity": 1, "unitPrice": 1000000, "taxAmount": "0.01"},
        )
        for body in (as_sent_back(invoice), {"rows": invoice["rows"]}):
            assert post(globex, f"/{invoice['id']}/update", body, "PATCH").status == 404
            assert answer(post(acme, f"/{invoice['id']}/update", body, "PATCH"), 200) == invoice
        issued = answer(acme.patch(f"{BASE}/{invoice['id']}/mark-as-sent"), 200)
        again = answer(post(acme, f"/{issued['id']}/update", as_sent_back(issued), "PATCH"), 200)
        assert again == issued and [row["taxRate"] for row in again["rows"]] == [
            Decimal("19.5"),
            None,
        ]
        pdf = acme.post(f"{BASE}/{issued['id']}/generate-pdf")  # a row without a rate renders
        assert pdf.status == 200, pdf.body


class TestWhatARowStatesMustBeWhatItComesTo:
    @pytest.mark.parametrize(
        ("row", "fields"),
        [
            ({"taxRate": 20, "taxAmount": 19}, ["rows[0].taxAmount"]),
            ({"taxRate": 19, "total": 99, "totalWithTax": 119}, ["rows[0].total"]),
            ({"taxAmount": 19, "totalWithTax": 120}, ["rows[0].totalWithTax"]),
            ({"total": "100.001"}, ["rows[0].total"]),  # finer than a cent
            (
                {"taxAmount": 19, "total": 1, "totalWithTax": 1},
                ["rows[0].total", "rows[0].totalWithTax"],
            ),
        ],
    )
    def test_an_amount_the_row_does_not_come_to_is_refused_naming_it(
        self, acme: Api, row: dict[str, Any], fields: list[str]
    ) -> None:
        body = {"currency": "EUR", "rows": [{"quantity": 1, "unitPrice": 100, **row}]}
        refused(post(acme, "", body), *fields)
        assert stored_items("acme", "INV#") == []

    def test_a_tax_the_new_currency_cannot_write_is_refused_and_changes_nothing(
        self, acme: Api, globex: Api
    ) -> None:
        invoice = created(acme, {"quantity": 1, "unitPrice": 1000000, "taxAmount": "0.01"})
        assert post(globex, f"/{invoice['id']}/update", {"currency": "USD"}, "PATCH").status == 404
        refused(
            post(acme, f"/{invoice['id']}/update", {"currency": "JPY"}, "PATCH"),
            "rows[0].taxAmount",
        )
        assert found(acme, invoice["id"]) == invoice
        moved = answer(post(acme, f"/{invoice['id']}/update", {"currency": "USD"}, "PATCH"), 200)
        assert (moved["rows"][0]["taxRate"], moved["totalTax"]) == (None, Decimal("0.01"))

    def test_a_row_changed_with_its_old_amounts_is_refused(self, acme: Api) -> None:
        invoice = created(acme, {"quantity": 1, "unitPrice": 100, "taxRate": 19})
        stale = {**invoice["rows"][0], "quantity": 2}  # still saying 100.00, 19.00, 119.00
        reply = post(acme, f"/{invoice['id']}/update", {"rows": [stale]}, "PATCH")
        refused(reply, "rows[0].total", "rows[0].taxAmount", "rows[0].totalWithTax")
        assert found(acme, invoice["id"]) == invoice


class TestRowIds:
    def test_a_clients_row_ids_are_kept_and_one_given_twice_is_refused(self, acme: Api) -> None:
        invoice = created(
            acme, {"id": "a", "quantity": 1, "unitPrice": 1}, {"quantity": 1, "unitPrice": 2}
        )
        assert invoice["rows"][0]["id"] == "a" and invoice["rows"][1]["id"] != "a"
        twice = [
            {"id": "a", "quantity": 1, "unitPrice": 1},
            {"id": "a", "quantity": 2, "unitPrice": 1},
        ]
        body = refused(
            post(acme, f"/{invoice['id']}/update", {"rows": twice}, "PATCH"), "rows[1].id"
        )
        assert "a is already the id of rows[0]" in body["errors"][0]["message"]
        refused(
            post(acme, f"/{invoice['id']}/rows", {"id": "a", "quantity": 1, "unitPrice": 3}), "id"
        )
        assert found(acme, invoice["id"]) == invoice
        added = answer(
            post(acme, f"/{invoice['id']}/rows", {"id": "b", "quantity": 1, "unitPrice": 3}), 200
        )
        assert [row["id"] for row in added["rows"]][::2] == ["a", "b"]
        removed = answer(acme.delete(f"{BASE}/{invoice['id']}/rows/b"), 200)
        assert [row["id"] for row in removed["rows"]] == [row["id"] for row in invoice["rows"]]


class TestCallsStayAsTheyWere:
    def test_stating_amounts_costs_no_call(self, acme: Api, dynamo_calls: DynamoCalls) -> None:
        row = {"quantity": 1, "unitPrice": 100, "taxAmount": 19}
        created(acme)  # the tenant's settings read once, and kept a minute
        dynamo_calls.reset()
        invoice = created(acme, row)
        assert dynamo_calls.count == 1
        dynamo_calls.reset()
        answer(post(acme, f"/{invoice['id']}/update", {"rows": [row, row]}, "PATCH"), 200)
        answer(post(acme, f"/{invoice['id']}/rows", row), 200)
        assert dynamo_calls.count == 4


# A row as the money rules price it, computed here on its own: amount = round(q x p), less its
# discount; the tax any amount in minor units (at a rate, or one no rate gives).
def rounded(value: Decimal, currency: str) -> Decimal:
    return _WIDE.add(_WIDE.quantize(value, Decimal(1).scaleb(-MINOR_UNITS[currency])), Decimal(0))


@st.composite
def stated_rows(draw: st.DrawFn) -> tuple[str, bool, dict[str, Any]]:
    """A currency, whether prices include tax, and a row without a rate whose stated amounts
    are what it comes to, with any tax: one a rate gives, or any other."""
    currency = draw(st.sampled_from(sorted(MINOR_UNITS)))
    inclusive = draw(st.booleans())
    quantity = draw(st.decimals(min_value=-1000, max_value=1000, places=3))
    price = draw(st.decimals(min_value=-100000, max_value=100000, places=4))
    amount = rounded(_WIDE.multiply(quantity, price), currency)
    row: dict[str, Any] = {"quantity": quantity, "unitPrice": price}
    discount = Decimal(0)
    if draw(st.booleans()):
        percent = draw(st.decimals(min_value=0, max_value=100, places=2))
        row |= {"discount": percent, "discountType": "PERCENTAGE"}
        discount = rounded(_WIDE.multiply(amount, percent) / 100, currency)
    discounted = amount - discount
    unit = Decimal(1).scaleb(-MINOR_UNITS[currency])
    rate = draw(st.none() | st.decimals(min_value=0, max_value=100, places=4))
    if rate is None:
        tax = draw(st.integers(-(10**7), 10**7)) * unit
    else:
        base = _WIDE.add(100, rate) if inclusive else Decimal(100)
        tax = rounded(_WIDE.divide(_WIDE.multiply(discounted, rate), base), currency)
    total, gross = (discounted - tax, discounted) if inclusive else (discounted, discounted + tax)
    amounts = {"total": total, "taxAmount": tax, "totalWithTax": gross, "discountAmount": discount}
    sent = draw(st.sets(st.sampled_from(AMOUNTS), min_size=1))
    return currency, inclusive, row | {name: amounts[name] for name in sent}


PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_stored_as_sent(acme: Api, invoice: dict[str, Any], row: dict[str, Any]) -> None:
    """The row's amounts, in the answer, as read back and as stored, are the ones sent; a rate
    it took has 4 decimals at most; its parts and the invoice's totals add up."""
    [answered] = invoice["rows"]
    [kept] = stored_rows("acme", invoice["id"])
    assert found(acme, invoice["id"]) == invoice
    for name in AMOUNTS:
        if name in row:
            assert answered[name] == kept[name] == row[name], name
    assert answered["totalWithTax"] == answered["total"] + answered["taxAmount"]
    rate = answered["taxRate"]
    assert rate is None or (0 <= rate <= 100 and Decimal(rate).quantize(Decimal("1E-4")) == rate)
    totals = (invoice["totalExcludingTax"], invoice["totalTax"], invoice["totalWithTax"])
    assert totals == (answered["total"], answered["taxAmount"], answered["totalWithTax"])


@PROPERTY
@given(case=stated_rows())
def test_a_row_whose_amounts_are_what_it_comes_to_is_kept_exactly_as_sent(
    acme: Api, case: tuple[str, bool, dict[str, Any]]
) -> None:
    currency, inclusive, row = case
    reply = post(acme, "", {"currency": currency, "taxInclusive": inclusive, "rows": [row]})
    assert_stored_as_sent(acme, answer(reply, 201), row)


amounts = st.decimals(min_value=-(10**6), max_value=10**6, places=3)


@PROPERTY
@given(
    currency=st.sampled_from(sorted(MINOR_UNITS)),
    inclusive=st.booleans(),
    row=st.fixed_dictionaries(
        {
            "quantity": st.decimals(min_value=-100, max_value=100, places=2),
            "unitPrice": st.decimals(min_value=-1000, max_value=1000, places=2),
        },
        optional={
            "taxRate": st.none() | st.decimals(min_value=0, max_value=100, places=2),
            "discount": st.decimals(min_value=0, max_value=100, places=2),
            **dict.fromkeys(AMOUNTS, amounts),
        },
    ),
)
def test_any_row_the_api_accepts_with_amounts_is_kept_exactly_as_sent(
    acme: Api, currency: str, inclusive: bool, row: dict[str, Any]
) -> None:
    before = stored_count("acme")
    reply = post(acme, "", {"currency": currency, "taxInclusive": inclusive, "rows": [row]})
    assert reply.status in (201, 400), reply.body
    if reply.status == 201:
        assert_stored_as_sent(acme, answer(reply, 201), row)
        return
    named = {error["field"] for error in answer(reply, 400)["errors"]}
    assert named <= {f"rows[0].{name}" for name in row}, named
    assert stored_count("acme") == before


any_json_scalar = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["1e400", "1E-400", "sNaN", "0.1", "-0", "19,00", "١٩"])
)


@PROPERTY
@given(
    values=st.dictionaries(st.sampled_from([*AMOUNTS, "taxRate", "id"]), any_json_scalar),
    inclusive=st.booleans(),
)
def test_any_value_for_a_rows_amounts_is_answered_soundly(
    acme: Api, values: dict[str, Any], inclusive: bool
) -> None:
    row = {"quantity": 3, "unitPrice": "33.33", **values}
    for reply in (
        post(acme, "", {"taxInclusive": inclusive, "rows": [row, row]}),
        post(acme, "/batch", {"invoices": [{"rows": [row]}]}),
    ):
        assert reply.status < 500, reply.body
        if reply.status >= 400:
            assert {"title", "detail", "time"} <= json.loads(reply.body).keys()


class TestComments:
    @pytest.mark.parametrize(
        ("body", "text"),
        [
            ("Called them", "Called them"),  # not JSON: the text as sent
            ('"Called them"', "Called them"),  # a JSON string: its value
            ("42", "42"),
            ("  [draft] call back  ", "[draft] call back"),
            ("x" * 5000, "x" * 5000),
        ],
    )
    def test_the_body_is_the_comment(self, acme: Api, globex: Api, body: str, text: str) -> None:
        invoice = created(acme)
        headers = {"Content-Type": "application/json"}
        path = f"{BASE}/{invoice['id']}/comment"
        assert globex.request("POST", path, body=body, headers=headers).status == 404
        commented = answer(acme.request("POST", path, body=body, headers=headers), 200)
        assert commented["events"][-1]["description"] == text
        assert found(acme, invoice["id"]) == commented

    @pytest.mark.parametrize(
        ("body", "content_type"),
        [
            ('{"text": "hi"}', "application/json"),
            ("[1, 2]", "application/json"),
            ("", "application/json"),
            ("   ", "text/plain"),
            ('""', "application/json"),
            ("x" * 5001, "application/json"),
            (b"\xff\xfe", "text/plain"),
        ],
    )
    def test_a_body_that_is_no_comment_is_refused_and_changes_nothing(
        self, acme: Api, body: str | bytes, content_type: str
    ) -> None:
        invoice = created(acme)
        path = f"{BASE}/{invoice['id']}/comment"
        reply = acme.request("POST", path, body=body, headers={"Content-Type": content_type})
        refused(reply, "body")
        assert found(acme, invoice["id"]) == invoice


class TestPaymentAccounts:
    def test_a_payments_account_id_is_stored_and_answered(self, acme: Api, globex: Api) -> None:
        invoice = created(acme, {"quantity": 1, "unitPrice": 100})
        answer(acme.patch(f"{BASE}/{invoice['id']}/mark-as-sent"), 200)
        payment = {"amount": 40, "accountId": "DE89 main", "paymentMethod": "BANK_TRANSFER"}
        path = f"/{invoice['id']}/add-payment"
        assert post(globex, path, payment, "PATCH").status == 404
        paid = answer(post(acme, path, payment, "PATCH"), 200)
        assert paid["transactions"][0]["accountId"] == "DE89 main"
        [item] = stored_items("acme", "INV#")
        assert item["transactions"]["L"][0]["M"]["accountId"] == {"S": "DE89 main"}
        refused(post(acme, path, {**payment, "accountId": "x" * 129}, "PATCH"), "accountId")
        assert found(acme, invoice["id"]) == paid
