"""A number is used once (issue 21 part 6, decision 0057), through HTTP: every write that gives an
invoice or a credit note its number writes the item that holds it; an import that brings a number
the series gave, or another import brought, or that the series could still give, is refused with
nothing written, in the vendor's own field names; and the series, once it reaches a number held
already, answers 409 rather than give it twice."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from click.testing import CliRunner, Result

from chalicelib.bootstrap import get_deps
from chalicelib.ports import SystemClock
from chalicelib.services.authentication import create_api_key
from invoicing_cli.local import TABLE_NAME
from invoicing_cli.main import cli
from tests.figures import exact_json
from tests.integration.test_compat_hyperline import HYPERLINE, outcome
from tests.integration.test_compat_hyperline import invoice as hyperline_invoice
from tests.integration.test_compat_leanpay import LEANPAY
from tests.integration.test_compat_leanpay import invoice as leanpay_invoice
from tests.support import Api, Reply, queued_chunks, stored_items, take_chunk
from tests.support import tenant_partition as whole_partition

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
BASE = "/api/v1/invoices"
Json = dict[str, Any]
ROW = {"description": "Chairs", "quantity": 1, "unitPrice": "100.00", "taxRate": 24}


@pytest.fixture
def acme(api: Api) -> Api:
    return api.as_tenant("acme")


@pytest.fixture
def client_id(acme: Api) -> str:
    created: str = acme.post("/api/v1/clients", {"name": "Zoë Müller GmbH"}).json()["id"]
    return created


@pytest.fixture
def leanpay(api: Api, acme: Api) -> Api:
    key = create_api_key("acme", created_by="test", repo=get_deps().api_keys, clock=SystemClock())
    return api.with_headers({"Authorization": key})


def issued(acme: Api, **fields: Any) -> Json:
    body = {"currency": "EUR", "invoiceDate": "2026-11-21", "rows": [ROW], **fields}
    created = acme.post(BASE, body)
    assert created.status == 201, created.body
    sent = acme.patch(f"{BASE}/{created.json()['id']}/mark-as-sent")
    assert sent.status == 200, sent.body
    invoice: Json = exact_json(sent.body)
    return invoice


def numbers(tenant: str = "acme") -> dict[str, str]:
    """Each number the tenant used, and the sort key of what holds it."""
    return {item["number"]["S"]: item["heldBy"]["S"] for item in stored_items(tenant, "NUMBER#")}


def refused(reply: Reply, field: str, says: str) -> None:
    assert reply.status == 400, reply.body
    body = reply.json()
    assert {"title", "detail", "time"} <= body.keys()
    assert [(e["field"], says in e["message"]) for e in body["errors"]] == [(field, True)], body


def hyperline_take(acme: Api, items: list[Json]) -> Json:
    """A Hyperline batch, accepted and worked through; its outcome."""
    reply = acme.post(HYPERLINE, {"invoices": items})
    assert reply.status == 202, reply.body
    for chunk in queued_chunks():
        take_chunk(acme, chunk)
    return outcome(acme, reply.json()["batch_id"])


def tenant_partition(tenant: str) -> dict[str, Any]:
    """The tenant's partition but for its API keys, whose use an import records."""
    return {
        sk: item for sk, item in whole_partition(tenant).items() if not sk.startswith("APIKEY#")
    }


def without_batches(partition: dict[str, Any]) -> dict[str, Any]:
    """What a Hyperline batch writes of its own (its record and its results) left out."""
    return {sk: item for sk, item in partition.items() if not sk.startswith("BATCH#")}


class TestEveryNumberGivenIsHeld:
    def test_issuing_and_crediting_write_the_items_that_hold_their_numbers(self, acme: Api) -> None:
        first, second = issued(acme), issued(acme)
        note = acme.post(f"{BASE}/{first['id']}/credit-notes", {"reason": "Returned"})
        assert note.status == 201, note.body
        assert numbers() == {
            "INV-2026-0001": f"INV#{first['id']}",
            "INV-2026-0002": f"INV#{second['id']}",
            "CN-2026-0001": f"CN#{note.json()['id']}",
        }

    def test_imports_hold_the_numbers_they_bring_and_the_series_its_own(
        self, acme: Api, leanpay: Api, client_id: str
    ) -> None:
        [lp] = exact_json(
            leanpay.post(LEANPAY, {"invoices": [leanpay_invoice(client_id, "a")]}).body
        )["data"]
        done = hyperline_take(
            acme,
            [
                hyperline_invoice(client_id, status="paid", number="HL-1", batch_invoice_id="p"),
                hyperline_invoice(client_id, status="to_pay", batch_invoice_id="s"),
            ],
        )
        paid, series = done["successes"]
        assert (paid["number"], series["number"]) == ("HL-1", "INV-2026-0001")
        assert numbers() == {
            "LP-a": f"INV#{lp['id']}",
            "HL-1": f"INV#{paid['id']}",
            "INV-2026-0001": f"INV#{series['id']}",
        }

    def test_a_draft_with_a_number_cannot_be_deleted_and_cancelling_keeps_it_used(
        self, acme: Api, leanpay: Api, client_id: str
    ) -> None:
        draft = acme.post(BASE, {"currency": "EUR", "rows": [ROW], "clientId": client_id}).json()
        scheduled = acme.post(f"{BASE}/{draft['id']}/schedule", {"sendAt": "2026-12-01T09:00:00Z"})
        assert scheduled.status == 200, scheduled.body
        back = acme.patch(f"{BASE}/{draft['id']}/unschedule")
        assert (back.status, back.json()["invoiceNumber"]) == (200, "INV-2026-0001")
        assert acme.delete(f"{BASE}/{draft['id']}").status == 409
        assert acme.patch(f"{BASE}/{draft['id']}/cancel").status == 200
        assert numbers() == {"INV-2026-0001": f"INV#{draft['id']}"}
        again = leanpay_invoice(client_id, "x", reference="INV-2026-0001")
        refused(leanpay.post(LEANPAY, {"invoices": [again]}), "invoices[0].reference", "used")


class TestAnImportedNumberIsCheckedAgainstTheSeries:
    def test_a_number_the_series_gave_is_refused_with_nothing_written(
        self, acme: Api, leanpay: Api, client_id: str
    ) -> None:
        assert issued(acme)["invoiceNumber"] == "INV-2026-0001"
        before = tenant_partition("acme")
        taken = leanpay_invoice(client_id, "a", reference="INV-2026-0001")
        reply = leanpay.post(LEANPAY, {"invoices": [taken]})
        refused(reply, "invoices[0].reference", "INV-2026-0001 is used already")
        assert tenant_partition("acme") == before

    def test_a_credit_note_number_is_refused_as_an_invoice_number(
        self, acme: Api, client_id: str
    ) -> None:
        invoice = issued(acme)
        assert acme.post(f"{BASE}/{invoice['id']}/credit-notes", {"reason": "R"}).status == 201
        before = tenant_partition("acme")
        item = hyperline_invoice(
            client_id, status="paid", number="CN-2026-0001", batch_invoice_id="c"
        )
        [error] = hyperline_take(acme, [item])["errors"]
        assert error["error"]["status"] == 400, error
        assert error["error"]["errors"][0]["field"] == "invoices[0].number"
        assert "CN-2026-0001 is used already" in error["error"]["detail"]
        assert without_batches(tenant_partition("acme")) == without_batches(before)

    @pytest.mark.parametrize(
        "number", ["INV-2026-0002", "INV-2027-0001", "INV-2024-0001", "CN-2026-0001"]
    )
    def test_a_number_the_series_could_still_give_is_refused_with_nothing_written(
        self, acme: Api, leanpay: Api, client_id: str, number: str
    ) -> None:
        issued(acme)  # the series of 2026 is at 1; no credit note yet
        before = tenant_partition("acme")
        reply = leanpay.post(
            LEANPAY, {"invoices": [leanpay_invoice(client_id, "a", reference=number)]}
        )
        refused(reply, "invoices[0].reference", f"{number} is a number your own numbering")
        assert tenant_partition("acme") == before

    def test_hyperline_names_a_number_the_series_could_still_give_in_its_terms(
        self, acme: Api, client_id: str
    ) -> None:
        before = tenant_partition("acme")
        ahead = hyperline_invoice(
            client_id, status="paid", number="INV-2026-0001", batch_invoice_id="a"
        )
        other = hyperline_invoice(client_id, status="paid", number="HL-2", batch_invoice_id="b")
        done = hyperline_take(acme, [ahead, other])
        [error] = done["errors"]
        assert (error["index"], error["error"]["status"]) == (0, 400)
        assert error["error"]["errors"][0]["field"] == "invoices[0].number"
        assert [made["number"] for made in done["successes"]] == ["HL-2"]
        assert set(numbers()) == {"HL-2"}
        assert (
            len(stored_items("acme", "INV#"))
            == len([sk for sk in before if sk.startswith("INV#")]) + 1
        )

    def test_a_number_in_another_shape_need_only_be_unique(
        self, acme: Api, leanpay: Api, client_id: str
    ) -> None:
        odd = ["INV-26-0099", "INV-2026-99", "inv-2026-0099", "INV-2026-00099"]
        items = [leanpay_invoice(client_id, f"k{n}", reference=r) for n, r in enumerate(odd)]
        reply = leanpay.post(LEANPAY, {"invoices": items})
        assert reply.status == 200, reply.body
        assert set(numbers()) == set(odd)


class TestTwoImportsOfOneNumber:
    def test_the_second_import_is_refused_with_nothing_written(
        self, leanpay: Api, client_id: str
    ) -> None:
        first = leanpay.post(
            LEANPAY, {"invoices": [leanpay_invoice(client_id, "a", reference="R-1")]}
        )
        assert first.status == 200, first.body
        before = tenant_partition("acme")
        second = leanpay.post(
            LEANPAY, {"invoices": [leanpay_invoice(client_id, "b", reference="R-1")]}
        )
        refused(second, "invoices[0].reference", "R-1 is used already")
        assert tenant_partition("acme") == before

    def test_one_request_bringing_a_number_twice_is_refused_whole(
        self, leanpay: Api, client_id: str
    ) -> None:
        items = [leanpay_invoice(client_id, key, reference="R-1") for key in ("a", "b")]
        before = tenant_partition("acme")
        reply = leanpay.post(LEANPAY, {"invoices": items})
        refused(reply, "invoices[1].reference", "repeats the number of invoices[0]")
        assert tenant_partition("acme") == before

    def test_a_reimport_may_keep_its_number_but_not_take_another_invoices(
        self, leanpay: Api, client_id: str
    ) -> None:
        a, b = leanpay_invoice(client_id, "a"), leanpay_invoice(client_id, "b")
        assert leanpay.post(LEANPAY, {"invoices": [a, b]}).status == 200
        again = leanpay.post(
            LEANPAY, {"invoices": [{**a, "amount": "2380.00", "netAmount": "2000.00"}]}
        )
        assert again.status == 200, again.body
        before = tenant_partition("acme")
        taking = leanpay.post(LEANPAY, {"invoices": [{**a, "reference": b["reference"]}]})
        refused(taking, "invoices[0].reference", "LP-b is used already")
        assert tenant_partition("acme") == before

    def test_hyperline_items_of_one_number_in_one_batch_or_two_the_first_has_it(
        self, acme: Api, client_id: str
    ) -> None:
        def paid(key: str) -> Json:
            return hyperline_invoice(client_id, status="paid", number="HL-9", batch_invoice_id=key)

        done = hyperline_take(acme, [paid("a"), paid("b")])
        assert [m["batch_invoice_id"] for m in done["successes"]] == ["a"]
        assert [(e["index"], e["error"]["status"]) for e in done["errors"]] == [(1, 400)]
        later = hyperline_take(acme, [paid("c")])
        assert [(e["index"], e["error"]["status"]) for e in later["errors"]] == [(0, 400)]
        assert len(stored_items("acme", "INV#")) == 1


def test_the_series_reaching_a_number_brought_in_answers_409_and_writes_nothing(
    acme: Api, leanpay: Api, client_id: str
) -> None:
    """Brought under another format, X-0002 is the tenant's own once the format changes to
    X-{SEQ:04}: the series stops there rather than give it twice."""
    brought = leanpay.post(
        LEANPAY, {"invoices": [leanpay_invoice(client_id, "a", reference="X-0002")]}
    )
    assert brought.status == 200, brought.body
    changed = acme.request("PUT", "/api/v1/settings", {"numberingFormat": "X-{SEQ:04}"})
    assert changed.status == 200, changed.body
    assert issued(acme)["invoiceNumber"] == "X-0001"
    draft = acme.post(BASE, {"currency": "EUR", "rows": [ROW]}).json()
    before = tenant_partition("acme")
    reply = acme.patch(f"{BASE}/{draft['id']}/mark-as-sent")
    assert reply.status == 409, reply.body
    assert "X-0002" in reply.json()["detail"]
    assert tenant_partition("acme") == before


def test_the_cli_backfill_holds_the_numbers_stored_before_they_had_items(acme: Api) -> None:
    """Invoices stored before decision 0057 carry numbers no item holds: the one-off backfill
    gives each its item, is safe to run again, and reports a number carried twice."""
    first, second = issued(acme), issued(acme)
    dynamodb = boto3.client("dynamodb")
    for number in ("INV-2026-0001", "INV-2026-0002"):
        key = {"PK": {"S": "T#acme"}, "SK": {"S": f"NUMBER#{number}"}}
        dynamodb.delete_item(TableName=TABLE_NAME, Key=key)

    def backfill() -> Result:
        return CliRunner().invoke(
            cli, ["numbers", "backfill", "--tenant", "acme", "--table", TABLE_NAME]
        )

    ran = backfill()
    assert (ran.exit_code, ran.output) == (0, "Tenant acme: 2 numbers held now, 0 held already.\n")
    assert numbers() == {
        "INV-2026-0001": f"INV#{first['id']}",
        "INV-2026-0002": f"INV#{second['id']}",
    }
    again = backfill()
    assert (again.exit_code, again.output) == (
        0,
        "Tenant acme: 0 numbers held now, 2 held already.\n",
    )
    twin = tenant_partition("acme")[f"INV#{second['id']}"] | {"SK": {"S": "INV#twin"}}
    dynamodb.put_item(TableName=TABLE_NAME, Item=twin)
    reported = backfill()
    assert reported.exit_code == 1
    assert f"INV-2026-0002 is carried by INV#{second['id']} and by INV#twin" in reported.output
    assert numbers()["INV-2026-0002"] == f"INV#{second['id']}"
