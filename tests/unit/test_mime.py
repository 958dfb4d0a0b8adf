"""The raw message handed to SES reads back as what was meant: headers, both alternatives and
the attachments, byte for byte; what SES would refuse is refused before it is called."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.documents.mime import MAX_RAW_MESSAGE_BYTES, mime_message, sender
from chalicelib.domain.errors import DeliveryFailedError
from chalicelib.domain.mail import Attachment, MailContent, OutgoingMail
from chalicelib.domain.text import one_line

SENT_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
CONTENT = MailContent(
    subject="Rechnung INV-2026-0001 von Zoë Müller GmbH",
    text="Guten Tag,\n\nanbei die Rechnung über 1.234,56\xa0€.\n",
    html="<p>Guten Tag,</p><p>anbei die Rechnung über <strong>1.234,56\xa0€</strong>.</p>",
)


def outgoing(
    *attachments: Attachment, content: MailContent = CONTENT, to: tuple[str, ...] | None = None
) -> OutgoingMail:
    return OutgoingMail(
        sender="Zoë Müller GmbH <billing@example.com>",
        to=("Jane Roe <jane@example.org>", "accounts@example.org") if to is None else to,
        reply_to="zoe@example.com",
        content=content,
        attachments=attachments,
    )


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_headers_read_back_with_non_ascii_names_and_subject_encoded() -> None:
    raw = mime_message(outgoing(), sent_at=SENT_AT)
    message = parsed(raw)

    assert message["From"] == "Zoë Müller GmbH <billing@example.com>"
    assert message["To"] == "Jane Roe <jane@example.org>, accounts@example.org"
    assert message["Reply-To"] == "zoe@example.com"
    assert message["Subject"] == CONTENT.subject
    assert message["Date"].datetime == SENT_AT
    assert b"Subject: Rechnung INV-2026-0001 von =?utf-8?" in raw


def test_raw_message_is_seven_bit_with_crlf_line_ends() -> None:
    raw = mime_message(outgoing(Attachment("Zoë.pdf", "application/pdf", PDF)), sent_at=SENT_AT)

    raw.decode("ascii")  # raises if any byte is not ASCII
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_text_and_html_are_alternatives_of_one_another() -> None:
    message = parsed(mime_message(outgoing(), sent_at=SENT_AT))

    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    assert html is not None
    # On the wire every line ends in CRLF.
    assert plain.get_content().replace("\r\n", "\n") == CONTENT.text
    assert html.get_content().rstrip("\r\n") == CONTENT.html


def test_pdf_attachment_follows_the_alternatives_with_its_name_and_bytes() -> None:
    attachment = Attachment("INV-2026-0001.pdf", "application/pdf", PDF)
    message = parsed(mime_message(outgoing(attachment), sent_at=SENT_AT))

    assert message.get_content_type() == "multipart/mixed"
    first, *files = message.iter_parts()
    assert first.get_content_type() == "multipart/alternative"
    assert len(files) == 1
    assert files[0].get_content_type() == "application/pdf"
    assert files[0].get_content_disposition() == "attachment"
    assert files[0].get_filename() == "INV-2026-0001.pdf"
    assert files[0].get_content() == PDF


def test_non_ascii_file_name_is_rfc2231_encoded_and_reads_back() -> None:
    attachment = Attachment("Rechnung Zoë Müller.pdf", "application/pdf", PDF)
    raw = mime_message(outgoing(attachment), sent_at=SENT_AT)

    assert b"filename*=utf-8''Rechnung%20Zo%C3%AB%20M%C3%BCller.pdf" in raw
    (file,) = parsed(raw).iter_attachments()
    assert file.get_filename() == "Rechnung Zoë Müller.pdf"
    assert file.get_content() == PDF


def test_several_attachments_keep_their_order_and_types() -> None:
    raw = mime_message(
        outgoing(
            Attachment("invoice.pdf", "application/pdf", PDF),
            Attachment("hours.csv", "text/csv", b"day;hours\n2026-03-02;8\n"),
            Attachment("odd.bin", "not a content type", b"\x00\x01"),
        ),
        sent_at=SENT_AT,
    )

    files = list(parsed(raw).iter_attachments())
    assert [file.get_filename() for file in files] == ["invoice.pdf", "hours.csv", "odd.bin"]
    assert [file.get_content_type() for file in files] == [
        "application/pdf",
        "text/csv",
        "application/octet-stream",
    ]
    assert files[2].get_content() == b"\x00\x01"


def test_attachments_over_the_ses_limit_are_refused_before_encoding() -> None:
    too_big = Attachment("scan.pdf", "application/pdf", bytes(MAX_RAW_MESSAGE_BYTES))

    with pytest.raises(DeliveryFailedError, match="more than the 10000000 bytes"):
        mime_message(outgoing(too_big), sent_at=SENT_AT)


def test_a_message_over_the_limit_once_encoded_is_refused() -> None:
    # Under the limit by the base64 estimate, over it with line breaks and headers.
    size = MAX_RAW_MESSAGE_BYTES * 3 // 4 - 1000
    almost = Attachment("scan.pdf", "application/pdf", bytes(size))

    with pytest.raises(DeliveryFailedError, match="send fewer or smaller attachments"):
        mime_message(outgoing(almost), sent_at=SENT_AT)


def test_a_message_near_the_limit_is_built() -> None:
    attachment = Attachment("scan.pdf", "application/pdf", bytes(7_000_000))

    raw = mime_message(outgoing(attachment), sent_at=SENT_AT)

    assert 9_000_000 < len(raw) <= MAX_RAW_MESSAGE_BYTES


def test_a_line_break_in_a_header_is_refused_not_injected() -> None:
    content = MailContent(subject="Invoice\r\nBcc: victim@example.com", text="x", html="x")

    with pytest.raises(DeliveryFailedError, match="Subject header"):
        mime_message(outgoing(content=content), sent_at=SENT_AT)


@pytest.mark.parametrize("recipient", ["not an address", "Roe, Jane <jane@example.org>"])
def test_an_invalid_recipient_is_refused(recipient: str) -> None:
    with pytest.raises(DeliveryFailedError, match="To header holds an invalid address"):
        mime_message(outgoing(to=(recipient,)), sent_at=SENT_AT)


def test_a_message_without_recipient_is_refused() -> None:
    with pytest.raises(DeliveryFailedError, match="no recipient"):
        mime_message(outgoing(to=()), sent_at=SENT_AT)


def test_an_internationalised_domain_is_written_in_idna_and_reads_back() -> None:
    mail = OutgoingMail(
        sender="Zoë Müller GmbH <billing@example.com>",
        to=("Jörg <kunde@bücher.de>",),
        reply_to="rechnung@müller.example",
        content=CONTENT,
    )

    message = parsed(mime_message(mail, sent_at=SENT_AT))

    assert [a.addr_spec for a in message["To"].addresses] == ["kunde@xn--bcher-kva.de"]
    assert message["To"].addresses[0].display_name == "Jörg"
    (reply_to,) = message["Reply-To"].addresses
    assert reply_to.addr_spec == "rechnung@xn--mller-kva.example"


def test_a_mailbox_name_beyond_ascii_is_refused_as_no_server_takes_it() -> None:
    with pytest.raises(DeliveryFailedError, match="To header holds an invalid address"):
        mime_message(outgoing(to=("zoë@example.com",)), sent_at=SENT_AT)


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=120) | st.sampled_from(["Zoë (Berlin)", "Ω <Co>", "é : x", "; é"]))
def test_any_seller_name_reaches_the_from_header_whole_and_never_moves_the_address(
    name: str,
) -> None:
    mail = OutgoingMail(
        sender=sender(name, "billing@example.com"), to=("a@example.org",), reply_to=None,
        content=CONTENT,
    )  # fmt: skip

    (written,) = parsed(mime_message(mail, sent_at=SENT_AT))["From"].addresses

    assert written.addr_spec == "billing@example.com"
    assert "".join(written.display_name.split()) == "".join(one_line(name).split())
