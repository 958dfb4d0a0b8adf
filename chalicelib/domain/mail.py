"""An email as the domain sees it: what it says and what it carries, with no mail library in
sight, so services can build one and any mailer (SES, a fake in tests) can send it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MailContent:
    """The words of an email: a subject, and the same message as plain text and as HTML."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # such as application/pdf
    data: bytes


@dataclass(frozen=True)
class OutgoingMail:
    """A message ready to send. Addresses are as the user entered them, already validated;
    `sender` may carry a display name (`Zoë Müller GmbH <billing@example.com>`)."""

    sender: str
    to: tuple[str, ...]
    reply_to: str | None
    content: MailContent
    attachments: tuple[Attachment, ...] = ()
