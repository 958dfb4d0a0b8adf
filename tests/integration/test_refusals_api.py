"""Input the API used to take and now refuses, each with the documented error body and nothing
changed: marking a credit (a negative invoice) as paid, a JWT whose `exp` is a string, and
numbers written with other scripts' digits or underscores."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing_cli.local import LOCAL_JWT_SECRET
from tests.support import Api, Reply

BASE = "/api/v1/invoices"
CREDIT = {"description": "Refund", "quantity": -1, "unitPrice": 100}
RELAXED = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def problem(reply: Reply, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.body
    body: dict[str, Any] = json.loads(reply.body)
    assert {"title", "detail", "time"} <= body.keys()
    return body


def test_marking_a_credit_as_paid_is_refused_and_records_no_payment(acme: Api, globex: Api) -> None:
    credit = acme.post(BASE, {"currency": "EUR", "rows": [CREDIT]}).json()
    assert credit["total"] == -100
    path = f"{BASE}/{credit['id']}"
    assert acme.patch(f"{path}/mark-as-sent").status == 200
    assert globex.patch(f"{path}/mark-as-paid").status == 404

    detail = problem(acme.patch(f"{path}/mark-as-paid"), 409)["detail"]

    assert "-100.00 EUR" in detail and "credit" in detail
    after = acme.get(f"{BASE}/find/{credit['id']}").json()
    assert (after["status"], after["transactions"], after["paid"]) == ("SENT", [], 0)


@pytest.mark.parametrize("seconds_left", [3600, 10**10])
def test_a_jwt_whose_exp_is_a_string_answers_401(api: Api, seconds_left: int) -> None:
    claims = {"tenant_id": "acme", "sub": "alice", "exp": str(int(time.time()) + seconds_left)}
    bearer = jwt.encode(claims, LOCAL_JWT_SECRET, algorithm="HS256")

    reply = api.with_headers({"Authorization": f"Bearer {bearer}"}).get(f"{BASE}/find-all")

    problem(reply, 401)


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_a_jwt_whose_other_dates_are_strings_answers_401(api: Api, claim: str) -> None:
    claims = {"tenant_id": "acme", "sub": "alice", "exp": int(time.time()) + 60, claim: "1"}
    bearer = jwt.encode(claims, LOCAL_JWT_SECRET, algorithm="HS256")
    problem(api.with_headers({"Authorization": f"Bearer {bearer}"}).get(f"{BASE}/find-all"), 401)


# Each would be a valid value read as Python reads it (10, 3.5, 10.5...).
@pytest.mark.parametrize("written", ["١", "1_0", "٣.٥", "１０", "1_0.5"])
@pytest.mark.parametrize("field", ["quantity", "unitPrice", "taxRate", "discount"])
def test_a_decimal_written_with_other_digits_or_underscores_answers_400_naming_it(
    acme: Api, globex: Api, written: str, field: str
) -> None:
    row = {"description": "Seats", "quantity": 1, "unitPrice": 1000, field: written}
    for tenant in (acme, globex):
        body = problem(tenant.post(BASE, {"rows": [row]}), 400)
        assert [error["field"] for error in body["errors"]] == [f"rows[0].{field}"]
        assert tenant.get(f"{BASE}/find-all").json() == []


def test_a_whole_number_written_with_underscores_answers_400_naming_it(acme: Api) -> None:
    body = problem(acme.post(BASE, {"paymentTermDays": "1_4"}), 400)
    assert [error["field"] for error in body["errors"]] == ["paymentTermDays"]


def test_a_payment_amount_written_with_other_digits_answers_400(acme: Api, globex: Api) -> None:
    invoice = acme.post(BASE, {"rows": [{"quantity": 1, "unitPrice": 100}]}).json()
    path = f"{BASE}/{invoice['id']}"
    acme.patch(f"{path}/mark-as-sent")
    assert globex.patch(f"{path}/add-payment", {"amount": "٥"}).status in (400, 404)
    body = problem(acme.patch(f"{path}/add-payment", {"amount": "٥"}), 400)
    assert [error["field"] for error in body["errors"]] == ["amount"]
    assert acme.get(f"{BASE}/find/{invoice['id']}").json()["transactions"] == []


# Any text holding a digit of another script, or an underscore among ASCII digits.
OTHER_DIGITS = st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())
NOT_PLAIN = st.one_of(
    st.builds(
        lambda head, digit, tail: f"{head}{digit}{tail}",
        st.from_regex(r"^[0-9]{0,3}$", fullmatch=True),
        OTHER_DIGITS,
        st.from_regex(r"^[0-9]{0,3}$", fullmatch=True),
    ),
    st.from_regex(r"^[0-9]{1,3}(_[0-9]{1,3})+(\.[0-9]{1,2})?$", fullmatch=True),
)


@RELAXED
@given(written=NOT_PLAIN)
def test_no_quantity_but_one_written_with_the_digits_0_to_9_is_taken(
    acme: Api, written: str
) -> None:
    row = {"description": "Seats", "quantity": written, "unitPrice": 1}
    body = problem(acme.post(BASE, {"rows": [row]}), 400)
    assert [error["field"] for error in body["errors"]] == ["rows[0].quantity"]
