"""Lists served from secondary indexes, through HTTP: the date range, invoices of an opportunity,
and invoices carrying a recurring agreement."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api, DynamoCalls

BASE = "/api/v1/invoices"


def create(client: Api, **fields: Any) -> dict[str, Any]:
    reply = client.post(BASE, {"currency": "EUR", **fields})
    assert reply.status == 201, reply.body
    invoice: dict[str, Any] = reply.json()
    return invoice


def walk(client: Api, first_path: str) -> list[str]:
    """Every id of a paged list, following its Link headers."""
    seen: list[str] = []
    path, directory = first_path, first_path.rsplit("/", 1)[0]
    while path:
        reply = client.get(path)
        assert reply.status == 200, reply.body
        seen += [invoice["id"] for invoice in reply.json()]
        link = reply.headers.get("Link")
        path = f"{directory}/{link[1 : link.index('>')]}" if link else ""
    return seen


AGREEMENT = {"intervalMonths": 1, "nextInvoiceDate": "2026-12-01"}


class TestDateRange:
    def test_a_tenant_without_invoices_has_no_range(self, acme: Api) -> None:
        assert acme.get(f"{BASE}/date-range").json() == {"min": None, "max": None}

    def test_the_range_spans_the_earliest_and_latest_invoice_date(self, acme: Api) -> None:
        for day in ("2026-03-01", "2024-12-31", "2026-11-21", "2025-06-15"):
            create(acme, invoiceDate=day)
        assert acme.get(f"{BASE}/date-range").json() == {
            "min": "2024-12-31T00:00:00Z",
            "max": "2026-11-21T00:00:00Z",
        }

    def test_the_range_follows_deletes_and_date_changes(self, acme: Api) -> None:
        earliest = create(acme, invoiceDate="2020-01-01")
        latest = create(acme, invoiceDate="2030-01-01")
        create(acme, invoiceDate="2026-01-01")
        acme.delete(f"{BASE}/{earliest['id']}")
        acme.patch(f"{BASE}/{latest['id']}/update", {"invoiceDate": "2027-02-02"})
        assert acme.get(f"{BASE}/date-range").json() == {
            "min": "2026-01-01T00:00:00Z",
            "max": "2027-02-02T00:00:00Z",
        }

    def test_it_costs_two_queries_whatever_the_number_of_invoices(
        self, acme: Api, dynamo_calls: DynamoCalls
    ) -> None:
        for day in range(1, 29):
            create(acme, invoiceDate=f"2026-02-{day:02d}")
        dynamo_calls.reset()
        acme.get(f"{BASE}/date-range")
        assert dynamo_calls.operations == ["Query", "Query"]

    def test_another_tenants_invoices_are_not_in_the_range(self, acme: Api, api: Api) -> None:
        create(api.as_tenant("globex"), invoiceDate="1999-01-01")
        create(acme, invoiceDate="2026-05-05")
        assert acme.get(f"{BASE}/date-range").json()["min"] == "2026-05-05T00:00:00Z"


class TestOpportunities:
    def test_an_opportunitys_invoices_are_listed_by_invoice_date_across_pages(
        self, acme: Api
    ) -> None:
        days = ["2026-05-01", "2026-01-01", "2026-03-01", "2026-02-01", "2026-04-01"]
        ids = {day: create(acme, invoiceDate=day, opportunityId="deal-7")["id"] for day in days}
        create(acme, opportunityId="deal-8")
        create(acme)
        listed = walk(acme, f"{BASE}/by-opportunity/deal-7?limit=2")
        assert listed == [ids[day] for day in sorted(days)]

    def test_linking_moves_an_invoice_to_the_opportunity_in_any_status(self, acme: Api) -> None:
        invoice = create(acme, opportunityId="old-deal")
        acme.patch(f"{BASE}/{invoice['id']}/mark-as-sent")
        reply = acme.patch(f"{BASE}/{invoice['id']}/link-opportunity/new-deal")
        assert reply.status == 200
        assert reply.json()["opportunityId"] == "new-deal"
        assert reply.json()["events"][-1]["description"] == "Changed opportunityId"
        assert walk(acme, f"{BASE}/by-opportunity/new-deal") == [invoice["id"]]
        assert walk(acme, f"{BASE}/by-opportunity/old-deal") == []

    def test_an_opportunity_id_that_is_too_long_is_a_400(self, acme: Api) -> None:
        invoice = create(acme)
        reply = acme.patch(f"{BASE}/{invoice['id']}/link-opportunity/{'x' * 129}")
        assert reply.status == 400
        assert reply.json()["errors"][0]["field"] == "opportunityId"

    def test_a_deleted_invoice_leaves_the_list(self, acme: Api) -> None:
        kept = create(acme, opportunityId="deal")
        gone = create(acme, opportunityId="deal")
        acme.delete(f"{BASE}/{gone['id']}")
        assert walk(acme, f"{BASE}/by-opportunity/deal") == [kept["id"]]

    def test_another_tenants_opportunity_of_the_same_name_stays_theirs(
        self, acme: Api, api: Api
    ) -> None:
        create(api.as_tenant("globex"), opportunityId="deal")
        ours = create(acme, opportunityId="deal")
        assert walk(acme, f"{BASE}/by-opportunity/deal") == [ours["id"]]

    def test_a_page_costs_one_query_and_one_batch_read(
        self, acme: Api, dynamo_calls: DynamoCalls
    ) -> None:
        for _ in range(5):
            create(acme, opportunityId="deal")
        dynamo_calls.reset()
        acme.get(f"{BASE}/by-opportunity/deal?limit=3")
        assert dynamo_calls.operations == ["Query", "BatchGetItem"]

    @pytest.mark.parametrize("cursor", ["%%%", "bm90LWEtY3Vyc29y", "IyMj"])
    def test_a_cursor_the_api_did_not_issue_is_a_400(self, acme: Api, cursor: str) -> None:
        reply = acme.get(f"{BASE}/by-opportunity/deal?cursor={cursor}")
        assert reply.status == 400


class TestRecurringAgreements:
    def test_only_invoices_with_an_agreement_are_listed_next_due_first(self, acme: Api) -> None:
        later = create(acme, recurringAgreement={**AGREEMENT, "nextInvoiceDate": "2027-01-01"})
        sooner = create(acme, recurringAgreement=AGREEMENT)
        create(acme)
        assert walk(acme, f"{BASE}/with-recurring-drafts?limit=1") == [sooner["id"], later["id"]]

    def test_an_agreement_removed_takes_the_invoice_off_the_list(self, acme: Api) -> None:
        invoice = create(acme, recurringAgreement=AGREEMENT)
        acme.patch(f"{BASE}/{invoice['id']}/update", {"recurringAgreement": None})
        assert walk(acme, f"{BASE}/with-recurring-drafts") == []

    def test_another_tenants_agreements_are_not_listed(self, acme: Api, api: Api) -> None:
        create(api.as_tenant("globex"), recurringAgreement=AGREEMENT)
        assert walk(acme, f"{BASE}/with-recurring-drafts") == []
