"""The fake invoice repository against its DynamoDB adapter on moto, on clients' credit (issue 21,
part 5; decision 0056): a write of an invoice moves its client's balance with it, a draw the
balance cannot cover is refused with nothing written, and a refund is held to the balance and to
the tenant's own clients. Both backends pass the same assertions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest

from chalicelib.domain import payments
from chalicelib.domain.customer_credit import CreditMovement, MovementKind, refund
from chalicelib.domain.errors import ClientNotFoundError, InsufficientCreditError
from chalicelib.domain.invoice import Invoice, InvoiceStatus, PaymentMethod
from chalicelib.domain.payments import PaymentInput, RefundInput
from chalicelib.domain.values import Actor
from chalicelib.ports import ClientRepository, InvoiceRepository
from chalicelib.store.clients import DynamoClientRepository
from chalicelib.store.invoices import DynamoInvoiceRepository
from invoicing_cli.local import TABLE_NAME
from tests.fakes import InMemoryClientRepository, InMemoryInvoiceRepository
from tests.integration.test_fakes_conform import (
    ACME,
    BACKENDS,
    GLOBEX,
    NOW,
    a_client,
    dynamodb,
    invoice_naming,
    on_moto,
)


@dataclass(frozen=True)
class Credit:
    clients: ClientRepository
    invoices: InvoiceRepository


@pytest.fixture(params=BACKENDS)
def credit(request: pytest.FixtureRequest) -> Credit:
    if on_moto(request):
        return Credit(
            DynamoClientRepository(dynamodb(), TABLE_NAME),
            DynamoInvoiceRepository(dynamodb(), TABLE_NAME),
        )
    clients = InMemoryClientRepository()
    return Credit(clients, InMemoryInvoiceRepository(clients=clients))


NUMBERS = count(1)


def sent_to(credit: Credit, client_id: str) -> Invoice:
    """A stored invoice of 10.00 naming the client, as if sent (each under its own number)."""
    draft = credit.invoices.add(invoice_naming(client_id))
    number = f"X-{next(NUMBERS)}"
    sent = draft.model_copy(update={"status": InvoiceStatus.SENT, "invoice_number": number})
    return credit.invoices.save(sent, previous=draft)


def paying(
    credit: Credit, invoice: Invoice, amount: str, method: PaymentMethod = PaymentMethod.OTHER
) -> Invoice:
    given = PaymentInput(amount=Decimal(amount), payment_method=method)
    paid = payments.add_payment(invoice, given, actor=ACME, now=NOW)
    return credit.invoices.save(paid, previous=invoice)


def balances(credit: Credit, client_id: str, tenant: str = "acme") -> list[tuple[str, str]]:
    found = credit.invoices.client_credit(tenant, client_id, limit=50, cursor=None)
    assert found is not None
    return [(b.currency, str(b.amount)) for b in found[0].balances]


def test_an_overpayment_moves_its_clients_balance_in_the_same_write(credit: Credit) -> None:
    client = credit.clients.add(a_client())
    invoice = sent_to(credit, client.id)

    paid = paying(credit, invoice, "12.50")

    assert (paid.status, str(paid.client_credit)) == (InvoiceStatus.PAID, "2.50")
    found = credit.invoices.client_credit("acme", client.id, limit=50, cursor=None)
    assert found is not None
    answer, cursor = found
    assert ([(b.currency, str(b.amount)) for b in answer.balances], cursor) == (
        [("EUR", "2.50")],
        None,
    )
    [move] = answer.movements
    assert (move.kind, str(move.amount), move.invoice_id) == (
        MovementKind.OVERPAYMENT,
        "2.50",
        invoice.id,
    )
    assert move.transaction_id == paid.transactions[0].id


def test_a_draw_the_balance_cannot_cover_writes_nothing(credit: Credit) -> None:
    client = credit.clients.add(a_client())
    paying(credit, sent_to(credit, client.id), "11.00")  # 1.00 of credit
    other = sent_to(credit, client.id)
    drawing = payments.add_payment(
        other,
        PaymentInput(amount=Decimal("2.00"), payment_method=PaymentMethod.CREDIT),
        actor=ACME,
        now=NOW,
    )

    with pytest.raises(InsufficientCreditError) as refused:
        credit.invoices.save(drawing, previous=other)

    assert "has 1.00 EUR of credit, less than the 2.00 EUR" in str(refused.value)
    assert credit.invoices.get("acme", other.id) == other
    assert balances(credit, client.id) == [("EUR", "1.00")]
    paying(credit, other, "1.00", PaymentMethod.CREDIT)
    assert balances(credit, client.id) == [("EUR", "0.00")]


def test_a_refund_is_held_to_the_balance_and_to_the_tenants_own_clients(credit: Credit) -> None:
    client = credit.clients.add(a_client())
    paying(credit, sent_to(credit, client.id), "15.00")  # 5.00

    def refunding(amount: str, actor: Actor = ACME) -> CreditMovement:
        asked = RefundInput(amount=Decimal(amount), currency="EUR")
        return refund(client.id, asked, actor=actor, now=NOW + timedelta(minutes=1))

    with pytest.raises(InsufficientCreditError):
        credit.invoices.refund_credit(refunding("5.01"))
    with pytest.raises(ClientNotFoundError):
        credit.invoices.refund_credit(refunding("1.00", GLOBEX))
    assert credit.invoices.client_credit("globex", client.id, limit=50, cursor=None) is None

    credit.invoices.refund_credit(refunding("5.00"))

    assert balances(credit, client.id) == [("EUR", "0.00")]
    found = credit.invoices.client_credit("acme", client.id, limit=1, cursor=None)
    assert found is not None and found[1] is not None
    rest = credit.invoices.client_credit("acme", client.id, limit=1, cursor=found[1])
    assert rest is not None
    assert [(m.kind, str(m.amount)) for m in found[0].movements + rest[0].movements] == [
        (MovementKind.OVERPAYMENT, "5.00"),
        (MovementKind.REFUND, "-5.00"),
    ]
