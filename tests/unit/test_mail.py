"""The invoice and reminder emails: wording per language, exact amounts, escaping, and tenants'
own texts, which may be broken or hostile but never break a send."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.documents.formats import grouped_iban
from chalicelib.documents.mail import LANGUAGES, compose_invoice_mail, compose_reminder_mail
from chalicelib.domain.documents import InvoiceDocument
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.mail import MAX_OVERRIDE_LENGTH, override_problem
from chalicelib.domain.parties import PartyDetails, PaymentAccount, SellerDetails

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
DUE = date(2026, 3, 31)
SELLER = SellerDetails(
    name="Zoë Müller GmbH",
    bank_accounts=[PaymentAccount(iban="DE89370400440532013000", bic="COBADEFFXXX")],
)


def invoice(**changes: Any) -> Invoice:
    fields: dict[str, Any] = {
        "id": "inv-1",
        "tenant_id": "acme",
        "invoice_number": "INV-2026-0001",
        "currency": "EUR",
        "invoice_date": date(2026, 3, 1),
        "payment_term_days": 30,
        "due_date": DUE,
        "total": Decimal("1037.44"),
        "total_excluding_tax": Decimal("1037.44"),
        "total_tax": Decimal("197.12"),
        "total_with_tax": Decimal("1234.56"),
        "paid": Decimal("0.00"),
        "paid_excluding_tax": Decimal("0.00"),
        "created": NOW,
        "created_by": "user-1",
        "updated": NOW,
        "updated_by": "user-1",
    }
    return Invoice(**{**fields, **changes})


def document(
    locale: str = "en",
    *,
    client_name: str | None = "Jane Roe",
    seller: SellerDetails = SELLER,
    **invoice_changes: Any,
) -> InvoiceDocument:
    return InvoiceDocument(
        invoice=invoice(**invoice_changes),
        seller=seller,
        client=PartyDetails(name=client_name),
        locale=locale,
    )


@pytest.mark.parametrize(
    ("locale", "subject"),
    [
        ("en", "Invoice INV-2026-0001 from Zoë Müller GmbH"),
        ("de-DE", "Rechnung INV-2026-0001 von Zoë Müller GmbH"),
        ("fr-FR", "Facture INV-2026-0001 de Zoë Müller GmbH"),
    ],
)
def test_invoice_subject_names_number_and_seller_in_the_documents_language(
    locale: str, subject: str
) -> None:
    assert compose_invoice_mail(document(locale)).subject == subject


def test_english_mail_shows_amount_dates_and_greeting() -> None:
    mail = compose_invoice_mail(document("en-US"))

    for part in (mail.text, mail.html):
        assert "€1,234.56" in part
        assert "March 31, 2026" in part
        assert "Hello Jane Roe," in part
        assert "Kind regards," in part


def test_german_mail_shows_the_exact_amount_in_german_format() -> None:
    mail = compose_invoice_mail(document("de-DE"))

    for part in (mail.text, mail.html):
        assert "1.234,56\xa0€" in part
        assert "31. März 2026" in part
        assert "Guten Tag Jane Roe," in part
        assert "Mit freundlichen Grüßen" in part
    assert "Offener Betrag: 1.234,56\xa0€" in mail.text


def test_french_mail_shows_amount_dates_and_french_punctuation() -> None:
    mail = compose_invoice_mail(document("fr-FR"))

    for part in (mail.text, mail.html):
        assert "1\u202f234,56\xa0€" in part
        assert "31 mars 2026" in part
        assert "Bonjour Jane Roe," in part
    assert "Montant dû\xa0: 1\u202f234,56\xa0€" in mail.text


@pytest.mark.parametrize(
    ("locale", "subject_start", "amount"),
    [
        ("de-AT", "Rechnung", "€\xa01.234,56"),  # German words, Austrian format
        ("pt-BR", "Invoice", "€\xa01.234,56"),  # no Portuguese templates: English words
        ("en-US-u-ca-buddhist", "Invoice", "€1,234.56"),  # extension subtags are ignored
        ("not a locale", "Invoice", "€1,234.56"),
        ("", "Invoice", "€1,234.56"),
    ],
)
def test_language_falls_back_by_subtag_then_to_english(
    locale: str, subject_start: str, amount: str
) -> None:
    mail = compose_invoice_mail(document(locale))

    assert mail.subject.startswith(subject_start)
    assert amount in mail.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_both_kinds_in_both_formats(language: str) -> None:
    invoice_mail = compose_invoice_mail(document(language))
    reminder = compose_reminder_mail(document(language), today=DUE)

    for mail in (invoice_mail, reminder):
        assert "INV-2026-0001" in mail.subject
        assert mail.html.startswith("<!DOCTYPE html>")
        assert f'<html lang="{language}">' in mail.html
        assert "DE89 3704 0044 0532 0130 00" in mail.text


def test_html_escapes_client_name_and_note_while_text_keeps_them_verbatim() -> None:
    name = "<script>alert(1)</script> & Co"
    mail = compose_invoice_mail(document(client_name=name, note="Tom & Jerry <b>bold</b>"))

    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in mail.html
    assert "Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt;" in mail.html
    assert name in mail.text
    assert "Tom & Jerry <b>bold</b>" in mail.text


def test_note_keeps_its_line_breaks_in_html() -> None:
    mail = compose_invoice_mail(document(note="first line\nsecond line"))

    assert "first line<br>\nsecond line" in mail.html
    assert "first line\nsecond line" in mail.text


def test_a_line_break_in_the_sellers_name_does_not_reach_the_subject() -> None:
    seller = SELLER.model_copy(update={"name": "Evil\r\nBcc: victim@example.com"})

    subject = compose_invoice_mail(document(seller=seller)).subject

    assert subject == "Invoice INV-2026-0001 from Evil Bcc: victim@example.com"


def test_mail_without_client_name_or_bank_account_still_reads_well() -> None:
    seller = SellerDetails(name="Solo Trader")
    mail = compose_invoice_mail(document(client_name=None, seller=seller))

    assert mail.text.startswith("Hello,\n")
    assert "IBAN" not in mail.text
    assert "IBAN" not in mail.html
    assert "Reference: INV-2026-0001" in mail.text  # the reference is worth giving anyway


def test_payment_details_show_holder_grouped_iban_bic_and_reference() -> None:
    mail = compose_invoice_mail(document(payment_reference="RF18 5390 0754 7034"))

    assert "Account holder: Zoë Müller GmbH" in mail.text
    assert "IBAN: DE89 3704 0044 0532 0130 00" in mail.text
    assert "BIC: COBADEFFXXX" in mail.text
    assert "Reference: RF18 5390 0754 7034" in mail.text
    assert "DE89 3704 0044 0532 0130 00" in mail.html


def test_iban_is_grouped_in_fours_whatever_its_input_spacing() -> None:
    assert grouped_iban("gb82 west1234 5698765432") == "GB82 WEST 1234 5698 7654 32"


def test_japanese_yen_are_shown_without_decimals() -> None:
    mail = compose_invoice_mail(document(currency="JPY", total_with_tax=Decimal("123456")))

    assert "¥123,456" in mail.text
    assert "123,456.00" not in mail.text


def test_kuwaiti_dinar_are_shown_with_three_decimals() -> None:
    mail = compose_invoice_mail(document(currency="KWD", total_with_tax=Decimal("1234.567")))

    assert "1,234.567" in mail.text


def test_large_amounts_stay_exact_to_the_cent() -> None:
    mail = compose_invoice_mail(document(total_with_tax=Decimal("12345678901234.57")))

    assert "€12,345,678,901,234.57" in mail.text  # a float would have lost the cents


def test_reminder_tells_how_many_days_a_payment_is_overdue() -> None:
    mail = compose_reminder_mail(document(), today=date(2026, 4, 3))

    assert mail.subject == "Payment reminder: invoice INV-2026-0001 from Zoë Müller GmbH"
    assert "is 3 days overdue: it was due on March 31, 2026" in mail.text
    assert "3 days overdue" in mail.html


def test_reminder_says_one_day_not_one_days() -> None:
    english = compose_reminder_mail(document(), today=date(2026, 4, 1))
    german = compose_reminder_mail(document("de"), today=date(2026, 4, 1))
    french = compose_reminder_mail(document("fr"), today=date(2026, 4, 1))

    assert "is 1 day overdue" in english.text
    assert "seit 1 Tag überfällig" in german.text
    assert "en retard de 1 jour " in french.text


def test_german_reminder_before_the_due_date_says_when_it_falls_due() -> None:
    mail = compose_reminder_mail(document("de-DE"), today=date(2026, 3, 26))

    assert mail.subject.startswith("Zahlungserinnerung: Rechnung INV-2026-0001")
    assert "in 5 Tagen fällig sind, am 31. März 2026" in mail.text
    assert "überfällig" not in mail.text


def test_reminder_on_the_due_date_says_it_is_due_today() -> None:
    mail = compose_reminder_mail(document("fr"), today=DUE)

    assert "à régler aujourd'hui, le 31 mars 2026" in mail.text


def test_reminder_asks_only_for_what_is_still_open() -> None:
    mail = compose_reminder_mail(document("de", paid=Decimal("234.56")), today=date(2026, 4, 10))

    assert "offen sind noch 1.000,00\xa0€" in mail.text
    assert "Gesamtbetrag: 1.234,56\xa0€" in mail.text
    assert "Bereits bezahlt: 234,56\xa0€" in mail.text
    assert "Offener Betrag: 1.000,00\xa0€" in mail.text


def test_tenant_text_replaces_the_message_with_placeholders_filled() -> None:
    override = "Hi {client_name},\n\nplease pay {open_amount} by {due_date} (ref. {number})."
    mail = compose_invoice_mail(document(), text_override=override)

    assert mail.text.startswith(
        "Hi Jane Roe,\n\nplease pay €1,234.56 by March 31, 2026 (ref. INV-2026-0001).\n"
    )
    assert "Please find attached" not in mail.text
    assert "Amount due: €1,234.56" in mail.text  # the summary stays
    assert "Hi Jane Roe,<br>\n<br>\nplease pay €1,234.56" in mail.html


def test_tenant_text_and_values_are_escaped_in_html_only() -> None:
    override = "<b>Dear</b> {client_name} & friends"
    mail = compose_reminder_mail(
        document(client_name="<i>Roe</i>"), today=DUE, text_override=override
    )

    assert "&lt;b&gt;Dear&lt;/b&gt; &lt;i&gt;Roe&lt;/i&gt; &amp; friends" in mail.html
    assert "<b>Dear</b> <i>Roe</i> & friends" in mail.text


def test_placeholders_may_have_spaces_inside_the_braces() -> None:
    assert override_problem("Pay { total } now") is None
    mail = compose_invoice_mail(document(), text_override="Pay { total } now")
    assert mail.text.startswith("Pay €1,234.56 now\n")


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "template syntax"),
        ("{% for x in range(99999) %}{% for y in range(99999) %}x{% endfor %}{% endfor %}", "{%"),
        ("{{ 'a' * 999999999 }}", "template syntax"),
        ("${number}", "template syntax"),
        ("{number.__class__}", "{ or }"),
        ("{0:>999999999}", "{ or }"),
        ("Pay {amount} please, {client}", "unknown placeholders {amount}, {client}"),
        ("an unclosed { brace", "{ or }"),
        ("x" * (MAX_OVERRIDE_LENGTH + 1), f"longer than {MAX_OVERRIDE_LENGTH}"),
        ("   \n ", "empty"),
        ("null \x00 byte", "control characters"),
    ],
)
def test_broken_or_hostile_overrides_are_named_and_fall_back_to_the_default_text(
    override: str, named: str
) -> None:
    problem = override_problem(override)

    assert problem is not None
    assert named in problem
    mail = compose_invoice_mail(document(), text_override=override)
    assert mail.text.startswith("Hello Jane Roe,\n")
    reminder = compose_reminder_mail(document(), today=DUE, text_override=override)
    assert "friendly reminder" in reminder.text


def test_an_override_at_the_length_cap_is_accepted() -> None:
    assert override_problem("x" * MAX_OVERRIDE_LENGTH) is None


def test_unknown_placeholder_problem_lists_the_known_ones() -> None:
    problem = override_problem("{amount}")

    assert problem is not None
    assert "{open_amount}" in problem
    assert "{payment_reference}" in problem
