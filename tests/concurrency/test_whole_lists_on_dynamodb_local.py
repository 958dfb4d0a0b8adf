"""Whole lists on DynamoDB Local, AWS's engine, over real HTTP (issue 17): find-all answers every
invoice, read in Query pages of 500 (moto does not end pages at 1 MB, DynamoDB Local does), and
an opportunity's list reads its index, then the invoices by the hundred; never a Scan."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from chalicelib.bootstrap import get_deps
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.invoicing import InvoiceDefaults, new_invoice
from chalicelib.domain.values import Actor, new_id
from chalicelib.store import bulk
from invoicing_cli.dynamodb_local import LocalTable
from invoicing_cli.local import local_token
from tests.figures import exact_json, load_straight
from tests.support import DynamoCalls

pytestmark = pytest.mark.dynamodb_local
INVOICES = 1_201
ROW = {"description": "Consulting, 3 days", "quantity": 3, "unitPrice": "450.00", "taxRate": 19}


def _stored(table: LocalTable, count: int, *, hashed: int = 0, **fields: Any) -> list[str]:
    """`count` invoices of five rows straight into the table, in creation order, the last
    `hashed` of them with ids spread over the whole id space, as derived ids are."""
    actor = Actor("acme", "loader")
    now = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    body = InvoiceFields.model_validate({"currency": "EUR", "rows": [ROW] * 5, **fields})
    template = new_invoice(body, actor=actor, now=now, defaults=InvoiceDefaults())
    invoices = [
        template.model_copy(
            update={
                "id": new_id() if n < count - hashed else str(uuid.uuid4()),
                "invoice_date": date(2026, 1, 1) + timedelta(days=n % 300),
            }
        )
        for n in range(count)
    ]
    load_straight(table.client, table.table_name, invoices)
    return [invoice.id for invoice in invoices]


def _listed(base: str, path: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {local_token('acme')}"}
    reply = requests.get(f"{base}/api/v1/invoices{path}", headers=headers, timeout=60)
    assert reply.status_code == 200, reply.text[:300]
    assert "Link" not in reply.headers
    listed: list[dict[str, Any]] = exact_json(reply.text)
    return listed


def test_find_all_answers_every_invoice_in_query_pages_of_500(
    ddb_local: LocalTable, local_api_server: str
) -> None:
    made = _stored(ddb_local, INVOICES)
    calls = DynamoCalls(get_deps().dynamodb)
    listed = _listed(local_api_server, "/find-all")
    assert [invoice["id"] for invoice in listed] == made  # all of them, in creation order
    # 5 rows of 1,350.00 and 19 % tax, to the cent.
    assert {invoice["totalWithTax"] for invoice in listed} == {Decimal("8032.50")}
    # 500, then the count (few enough to read on in turn), then 500 and 201: DynamoDB ends no
    # page early.
    assert calls.operations == ["Query", "BatchGetItem", "Query", "Query"]


def test_an_opportunitys_list_reads_its_index_then_the_invoices_by_the_hundred(
    ddb_local: LocalTable, local_api_server: str
) -> None:
    made = _stored(ddb_local, 230, opportunityId="deal-7")
    _stored(ddb_local, 20, opportunityId="deal-8")
    calls = DynamoCalls(get_deps().dynamodb)
    listed = _listed(local_api_server, "/by-opportunity/deal-7")
    assert sorted(invoice["id"] for invoice in listed) == sorted(made)
    dates = [invoice["invoiceDate"] for invoice in listed]
    assert dates == sorted(dates)
    assert calls.operations == ["Query", *["BatchGetItem"] * 3]


def test_a_long_list_is_read_in_id_ranges_in_parallel_and_answered_whole_in_order(
    ddb_local: LocalTable, local_api_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1,500 invoices read as a long list is (5,000 and more in production): time-ordered ids and
    # hashed ones (an ERP's externalIds), each kind shared out over ranges read at once.
    monkeypatch.setattr(bulk, "SEGMENTED_FROM", 1_000)
    made = _stored(ddb_local, 1_500, hashed=500)
    calls = DynamoCalls(get_deps().dynamodb)
    listed = _listed(local_api_server, "/find-all")
    assert [invoice["id"] for invoice in listed] == sorted(made)  # each once, in id order
    assert {invoice["totalWithTax"] for invoice in listed} == {Decimal("8032.50")}
    # The first page, the count, the last id and the creation band, then the ranges.
    assert calls.operations[:2] == ["Query", "BatchGetItem"]
    assert calls.by_operation["Query"] > 3 + 8 and "Scan" not in calls.operations
