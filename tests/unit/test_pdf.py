"""The invoice PDF: what it says (read back with pypdf), in which language and number format,
how it spreads over pages, that it embeds its font, carries a payment QR code only where one
applies, and that the same document always gives the same bytes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import segno.helpers
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_percent
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from PIL import Image
from pypdf import PdfReader

from chalicelib.documents.pdf import render_invoice_pdf
from chalicelib.documents.pdf_fonts import characters
from chalicelib.documents.pdf_wrap import wrap
from chalicelib.domain import invoicing, payments, transitions
from chalicelib.domain.commands import InvoiceFields
from chalicelib.domain.documents import InvoiceDocument
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.parties import PartyDetails, PaymentAccount, PostalAddress, SellerDetails
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
TODAY = date(2026, 11, 21)
ALICE = Actor(tenant_id="acme", user_id="alice")
ROOT = Path(__file__).resolve().parents[2]
NUMBER = "INV-2026-0123"  # the default numbering format's 123rd number of 2026
IBAN = "DE89370400440532013000"
BIC = "COBADEFFXXX"

SELLER = SellerDetails(
    name="Zoë Müller GmbH",
    email="rechnung@zoe-mueller.example",
    vat_id="DE129273398",
    address=PostalAddress(street="Friedrichstraße 12", postal_code="10117", city="Berlin"),
    bank_accounts=[PaymentAccount(iban=IBAN, bic=BIC)],
)
CLIENT = PartyDetails(
    name="Łukasz Wójcik Sp. z o.o.",
    vat_id="PL5260250274",
    address=PostalAddress(
        street="ul. Piotrkowska 104", postal_code="90-001", city="Łódź", region="Ελλάδα"
    ),
)
# Net 1,000.00 at 19 %, 40.00 at 7 % and 1.76 at 0 %: 1,234.56 with tax.
MIXED_RATES = [
    {
        "description": "Beratung, Projekt „Ωμέγα“",
        "quantity": "8",
        "unitPrice": "125",
        "taxRate": "19",
    },
    {"description": "Fachbücher für Москва", "quantity": "2", "unitPrice": "20", "taxRate": "7"},
    {"description": "Porto", "quantity": "1", "unitPrice": "1.76", "taxRate": "0"},
]


def _draft(
    rows: list[dict[str, Any]], currency: str = "EUR", *, tax_inclusive: bool = False
) -> Invoice:
    body = {"currency": currency, "rows": rows, "taxInclusive": tax_inclusive}
    fields = InvoiceFields.model_validate(body)
    return invoicing.new_invoice(fields, actor=ALICE, now=NOW, defaults=invoicing.InvoiceDefaults())


def _issued(
    rows: list[dict[str, Any]], currency: str = "EUR", *, tax_inclusive: bool = False
) -> Invoice:
    issuing = transitions.Issuing(InvoiceCounter(last={"2026": 122}), TenantSettings())
    draft = _draft(rows, currency, tax_inclusive=tax_inclusive)
    sent, _ = transitions.mark_as_sent(draft, issuing, actor=ALICE, now=NOW)
    return sent


def _paid(invoice: Invoice, amount: str) -> Invoice:
    payment = payments.PaymentInput.model_validate({"amount": amount})
    return payments.add_payment(invoice, payment, actor=ALICE, now=NOW)


def _document(invoice: Invoice, locale: str = "de-DE", **parts: Any) -> InvoiceDocument:
    parties = {"seller": SELLER, "client": CLIENT, **parts}
    return InvoiceDocument(invoice=invoice, locale=locale, **parties)


def _rows(count: int, **row: str) -> list[dict[str, Any]]:
    return [
        {
            "description": f"Position {n}: Übersetzung Ελληνικά-Русский für Zoë, Łódź",
            "quantity": "1.5",
            "quantityType": "HOURS",
            "unitPrice": "80",
            "taxRate": "19",
            **row,
        }
        for n in range(1, count + 1)
    ]


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _text(pdf: bytes) -> str:
    return "\n".join(_pages(pdf))


def _images(pdf: bytes) -> list[Image.Image]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return [image.image for page in pages for image in page.images if image.image is not None]


def test_pdf_shows_the_number_rows_parties_and_totals_in_the_documents_locale() -> None:
    invoice = _issued(MIXED_RATES)

    text = _text(render_invoice_pdf(_document(invoice)))

    assert "Rechnung INV-2026-0123" in text
    for row in MIXED_RATES:
        assert row["description"] in text
    for name in ("Zoë Müller GmbH", "Łukasz Wójcik Sp. z o.o.", "Łódź", "Ελλάδα", "Москва"):
        assert name in text
    assert "USt-IdNr.: PL5260250274" in text
    assert "Rechnungsdatum 21.11.2026" in text
    assert "Fällig am 05.12.2026" in text
    assert "Nettobetrag 1.041,76\xa0€" in text
    assert "Umsatzsteuer 192,80\xa0€" in text
    assert "Gesamtbetrag 1.234,56\xa0€" in text


def test_rows_show_quantity_with_its_unit_unit_price_rate_and_amount() -> None:
    rows = [
        {"description": "Workshop", "quantity": "2.5", "quantityType": "HOURS",
         "unitPrice": "0.125", "taxRate": "7.5"},
        {"description": "Kabel", "quantity": "3", "quantityType": "METERS",
         "unitPrice": "4", "taxRate": "19"},
        {"description": "Adapter", "quantity": "12", "quantityType": "PIECES",
         "unitPrice": "1", "taxRate": "19"},
    ]  # fmt: skip

    text = _text(render_invoice_pdf(_document(_issued(rows))))

    assert "2,5 Std. 0,125\xa0€ 7,5\xa0% 0,31\xa0€" in text
    assert "3 m 4,00\xa0€ 19\xa0% 12,00\xa0€" in text
    assert "12\xa0Stk. 1,00\xa0€ 19\xa0% 12,00\xa0€" in text


def test_tax_breakdown_lists_each_rate_with_its_net_base_and_tax() -> None:
    text = _text(render_invoice_pdf(_document(_issued(MIXED_RATES), locale="en-GB")))

    assert "Tax breakdown\nRate Net Tax" in text
    assert "0% €1.76 €0.00" in text
    assert "7% €40.00 €2.80" in text
    assert "19% €1,000.00 €190.00" in text
    assert "Subtotal €1,041.76" in text
    assert "Total €1,234.56" in text


DISCOUNTED = [
    {"description": "Beratung", "quantity": "8", "unitPrice": "125", "taxRate": "19",
     "discount": "10", "discountType": "PERCENTAGE"},
    {"description": "Fachbücher", "quantity": "2", "unitPrice": "20", "taxRate": "7",
     "discount": "5.50"},
    {"description": "Porto", "quantity": "1", "unitPrice": "1.76", "taxRate": "0"},
]  # fmt: skip


def test_a_discount_shows_under_its_row_and_is_taken_off_in_the_totals() -> None:
    invoice = _issued(DISCOUNTED)  # net 900.00 + 34.50 + 1.76; tax 171.00 + 2.42

    text = _text(render_invoice_pdf(_document(invoice, locale="en-GB")))

    assert "Beratung\nDiscount 10%" in text
    assert "Fachbücher\nDiscount €5.50" in text
    assert "8 €125.00 19% €1,000.00" in text  # the row as entered
    # 1,041.76 - 105.50 + 173.42 = 1,109.68: the lines add up to the total
    assert "Subtotal €1,041.76\nDiscount -€105.50\nTax €173.42\nTotal €1,109.68" in text


def test_inclusive_prices_add_up_to_the_total_and_show_the_tax_within_it() -> None:
    rows = [{**row, "unitPrice": str(Decimal(row["unitPrice"]) * 2)} for row in DISCOUNTED]
    invoice = _issued(rows, tax_inclusive=True)

    text = _text(render_invoice_pdf(_document(invoice, locale="en-GB")))

    # Gross 2,000.00 - 200.00, 80.00 - 5.50 and 3.52: 1,878.02, of which tax 287.39 + 4.87
    assert "Items €2,083.52\nDiscount -€205.50\nTotal €1,878.02\nIncluded tax €292.26" in text
    assert "Tax €292.26" not in text


def test_amounts_print_with_the_currencys_minor_units() -> None:
    yen = _issued([{"quantity": "3", "unitPrice": "1234", "taxRate": "10"}], currency="JPY")
    dinar = _issued([{"quantity": "1", "unitPrice": "12.3456", "taxRate": "0"}], currency="KWD")

    yen_text = _text(render_invoice_pdf(_document(yen, locale="en")))
    dinar_text = _text(render_invoice_pdf(_document(dinar)))

    assert "Total ¥4,072" in yen_text
    assert "¥4,072.00" not in yen_text
    assert "Gesamtbetrag 12,346\xa0KWD" in dinar_text
    assert "12,3456\xa0KWD" in dinar_text  # the unit price keeps every decimal it has


def test_a_long_invoice_repeats_the_column_headings_and_numbers_its_pages() -> None:
    pages = _pages(render_invoice_pdf(_document(_issued(_rows(120)))))

    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Seite {number} von {len(pages)}" in text
        if "Position" in text:
            assert "Beschreibung Menge Einzelpreis USt. Betrag" in text
    all_text = "\n".join(pages)
    assert all(f"Position {n}:" in all_text for n in range(1, 121))


def test_a_long_description_wraps_within_its_column() -> None:
    words = " ".join(f"Arbeitspaket{n}" for n in range(60))
    rows = [{"description": words, "quantity": "1", "unitPrice": "10", "taxRate": "19"}]

    text = _text(render_invoice_pdf(_document(_issued(rows))))

    assert "Arbeitspaket0" in text and "Arbeitspaket59" in text
    assert words not in text  # on several lines


def test_a_draft_says_so_in_place_of_a_number_and_offers_no_qr_code() -> None:
    pdf = render_invoice_pdf(_document(_draft(MIXED_RATES), locale="en"))

    assert "Invoice number Draft" in _text(pdf)
    assert _images(pdf) == []


def test_an_invoice_without_rows_still_renders_its_zero_totals() -> None:
    text = _text(render_invoice_pdf(_document(_draft([]), locale="en")))

    assert "Description Quantity Unit price Tax Amount" in text
    assert "Total €0.00" in text


def test_labels_fall_back_to_english_while_numbers_follow_the_locale() -> None:
    text = _text(render_invoice_pdf(_document(_issued(MIXED_RATES), locale="sv-SE")))

    assert "Invoice INV-2026-0123" in text
    assert format_currency(Decimal("1234.56"), "EUR", locale="sv_SE") in text


@pytest.mark.parametrize(
    ("locale", "title"),
    [("fr-FR", "Facture"), ("es-ES", "Factura"), ("it-IT", "Fattura"), ("nl-NL", "Factuur"),
     ("pl-PL", "Faktura"), ("xx-YY", "Invoice")],
)  # fmt: skip
def test_each_language_titles_the_invoice_in_its_words(locale: str, title: str) -> None:
    text = _text(render_invoice_pdf(_document(_issued(MIXED_RATES), locale=locale)))

    assert f"{title} {NUMBER}" in text


def test_the_same_document_gives_the_same_bytes_even_after_rendering_another() -> None:
    document = _document(_issued(_rows(25)))
    first = render_invoice_pdf(document)

    render_invoice_pdf(_document(_issued(MIXED_RATES), locale="pl-PL"))

    assert render_invoice_pdf(document) == first


def test_another_process_renders_the_same_bytes() -> None:
    document = _document(_issued(_rows(25)))
    parts = {
        "invoice": document.invoice.model_dump(mode="json", by_alias=True),
        "seller": SELLER.model_dump(mode="json", by_alias=True),
        "client": CLIENT.model_dump(mode="json", by_alias=True),
        "locale": document.locale,
    }
    script = (
        "import json, sys\n"
        "from chalicelib.documents.pdf import render_invoice_pdf\n"
        "from chalicelib.domain.documents import InvoiceDocument\n"
        "from chalicelib.domain.invoice import Invoice\n"
        "from chalicelib.domain.parties import PartyDetails, SellerDetails\n"
        "parts = json.load(sys.stdin)\n"
        "document = InvoiceDocument(\n"
        "    invoice=Invoice.model_validate(parts['invoice']),\n"
        "    seller=SellerDetails.model_validate(parts['seller']),\n"
        "    client=PartyDetails.model_validate(parts['client']),\n"
        "    locale=parts['locale'],\n"
        ")\n"
        "sys.stdout.buffer.write(render_invoice_pdf(document))\n"
    )

    other = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(parts).encode(),
        capture_output=True,
        cwd=ROOT,
        check=True,
    )

    assert other.stdout == render_invoice_pdf(document)


def test_the_font_is_embedded_as_a_subset_and_the_file_stays_small() -> None:
    pdf = render_invoice_pdf(_document(_issued(_rows(25))))

    programs = _embedded_font_programs(pdf)

    assert len(pdf) < 60_000
    assert len(programs) == 2  # regular and bold
    for program in programs:
        glyphs = TTFont(io.BytesIO(program))["maxp"].numGlyphs
        assert glyphs < len(characters()) / 4  # the font file has a glyph for each


def _embedded_font_programs(pdf: bytes) -> list[bytes]:
    page: Any = PdfReader(io.BytesIO(pdf)).pages[0]  # pypdf types each lookup as a PdfObject
    programs = []
    for reference in page["/Resources"]["/Font"].values():
        font = reference.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        programs.append(descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data())
    return programs


def test_a_euro_invoice_carries_an_epc_qr_code_for_what_is_still_open() -> None:
    invoice = _paid(_issued(MIXED_RATES), "234.56")

    (qr,) = _images(render_invoice_pdf(_document(invoice)))

    expected = segno.helpers.make_epc_qr(
        name="Zoë Müller GmbH", iban=IBAN, bic=BIC, amount=Decimal("1000.00"), text=NUMBER
    )
    assert _modules(qr) == [[bool(module) for module in row] for row in expected.matrix]


def _modules(picture: Image.Image) -> list[list[bool]]:
    """The modules of a QR code image, dark or light, read at each module's centre. The code's
    top-left finder pattern starts with a run of seven dark modules: it gives the scale."""
    gray = picture.convert("L")
    top = next(y for y in range(gray.height) if any(_dark(gray, x, y) for x in range(gray.width)))
    left = next(x for x in range(gray.width) if _dark(gray, x, top))
    run = next(x for x in range(left, gray.width) if not _dark(gray, x, top)) - left
    scale = run / 7
    count = round((gray.width - 2 * left) / scale)
    return [
        [
            _dark(gray, left + (column + 0.5) * scale, top + (line + 0.5) * scale)
            for column in range(count)
        ]
        for line in range(count)
    ]


def _dark(gray: Image.Image, x: float, y: float) -> bool:
    value = gray.getpixel((int(x), int(y)))
    assert isinstance(value, int)
    return value < 128


def test_no_qr_code_for_another_currency_or_a_paid_invoice() -> None:
    dollars = _issued(MIXED_RATES, currency="USD")
    settled = _paid(_issued(MIXED_RATES), "1234.56")

    assert _images(render_invoice_pdf(_document(dollars))) == []
    assert _images(render_invoice_pdf(_document(settled))) == []


def test_payment_instructions_give_the_account_reference_open_amount_and_due_date() -> None:
    text = _text(render_invoice_pdf(_document(_paid(_issued(MIXED_RATES), "234.56"))))

    assert "Kontoinhaber Zoë Müller GmbH" in text
    assert "IBAN DE89 3704 0044 0532 0130 00" in text
    assert f"BIC {BIC}" in text
    assert f"Verwendungszweck {NUMBER}" in text
    assert "Offener Betrag 1.000,00\xa0€" in text


def test_a_logo_is_drawn_at_the_top() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), (180, 30, 30)).save(buffer, format="PNG")
    document = _document(_issued(MIXED_RATES, currency="USD"), logo=buffer.getvalue())

    (logo,) = _images(render_invoice_pdf(document))

    assert logo.size == (300, 100)


def test_text_the_font_lacks_does_not_stop_the_pdf() -> None:
    rows = [
        {"description": "Kaffee ☕ und 😀 日本", "quantity": "1", "unitPrice": "3", "taxRate": "7"}
    ]

    text = _text(render_invoice_pdf(_document(_issued(rows))))

    assert "Kaffee" in text


# Languages written in the scripts the font carries, and currencies they bill in. Not az:
# DejaVu Sans 2.37 has no manat sign (U+20BC), which Babel writes for AZN in Azerbaijani.
LOCALES = (
    "en", "en-GB", "en-IE", "de", "de-AT", "de-CH", "fr", "fr-CH", "fr-CA", "es", "it", "nl",
    "pl", "pt", "cs", "sk", "sl", "hr", "hu", "ro", "tr", "sv", "fi", "nb", "da", "is", "et",
    "lv", "lt", "el", "ru", "uk", "bg", "sr", "mk", "kk",
)  # fmt: skip
CURRENCIES = (
    "EUR", "USD", "GBP", "JPY", "CHF", "PLN", "CZK", "SEK", "NOK", "DKK", "HUF", "RON", "TRY",
    "UAH", "RUB", "INR", "KZT", "AZN", "GEL", "ILS", "KWD", "CNY",
)  # fmt: skip


@pytest.mark.parametrize("tag", LOCALES)
def test_the_font_has_every_character_babel_writes_amounts_and_dates_with(tag: str) -> None:
    locale = Locale.parse(tag, sep="-")
    written = [format_currency(Decimal("-1234567.891"), c, locale=locale) for c in CURRENCIES]
    written.append(format_percent(Decimal("0.075"), locale=locale))
    written += [format_date(date(2026, month, 21), "long", locale=locale) for month in range(1, 13)]

    missing = {character for text in written for character in text} - characters()

    assert missing == set(), f"{tag}: {sorted(missing)}"


def test_wrap_moves_whole_words_and_cuts_only_a_word_wider_than_a_line() -> None:
    def measure(text: str) -> float:
        return float(len(text))

    assert wrap("one two three four", 9, measure) == ["one two", "three", "four"]
    assert wrap("IBAN DE89370400440532013000", 10, measure) == [
        "IBAN",
        "DE89370400",
        "4405320130",
        "00",
    ]
    assert wrap("first line\nsecond", 40, measure) == ["first line", "second"]
    assert wrap("", 10, measure) == [""]
