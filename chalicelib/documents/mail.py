"""The emails sent about an invoice (the invoice itself, payment reminders), written in the
document's language from jinja2 templates, with amounts and dates in its locale.

Pure functions: nothing here sends anything. This module loads jinja2 and Babel, so import it
inside the function that sends, never from a module imported at cold start.

A tenant may replace the message's prose with its own text. That text is not a template: its
only syntax is `{placeholder}` from a short list, so it can neither reach Python objects nor
loop or allocate without bound; `override_problem` says what is wrong with one."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from chalicelib.documents.formats import babel_locale, grouped_iban
from chalicelib.documents.labels import FALLBACK_LANGUAGE
from chalicelib.domain.documents import InvoiceDocument
from chalicelib.domain.mail import MailContent
from chalicelib.domain.money import round_money
from chalicelib.domain.text import one_line

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
_TEMPLATES = Path(__file__).parent / "templates" / "mail"

# Subject lines per language; "from" is appended when the seller has a name. The languages
# listed here are the ones with templates.
_SUBJECTS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice {number}",
        "reminder": "Payment reminder: invoice {number}",
        "from": " from {seller}",
    },
    "de": {
        "invoice": "Rechnung {number}",
        "reminder": "Zahlungserinnerung: Rechnung {number}",
        "from": " von {seller}",
    },
    "fr": {
        "invoice": "Facture {number}",
        "reminder": "Rappel de paiement\xa0: facture {number}",
        "from": " de {seller}",
    },
}
LANGUAGES = tuple(_SUBJECTS)

_PLACEHOLDER = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
_TEMPLATE_SYNTAX = re.compile(r"\{[{%#]|[}%#]\}|\$\{")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def compose_invoice_mail(
    document: InvoiceDocument, *, text_override: str | None = None
) -> MailContent:
    """The email that carries an invoice: a short message and a summary of what to pay."""
    return _compose("invoice", document, {}, text_override)


def compose_reminder_mail(
    document: InvoiceDocument, *, today: date, text_override: str | None = None
) -> MailContent:
    """A reminder of what is still open on an invoice, and whether it is due soon or overdue
    (by how many days, counted from `today`, the caller's date in the tenant's time zone)."""
    days_until_due = (document.invoice.due_date - today).days
    timing = {"days_left": max(days_until_due, 0), "days_overdue": max(-days_until_due, 0)}
    return _compose("reminder", document, timing, text_override)


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
    unknown = sorted(set(_PLACEHOLDER.findall(text)) - set(OVERRIDE_PLACEHOLDERS))
    if unknown:
        listed = ", ".join(f"{{{name}}}" for name in unknown)
        return f"uses unknown placeholders {listed}; known placeholders: {_known_placeholders()}"
    if re.search(r"[{}]", _PLACEHOLDER.sub("", text)):
        return "has a { or } that is not part of a placeholder such as {number}"
    return None


def _known_placeholders() -> str:
    return ", ".join(f"{{{name}}}" for name in OVERRIDE_PLACEHOLDERS)


def _compose(
    kind: str, document: InvoiceDocument, extra: Mapping[str, Any], text_override: str | None
) -> MailContent:
    locale = babel_locale(document.locale)
    language = locale.language if locale.language in _SUBJECTS else FALLBACK_LANGUAGE
    facts = {**_facts(document, locale), **extra}
    subject = _subject(kind, language, facts)
    context = {
        **facts,
        "language": language,
        "subject": subject,
        "message": _filled_override(text_override, facts),
    }
    environment = _environment()
    return MailContent(
        subject=subject,
        text=environment.get_template(f"{kind}.{language}.txt.j2").render(context),
        html=environment.get_template(f"{kind}.{language}.html.j2").render(context),
    )


def _facts(document: InvoiceDocument, locale: Locale) -> dict[str, Any]:
    """What the templates and the placeholders may say, already formatted for the locale."""
    invoice, seller = document.invoice, document.seller
    account = seller.bank_accounts[0] if seller.bank_accounts else None

    def money(amount: Decimal) -> str:
        return format_currency(amount, invoice.currency, locale=locale)

    return {
        "number": one_line(invoice.invoice_number or invoice.id),  # in the Subject
        "invoice_date": format_date(invoice.invoice_date, format="long", locale=locale),
        "due_date": format_date(invoice.due_date, format="long", locale=locale),
        "total": money(invoice.total_with_tax),
        "paid": money(invoice.paid) if invoice.paid else "",
        "open_amount": money(round_money(invoice.total_with_tax - invoice.paid, invoice.currency)),
        "client_name": (document.client.name if document.client else None) or "",
        "seller_name": seller.name or "",
        "payment_reference": document.payment_reference or "",
        "note": invoice.note or "",
        "account_holder": (account.name or seller.name or "") if account else "",
        "iban": grouped_iban(account.iban) if account else "",
        "bic": (account.bic or "") if account else "",
    }


def _subject(kind: str, language: str, facts: Mapping[str, Any]) -> str:
    words = _SUBJECTS[language]
    subject = words[kind].format(number=facts["number"])
    seller = one_line(facts["seller_name"])  # a line break must not end the Subject
    return subject + words["from"].format(seller=seller) if seller else subject


def _filled_override(text: str | None, facts: Mapping[str, Any]) -> str | None:
    if text is None or override_problem(text) is not None:
        return None
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return _PLACEHOLDER.sub(lambda match: str(facts[match.group(1)]), lines)


def _nl2br(text: str) -> Markup:
    """Escaped text whose line breaks show in HTML."""
    return Markup("<br>\n").join(escape(line) for line in text.split("\n"))


@functools.cache
def _environment() -> Environment:
    """Built once per process: it compiles and caches each template on first use."""
    environment = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    environment.filters["nl2br"] = _nl2br
    return environment
