"""Customer credit through HTTP (issue 21, part 5; decision 0056): a payment beyond what is open,
and a credit note beyond what a (partly) paid invoice still owes, become the client's credit in
the invoice's currency, moved in the invoice's own write; a payment of method CREDIT applies it
and a refund pays it back, each refused with nothing written when the balance is short. Amounts
to the minor unit, exact in JSON; every answer checked against the OpenAPI document; another
tenant gets 404 on every route."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.conformance import CheckedApi, checked_tenant
from tests.figures import exact_json
from tests.integration.test_credit_notes_api import assert_figures_are_a_recount
from tests.support import Reply, tenant_partition

pytestmark = pytest.mark.now("2026-11-21T09:30:00Z")
BASE = "/api/v1/invoices"
CLIENTS = "/api/v1/clients"
# Every customer credit route, as registered under /api/v1: each is sent by another tenant below
# (test_tenant_isolation counts them covered here) and budgeted in test_call_budget.
ROUTES = {
    ("GET", "/clients/{clientId}/balance"),
    ("POST", "/clients/{clientId}/balance/refunds"),
}
# The one that writes: a retry with its Idempotency-Key is replayed below (test_idempotency_api).
WRITES = {("POST", "/clients/{clientId}/balance/refunds")}
CHAIRS = {"description": "Chairs", "quantity": 2, "unitPrice": "50.00", "taxRate": 24}
DELIVERY = {"description": "Delivery", "quantity": 1, "unitPrice": "30.00", "taxRate": 24}
# CHAIRS and DELIVERY: 130.00 net, 31.20 tax, 161.20 in all; DELIVERY alone 37.20.
Json = dict[str, Any]


acme = checked_tenant("acme", "alice")
globex = checked_tenant("globex", "gina")


@pytest.fixture
def client(acme: CheckedApi) -> str:
    made: str = acme.post(CLIENTS, {"name": "Zoë Müller GmbH"}).json()["id"]
    return made


def issued(tenant: CheckedApi, client_id: str | None, *rows: Json, currency: str = "EUR") -> Json:
    body: Json = {"currency": currency, "invoiceDate": "2026-11-21", "rows": list(rows)}
    if client_id is not None:
        body["clientId"] = client_id
    created = tenant.post(BASE, body)
    assert created.status == 201, created.body
    sent = tenant.patch(f"{BASE}/{created.json()['id']}/mark-as-sent")
    assert sent.status == 200, sent.body
    invoice: Json = exact_json(sent.body)
    return invoice


def pay(tenant: CheckedApi, invoice: Json, amount: str, method: str | None = None) -> Reply:
    body: Json = {"amount": amount} | ({"paymentMethod": method} if method else {})
    return tenant.patch(f"{BASE}/{invoice['id']}/add-payment", body)


def paid(tenant: CheckedApi, invoice: Json, amount: str, method: str | None = None) -> Json:
    reply = pay(tenant, invoice, amount, method)
    assert reply.status == 200, reply.body
    answered: Json = exact_json(reply.body)
    return answered


def balance(tenant: CheckedApi, client_id: str, query: str = "") -> Json:
    reply = tenant.get(f"{CLIENTS}/{client_id}/balance{query}")
    assert reply.status == 200, reply.body
    answered: Json = exact_json(reply.body)
    return answered


def held(tenant: CheckedApi, client_id: str) -> list[tuple[str, str]]:
    """Each currency's balance, as written in the answer."""
    return [(b["currency"], str(b["amount"])) for b in balance(tenant, client_id)["balances"]]


def moves(tenant: CheckedApi, client_id: str) -> list[tuple[str, str]]:
    return [(m["kind"], str(m["amount"])) for m in balance(tenant, client_id)["movements"]]


def refund(tenant: CheckedApi, client_id: str, amount: str, currency: str = "EUR") -> Reply:
    body = {"amount": amount, "currency": currency, "date": "2026-11-20"}
    return tenant.post(f"{CLIENTS}/{client_id}/balance/refunds", body)


def recount(tenant: CheckedApi, client_id: str) -> dict[str, Decimal]:
    """Each currency's balance recounted from its moves."""
    counted: dict[str, Decimal] = {}
    for move in balance(tenant, client_id, "?limit=200")["movements"]:
        currency = move["currency"]
        counted[currency] = counted.get(currency, Decimal(0)) + move["amount"]
    return counted


class TestCreditComesFromExcess:
    def test_a_payment_beyond_what_is_open_pays_the_invoice_and_the_rest_is_credit(
        self, acme: CheckedApi, client: str
    ) -> None:
        invoice = issued(acme, client, CHAIRS, DELIVERY)

        reply = pay(acme, invoice, "200.00")

        assert reply.status == 200, reply.body
        answered = exact_json(reply.body)
        assert (answered["status"], str(answered["paid"]), str(answered["clientCredit"])) == (
            "PAID",
            "200.00",
            "38.80",
        )
        assert '"clientCredit": 38.80' in reply.body.decode()
        [payment] = answered["transactions"]
        assert str(payment["amount"]) == "200.00"  # the money as received, never trimmed
        assert answered["events"][-1]["description"].endswith(
            "; 38.80 EUR beyond what was open kept as the client's credit"
        )
        credit = balance(acme, client)
        assert credit["clientId"] == client
        [eur] = credit["balances"]
        assert (eur["currency"], str(eur["amount"])) == ("EUR", "38.80")
        [move] = credit["movements"]
        assert eur["updated"] == move["date"] == answered["updated"]  # the payment's write
        assert (move["kind"], str(move["amount"]), move["currency"]) == (
            "OVERPAYMENT",
            "38.80",
            "EUR",
        )
        assert (move["invoiceId"], move["invoiceNumber"], move["transactionId"]) == (
            invoice["id"],
            "INV-2026-0001",
            payment["id"],
        )
        assert move["createdBy"] == "alice"
        assert_figures_are_a_recount(acme)

    def test_a_credit_note_beyond_what_a_partly_paid_invoice_owes_is_credit(
        self, acme: CheckedApi, client: str
    ) -> None:
        invoice = issued(acme, client, CHAIRS, DELIVERY)
        paid(acme, invoice, "150.00")  # 11.20 open

        note = acme.post(
            f"{BASE}/{invoice['id']}/credit-notes",
            {"reason": "Not delivered", "rows": [{"rowId": invoice["rows"][1]["id"]}]},
        )

        assert note.status == 201, note.body
        after = exact_json(acme.get(f"{BASE}/find/{invoice['id']}").body)
        assert (after["status"], str(after["paid"]), str(after["clientCredit"])) == (
            "PAID",
            "150.00",
            "26.00",
        )  # 37.20 credited, 11.20 of it was open
        assert held(acme, client) == [("EUR", "26.00")]
        [move] = balance(acme, client)["movements"]
        assert (move["kind"], move["creditNoteId"], str(move["amount"])) == (
            "CREDIT_NOTE",
            note.json()["id"],
            "26.00",
        )
        assert_figures_are_a_recount(acme)

    def test_an_invoice_naming_no_client_still_refuses_a_payment_beyond_it(
        self, acme: CheckedApi
    ) -> None:
        invoice = issued(acme, None, DELIVERY)
        before = tenant_partition("acme")

        reply = pay(acme, invoice, "40.00")

        assert reply.status == 409, reply.body
        assert "exceeds the 37.20 EUR still open" in reply.json()["detail"]
        assert tenant_partition("acme") == before

    def test_yen_and_dinars_are_kept_to_their_minor_units(
        self, acme: CheckedApi, client: str
    ) -> None:
        seat = {"description": "Seat", "quantity": 1, "unitPrice": "1000", "taxRate": 10}
        yen = issued(acme, client, seat, currency="JPY")  # 1100 JPY
        paid(acme, yen, "1500")
        kwd = issued(acme, client, {**seat, "unitPrice": "10.125"}, currency="KWD")  # 11.138
        paid(acme, kwd, "12.000")

        assert held(acme, client) == [("JPY", "400"), ("KWD", "0.862")]
        credit = acme.get(f"{CLIENTS}/{client}/balance").body.decode()
        assert '"amount": 400,' in credit and '"amount": 0.862,' in credit


class TestCreditIsUsed:
    def test_a_credit_payment_pays_another_invoice_and_draws_the_balance_in_one_write(
        self, acme: CheckedApi, client: str
    ) -> None:
        paid(acme, issued(acme, client, CHAIRS, DELIVERY), "200.00")  # 38.80 credit
        other = issued(acme, client, DELIVERY)  # 37.20

        settled = paid(acme, other, "37.20", "CREDIT")

        assert (settled["status"], settled["transactions"][0]["paymentMethod"]) == (
            "PAID",
            "CREDIT",
        )
        assert "from the client's credit" in settled["events"][-1]["description"]
        assert held(acme, client) == [("EUR", "1.60")]
        assert moves(acme, client) == [("OVERPAYMENT", "38.80"), ("APPLIED", "-37.20")]
        # Removing the CREDIT payment gives the credit back, and reopens the invoice.
        payment = settled["transactions"][0]["id"]
        assert acme.delete(f"{BASE}/{other['id']}/{payment}/remove-payment").status == 204
        assert held(acme, client) == [("EUR", "38.80")]
        assert moves(acme, client)[-1] == ("PAYMENT_REMOVED", "37.20")
        assert recount(acme, client) == {"EUR": Decimal("38.80")}
        assert_figures_are_a_recount(acme)

    def test_money_is_counted_paid_once_where_it_settles_an_invoice(
        self, acme: CheckedApi, client: str
    ) -> None:
        paid(acme, issued(acme, client, CHAIRS, DELIVERY), "200.00")  # 161.20 + 38.80 credit
        paid(acme, issued(acme, client, DELIVERY), "37.20", "CREDIT")

        figures = assert_figures_are_a_recount(acme)

        # 200.00 came in: 161.20 settled one invoice, 37.20 of its excess the other, 1.60 is
        # still the client's credit (counted when it settles something, or never if refunded).
        assert str(figures["totalPaid"]) == "198.40"
        assert held(acme, client) == [("EUR", "1.60")]

    def test_a_credit_payment_the_balance_cannot_cover_is_a_409_and_writes_nothing(
        self, acme: CheckedApi, client: str
    ) -> None:
        paid(acme, issued(acme, client, DELIVERY), "40.00")  # 2.80 credit
        other = issued(acme, client, DELIVERY)
        before = tenant_partition("acme")

        reply = pay(acme, other, "5.00", "CREDIT")

        assert reply.status == 409, reply.body
        assert "has 2.80 EUR of credit, less than the 5.00 EUR" in reply.json()["detail"]
        assert tenant_partition("acme") == before
        # In another currency there is none at all.
        dollars = issued(acme, client, DELIVERY, currency="USD")
        short = pay(acme, dollars, "1.00", "CREDIT")
        assert short.status == 409, short.body
        assert "has 0.00 USD of credit" in short.json()["detail"]

    def test_a_credit_payment_never_pays_beyond_what_is_open_nor_without_a_client(
        self, acme: CheckedApi, client: str
    ) -> None:
        paid(acme, issued(acme, client, CHAIRS, DELIVERY), "400.00")  # 238.80 credit
        other = issued(acme, client, DELIVERY)
        nameless = issued(acme, None, DELIVERY)
        before = tenant_partition("acme")

        beyond = pay(acme, other, "40.00", "CREDIT")
        without = pay(acme, nameless, "1.00", "CREDIT")

        assert (beyond.status, without.status) == (409, 409), (beyond.body, without.body)
        assert "exceeds the 37.20 EUR still open" in beyond.json()["detail"]
        assert "names no client" in without.json()["detail"]
        assert tenant_partition("acme") == before

    def test_mark_as_paid_by_credit_draws_what_is_open(self, acme: CheckedApi, client: str) -> None:
        paid(acme, issued(acme, client, CHAIRS, DELIVERY), "200.00")  # 38.80
        other = issued(acme, client, DELIVERY)

        reply = acme.patch(f"{BASE}/{other['id']}/mark-as-paid?paymentMethod=CREDIT")

        assert reply.status == 200, reply.body
        assert held(acme, client) == [("EUR", "1.60")]

    def test_removing_a_payment_whose_excess_was_spent_is_refused(
        self, acme: CheckedApi, client: str
    ) -> None:
        first = issued(acme, client, CHAIRS, DELIVERY)
        overpaid = paid(acme, first, "200.00")  # 38.80
        paid(acme, issued(acme, client, DELIVERY), "37.20", "CREDIT")  # 1.60 left
        payment = overpaid["transactions"][0]["id"]
        before = tenant_partition("acme")

        reply = acme.delete(f"{BASE}/{first['id']}/{payment}/remove-payment")

        assert reply.status == 409, reply.body
        assert "has 1.60 EUR of credit, less than the 38.80 EUR" in reply.json()["detail"]
        assert tenant_partition("acme") == before


class TestRefunds:
    def test_a_refund_pays_credit_back_and_is_refused_beyond_the_balance(
        self, acme: CheckedApi, client: str
    ) -> None:
        paid(acme, issued(acme, client, CHAIRS, DELIVERY), "200.00")  # 38.80

        reply = refund(acme, client, "30.00")

        assert reply.status == 201, reply.body
        move = exact_json(reply.body)
        assert (move["kind"], str(move["amount"]), move["date"]) == (
            "REFUND",
            "-30.00",
            "2026-11-20T00:00:00.000Z",
        )
        assert move["created"].startswith("2026-11-21T09:30:")
        assert held(acme, client) == [("EUR", "8.80")]
        before = tenant_partition("acme")
        for amount, currency, status in (
            ("8.81", "EUR", 409),
            ("1.00", "USD", 409),
            ("1.001", "EUR", 400),
            ("-1", "EUR", 400),
        ):
            refused = refund(acme, client, amount, currency)
            assert refused.status == status, (amount, currency, refused.body)
        assert tenant_partition("acme") == before
        assert recount(acme, client) == {"EUR": Decimal("8.80")}

    def test_a_retried_refund_is_replayed_and_pays_back_once(
        self, acme: CheckedApi, client: str
    ) -> None:
        paid(acme, issued(acme, client, CHAIRS, DELIVERY), "200.00")  # 38.80
        key = {"Idempotency-Key": "refund-once"}
        body = {"amount": "10.00", "currency": "EUR", "date": "2026-11-20"}
        path = f"{CLIENTS}/{client}/balance/refunds"

        first, again = acme.post(path, body, headers=key), acme.post(path, body, headers=key)

        assert (first.status, again.status) == (201, 201), again.body
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert exact_json(again.body) == exact_json(first.body)
        assert held(acme, client) == [("EUR", "28.80")]
        assert moves(acme, client).count(("REFUND", "-10.00")) == 1

    def test_an_unknown_client_is_a_404_and_writes_nothing(self, acme: CheckedApi) -> None:
        unknown = "01935c1e-0000-7000-8000-000000000000"
        before = tenant_partition("acme")
        assert acme.get(f"{CLIENTS}/{unknown}/balance").status == 404
        assert refund(acme, unknown, "1.00").status == 404
        assert tenant_partition("acme") == before

    def test_a_client_without_credit_has_no_balances_and_moves_page_by_page(
        self, acme: CheckedApi, client: str
    ) -> None:
        assert balance(acme, client) == {"clientId": client, "balances": [], "movements": []}
        for _ in range(3):
            paid(acme, issued(acme, client, DELIVERY), "40.00")  # 2.80 each
        first = acme.get(f"{CLIENTS}/{client}/balance?limit=2")
        cursor = first.headers["X-Next-Cursor"]
        assert len(first.json()["movements"]) == 2
        rest = balance(acme, client, f"?limit=2&cursor={cursor}")
        assert [str(m["amount"]) for m in rest["movements"]] == ["2.80"]
        assert [str(b["amount"]) for b in rest["balances"]] == ["8.40"]


class TestTenants:
    def test_another_tenants_attempts_are_404_on_every_route_and_change_nothing(
        self, acme: CheckedApi, globex: CheckedApi, client: str
    ) -> None:
        invoice = issued(acme, client, DELIVERY)
        paid(acme, invoice, "40.00")
        ours, theirs = tenant_partition("acme"), tenant_partition("globex")
        attempts = {
            ("GET", "/clients/{clientId}/balance"): globex.get(f"{CLIENTS}/{client}/balance"),
            ("POST", "/clients/{clientId}/balance/refunds"): refund(globex, client, "1.00"),
        }
        assert set(attempts) == ROUTES
        for route, reply in attempts.items():
            assert reply.status == 404, (route, reply.body)
            assert "2.80" not in reply.body.decode()
        # Nor can they pay their invoice with acme's client's credit.
        assert pay(globex, invoice, "1.00", "CREDIT").status == 404
        assert (tenant_partition("acme"), tenant_partition("globex")) == (ours, theirs)
        assert held(acme, client) == [("EUR", "2.80")]
