"""Delivery use cases on the fakes: an invoice is emailed (issued with the next number, its PDF
kept and attached) or scheduled for the sending job; a refused email leaves the invoice as it
was, and a retried request never sends twice; another tenant sends nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.clients import ClientInput
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.due import Job
from chalicelib.domain.errors import (
    DeliveryFailedError,
    FileRefusedError,
    InvalidStateError,
    InvoiceNotFoundError,
    NoRecipientError,
)
from chalicelib.domain.files import invoice_pdf_path
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.domain.work import WorkItem
from chalicelib.services import clients, delivery, invoices
from chalicelib.services.documents import Upload
from tests.fakes import MAIL_FROM, FakeWorld

ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="gina")
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
GIVEN_PDF = Upload("ours.pdf", "application/pdf", b"%PDF-1.7\n" + b"0" * 64 + b"\n%%EOF\n")


@pytest.fixture
def world() -> FakeWorld:
    world = FakeWorld(NOW)
    world.settings.save(
        "acme",
        TenantSettings.model_validate(
            {"companyName": "Acme GmbH", "senderEmail": "billing@acme.example",
             "timezone": "Europe/Berlin"}
        ),
        version=0,
    )  # fmt: skip
    return world


def a_draft(world: FakeWorld, actor: Actor = ACME, **fields: Any) -> Invoice:
    body = {
        "currency": "EUR",
        "invoiceDate": "2026-11-25",
        "contactEmail": "ap@client.example",
        "rows": [
            {"description": "Beratung", "quantity": 3, "unitPrice": "33.33", "taxRate": 19},
            {"description": "Reise", "quantity": 1, "unitPrice": "0.05", "taxRate": 7},
        ],
        **fields,
    }
    return invoices.create_invoice(
        NewInvoice.model_validate(body), actor=actor, ports=world.ports
    ).invoice


def send(
    world: FakeWorld, invoice_id: str, actor: Actor = ACME, pdf: Upload | None = None
) -> Invoice:
    return delivery.send_invoice(invoice_id, pdf, actor=actor, ports=world.documents)


def test_sending_a_draft_issues_it_with_the_next_number_and_emails_its_pdf(
    world: FakeWorld,
) -> None:
    draft = a_draft(world)

    sent = send(world, draft.id)

    assert (sent.status, sent.invoice_number) == (InvoiceStatus.SENT, "INV-2026-0001")
    # 3 x 33.33 at 19 % and 0.05 at 7 % (whose 0.0035 tax rounds to nothing), to the cent
    assert (str(sent.total_excluding_tax), str(sent.total_tax), str(sent.total)) == (
        "100.04",
        "19.00",
        "119.04",
    )
    (mail,) = world.mailer.sent
    assert mail.to == ("ap@client.example",)
    assert (mail.sender, mail.reply_to) == (f"Acme GmbH <{MAIL_FROM}>", "billing@acme.example")
    (attachment,) = mail.attachments
    assert attachment.filename == "INV-2026-0001.pdf"
    assert sent.pdf is not None
    kept = world.files.get(invoice_pdf_path("acme", draft.id, sent.pdf.blob_id))
    assert kept == attachment.data and kept.startswith(b"%PDF")
    assert sent.seller is not None and sent.seller.name == "Acme GmbH"
    assert world.invoices.get("acme", draft.id) == sent


def test_the_given_pdf_is_the_one_emailed_and_kept(world: FakeWorld) -> None:
    sent = send(world, a_draft(world).id, pdf=GIVEN_PDF)

    (mail,) = world.mailer.sent
    assert mail.attachments[0].data == GIVEN_PDF.data
    assert sent.pdf is not None and sent.pdf.file_size == len(GIVEN_PDF.data)


def test_an_email_the_mail_service_refuses_leaves_the_invoice_unissued(world: FakeWorld) -> None:
    draft = a_draft(world)
    world.mailer.refusal = DeliveryFailedError("The mail service refused the message")

    with pytest.raises(DeliveryFailedError):
        send(world, draft.id)

    assert world.invoices.get("acme", draft.id) == draft
    assert world.invoices.counter("acme").version == 0  # no number taken
    assert world.files.objects == {}
    world.mailer.refusal = None
    assert send(world, draft.id).invoice_number == "INV-2026-0001"  # the number never skipped


def test_an_invoice_with_no_one_to_email_is_refused_and_nothing_sent(world: FakeWorld) -> None:
    draft = a_draft(world, contactEmail=None)

    with pytest.raises(NoRecipientError):
        send(world, draft.id)

    assert world.mailer.sent == []
    assert world.invoices.get("acme", draft.id) == draft
    assert world.invoices.counter("acme").version == 0


def test_an_invoice_with_no_one_to_email_keeps_no_pdf(world: FakeWorld) -> None:
    draft = a_draft(world, contactEmail=None)

    with pytest.raises(NoRecipientError):
        send(world, draft.id)

    assert world.files.objects == {}


def test_the_clients_address_is_used_and_copied_when_the_invoice_names_one(
    world: FakeWorld,
) -> None:
    client = clients.create_client(
        ClientInput.model_validate({"name": "Zoë Müller GmbH", "email": "ap@mueller.example"}),
        actor=ACME,
        repo=world.clients,
        clock=world.clock,
    )
    draft = a_draft(world, contactEmail=None, clientId=client.id)

    sent = send(world, draft.id)

    assert world.mailer.sent[0].to == ("ap@mueller.example",)
    assert sent.client is not None and sent.client.name == "Zoë Müller GmbH"


def test_a_retried_send_sends_once(world: FakeWorld) -> None:
    draft = a_draft(world)
    retrying = replace(ACME, request="request-1")

    first = send(world, draft.id, retrying)
    again = send(world, draft.id, retrying)

    assert again == first
    assert len(world.mailer.sent) == 1


def test_another_tenant_cannot_send_the_invoice(world: FakeWorld) -> None:
    draft = a_draft(world)

    with pytest.raises(InvoiceNotFoundError):
        send(world, draft.id, GLOBEX)

    assert world.mailer.sent == []
    assert world.invoices.get("acme", draft.id) == draft


def test_a_scheduled_invoice_is_numbered_now_and_due_at_eight_on_its_date_tenant_time(
    world: FakeWorld,
) -> None:
    draft = a_draft(world)

    scheduled = delivery.schedule_invoice(draft.id, None, None, actor=ACME, ports=world.documents)

    eight_in_berlin = datetime(2026, 11, 25, 7, tzinfo=UTC)
    assert (scheduled.status, scheduled.invoice_number) == (
        InvoiceStatus.SCHEDULED,
        "INV-2026-0001",
    )
    assert scheduled.send_at == eight_in_berlin
    assert world.mailer.sent == []
    assert list(world.due.due(Job.SCHEDULED, eight_in_berlin)) == [WorkItem("acme", draft.id)]


def test_a_pdf_given_to_a_scheduled_invoice_is_kept_for_the_sending_job(world: FakeWorld) -> None:
    draft = a_draft(world)

    scheduled = delivery.schedule_invoice(
        draft.id, None, GIVEN_PDF, actor=ACME, ports=world.documents
    )

    assert scheduled.pdf is not None and scheduled.pdf.name == "INV-2026-0001.pdf"
    key = invoice_pdf_path("acme", draft.id, scheduled.pdf.blob_id)
    assert world.files.get(key) == GIVEN_PDF.data


def test_a_given_file_that_is_not_a_pdf_schedules_nothing(world: FakeWorld) -> None:
    draft = a_draft(world)

    with pytest.raises(FileRefusedError):
        delivery.schedule_invoice(
            draft.id, None, Upload("ours.pdf", "application/pdf", b"plain text"), actor=ACME,
            ports=world.documents,
        )  # fmt: skip

    assert world.invoices.get("acme", draft.id) == draft
    assert world.files.objects == {}


def test_another_tenant_cannot_schedule_the_invoice(world: FakeWorld) -> None:
    draft = a_draft(world)

    with pytest.raises(InvoiceNotFoundError):
        delivery.schedule_invoice(draft.id, None, None, actor=GLOBEX, ports=world.documents)

    assert world.invoices.get("acme", draft.id) == draft


def test_a_reminder_of_a_sent_invoice_is_emailed_and_recorded(world: FakeWorld) -> None:
    sent = send(world, a_draft(world).id)
    world.clock.advance(days=20)

    reminded = delivery.send_reminder(sent.id, actor=ACME, ports=world.documents)

    assert len(world.mailer.sent) == 2
    reminder = world.mailer.sent[1]
    assert reminder.to == ("ap@client.example",)
    assert "INV-2026-0001" in reminder.content.subject
    assert [(r.sent_on, r.created_by) for r in reminded.reminders] == [(world.clock.now(), "alice")]
    assert world.invoices.get("acme", sent.id) == reminded


def test_a_draft_is_not_reminded_and_another_tenant_reminds_nothing(world: FakeWorld) -> None:
    draft = a_draft(world)

    with pytest.raises(InvalidStateError):
        delivery.send_reminder(draft.id, actor=ACME, ports=world.documents)
    sent = send(world, draft.id)
    with pytest.raises(InvoiceNotFoundError):
        delivery.send_reminder(sent.id, actor=GLOBEX, ports=world.documents)

    assert len(world.mailer.sent) == 1
    assert world.invoices.get("acme", draft.id) == sent
