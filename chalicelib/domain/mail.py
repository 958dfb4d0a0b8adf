"""An email as the domain sees it: what it says and what it carries, with no mail library in
sight, so services can build one and any mailer (SES, a fake in tests) can send it; and the
rules a tenant's own message text keeps.

A tenant may replace the message's prose with its own text. That text is not a template: its
only syntax is `{placeholder}` from a short list, so it can neither reach Python objects nor
loop or allocate without bound; `override_problem` says what is wrong with one."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_OVERRIDE_LENGTH = 5000
OVERRIDE_PLACEHOLDERS = (
    "number",
    "total",
    "open_amount",
    "due_date",
    "client_name",
    "seller_name",
    "payment_reference",
)
PLACEHOLDER = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
_TEMPLATE_SYNTAX = re.compile(r"\{[{%#]|[}%#]\}|\$\{")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def override_problem(text: str) -> str | None:
    """What makes a tenant's message text unusable, in words for the API caller; None if fine.

    Callers refuse such a text (400) before storing it; at send time one that is still bad is
    replaced by the default text rather than failing the send."""
    if len(text) > MAX_OVERRIDE_LENGTH:
        return f"is longer than {MAX_OVERRIDE_LENGTH} characters"
    if not text.strip():
        return "is empty; leave it out to send the default text"
    if _CONTROL_CHARACTERS.search(text):
        return "contains control characters"
    if _TEMPLATE_SYNTAX.search(text):
        return (
            "uses template syntax such as {{ }} or {% %}, which is not supported; "
            f"write placeholders as {{number}}; known placeholders: {_known_placeholders()}"
        )
    unknown = sorted(set(PLACEHOLDER.findall(text)) - set(OVERRIDE_PLACEHOLDERS))
    if unknown:
        listed = ", ".join(f"{{{name}}}" for name in unknown)
        return f"uses unknown placeholders {listed}; known placeholders: {_known_placeholders()}"
    if re.search(r"[{}]", PLACEHOLDER.sub("", text)):
        return "has a { or } that is not part of a placeholder such as {number}"
    return None


def _known_placeholders() -> str:
    return ", ".join(f"{{{name}}}" for name in OVERRIDE_PLACEHOLDERS)


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
