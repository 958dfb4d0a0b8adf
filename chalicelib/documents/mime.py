"""The raw MIME message of an outgoing mail, as SES's SendRawEmail takes it. Standard library
only, so the message can be built and read back in tests without AWS."""

from __future__ import annotations

import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from chalicelib.domain.errors import DeliveryFailedError
from chalicelib.domain.mail import Attachment, OutgoingMail
from chalicelib.domain.text import one_line

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


def sender(name: str | None, address: str) -> str:
    """The From header's value: `address` in `name` (on one line), quoted as RFC 5322 needs.
    Not email.utils.formataddr: its encoded word comes back apart when the message is written
    (Zoë; Söhne would lose the quotes around its ;, and the header its meaning)."""
    return str(Address(display_name=one_line(name or ""), addr_spec=address))


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
        if name in _ADDRESS_HEADERS:
            _write_domains_in_ascii(message, name)


def _write_domains_in_ascii(message: EmailMessage, name: str) -> None:
    """Without SMTPUTF8 (SES has none) an internationalised domain travels in IDNA (bücher.de:
    xn--bcher-kva.de); the standard library would write it as an encoded word, which no server
    delivers. A mailbox name that is not ASCII has no such form: the address is refused."""
    header = message[name]
    if header.defects:
        raise DeliveryFailedError(f"The message's {name} header holds an invalid address")
    if all(address.domain.isascii() for address in header.addresses):
        return
    written = [
        Address(address.display_name, address.username, _ascii_domain(address, name))
        for address in header.addresses
    ]
    message.replace_header(name, written)


def _ascii_domain(address: Address, name: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(address.addr_spec, check_deliverability=False)
    except EmailNotValidError as exc:
        raise DeliveryFailedError(f"The message's {name} header holds an invalid address") from exc
    return str(checked.ascii_domain)


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
