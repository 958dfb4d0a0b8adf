"""Each read of api-docs/alphaalpha-invoice-api.txt, sent as the document's own example request
(its exact path, query and JSON, with a credential and real ids in place of its placeholders),
and its answer checked against the document's example answer (its invoice quoted in
tests/documented_native.py, the others written out here): every documented field present, each of
the example's JSON type (a number a JSON number, never text or a boolean; a date-time in the
example's format), in every element of every array (issue 17).

The invoice they read has every documented field set, so no type check is passed by a null; a
second tenant's same request never shows it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.domain.invoice import Blob, BlobType, Reminder
from tests.documented_native import INVOICE, answer_of, assert_shaped
from tests.support import Api

API = "/api/v1"
# The document's placeholders, and what stands in for them here.
OPPORTUNITY = "opp-4711"

# The document's other example answers, as it prints them.
SORT = {"empty": True, "sorted": True, "unsorted": True}
PAGE = {
    "content": [INVOICE],
    "empty": True,
    "first": True,
    "last": True,
    "number": 0,
    "numberOfElements": 0,
    "pageable": {
        "offset": 0,
        "pageNumber": 0,
        "pageSize": 0,
        "paged": True,
        "sort": SORT,
        "unpaged": True,
    },
    "size": 0,
    "sort": SORT,
    "totalElements": 0,
    "totalPages": 0,
}
COUNTS = {"property1": 0, "property2": 0}  # a map: any key, each a number
STATS = {
    "countByStatus": COUNTS,
    "totalInvoiced": 0.1,
    "totalOutstanding": 0.1,
    "totalOverdue": 0.1,
    "totalPaid": 0.1,
}
DATES = {"property1": "2019-08-24T14:15:22Z", "property2": "2019-08-24T14:15:22Z"}  # a map


@pytest.fixture
def rich(acme: Api) -> dict[str, Any]:
    """An invoice with every documented field set: made, issued and paid in part through HTTP;
    what only jobs and mail make (a PDF, attachments, reminders, mails) written as they do."""
    client = acme.post(f"{API}/clients", {"name": "Zoë Müller GmbH", "email": "ap@zoe.example"})
    assert client.status == 201, client.body
    body = {
        "currency": "EUR",
        "invoiceDate": "2026-11-01",
        "paymentTermDays": 14,
        "clientId": client.json()["id"],
        "contactEmail": "ap@zoe.example",
        "note": "Q4 retainer",
        "opportunityId": OPPORTUNITY,
        "milestoneId": "ms-1",
        "salesOrderId": "so-1",
        "subsidiaryId": "sub-1",
        "paymentReference": "RF18539007547034",
        "rows": [
            {
                "description": "Consulting",
                "productId": "prod-1",
                "quantity": 3,
                "quantityType": "HOURS",
                "unitPrice": "120.00",
                "taxRate": 19,
                "type": "SERVICE",
            },
        ],
        "recurringAgreement": {
            "intervalMonths": 1,
            "nextInvoiceDate": "2026-12-01",
            "endDate": "2027-12-01",
        },
    }
    made = acme.post(f"{API}/invoices", body)
    assert made.status == 201, made.body
    invoice_id = made.json()["id"]
    assert acme.patch(f"{API}/invoices/{invoice_id}/mark-as-sent").status == 200
    payment = {"amount": "100.00", "paymentMethod": "BANK_TRANSFER", "accountId": "acc-1",
               "description": "Part payment", "date": "2026-11-05T10:00:00Z"}  # fmt: skip
    assert acme.patch(f"{API}/invoices/{invoice_id}/add-payment", payment).status == 200
    _as_jobs_and_mail_leave_it(invoice_id)
    answered: dict[str, Any] = acme.get(f"{API}/invoices/find/{invoice_id}").json()
    return answered


def _as_jobs_and_mail_leave_it(invoice_id: str) -> None:
    repo = get_deps().invoices
    current = repo.get("acme", invoice_id)
    assert current is not None
    moment = current.updated
    blob = Blob(blob_id="b-1", created=moment, extension="pdf", file_size=2048,
                name="INV.pdf", type=BlobType.PDF)  # fmt: skip
    agreement = current.recurring_agreement
    assert agreement is not None
    repo.save(
        current.model_copy(
            update={
                "pdf": blob,
                "attachments": [blob.model_copy(update={"blob_id": "b-2", "name": "po.pdf"})],
                "reminders": [Reminder(created_by="job:reminders", sent_on=moment, step=1)],
                "sent_mails": ["ap@zoe.example"],
                "mail_body": "Please find the invoice attached.",
                "reminder_body": "A friendly reminder.",
                "overdue_notified_at": moment,
                "date_paid": moment,
                "recurring_agreement": agreement.model_copy(update={"interval_days": 30}),
            }
        ),
        previous=current,
    )


@pytest.mark.now("2026-11-21T09:30:00Z")
class TestDocumentedReads:
    def test_find_by_id(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/find/string"
        assert_shaped(answer_of(acme.get(f"{API}/invoices/find/{rich['id']}")), INVOICE)
        assert globex.get(f"{API}/invoices/find/{rich['id']}").status == 404

    def test_find_by_ids(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/find?ids=string"
        (invoice,) = answer_of(acme.get(f"{API}/invoices/find?ids={rich['id']}"))
        assert_shaped(invoice, INVOICE)
        assert answer_of(globex.get(f"{API}/invoices/find?ids={rich['id']}")) == []

    def test_find_list(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/find-list": ids is optional.
        assert answer_of(acme.get(f"{API}/invoices/find-list")) == []
        (invoice,) = answer_of(acme.get(f"{API}/invoices/find-list?ids={rich['id']}"))
        assert_shaped(invoice, INVOICE)
        assert answer_of(globex.get(f"{API}/invoices/find-list?ids={rich['id']}")) == []

    def test_find_all(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/find-all"
        (invoice,) = answer_of(acme.get(f"{API}/invoices/find-all"))
        assert_shaped(invoice, INVOICE)
        assert answer_of(globex.get(f"{API}/invoices/find-all")) == []

    def test_page(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/page"
        page = answer_of(acme.get(f"{API}/invoices/page"))
        assert_shaped(page, PAGE)
        assert_shaped(page["content"][0], INVOICE, "content[0]")
        assert answer_of(globex.get(f"{API}/invoices/page"))["content"] == []

    def test_dynamic_search(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/dynamic-search"
        page = answer_of(acme.get(f"{API}/invoices/dynamic-search"))
        assert_shaped(page, PAGE)
        assert_shaped(page["content"][0], INVOICE, "content[0]")
        assert answer_of(globex.get(f"{API}/invoices/dynamic-search"))["content"] == []

    def test_dynamic_search_by_body(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X POST "http://localhost:18080/api/v1/invoices/dynamic-search"
        #   -H "Content-Type: application/json" -d '{"filters": {"property1": null,
        #   "property2": null}, "page": 0, "search": ["string"], "size": 0,
        #   "sort": [{"ascending": true, "field": "string"}]}'
        # The placeholders: two filter names, a term the invoice holds, a field to sort by.
        body = (
            '{    "filters": {      "status": null,      "currency": null    },    "page": 0,'
            '    "search": [      "retainer"    ],    "size": 0,    "sort": [      {'
            '        "ascending": true,        "field": "invoiceDate"      }    ]  }'
        )
        headers = {"Content-Type": "application/json"}
        reply = acme.post(f"{API}/invoices/dynamic-search", body=body, headers=headers)
        page = answer_of(reply)
        assert_shaped(page, PAGE)
        assert_shaped(page["content"][0], INVOICE, "content[0]")
        assert (page["size"], page["totalElements"]) == (20, 1)  # size 0: the default
        theirs = globex.post(f"{API}/invoices/dynamic-search", body=body, headers=headers)
        assert answer_of(theirs)["content"] == []

    def test_csv_export(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/csv-export" answers "string".
        text = answer_of(acme.get(f"{API}/invoices/csv-export"))
        assert isinstance(text, str)
        _header, row, end = text.split("\r\n")
        assert (row.split(",")[0], end) == (rich["id"], "")
        assert rich["id"] not in answer_of(globex.get(f"{API}/invoices/csv-export"))

    def test_count_by_status(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/count-by-status"
        counts = answer_of(acme.get(f"{API}/invoices/count-by-status"))
        assert_shaped(counts, COUNTS)
        assert counts[rich["status"]] == 1
        assert sum(answer_of(globex.get(f"{API}/invoices/count-by-status")).values()) == 0

    def test_stats(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/stats"
        stats = answer_of(acme.get(f"{API}/invoices/stats"))
        assert_shaped(stats, STATS)
        assert stats["totalPaid"] == Decimal("100.00")
        assert answer_of(globex.get(f"{API}/invoices/stats"))["totalPaid"] == 0

    def test_date_range(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/date-range"
        dates = answer_of(acme.get(f"{API}/invoices/date-range"))
        assert_shaped(dates, DATES)
        assert dates == {"min": rich["invoiceDate"], "max": rich["invoiceDate"]}
        assert answer_of(globex.get(f"{API}/invoices/date-range")) == {"min": None, "max": None}

    def test_by_opportunity(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/by-opportunity/string"
        (invoice,) = answer_of(acme.get(f"{API}/invoices/by-opportunity/{OPPORTUNITY}"))
        assert_shaped(invoice, INVOICE)
        assert answer_of(globex.get(f"{API}/invoices/by-opportunity/{OPPORTUNITY}")) == []

    def test_with_recurring_drafts(self, acme: Api, globex: Api, rich: dict[str, Any]) -> None:
        # curl -X GET "http://localhost:18080/api/v1/invoices/with-recurring-drafts"
        (invoice,) = answer_of(acme.get(f"{API}/invoices/with-recurring-drafts"))
        assert_shaped(invoice, INVOICE)
        assert answer_of(globex.get(f"{API}/invoices/with-recurring-drafts")) == []
