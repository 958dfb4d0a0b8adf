"""Generated input against every route: whatever a client sends, the answer is never a 500 and
every error uses the documented body."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import Api, drain_jobs

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


def json_of(
    fields: list[str], leaves: st.SearchStrategy[Any] = scalars, keys: int = 8
) -> st.SearchStrategy[Any]:
    """Any JSON, its object keys often the route's own field names."""
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.sampled_from(fields) | st.text(max_size=8), inner, max_size=keys)
        ),
        max_leaves=25,
    )


json_values = json_of(FIELDS, keys=6)
segments = st.text(max_size=80) | st.sampled_from(["find", "..", "%00", "INV#x", "a" * 2000])

RELAXED = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_sound(status: int, body: bytes) -> None:
    assert status < 500, body
    if status >= 400:
        assert {"title", "detail", "time"} <= json.loads(body).keys()


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
contract_values = json_of(
    CONTRACT_FIELDS,
    scalars | st.sampled_from(["MONTHLY", "weekly", "2026-01-31", "DE89370400440532013000"]),
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
heffl_values = json_of(
    HEFFL_FIELDS,
    scalars | st.sampled_from(["fixed", "percentage", "SENT", "DRAFT", "vat", "2026-12-31"]),
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


COMPAT_FIELDS = [
    "invoices", "entries", "contractId", "periodNumber", "finalize", "clientId", "reference",
    "amount", "netAmount", "issueDate", "dueDate", "externalId", "sentDate", "customer_id",
    "line_items", "unit_amount", "units_count", "tax_rate", "coupons", "transactions", "status",
    "batch_id",
]  # fmt: skip
compat_values = json_of(COMPAT_FIELDS)


@RELAXED
@given(body=compat_values, segment=segments)
def test_any_json_body_on_the_batch_dialects_is_answered_soundly(
    acme: Api, body: Any, segment: str
) -> None:
    for method, path in [
        ("POST", "/compat/hevn/api/v1/invoices/documents/contracts/invoices/batch_invoicing"),
        ("POST", "/compat/leanpay/v1/public/invoices/batch"),
        ("POST", "/compat/hyperline/v2/invoices/batch"),
        ("GET", f"/compat/hyperline/v2/invoices/batch/{quote(segment, safe='')}"),
    ]:
        reply = acme.request(method, path, body=json.dumps(body),
                             headers={"Content-Type": "application/json"})  # fmt: skip
        assert_sound(reply.status, reply.body)
    drain_jobs(acme)


# Hypothesis bounds datetimes with naive ones and gives them the timezone it is told.
moments = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=datetime(2027, 3, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda moment: moment.isoformat())
amounts = st.integers(min_value=-(10**7), max_value=10**7)
hyperline_lines = st.fixed_dictionaries(
    {"unit_amount": amounts},
    optional={
        "units_count": st.integers(min_value=-3, max_value=5) | st.sampled_from(["0.5", "1e3"]),
        "tax_rate": st.integers(min_value=0, max_value=100) | st.just(19.6),
        "name": st.text(max_size=10),
    },
)
hyperline_invoices = st.fixed_dictionaries(
    {
        "customer_id": st.just("{customer}"),
        "line_items": st.lists(hyperline_lines, min_size=1, max_size=4),
    },
    optional={
        "status": st.sampled_from(["draft", "to_pay", "paid"]),
        "number": st.text(min_size=1, max_size=10),
        "currency": st.sampled_from(["EUR", "JPY", "KWD"]),
        "tax_rate": st.integers(min_value=0, max_value=100),
        "emitted_at": moments,
        "due_at": moments,
        "settled_at": moments,
        "coupons": st.lists(
            st.fixed_dictionaries(
                {"discount_amount": st.integers(min_value=0, max_value=10**7)},
                optional={"line_item_indexes": st.lists(st.integers(0, 5), max_size=4)},
            ),
            max_size=3,
        ),
        "transactions": st.lists(
            st.fixed_dictionaries(
                {"amount": st.integers(min_value=1, max_value=10**7), "process_at": moments}
            ),
            max_size=3,
        ),
    },
)


@RELAXED
@given(items=st.lists(hyperline_invoices, min_size=1, max_size=4))
def test_whatever_hyperline_batch_is_accepted_the_worker_sees_through(
    acme: Api, items: list[dict[str, Any]]
) -> None:
    """Each item is created or refused with the documented error body; the worker never fails
    on what the request let through, so the batch always completes."""
    customer = acme.post("/api/v1/clients", {"name": "Zoë"}).json()["id"]
    for item in items:
        item["customer_id"] = item["customer_id"].replace("{customer}", customer)
    reply = acme.post("/compat/hyperline/v2/invoices/batch", {"invoices": items})
    assert_sound(reply.status, reply.body)
    if reply.status != 202:
        return
    drain_jobs(acme)
    done = acme.get(f"/compat/hyperline/v2/invoices/batch/{reply.json()['batch_id']}").json()
    assert (done["status"], done["processed_count"]) == ("completed", len(items))
    for error in done["errors"]:
        assert {"title", "detail", "time"} <= error["error"].keys()
