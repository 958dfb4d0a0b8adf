"""The local stack's outbox: the emails the app sent through the emulated SES, which keeps them
instead of delivering them. Read from the moto server's `/moto-api/data.json`, which lists every
emulated object; SES's raw messages are the `ses` / `RawMessage` entries."""

from __future__ import annotations

import email
import json
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

_DATA_PATH = "/moto-api/data.json"
_TIMEOUT_SECONDS = 10


class OutboxUnavailableError(Exception):
    """The emulator did not answer, or answered something that is not its model data."""


@dataclass(frozen=True)
class AttachedFile:
    filename: str
    size: int  # bytes, decoded


@dataclass(frozen=True)
class SentMessage:
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    date: datetime | None  # the message's Date header; None when it has none
    attachments: tuple[AttachedFile, ...]


def sent_messages(endpoint_url: str) -> list[SentMessage]:
    """The messages sent through the moto server at `endpoint_url`, oldest first."""
    return parse_model_data(_model_data(endpoint_url))


def parse_model_data(data: Mapping[str, Any]) -> list[SentMessage]:
    """The sent messages in moto's model data (the JSON of `/moto-api/data.json`)."""
    raw_messages = data.get("ses", {}).get("RawMessage", [])
    return [_sent_message(entry) for entry in raw_messages]


def format_outbox(messages: Sequence[SentMessage]) -> str:
    """A plain table, one message a row, for the terminal."""
    if not messages:
        return "No messages sent yet."
    header = ("Date", "From", "To", "Subject", "Attachments")
    rows = [header, *(_row(message) for message in messages)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _model_data(endpoint_url: str) -> Mapping[str, Any]:
    url = endpoint_url.rstrip("/") + _DATA_PATH
    if not url.startswith(("http://", "https://")):
        raise OutboxUnavailableError(f"Not an HTTP endpoint: {endpoint_url}")
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_SECONDS) as response:  # noqa: S310
            data = json.load(response)
    except (OSError, ValueError) as exc:  # URLError is an OSError
        raise OutboxUnavailableError(
            f"The emulator at {endpoint_url} did not answer: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise OutboxUnavailableError(f"The emulator at {endpoint_url} answered no model data")
    return data


def _sent_message(entry: Mapping[str, Any]) -> SentMessage:
    message = email.message_from_string(entry["raw_data"], policy=default_policy)
    date_header = message["Date"]
    return SentMessage(
        message_id=str(entry.get("id", "")),
        sender=str(message["From"] or entry.get("source") or ""),
        recipients=tuple(str(address) for address in entry.get("destinations", [])),
        subject=str(message["Subject"] or ""),
        date=getattr(date_header, "datetime", None),
        attachments=tuple(_attached_files(message.iter_attachments())),
    )


def _attached_files(parts: Iterable[EmailMessage]) -> Iterable[AttachedFile]:
    for part in parts:
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        yield AttachedFile(filename=part.get_filename() or "(unnamed)", size=size)


def _row(message: SentMessage) -> tuple[str, str, str, str, str]:
    sent = message.date.isoformat(sep=" ", timespec="seconds") if message.date else "-"
    files = ", ".join(f"{file.filename} ({_size(file.size)})" for file in message.attachments)
    return (sent, message.sender, ", ".join(message.recipients), message.subject, files or "-")


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"
