"""Exports and reports on the fakes: a CSV or a whole list answered inline while it fits a
response, else kept in the bucket for a day behind a link that lasts a quarter of an hour; the
figures a tenant reads to the cent; the tenant's own day in every file name; another tenant's
invoices in none of it."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.search import InvoiceQuery
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.services import exports, invoices, lifecycle, reports
from tests.fakes import FakeWorld

ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="gina")
# 12:30 in UTC is already the 22nd in Auckland, acme's timezone.
NOW = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
ACME_DAY = "2026-11-22"


@pytest.fixture
def world() -> FakeWorld:
    world = FakeWorld(NOW)
    acme = {"timezone": "Pacific/Auckland", "defaultCurrency": "EUR"}
    world.settings.save("acme", TenantSettings.model_validate(acme), version=0)
    return world


def create(world: FakeWorld, price: str, actor: Actor = ACME, **fields: Any) -> Invoice:
    body = {"currency": "EUR", "rows": [{"description": "Work", "quantity": 1, "unitPrice": price}]}
    made = NewInvoice.model_validate({**body, **fields})
    return invoices.create_invoice(made, actor=actor, ports=world.ports).invoice


def sent(world: FakeWorld, price: str, actor: Actor = ACME, **fields: Any) -> Invoice:
    return lifecycle.mark_as_sent(
        create(world, price, actor, **fields).id, actor=actor, ports=world.ports
    )


def export(world: FakeWorld, query: dict[str, Any], *, as_json: bool = False) -> exports.Export:
    return exports.export_csv(
        InvoiceQuery.model_validate(query),
        as_json=as_json,
        actor=ACME,
        ports=world.ports,
        search=world.search,
        documents=world.files,
    )


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_csv_export_holds_the_tenants_matches_in_order_to_the_cent(world: FakeWorld) -> None:
    small, large = create(world, "100.10"), create(world, "2500.05")
    create(world, "9.99", GLOBEX)

    answer = export(world, {"sort": [{"field": "total", "ascending": False}]})

    assert (answer.filename, answer.count, answer.media_type) == (
        f"invoices-{ACME_DAY}.csv",
        2,
        exports.CSV,
    )
    assert answer.body is not None and answer.link is None
    assert [(row["id"], row["total"]) for row in rows(answer.body)] == [
        (large.id, "2500.05"),
        (small.id, "100.10"),
    ]


def test_the_csv_as_documented_is_its_text_as_a_json_string(world: FakeWorld) -> None:
    create(world, "100.10")

    answer = export(world, {}, as_json=True)

    assert answer.body is not None and answer.filename.endswith(".json")
    assert [row["total"] for row in rows(json.loads(answer.body))] == ["100.10"]


def test_a_page_asked_for_is_all_the_export_holds(world: FakeWorld) -> None:
    made = [create(world, f"{n}.00").id for n in range(1, 6)]

    answer = export(world, {"page": 1, "size": 2})

    assert answer.body is not None
    assert [row["id"] for row in rows(answer.body)] == made[2:4]


def test_an_export_too_large_to_answer_is_kept_a_day_behind_a_quarter_hour_link(
    world: FakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [create(world, "10.00").id for _ in range(3)]
    monkeypatch.setattr(exports, "INLINE_LIMIT", 200)

    answer = export(world, {})

    assert (answer.body, answer.count) == (None, 3)
    assert answer.expires_at == NOW + timedelta(minutes=15)
    assert answer.link is not None
    kept = world.files.fetch(answer.link)
    assert kept is not None
    assert [row["id"] for row in rows(kept.decode())] == made
    (key,) = world.files.objects
    assert key.startswith("acme/") and world.files.objects[key].short_lived
    assert world.files.objects[key].filename == f"invoices-{ACME_DAY}.csv"


def render(chunk: list[Invoice]) -> str:
    return ", ".join(json.dumps({"id": i.id, "total": str(i.total)}) for i in chunk)


def test_find_all_answers_every_invoice_of_the_tenant_inline(world: FakeWorld) -> None:
    made = [create(world, "1.00").id, create(world, "2.00").id]
    create(world, "3.00", GLOBEX)

    answer = exports.every_invoice(
        render=render, actor=ACME, ports=world.ports, documents=world.files
    )

    assert answer.body is not None and answer.count == 2
    assert [item["id"] for item in json.loads(answer.body)] == made
    assert world.files.objects == {}


def test_find_all_past_a_response_is_kept_whole_as_one_array(
    world: FakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [create(world, f"{n}.25").id for n in range(250)]
    monkeypatch.setattr(exports, "INLINE_LIMIT", 500)

    answer = exports.every_invoice(
        render=render, actor=ACME, ports=world.ports, documents=world.files
    )

    assert (answer.body, answer.count, answer.filename) == (None, 250, f"invoices-{ACME_DAY}.json")
    assert answer.link is not None
    kept = world.files.fetch(answer.link)
    assert kept is not None
    listed = json.loads(kept)
    assert [item["id"] for item in listed] == made
    assert listed[7]["total"] == "7.25"


def test_the_counts_name_every_status_and_only_the_tenants_invoices(world: FakeWorld) -> None:
    sent(world, "100.10")
    sent(world, "50.05")
    create(world, "1.00")
    sent(world, "999.00", GLOBEX)

    counts = reports.count_by_status(actor=ACME, ports=world.ports)

    assert counts == {
        "DRAFT": 1,
        "SCHEDULED": 0,
        "SENT": 2,
        "OVERDUE": 0,
        "PAID": 0,
        "CANCELLED": 0,
    }


def test_the_figures_are_kept_to_the_cent_as_invoices_are_issued_and_paid(
    world: FakeWorld,
) -> None:
    sent(world, "100.10")
    partly = sent(world, "50.05")
    lifecycle.add_payment(
        partly.id, PaymentInput.model_validate({"amount": "20.00"}), actor=ACME, ports=world.ports
    )
    create(world, "1.00")
    sent(world, "999.00", GLOBEX)

    stats = reports.invoice_stats(actor=ACME, ports=world.ports)

    assert (stats.currency, stats.by_currency) == ("EUR", None)
    assert (
        stats.total_invoiced,
        stats.total_outstanding,
        stats.total_paid,
        stats.total_overdue,
    ) == (
        Decimal("150.15"),
        Decimal("130.15"),
        Decimal("20.00"),
        Decimal("0.00"),
    )


def test_figures_in_several_currencies_lead_with_the_tenants_default(world: FakeWorld) -> None:
    sent(world, "100.10")
    sent(world, "7.5", currency="USD")

    stats = reports.invoice_stats(actor=ACME, ports=world.ports)

    assert (stats.currency, stats.total_invoiced) == ("EUR", Decimal("100.10"))
    assert stats.by_currency is not None
    assert stats.by_currency["USD"].total_outstanding == Decimal("7.50")


def test_an_opportunitys_invoices_are_listed_for_its_tenant_only(world: FakeWorld) -> None:
    later = create(world, "1.00", opportunityId="opp-1", invoiceDate="2026-03-01")
    earlier = create(world, "2.00", opportunityId="opp-1", invoiceDate="2026-01-01")
    create(world, "3.00", opportunityId="opp-2")
    create(world, "4.00", GLOBEX, opportunityId="opp-1")

    page = reports.by_opportunity("opp-1", actor=ACME, index=world.index, limit=10, cursor=None)
    whole = reports.every_by_opportunity(
        "opp-1", render=render, actor=ACME, ports=world.ports, index=world.index,
        documents=world.files,
    )  # fmt: skip

    assert [invoice.id for invoice in page.items] == [earlier.id, later.id]
    assert whole.body is not None
    assert [item["id"] for item in json.loads(whole.body)] == [earlier.id, later.id]


def test_recurring_invoices_and_the_date_range_are_the_tenants_own(world: FakeWorld) -> None:
    monthly = {"intervalMonths": 1, "nextInvoiceDate": "2026-12-01"}
    recurring = create(world, "1.00", recurringAgreement=monthly, invoiceDate="2026-11-01")
    create(world, "2.00", invoiceDate="2026-02-14")
    create(world, "3.00", GLOBEX, recurringAgreement=monthly, invoiceDate="2020-01-01")

    page = reports.with_recurring_agreements(actor=ACME, index=world.index, limit=10, cursor=None)

    assert [invoice.id for invoice in page.items] == [recurring.id]
    agreement = recurring.recurring_agreement
    assert agreement is not None
    assert (agreement.interval_months, agreement.next_invoice_date) == (1, date(2026, 12, 1))
    assert reports.invoice_date_range(actor=ACME, index=world.index) == (
        date(2026, 2, 14),
        date(2026, 11, 1),
    )
