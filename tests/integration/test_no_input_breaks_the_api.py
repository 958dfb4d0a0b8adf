"""Generated input against every route: whatever a client sends, the answer is never a 500 and
every error uses the documented body."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import Api

BASE = "/api/v1/invoices"
FIELDS = [
    "currency", "invoiceDate", "paymentTermDays", "rows", "quantity", "unitPrice", "taxRate",
    "type", "quantityType", "id", "contactEmail", "note", "clientId", "recurringAgreement",
    "intervalDays", "intervalMonths", "nextInvoiceDate", "endDate", "autoSend", "description",
    "discount", "discountType", "taxInclusive", "customFields",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["EUR", "jpy", "2026-02-29", "2026-11-21T23:30:00-08:00", "1e400", "sNaN"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=25,
)
segments = st.text(max_size=80) | st.sampled_from(["find", "..", "%00", "INV#x", "a" * 2000])

RELAXED = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_sound(status: int, body: bytes) -> None:
    assert status < 500, body
    if status >= 400:
        assert {"title", "detail", "time"} <= json.loads(body).keys()


@pytest.fixture
def acme(api: Api) -> Api:
    return api.as_tenant("acme")


@pytest.fixture
def invoice(acme: Api) -> dict[str, Any]:
    created: dict[str, Any] = acme.post(BASE, {"rows": [{"quantity": 1, "unitPrice": 1}]}).json()
    return created


@RELAXED
@given(body=json_values)
def test_any_json_body_on_any_write_route_is_answered_soundly(
    acme: Api, invoice: dict[str, Any], body: Any
) -> None:
    for method, suffix in [
        ("POST", ""),
        ("PATCH", f"/{invoice['id']}/update"),
        ("POST", f"/{invoice['id']}/rows"),
        ("POST", f"/{invoice['id']}/comment"),
    ]:
        reply = acme.request(method, BASE + suffix, body=json.dumps(body),
                             headers={"Content-Type": "application/json"})  # fmt: skip
        assert_sound(reply.status, reply.body)


@RELAXED
@given(raw=st.binary(max_size=200))
def test_any_bytes_as_a_body_are_answered_soundly(acme: Api, raw: bytes) -> None:
    reply = acme.request("POST", BASE, body=raw, headers={"Content-Type": "application/json"})
    assert_sound(reply.status, reply.body)


@RELAXED
@given(segment=segments, query=st.text(max_size=60))
def test_any_path_segment_or_query_is_answered_soundly(acme: Api, segment: str, query: str) -> None:
    encoded = quote(segment, safe="")
    for method, path in [
        ("GET", f"{BASE}/find/{encoded}"),
        ("GET", f"{BASE}/find?ids={quote(query)}"),
        ("GET", f"{BASE}/find-all?cursor={quote(query)}&limit={quote(query)}"),
        ("DELETE", f"{BASE}/{encoded}"),
        ("DELETE", f"{BASE}/{encoded}/rows/{encoded}"),
        ("DELETE", f"{BASE}/delete-list?ids={quote(query)}"),
    ]:
        reply = acme.request(method, path)
        assert_sound(reply.status, reply.body)


CONTRACT_FIELDS = [
    "clientId", "currency", "isRecurring", "period", "activationAt", "expirationAt", "items",
    "paymentMethods", "iban", "bic", "paymentTermDays", "memo", "quantity", "unitPrice",
]  # fmt: skip
contract_values = st.recursive(
    scalars | st.sampled_from(["MONTHLY", "weekly", "2026-01-31", "DE89370400440532013000"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(CONTRACT_FIELDS) | st.text(max_size=8), inner, max_size=8)
    ),
    max_leaves=25,
)


@RELAXED
@given(body=contract_values, segment=segments)
def test_any_json_body_or_id_on_the_contract_routes_is_answered_soundly(
    acme: Api, body: Any, segment: str
) -> None:
    contracts = "/api/v1/contracts"
    for method, path in [
        ("POST", contracts),
        ("PUT", f"{contracts}/{quote(segment, safe='')}"),
        ("GET", f"{contracts}/{quote(segment, safe='')}"),
        ("DELETE", f"{contracts}/{quote(segment, safe='')}"),
    ]:
        reply = acme.request(method, path, body=json.dumps(body),
                             headers={"Content-Type": "application/json"})  # fmt: skip
        assert_sound(reply.status, reply.body)


HEFFL_FIELDS = [
    "clientId", "date", "dueDate", "lineItems", "name", "productId", "quantity", "price",
    "description", "taxRateId", "discount", "discountType", "buyPrice", "isInclusiveTax",
    "status", "contactId", "subject", "notes", "salesPersonId", "templateId", "tags",
    "customFields",
]  # fmt: skip
heffl_values = st.recursive(
    scalars | st.sampled_from(["fixed", "percentage", "SENT", "DRAFT", "vat", "2026-12-31"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(HEFFL_FIELDS) | st.text(max_size=8), inner, max_size=8)
    ),
    max_leaves=25,
)


@RELAXED
@given(body=heffl_values, extra=st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_any_json_body_on_the_heffl_route_is_answered_soundly(
    acme: Api, body: Any, extra: dict[str, Any]
) -> None:
    path = "/compat/heffl/api/v1/invoices"
    client = acme.post("/api/v1/clients", {"name": "Zoë"}).json()["id"]
    # As generated, and valid but for its unknown keys (custom fields) and its line items.
    items = body.get("lineItems") if isinstance(body, dict) else None
    lines = items if isinstance(items, list) else [{"quantity": 1, "price": 1}]
    valid = {**extra, "clientId": client, "date": "2026-11-21", "dueDate": "2026-12-01",
             "lineItems": lines}  # fmt: skip
    for sent in (body, valid):
        reply = acme.request("POST", path, body=json.dumps(sent),
                             headers={"Content-Type": "application/json"})  # fmt: skip
        assert_sound(reply.status, reply.body)
