"""Text that reaches a document, a mail header or a bank transfer, checked when it is entered so
that everything the API accepts can be printed, sent and paid: names on one line, invoice
numbers printable, payment references in what a SEPA transfer carries, mail addresses that the
mail service can write.

A value read back from the table was checked by the rules of the day it was written: validating
with the `STORED` context lets it through as it is, so tightening a rule never locks a tenant out
of its own settings. Documents and mails still cope with such a value (documents/)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationInfo

# The validation context of a value read back from the table (store/items.py).
STORED: dict[str, Any] = {"stored": True}

MAX_NUMBER_LENGTH = 128
# EPC069-12 and the SEPA rulebook: unstructured remittance information holds 140 characters.
MAX_REFERENCE_LENGTH = 140
# Characters that end a line (str.splitlines breaks on them) or control a terminal or a parser.
_LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})
# The scripts SEPA's conversion table (EPC217-08) carries to banks that only take Basic Latin.
_TRANSFER_SCRIPTS = ("LATIN ", "GREEK ", "CYRILLIC ", "COMBINING ")


def one_line_problem(text: str) -> str | None:
    """Why `text` cannot stand on one line of a document or in a mail header, or None."""
    found = next((c for c in text if unicodedata.category(c) in _LINE_BREAKING), None)
    if found is None:
        return None
    return f"must be one line: it holds {_named(found)} (no line breaks, tabs or control codes)"


def printable_problem(text: str) -> str | None:
    """Why `text` is not printable as it stands (an invoice number in a file name, a header and a
    document title), or None. Spaces other than the plain one are refused too: they hide."""
    found = next((c for c in text if not c.isprintable()), None)
    if found is None:
        return None
    return (
        f"must be printable characters only: it holds {_named(found)} "
        "(no line breaks, tabs, control, format or unassigned characters)"
    )


def transfer_problem(text: str) -> str | None:
    """Why a bank transfer (SEPA, and the EPC QR code that fills one in) cannot carry `text` as
    its reference, or None: ASCII letters, digits, spaces and punctuation, and Latin, Greek or
    Cyrillic letters, which banks convert to ASCII where they must."""
    found = next((c for c in unicodedata.normalize("NFC", text) if not _transferable(c)), None)
    if found is None:
        return None
    return (
        f"holds {_named(found)}, which a bank transfer cannot carry: use Latin, Greek or "
        "Cyrillic letters, digits, spaces and ASCII punctuation"
    )


def sending_problem(address: str) -> str | None:
    """Why the mail service cannot write `address` (already a valid address), or None. Its domain
    may be internationalised (the mailer writes it in IDNA); the part before the @ must be ASCII,
    as SES does not send to internationalised mailboxes (SMTPUTF8)."""
    local_part = address.rpartition("@")[0]
    if local_part.isascii():
        return None
    return "the part before the @ must be ASCII: the mail service cannot send to it"


def one_line(text: str) -> str:
    """`text` on one line, for a value stored before it was checked: each line break or control
    character becomes a space, and runs of spaces one."""
    spaced = "".join(" " if unicodedata.category(c) in _LINE_BREAKING else c for c in text)
    return " ".join(spaced.split())


def _transferable(character: str) -> bool:
    if " " <= character <= "~":
        return True
    category = unicodedata.category(character)
    name = unicodedata.name(character, "")
    return category[0] in "LM" and name.startswith(_TRANSFER_SCRIPTS)


def _named(character: str) -> str:
    shown = character if character.isprintable() and not character.isspace() else ""
    code = f"U+{ord(character):04X}"
    return f"{shown} ({code})" if shown else code


def _entered(info: ValidationInfo) -> bool:
    return not (isinstance(info.context, dict) and info.context.get("stored"))


def _checked_by(problem_of: Callable[[str], str | None]) -> AfterValidator:
    """A validator that refuses what `problem_of` names, for values entered now only."""

    def check(value: str, info: ValidationInfo) -> str:
        problem = problem_of(value) if _entered(info) else None
        if problem is not None:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


OneLine = _checked_by(one_line_problem)
# A name or address line: a document prints it on one line, a mail may put it in a header.
OneLineText = Annotated[str, Field(max_length=255), OneLine]
# An invoice number issued elsewhere (Leanpay's reference, Hyperline's number).
InvoiceNumber = Annotated[
    str, Field(min_length=1, max_length=MAX_NUMBER_LENGTH), _checked_by(printable_problem)
]
PaymentReference = Annotated[
    str, Field(max_length=MAX_REFERENCE_LENGTH), _checked_by(transfer_problem)
]


def _valid_email(value: str) -> str:
    """pydantic's EmailStr check, imported when an address is checked: pydantic.networks and
    email_validator cost about 40 ms of a cold start (decision 0046)."""
    from pydantic.networks import validate_email

    return validate_email(value)[1]


# EmailStr's validation and schema (a string of format email), loaded on first use.
MailAddress = Annotated[
    str,
    AfterValidator(_valid_email),
    Field(json_schema_extra={"format": "email"}),
    _checked_by(sending_problem),
]
