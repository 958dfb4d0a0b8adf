"""find-all, by-opportunity and with-recurring-drafts answer the whole list, as the document types
them (a JSON array, no paging): every invoice, inline while it fits a response, else `303 See
Other` to the whole array kept in the documents bucket; never a list cut short. `limit`/`cursor`
still page, for a client that asks to (issue 17)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import moto.s3.models
import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import new_id
from chalicelib.services import exports
from chalicelib.store import documents
from chalicelib.store.bulk import readable
from chalicelib.store.items import invoice_item
from invoicing_cli.local import BUCKET_NAME, TABLE_NAME
from tests.figures import load_straight
from tests.support import Api, DynamoCalls, Reply

BASE = "/api/v1/invoices"
ROW = {"description": "Consulting, 3 days", "quantity": 3, "unitPrice": "450.00", "taxRate": 19}
Json = dict[str, Any]
LISTS = ["/find-all", "/by-opportunity/deal-7", "/with-recurring-drafts"]


def stored(acme: Api, count: int, **fields: Any) -> list[Invoice]:
    """`count` invoices like one made through HTTP, straight into the table (quick in moto),
    dated a day apart, in creation order."""
    made = acme.post(BASE, {"currency": "EUR", "rows": [ROW], "note": "Ünïcode – ok", **fields})
    assert made.status == 201, made.body
    first = get_deps().invoices.get("acme", made.json()["id"])
    assert first is not None
    copies = [
        first.model_copy(
            update={"id": new_id(), "invoice_date": date(2026, 1, 1) + timedelta(days=n)}
        )
        for n in range(count - 1)
    ]
    load_straight(get_deps().dynamodb, TABLE_NAME, copies)
    return [first, *copies]


def ids(reply: Reply) -> list[str]:
    assert reply.status == 200, reply.body
    return [invoice["id"] for invoice in reply.json()]


def kept_objects() -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET_NAME)
    return [item["Key"] for item in listed.get("Contents", [])]


class TestWholeLists:
    def test_find_all_answers_all_62_invoices_where_it_used_to_stop_at_50(
        self, acme: Api, globex: Api
    ) -> None:
        made = stored(acme, 62)
        reply = acme.get(f"{BASE}/find-all")
        assert sorted(ids(reply)) == sorted(invoice.id for invoice in made)
        assert ids(reply) == sorted(invoice.id for invoice in made)  # by id: creation order
        assert "Link" not in reply.headers and "X-Next-Cursor" not in reply.headers
        assert reply.json()[0]["note"] == "Ünïcode – ok"
        assert re.search(
            r'"unitPrice": ?450\.00[,}]', reply.body.decode()
        )  # exact, as every answer
        assert globex.get(f"{BASE}/find-all").json() == []
        assert kept_objects() == []

    def test_a_client_that_pages_still_pages(self, acme: Api) -> None:
        made = sorted(invoice.id for invoice in stored(acme, 62))
        first = acme.get(f"{BASE}/find-all?limit=50")
        assert ids(first) == made[:50]
        cursor = first.headers["X-Next-Cursor"]
        assert first.headers["Link"].startswith("<find-all?limit=50&cursor=")
        assert ids(acme.get(f"{BASE}/find-all?limit=50&cursor={cursor}")) == made[50:]

    def test_by_opportunity_answers_every_invoice_of_it_by_invoice_date(
        self, acme: Api, globex: Api
    ) -> None:
        made = stored(acme, 130, opportunityId="deal-7")  # more than one BatchGetItem holds
        stored(acme, 3, opportunityId="deal-8")
        by_date = [i.id for i in sorted(made, key=lambda i: (i.invoice_date.isoformat(), i.id))]
        assert ids(acme.get(f"{BASE}/by-opportunity/deal-7")) == by_date
        assert ids(acme.get(f"{BASE}/by-opportunity/deal-7?limit=100")) == by_date[:100]
        assert globex.get(f"{BASE}/by-opportunity/deal-7").json() == []

    def test_with_recurring_drafts_answers_every_template_next_due_first(
        self, acme: Api, globex: Api
    ) -> None:
        agreement = {"intervalMonths": 1, "nextInvoiceDate": "2027-03-01"}
        made = stored(acme, 60, recurringAgreement=agreement)
        stored(acme, 2)  # no agreement: not listed
        assert sorted(ids(acme.get(f"{BASE}/with-recurring-drafts"))) == sorted(i.id for i in made)
        assert globex.get(f"{BASE}/with-recurring-drafts").json() == []


class TestTooLargeForAResponse:
    @pytest.mark.parametrize("path", LISTS)
    def test_the_whole_array_is_kept_and_answered_303_with_a_short_link(
        self, acme: Api, globex: Api, monkeypatch: pytest.MonkeyPatch, path: str
    ) -> None:
        agreement = {"intervalDays": 7, "nextInvoiceDate": "2027-01-01"}
        stored(acme, 40, opportunityId="deal-7", recurringAgreement=agreement)
        inline = acme.get(f"{BASE}{path}")
        assert inline.status == 200 and len(inline.json()) == 40
        monkeypatch.setattr(exports, "INLINE_LIMIT", len(inline.body) // 3)

        reply = acme.get(f"{BASE}{path}")

        assert reply.status == 303, reply.body
        answer = reply.json()
        assert set(answer) == {"url", "expiresAt", "count"} and answer["count"] == 40
        assert reply.headers["Location"] == answer["url"]
        assert parse_qs(urlparse(answer["url"]).query)["X-Amz-Expires"] == ["900"]
        (key,) = kept_objects()
        assert key.startswith("acme/exports/") and key.endswith(".json")
        s3 = boto3.client("s3")
        kept = s3.get_object(Bucket=BUCKET_NAME, Key=key)
        assert kept["ContentType"] == "application/json"
        assert json.loads(kept["Body"].read()) == inline.json()  # the whole array, as inline
        tags = s3.get_object_tagging(Bucket=BUCKET_NAME, Key=key)["TagSet"]
        assert tags == [{"Key": "retention", "Value": "short"}]  # expired by the bucket's rule
        assert globex.get(f"{BASE}{path}").json() == []  # theirs is empty: nothing kept

    def test_a_list_larger_than_a_part_goes_up_in_parts_as_it_is_read(
        self, acme: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        stored(acme, 120)
        inline = acme.get(f"{BASE}/find-all").body
        monkeypatch.setattr(exports, "INLINE_LIMIT", 20_000)
        monkeypatch.setattr(documents, "_PART_BYTES", 50_000)
        monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 50_000)
        parts: list[int] = []
        original = documents.S3Documents._part

        def counted(self: documents.S3Documents, *args: Any) -> str:
            parts.append(len(args[-1]))
            return original(self, *args)

        monkeypatch.setattr(documents.S3Documents, "_part", counted)
        reply = acme.get(f"{BASE}/find-all")
        assert reply.status == 303, reply.body
        assert len(parts) == -(-len(inline) // 50_000) > 2
        assert all(size == 50_000 for size in parts[:-1])
        (key,) = kept_objects()
        kept = boto3.client("s3").get_object(Bucket=BUCKET_NAME, Key=key)["Body"].read()
        assert json.loads(kept) == json.loads(inline)

    def test_a_read_that_fails_halfway_keeps_nothing_and_answers_503(
        self, acme: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from chalicelib.domain.errors import TemporarilyUnavailableError

        stored(acme, 30)
        monkeypatch.setattr(exports, "INLINE_LIMIT", 5_000)
        monkeypatch.setattr(documents, "_PART_BYTES", 5_000)
        monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 5_000)
        repo = type(get_deps().invoices)
        every = repo.every_invoice

        def fails_after_one(self: Any, tenant_id: str) -> Iterator[list[Invoice]]:
            chunks = every(self, tenant_id)
            yield next(chunks)
            raise TemporarilyUnavailableError("The data store is busy; retry shortly")

        monkeypatch.setattr(repo, "every_invoice", fails_after_one)
        reply = acme.get(f"{BASE}/find-all")
        assert reply.status == 503, reply.body
        assert kept_objects() == []
        uploads = boto3.client("s3").list_multipart_uploads(Bucket=BUCKET_NAME)
        assert uploads.get("Uploads", []) == []  # aborted, not left half made


class TestCost:
    def test_find_all_reads_the_table_in_query_pages_and_never_scans(
        self, acme: Api, dynamo_calls: DynamoCalls
    ) -> None:
        stored(acme, 62)
        dynamo_calls.reset()
        assert len(ids(acme.get(f"{BASE}/find-all"))) == 62
        assert dynamo_calls.operations == ["Query"]
        stored(acme, 1_139)  # 1,201 in all: pages of 500
        dynamo_calls.reset()
        assert len(ids(acme.get(f"{BASE}/find-all"))) == 1_201
        # A first page, the count (few: read on in turn), then the other two pages.
        assert dynamo_calls.operations == ["Query", "BatchGetItem", "Query", "Query"]

    def test_an_index_list_reads_its_keys_then_the_invoices_by_the_hundred(
        self, acme: Api, dynamo_calls: DynamoCalls
    ) -> None:
        stored(acme, 230, opportunityId="deal-7")
        dynamo_calls.reset()
        assert len(ids(acme.get(f"{BASE}/by-opportunity/deal-7"))) == 230
        assert dynamo_calls.operations == ["Query", *["BatchGetItem"] * 3]


def test_items_read_raw_are_the_invoices_botocore_and_boto3_would_have_read(acme: Api) -> None:
    """The fast path (store/bulk.py) against the ordinary one, on an invoice with nested
    numbers, text in several scripts, empty lists and maps, and booleans."""
    made = acme.post(
        BASE,
        {
            "currency": "KWD",
            "rows": [{"description": "Ωμέγα, Жук", "quantity": "0.5", "unitPrice": "1.235"}],
            "customFields": {"n": 1.50, "deep": {"list": [1, "a", None, True, {}]}, "e": []},
            "recurringAgreement": {
                "intervalMonths": 1,
                "autoSend": True,
                "nextInvoiceDate": "2027-01-31",
            },
        },
    )
    assert made.status == 201, made.body
    slow = get_deps().invoices.get("acme", made.json()["id"])
    assert slow is not None
    fast = readable([json.loads(json.dumps(invoice_item(slow)))])
    assert fast == [slow]
    assert ids(acme.get(f"{BASE}/find-all")) == [slow.id]
    assert acme.get(f"{BASE}/find-all").json() == [acme.get(f"{BASE}/find/{slow.id}").json()]
