"""The raw MIME message of an outgoing mail, as SES's SendRawEmail takes it. Standard library
only, so the message can be built and read back in tests without AWS."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from chalicelib.domain.errors import DeliveryFailedError
from chalicelib.domain.mail import Attachment, OutgoingMail

# SendRawEmail refuses messages over 10 MB, counted after base64 encoding, headers included.
MAX_RAW_MESSAGE_BYTES = 10_000_000
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
_FALLBACK_CONTENT_TYPE = "application/octet-stream"
_ADDRESS_HEADERS = frozenset({"From", "To", "Reply-To"})


def mime_message(mail: OutgoingMail, *, sent_at: datetime) -> bytes:
    """multipart/mixed: first a multipart/alternative of the text and the HTML, then each
    attachment. 7-bit clean (quoted-printable text, base64 files, RFC 2047 and RFC 2231 for
    non-ASCII headers and file names), with CRLF line ends as SMTP wants.

    Raises DeliveryFailedError for a message SES would refuse: too large, no recipient, or a
    header that cannot be written."""
    _refuse_attachments_too_large(mail.attachments)
    message = EmailMessage(policy=SMTP)
    _set_headers(message, mail, sent_at)
    message.set_content(mail.content.text, subtype="plain", cte="quoted-printable")
    message.add_alternative(mail.content.html, subtype="html", cte="quoted-printable")
    for attachment in mail.attachments:
        _attach(message, attachment)
    raw = message.as_bytes()
    if len(raw) > MAX_RAW_MESSAGE_BYTES:
        raise _too_large(len(raw))
    return raw


def _set_headers(message: EmailMessage, mail: OutgoingMail, sent_at: datetime) -> None:
    if not mail.to:
        raise DeliveryFailedError("The message has no recipient")
    headers = {
        "From": mail.sender,
        "To": ", ".join(mail.to),
        "Reply-To": mail.reply_to,
        "Subject": mail.content.subject,
        "Date": format_datetime(sent_at),
    }
    for name, value in headers.items():
        if value is None:
            continue
        try:
            message[name] = value
        except (ValueError, IndexError) as exc:  # a line break, or an address that does not parse
            raise DeliveryFailedError(f"The message's {name} header cannot be written") from exc
        if name in _ADDRESS_HEADERS and message[name].defects:
            raise DeliveryFailedError(f"The message's {name} header holds an invalid address")


def _attach(message: EmailMessage, attachment: Attachment) -> None:
    content_type = attachment.content_type
    if not _CONTENT_TYPE.match(content_type):
        content_type = _FALLBACK_CONTENT_TYPE
    maintype, subtype = content_type.lower().split("/")
    message.add_attachment(
        attachment.data,
        maintype=maintype,
        subtype=subtype,
        filename=attachment.filename,
        # Older clients read the name from Content-Type rather than Content-Disposition.
        params={"name": attachment.filename},
    )


def _refuse_attachments_too_large(attachments: tuple[Attachment, ...]) -> None:
    """Refuses before encoding anything: base64 makes every 3 bytes 4."""
    encoded = sum(len(attachment.data) for attachment in attachments) * 4 // 3
    if encoded > MAX_RAW_MESSAGE_BYTES:
        raise _too_large(encoded)


def _too_large(size: int) -> DeliveryFailedError:
    return DeliveryFailedError(
        f"The message would take {size} bytes, more than the {MAX_RAW_MESSAGE_BYTES} bytes the "
        "mail service accepts; send fewer or smaller attachments, or a link instead"
    )
