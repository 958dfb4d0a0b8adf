"""GET /invoices/count-by-status and GET /invoices/stats through HTTP: exact counts and totals after
a realistic month, amounts in each currency's minor units, and the figures equal to a full
recomputation from the tenant's invoices after every operation of long random sequences, refused
and replayed requests included (tests/figures.py holds the rules, written out independently)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.domain.invoice import InvoiceStatus
from chalicelib.domain.values import new_id
from invoicing_cli.local import TABLE_NAME
from tests.figures import (
    STATUSES,
    assert_amounts_in_minor_units,
    exact_json,
    expected_counts,
    expected_stats,
    load_straight,
)
from tests.support import Api, Reply, force

BASE = "/api/v1/invoices"
# 100.00 net plus 19 % tax: 119.00 in all.
ROW = {"description": "Consulting", "quantity": 1, "unitPrice": 100, "taxRate": 19}
CENT = Decimal("0.01")


@pytest.fixture
def acme(api: Api) -> Api:
    return api.as_tenant("acme", user="alice")


def create(client: Api, **fields: Any) -> dict[str, Any]:
    body = {"currency": "EUR", "invoiceDate": "2026-11-21", "rows": [ROW], **fields}
    reply = client.post(BASE, body)
    assert reply.status == 201, reply.body
    invoice: dict[str, Any] = exact_json(reply.body)
    return invoice


def act(client: Api, invoice_id: str, action: str, body: Any = None, **kwargs: Any) -> Reply:
    method = "DELETE" if action.endswith("remove-payment") else "PATCH"
    return client.request(method, f"{BASE}/{invoice_id}/{action}", body, **kwargs)


def done(reply: Reply) -> dict[str, Any]:
    assert reply.status in (200, 201), reply.body
    result: dict[str, Any] = exact_json(reply.body)
    return result


def sent(client: Api, **fields: Any) -> dict[str, Any]:
    return done(act(client, create(client, **fields)["id"], "mark-as-sent"))


def pay(client: Api, invoice: dict[str, Any], amount: str) -> dict[str, Any]:
    return done(act(client, invoice["id"], "add-payment", {"amount": amount}))


def all_invoices(client: Api) -> list[dict[str, Any]]:
    invoices: list[dict[str, Any]] = []
    path = f"{BASE}/find-all?limit=200"
    while True:
        reply = client.get(path)
        assert reply.status == 200, reply.body
        invoices += exact_json(reply.body)
        cursor = reply.headers.get("X-Next-Cursor")
        if cursor is None:
            return invoices
        path = f"{BASE}/find-all?limit=200&cursor={cursor}"


@dataclass(frozen=True)
class Report:
    counts: dict[str, int]
    stats: dict[str, Any]
    text: str  # the stats as sent, to check how amounts are written


def report(client: Api) -> Report:
    counts, stats = client.get(f"{BASE}/count-by-status"), client.get(f"{BASE}/stats")
    assert (counts.status, stats.status) == (200, 200), (counts.body, stats.body)
    return Report(exact_json(counts.body), exact_json(stats.body), stats.body.decode())


def assert_report_is_recomputed(client: Api, context: str = "") -> Report:
    """What the endpoints answer equals the rules applied to every invoice the tenant has."""
    return checked_report(client, context)[0]


def checked_report(client: Api, context: str = "") -> tuple[Report, list[dict[str, Any]]]:
    invoices = all_invoices(client)
    answered = report(client)
    assert answered.counts == expected_counts(invoices), context
    assert answered.stats == expected_stats(invoices), context
    assert_amounts_in_minor_units(answered.stats)
    return answered, invoices


class TestAfterARealisticMonth:
    def test_counts_and_totals_are_exact_in_the_default_currency_with_a_breakdown(
        self, acme: Api
    ) -> None:
        create(acme)  # a draft that stays one
        deleted = [create(acme)["id"] for _ in range(3)]
        assert acme.delete(f"{BASE}/{deleted[0]}").status == 204
        assert acme.delete(f"{BASE}/delete-list?ids={deleted[1]},{deleted[2]}").status == 204
        sent(acme)  # 119.00 open
        pay(acme, sent(acme), "19.00")  # 100.00 open
        pay(acme, sent(acme), "119.00")  # paid in full
        cancelled = pay(acme, sent(acme), "50.00")
        done(act(acme, cancelled["id"], "cancel"))  # keeps the 50.00 paid, credits 69.00
        late = pay(acme, sent(acme), "20.00")
        force("acme", late["id"], status=InvoiceStatus.OVERDUE)  # 99.00 overdue
        force("acme", create(acme)["id"], status=InvoiceStatus.SCHEDULED, invoice_number="S-1")
        dollars = sent(acme, currency="USD", rows=[{"quantity": 2, "unitPrice": 100}])
        pay(acme, dollars, "50.00")

        answered = assert_report_is_recomputed(acme)

        assert answered.counts == {
            "DRAFT": 1, "SCHEDULED": 1, "SENT": 3, "OVERDUE": 1, "PAID": 1, "CANCELLED": 1,
        }  # fmt: skip
        assert answered.stats == {
            "countByStatus": answered.counts,
            # 5 x 119.00: sent twice, paid, overdue, and the cancelled one its credit note nets
            "totalInvoiced": Decimal("595.00"),
            "totalOutstanding": Decimal("318.00"),  # 119.00 + 100.00 + 99.00
            "totalOverdue": Decimal("99.00"),
            "totalPaid": Decimal("208.00"),  # 19.00 + 119.00 + 50.00 (cancelled) + 20.00
            "totalCredited": Decimal("69.00"),  # what the cancelled invoice had open
            "currency": "EUR",
            "byCurrency": {
                "EUR": {
                    "totalInvoiced": Decimal("595.00"),
                    "totalOutstanding": Decimal("318.00"),
                    "totalOverdue": Decimal("99.00"),
                    "totalPaid": Decimal("208.00"),
                    "totalCredited": Decimal("69.00"),
                },
                "USD": {
                    "totalInvoiced": Decimal("200.00"),
                    "totalOutstanding": Decimal("150.00"),
                    "totalOverdue": Decimal("0.00"),
                    "totalPaid": Decimal("50.00"),
                    "totalCredited": Decimal("0.00"),
                },
            },
        }
        assert '"totalOutstanding": 318.00' in answered.text
        assert '"totalOverdue": 0.00' in answered.text

    def test_a_tenant_in_one_currency_is_answered_in_it_without_a_breakdown(
        self, acme: Api
    ) -> None:
        create(acme)  # an EUR draft invoices nothing yet
        pay(acme, sent(acme, currency="USD"), "19.00")
        answered = assert_report_is_recomputed(acme)
        assert answered.stats["currency"] == "USD"
        assert "byCurrency" not in answered.stats
        assert '"totalInvoiced": 119.00, "totalOutstanding": 100.00' in answered.text
        assert '"totalOverdue": 0.00, "totalPaid": 19.00' in answered.text

    def test_a_tenant_with_nothing_gets_every_status_at_zero_and_zero_euros(self, api: Api) -> None:
        answered = assert_report_is_recomputed(api.as_tenant("newcomer"))
        assert answered.counts == dict.fromkeys(STATUSES, 0)
        assert answered.stats == {
            "countByStatus": answered.counts,
            "totalInvoiced": 0,
            "totalOutstanding": 0,
            "totalOverdue": 0,
            "totalPaid": 0,
            "totalCredited": 0,
            "currency": "EUR",
        }
        assert '"totalInvoiced": 0.00, "totalOutstanding": 0.00' in answered.text

    def test_yen_are_whole_and_dinars_have_three_places(self, api: Api) -> None:
        yen, dinars, both = (api.as_tenant(t) for t in ("tokyo", "kuwait", "both"))
        yen_row = {"quantity": 1, "unitPrice": 1000, "taxRate": 19}
        pay(yen, sent(yen, currency="JPY", rows=[yen_row]), "500")
        assert '"totalInvoiced": 1190, "totalOutstanding": 690' in report(yen).text
        dinar_row = {"quantity": 1, "unitPrice": "1.25"}
        pay(dinars, sent(dinars, currency="KWD", rows=[dinar_row]), "0.5")
        assert '"totalInvoiced": 1.250, "totalOutstanding": 0.750' in report(dinars).text
        sent(both, currency="JPY", rows=[{"quantity": 3, "unitPrice": 7}])
        sent(both, currency="KWD", rows=[{"quantity": 1, "unitPrice": "0.001"}])
        answered = assert_report_is_recomputed(both)
        assert answered.stats["currency"] == "EUR"
        assert '"JPY": {"totalInvoiced": 21, "totalOutstanding": 21' in answered.text
        assert '"KWD": {"totalInvoiced": 0.001, "totalOutstanding": 0.001' in answered.text
        for tenant in (yen, dinars):
            assert_report_is_recomputed(tenant)

    def test_an_invoice_flagged_overdue_by_the_job_moves_into_overdue_and_out_when_paid(
        self, acme: Api
    ) -> None:
        invoice = pay(acme, sent(acme), "19.00")
        force("acme", invoice["id"], status=InvoiceStatus.OVERDUE)
        flagged = assert_report_is_recomputed(acme)
        assert (flagged.stats["totalOverdue"], flagged.counts["OVERDUE"]) == (100, 1)
        pay(acme, invoice, "100.00")
        settled = assert_report_is_recomputed(acme)
        assert (settled.stats["totalOverdue"], settled.stats["totalOutstanding"]) == (0, 0)
        assert (settled.counts["OVERDUE"], settled.counts["PAID"]) == (0, 1)


@dataclass(frozen=True)
class Refusal:
    name: str
    state: str  # of the invoice: DRAFT, SENT or PAID
    method: str
    path: str  # under /api/v1/invoices, with {id} of the invoice and {draft} of another draft
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


REFUSALS = [
    Refusal("payment over the balance", "SENT", "PATCH", "/{id}/add-payment", 409,
            {"amount": "119.01"}),
    Refusal("payment in tenths of a cent", "SENT", "PATCH", "/{id}/add-payment", 400,
            {"amount": "1.005"}),
    Refusal("payment on a draft", "DRAFT", "PATCH", "/{id}/add-payment", 409, {"amount": "1"}),
    Refusal("sending a paid invoice", "PAID", "PATCH", "/{id}/mark-as-sent", 409),
    Refusal("cancelling a paid invoice", "PAID", "PATCH", "/{id}/cancel", 409),
    Refusal("unmarking a sent invoice", "SENT", "PATCH", "/{id}/unmark-as-paid", 409),
    Refusal("deleting an issued invoice", "SENT", "DELETE", "/{id}", 409),
    Refusal("deleting a draft with an issued one", "SENT", "DELETE",
            "/delete-list?ids={draft},{id}", 409),
    Refusal("new rows on an issued invoice", "SENT", "PATCH", "/{id}/update", 409, {"rows": []}),
    Refusal("cancelling at a stale ETag", "SENT", "PATCH", "/{id}/cancel", 412,
            headers={"If-Match": '"1"'}),
    Refusal("removing an unknown payment", "SENT", "DELETE", "/{id}/unknown/remove-payment", 404),
]  # fmt: skip


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda refusal: refusal.name)
def test_a_refused_request_leaves_the_figures_as_they_were(acme: Api, refusal: Refusal) -> None:
    draft = create(acme)
    invoice = create(acme) if refusal.state == "DRAFT" else sent(acme)
    if refusal.state == "PAID":
        invoice = pay(acme, invoice, "119.00")
    before = assert_report_is_recomputed(acme)
    path = BASE + refusal.path.format(id=invoice["id"], draft=draft["id"])
    reply = acme.request(refusal.method, path, refusal.body, headers=refusal.headers)
    assert reply.status == refusal.status, reply.body
    assert assert_report_is_recomputed(acme) == before


def test_deleting_as_many_drafts_as_delete_list_takes_deletes_and_uncounts_them_all(
    acme: Api,
) -> None:
    repo = get_deps().invoices
    first = repo.get("acme", create(acme)["id"])
    assert first is not None
    others = [first.model_copy(update={"id": new_id()}) for _ in range(99)]
    load_straight(get_deps().dynamodb, TABLE_NAME, others)
    assert report(acme).counts["DRAFT"] == 100
    ids = [first.id, *(draft.id for draft in others)]
    # 99 is the most one transaction holds next to the figures; one more is refused up front.
    refused = acme.delete(f"{BASE}/delete-list?ids={','.join(ids)}")
    assert refused.status == 400, refused.body
    assert "at most 99" in refused.json()["detail"]
    reply = acme.delete(f"{BASE}/delete-list?ids={','.join(ids[:99])}")
    assert reply.status == 204, reply.body
    assert assert_report_is_recomputed(acme).counts["DRAFT"] == 1


class TestReplays:
    @pytest.mark.parametrize(
        ("method", "action", "body"),
        [
            ("PATCH", "add-payment", {"amount": "19.00"}),
            ("PATCH", "mark-as-paid", None),
            ("PATCH", "cancel", None),
        ],
    )
    def test_a_replayed_write_moves_the_figures_once(
        self, acme: Api, method: str, action: str, body: Any
    ) -> None:
        invoice = sent(acme)
        key = {"Idempotency-Key": str(uuid.uuid4())}
        path = f"{BASE}/{invoice['id']}/{action}"
        assert acme.request(method, path, body, headers=key).status == 200
        once = assert_report_is_recomputed(acme)
        replay = acme.request(method, path, body, headers=key)
        assert (replay.status, replay.headers.get("Idempotent-Replayed")) == (200, "true")
        assert assert_report_is_recomputed(acme) == once

    def test_a_replayed_create_counts_one_draft(self, acme: Api) -> None:
        key = {"Idempotency-Key": "order-4711"}
        for _ in range(3):
            assert acme.post(BASE, {"rows": [ROW]}, headers=key).status == 201
        assert assert_report_is_recomputed(acme).counts["DRAFT"] == 1


# What each status allows (DESIGN.md section 5), weighted so that invoices move on, for choosing
# mostly allowed operations; the rest of the time an operation is chosen blindly and may well be
# refused. force-*: a status written through the repository, as the jobs will.
ALLOWED = {
    "DRAFT": {"mark-as-sent": 3, "force-scheduled": 2, "update-rows": 1, "note": 1, "cancel": 1,
              "delete": 1, "delete-list": 1},
    "SCHEDULED": {"mark-as-sent": 1, "cancel": 1, "note": 1},
    "SENT": {"add-payment": 3, "mark-as-paid": 2, "force-overdue": 2, "remove-payment": 1,
             "cancel": 1, "note": 1},
    "OVERDUE": {"add-payment": 2, "mark-as-paid": 2, "remove-payment": 1, "cancel": 1, "note": 1},
    "PAID": {"unmark-as-paid": 2, "remove-payment": 2, "note": 1},
    "CANCELLED": {"note": 1},
}  # fmt: skip
EVERY_OPERATION = sorted({name for weights in ALLOWED.values() for name in weights})
MAX_INVOICES = 10


@dataclass
class RandomTenant:
    """Drives one tenant through a seeded random sequence of operations through HTTP."""

    client: Api
    tenant: str
    rng: random.Random
    log: list[str] = field(default_factory=list)
    last_keyed: tuple[str, str, Any, dict[str, str]] | None = None

    def step(self, invoices: list[dict[str, Any]]) -> Reply | None:
        """One operation; returns the reply of an HTTP one (None for a forced status)."""
        live = [invoice for invoice in invoices if invoice["status"] != "CANCELLED"]
        if len(live) < 2 or (len(invoices) < MAX_INVOICES and self.rng.random() < 0.1):
            return self.send("POST", BASE, self.new_fields(), "create")
        if self.last_keyed is not None and self.rng.random() < 0.12:
            method, path, body, headers = self.last_keyed
            self.log.append(f"replay {method} {path}")
            return self.client.request(method, path, body, headers=headers)
        invoice = self.rng.choice(live if self.rng.random() < 0.9 else invoices)
        if self.rng.random() < 0.8:
            weights = ALLOWED[invoice["status"]]
            operation = self.rng.choices(list(weights), list(weights.values()))[0]
        else:
            operation = self.rng.choice(EVERY_OPERATION)
        return self.operate(operation, invoice, invoices)

    def operate(
        self, operation: str, invoice: dict[str, Any], invoices: list[dict[str, Any]]
    ) -> Reply | None:
        path = f"{BASE}/{invoice['id']}"
        label = f"{operation} {invoice['status']} {invoice['currency']} {invoice['id'][-6:]}"
        if operation.startswith("force-"):
            # As the jobs will: only SENT becomes OVERDUE and only a DRAFT SCHEDULED.
            if operation in ALLOWED[invoice["status"]]:
                status = {"force-overdue": "OVERDUE", "force-scheduled": "SCHEDULED"}[operation]
                force(self.tenant, invoice["id"], status=InvoiceStatus(status))
            self.log.append(label)
            return None
        if operation == "update-rows":
            return self.send("PATCH", f"{path}/update", {"rows": self.rows()}, label)
        if operation == "note":
            return self.send("PATCH", f"{path}/update", {"note": f"n{self.rng.random()}"}, label)
        if operation == "add-payment":
            return self.send("PATCH", f"{path}/add-payment", self.payment(invoice), label)
        if operation == "remove-payment":
            payments = [t["id"] for t in invoice["transactions"]] or ["unknown"]
            target = f"{path}/{self.rng.choice(payments)}/remove-payment"
            return self.send("DELETE", target, None, label)
        if operation == "delete":
            return self.send("DELETE", path, None, label)
        if operation == "delete-list":
            other = self.rng.choice(invoices)["id"]
            target = f"{BASE}/delete-list?ids={invoice['id']},{other}"
            return self.send("DELETE", target, None, label)
        return self.send("PATCH", f"{path}/{operation}", None, label)

    def send(self, method: str, path: str, body: Any, label: str) -> Reply:
        headers: dict[str, str] = {}
        if self.rng.random() < 0.3:
            headers = {"Idempotency-Key": str(uuid.UUID(int=self.rng.getrandbits(128)))}
            self.last_keyed = (method, path, body, headers)
        reply = self.client.request(method, path, body, headers=headers)
        self.log.append(f"{label} -> {reply.status}")
        return reply

    def new_fields(self) -> dict[str, Any]:
        return {
            "currency": self.rng.choice(["EUR", "USD"]),
            # Reopened after its due date, an invoice of 2020 is OVERDUE, one of 2026 SENT.
            "invoiceDate": self.rng.choice(["2020-01-01", "2026-11-21"]),
            "rows": self.rows(),
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "quantity": self.rng.randint(1, 3),
                "unitPrice": str(Decimal(self.rng.randint(1, 50_000)) * CENT),
                "taxRate": self.rng.choice([0, 7, 19]),
            }
            for _ in range(self.rng.choice([0, 1, 1, 2]))  # none: an invoice of 0.00
        ]

    def payment(self, invoice: dict[str, Any]) -> dict[str, str]:
        balance = Decimal(str(invoice["total"])) - Decimal(str(invoice["paid"]))
        draw = self.rng.random()
        if balance <= 0 or draw < 0.1:
            amount = max(balance, Decimal(0)) + CENT  # over the balance: refused
        elif draw < 0.35:
            amount = balance  # settles it
        else:
            amount = Decimal(self.rng.randint(1, int(balance / CENT))) * CENT
        return {"amount": str(amount)}


# Seeds whose sequences reach every status (checked at the end of the test).
@pytest.mark.parametrize("seed", [2, 3, 4, 5])
def test_after_every_operation_of_a_random_sequence_the_figures_equal_a_recomputation(
    api: Api, seed: int
) -> None:
    rng = random.Random(seed)
    tenant = f"random-{seed}"
    driver = RandomTenant(api.as_tenant(tenant), tenant, rng)
    invoices: list[dict[str, Any]] = []
    before = assert_report_is_recomputed(driver.client)
    statuses_seen: set[str] = set()
    refused = replayed = 0
    for number in range(rng.randint(40, 80)):
        reply = driver.step(invoices)
        context = f"seed {seed}, operation {number}: " + " | ".join(driver.log[-6:])
        after, invoices = checked_report(driver.client, context)
        if reply is not None and reply.status >= 400:
            refused += 1
            assert after == before, context
        if reply is not None and reply.headers.get("Idempotent-Replayed") == "true":
            replayed += 1
            assert after == before, context
        statuses_seen |= {invoice["status"] for invoice in invoices}
        before = after
    # The sequence went where it claims to: every status, refusals and replays.
    assert statuses_seen == set(STATUSES), driver.log
    assert refused > 0
    assert replayed > 0
