"""SesMailer against emulated SES: what it sends arrives once, what SES refuses becomes an error
safe to show; and the local stack's outbox lists what was sent."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer
from moto.ses.models import ses_backends

from chalicelib.domain.errors import DeliveryFailedError, TemporarilyUnavailableError
from chalicelib.domain.mail import Attachment, MailContent, OutgoingMail
from chalicelib.store.mailer import SesMailer
from invoicing_cli.local import REGION
from invoicing_cli.outbox import format_outbox, parse_model_data, sent_messages
from tests.fakes import FixedClock

SENDER = "billing@example.com"
PDF = b"%PDF-1.7\n" + b"0" * 2048 + b"\n%%EOF\n"
SENT_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def invoice_mail(sender: str = SENDER) -> OutgoingMail:
    return OutgoingMail(
        sender=f"Zoë Müller GmbH <{sender}>",
        to=("Jane Roe <jane@example.org>",),
        reply_to=None,
        content=MailContent(
            subject="Invoice INV-2026-0001 from Zoë Müller GmbH",
            text="Please find attached invoice INV-2026-0001.\n",
            html="<p>Please find attached invoice INV-2026-0001.</p>",
        ),
        attachments=(Attachment("Rechnung INV-2026-0001 Zoë.pdf", "application/pdf", PDF),),
    )


def sent_by_moto() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


@pytest.fixture
def ses() -> Iterator[None]:
    """Emulated SES in process, with the sender's address verified."""
    with mock_aws():
        boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
        yield


def test_sent_mail_reaches_ses_once_with_its_recipient_and_attachment(ses: None) -> None:
    message_id = SesMailer(FixedClock(SENT_AT)).send(invoice_mail())

    (sent,) = sent_by_moto()
    assert sent.id == message_id
    assert sent.destinations == ["Jane Roe <jane@example.org>"]
    message = email.message_from_string(sent.raw_data, policy=email.policy.default)
    assert message["Subject"] == "Invoice INV-2026-0001 from Zoë Müller GmbH"
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "Rechnung INV-2026-0001 Zoë.pdf"
    assert attachment.get_payload(decode=True) == PDF


def test_unverified_sender_is_refused_and_nothing_is_sent(ses: None) -> None:
    with pytest.raises(DeliveryFailedError) as refused:
        SesMailer().send(invoice_mail(sender="someone@elsewhere.example"))

    assert str(refused.value) == (
        "The mail service refused the message (MessageRejected): "
        "the sender address may not be verified, or a recipient is refused"
    )
    assert "elsewhere" not in str(refused.value)
    assert sent_by_moto() == []


def test_oversized_mail_is_refused_and_nothing_is_sent(ses: None) -> None:
    huge = Attachment("scan.pdf", "application/pdf", bytes(11_000_000))

    with pytest.raises(DeliveryFailedError, match="more than the 10000000 bytes"):
        SesMailer().send(dataclasses.replace(invoice_mail(), attachments=(huge,)))

    assert sent_by_moto() == []  # moto has no size limit: it would have kept the message


@pytest.mark.parametrize("code", ["Throttling", "ServiceUnavailable"])
def test_throttling_becomes_temporarily_unavailable(ses: None, code: str) -> None:
    mailer = SesMailer()
    with Stubber(mailer._client) as stubber:
        stubber.add_client_error("send_raw_email", service_error_code=code, http_status_code=400)
        with pytest.raises(TemporarilyUnavailableError, match="retry shortly"):
            mailer.send(invoice_mail())


def test_refusal_message_never_carries_the_aws_message(ses: None) -> None:
    mailer = SesMailer()
    with Stubber(mailer._client) as stubber:
        stubber.add_client_error(
            "send_raw_email",
            service_error_code="MailFromDomainNotVerifiedException<script>",
            service_message="MAIL FROM domain not verified in region EU-WEST-1 for arn:aws:ses:...",
            http_status_code=400,
        )
        with pytest.raises(DeliveryFailedError) as refused:
            mailer.send(invoice_mail())

    assert str(refused.value) == (
        "The mail service refused the message (MailFromDomainNotVerifiedExceptionscript)"
    )


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server, as `invoicing serve` runs one, with the app's clients pointed at it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint_url = f"http://{host}:{port}"
        # moto keeps its state per process: start from none, and leave none behind.
        _reset(endpoint_url)
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint_url)
        yield endpoint_url
        _reset(endpoint_url)
    finally:
        server.stop()


def _reset(endpoint_url: str) -> None:
    url = f"{endpoint_url}/moto-api/reset"  # the http:// URL the fixture built
    request = urllib.request.Request(url, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


def test_outbox_lists_what_the_local_stack_sent(moto_server: str) -> None:
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    message_id = SesMailer(FixedClock(SENT_AT)).send(invoice_mail())

    (message,) = sent_messages(moto_server)

    assert message.message_id == message_id
    assert message.sender == f"Zoë Müller GmbH <{SENDER}>"
    assert message.recipients == ("Jane Roe <jane@example.org>",)
    assert message.subject == "Invoice INV-2026-0001 from Zoë Müller GmbH"
    assert message.date == SENT_AT
    assert [(file.filename, file.size) for file in message.attachments] == [
        ("Rechnung INV-2026-0001 Zoë.pdf", len(PDF))
    ]
    table = format_outbox([message])
    assert "jane@example.org" in table
    assert "Rechnung INV-2026-0001 Zoë.pdf (2.1 kB)" in table


def test_outbox_of_a_fresh_stack_is_empty(moto_server: str) -> None:
    assert sent_messages(moto_server) == []
    assert format_outbox([]) == "No messages sent yet."


def test_outbox_reads_moto_model_data_without_a_server() -> None:
    raw = (
        "From: billing@example.com\r\nTo: jane@example.org\r\nSubject: Hello\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHi\r\n"
    )
    data = {
        "s3": {"FakeBucket": []},
        "ses": {
            "RawMessage": [
                {
                    "id": "0102-abc",
                    "source": "billing@example.com",
                    "destinations": ["jane@example.org"],
                    "raw_data": raw,
                }
            ]
        },
    }

    (message,) = parse_model_data(data)

    assert message.subject == "Hello"
    assert message.date is None
    assert message.attachments == ()
    assert parse_model_data({"s3": {}}) == []
