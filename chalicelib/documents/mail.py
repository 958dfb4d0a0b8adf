"""The emails sent about an invoice (the invoice itself, payment reminders) or a credit note,
written in the document's language from jinja2 templates, with amounts and dates in its locale.

Pure functions: nothing here sends anything. This module loads jinja2 and Babel, so import it
inside the function that sends, never from a module imported at cold start.

A tenant's own text replaces the message's prose when domain/mail.override_problem finds
nothing wrong with it; its `{placeholder}`s are filled here."""

from __future__ import annotations

import functools
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
from chalicelib.documents.pdf_payment import open_amount
from chalicelib.domain.documents import CreditNoteDocument, InvoiceDocument
from chalicelib.domain.mail import PLACEHOLDER, MailContent, override_problem
from chalicelib.domain.money import ZERO, difference
from chalicelib.domain.text import one_line

_TEMPLATES = Path(__file__).parent / "templates" / "mail"

# Subject lines per language; "from" is appended when the seller has a name. The languages
# listed here are the ones with templates.
_SUBJECTS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice {number}",
        "reminder": "Payment reminder: invoice {number}",
        "credit_note": "Credit note {number}",
        "from": " from {seller}",
    },
    "de": {
        "invoice": "Rechnung {number}",
        "reminder": "Zahlungserinnerung: Rechnung {number}",
        "credit_note": "Rechnungskorrektur {number}",
        "from": " von {seller}",
    },
    "fr": {
        "invoice": "Facture {number}",
        "reminder": "Rappel de paiement\xa0: facture {number}",
        "credit_note": "Avoir {number}",
        "from": " de {seller}",
    },
}
LANGUAGES = tuple(_SUBJECTS)


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


def compose_credit_note_mail(document: CreditNoteDocument) -> MailContent:
    """The email that carries a credit note: a short message and what it credits of which
    invoice, its total negative as its PDF shows it."""
    locale = babel_locale(document.locale)
    return _rendered("credit_note", _language(locale), _credit_note_facts(document, locale), None)


def _compose(
    kind: str, document: InvoiceDocument, extra: Mapping[str, Any], text_override: str | None
) -> MailContent:
    locale = babel_locale(document.locale)
    return _rendered(kind, _language(locale), {**_facts(document, locale), **extra}, text_override)


def _language(locale: Locale) -> str:
    return locale.language if locale.language in _SUBJECTS else FALLBACK_LANGUAGE


def _rendered(
    kind: str, language: str, facts: Mapping[str, Any], text_override: str | None
) -> MailContent:
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
        "open_amount": money(open_amount(invoice)),  # less what credit notes credited
        "client_name": (document.client.name if document.client else None) or "",
        "seller_name": seller.name or "",
        "payment_reference": document.payment_reference or "",
        "note": invoice.note or "",
        "account_holder": (account.name or seller.name or "") if account else "",
        "iban": grouped_iban(account.iban) if account else "",
        "bic": (account.bic or "") if account else "",
    }


def _credit_note_facts(document: CreditNoteDocument, locale: Locale) -> dict[str, Any]:
    """What the credit note's templates say, formatted for the locale; no payment box."""
    note = document.note

    def money(amount: Decimal) -> str:
        return format_currency(amount, note.currency, locale=locale)

    return {
        "number": one_line(note.credit_note_number),  # in the Subject
        "credit_note_date": format_date(note.credit_note_date, format="long", locale=locale),
        "invoice_number": note.invoice_number,
        "invoice_date": format_date(note.invoice_date, format="long", locale=locale),
        "credited": money(note.total_with_tax),
        "total": money(difference(ZERO, note.total_with_tax)),
        "reason": note.reason,
        "client_name": (document.client.name if document.client else None) or "",
        "seller_name": document.seller.name or "",
        "note": "",
        "iban": "",
        "payment_reference": "",
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
    return PLACEHOLDER.sub(lambda match: str(facts[match.group(1)]), lines)


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
