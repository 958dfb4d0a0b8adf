"""What the use cases count through the Metrics port (decision 0045): an invoice when it is
issued, a payment when it is recorded, an email when it is sent or refused; never twice for a
retried request."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.errors import DeliveryFailedError
from chalicelib.domain.mail import MailContent, OutgoingMail
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.values import Actor
from chalicelib.ports import InvoicePorts
from chalicelib.services import invoices, lifecycle
from chalicelib.services.metrics import CountedMailer
from tests.fakes import (
    CountingMetrics,
    FixedClock,
    InMemoryInvoiceRepository,
    InMemoryTenantSettings,
)

ACME = Actor(tenant_id="acme", user_id="alice")
ROW = {"description": "Item", "quantity": 1, "unitPrice": "100.00", "taxRate": 20}
MAIL = OutgoingMail(
    sender="billing@example.com",
    to=("ap@client.example",),
    reply_to=None,
    content=MailContent(subject="Invoice", text="Attached.", html="<p>Attached.</p>"),
    attachments=(),
)


@pytest.fixture
def metrics() -> CountingMetrics:
    return CountingMetrics()


@pytest.fixture
def ports(metrics: CountingMetrics) -> InvoicePorts:
    repo = InMemoryInvoiceRepository()
    settings = InMemoryTenantSettings(repo.settings)
    return InvoicePorts(repo=repo, clock=FixedClock(), settings=settings, metrics=metrics)


def draft_id(ports: InvoicePorts) -> str:
    body = NewInvoice.model_validate({"currency": "EUR", "rows": [ROW]})
    return invoices.create_invoice(body, actor=ACME, ports=ports).invoice.id


def test_an_invoice_is_counted_when_it_is_issued_and_not_when_created(
    ports: InvoicePorts, metrics: CountingMetrics
) -> None:
    invoice_id = draft_id(ports)
    assert metrics.counts == {}
    lifecycle.mark_as_sent(invoice_id, actor=ACME, ports=ports)
    assert metrics.counts == {"InvoicesIssued": 1}


def test_a_retried_request_that_issued_already_is_not_counted_again(
    ports: InvoicePorts, metrics: CountingMetrics
) -> None:
    invoice_id = draft_id(ports)
    retrying = replace(ACME, request="request-1")
    lifecycle.mark_as_sent(invoice_id, actor=retrying, ports=ports)
    lifecycle.mark_as_sent(invoice_id, actor=retrying, ports=ports)
    assert metrics.counts == {"InvoicesIssued": 1}


def test_a_payment_is_counted_when_it_is_recorded(
    ports: InvoicePorts, metrics: CountingMetrics
) -> None:
    invoice_id = draft_id(ports)
    lifecycle.mark_as_sent(invoice_id, actor=ACME, ports=ports)
    payment = PaymentInput.model_validate({"amount": "10.00"})
    lifecycle.add_payment(invoice_id, payment, actor=ACME, ports=ports)
    assert metrics.counts["PaymentsRecorded"] == 1


class _Mailer:
    def __init__(self, refuse: bool = False) -> None:
        self._refuse = refuse
        self.connected = False

    def connect(self) -> None:
        self.connected = True

    def send(self, mail: OutgoingMail) -> str:
        if self._refuse:
            raise DeliveryFailedError("The mail service refused the message")
        return "message-1"


def test_an_email_is_counted_as_sent_or_as_refused(metrics: CountingMetrics) -> None:
    assert CountedMailer(_Mailer(), metrics).send(MAIL) == "message-1"
    with pytest.raises(DeliveryFailedError):
        CountedMailer(_Mailer(refuse=True), metrics).send(MAIL)
    assert metrics.counts == {"EmailsSent": 1, "EmailsRefused": 1}


def test_connecting_the_counted_mailer_connects_the_one_it_wraps(metrics: CountingMetrics) -> None:
    wrapped = _Mailer()
    CountedMailer(wrapped, metrics).connect()
    assert wrapped.connected
