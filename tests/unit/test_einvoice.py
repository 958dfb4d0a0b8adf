"""An issued invoice or credit note as an EN 16931 e-invoice (domain/einvoice.py): its totals are
the invoice's to the cent, discounts are line allowances, prices are net when the invoice's
include tax, each VAT category states what the standard asks of it, and what is missing is a
400 naming each field, never an invalid file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.documents.einvoice_xml import einvoice_xml
from chalicelib.domain.commands import InvoiceRowInput
from chalicelib.domain.einvoice import invoice_einvoice
from chalicelib.domain.einvoice_model import DocumentType, EInvoice, EInvoiceFormat
from chalicelib.domain.errors import InvalidInputError, InvalidStateError
from chalicelib.domain.invoice import InvoiceRow, VatCategory
from chalicelib.domain.parties import PartyDetails
from chalicelib.domain.settings import TenantSettings
from tests.einvoices import (
    BUYER,
    EXPORT_BUYER,
    FOREIGN_BUYER,
    SELLER_SETTINGS,
    SETTINGS,
    credit_note,
    document_of,
    fatal_findings,
    issued,
)

D = Decimal
FACTUR_X, XRECHNUNG_UBL = EInvoiceFormat.FACTUR_X, EInvoiceFormat.XRECHNUNG_UBL
CONSULTING = {"description": "Consulting", "quantity": "10", "quantityType": "HOURS",
              "unitPrice": "100.00", "taxRate": 19}  # fmt: skip
BOOKS = {"description": "Books", "quantity": "3", "quantityType": "PIECES", "unitPrice": "9.99",
         "taxRate": 7}  # fmt: skip


def refused(source: Any, fmt: EInvoiceFormat = FACTUR_X, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(InvalidInputError) as caught:
        document_of(source, fmt, **kwargs)
    return {problem.field: problem.message for problem in caught.value.problems}


def assert_valid(document: EInvoice) -> None:
    for fmt in EInvoiceFormat:
        fatal, schema = fatal_findings(document, fmt)
        assert (fatal, schema) == ([], []), fmt


def test_an_invoice_states_its_number_dates_parties_and_how_to_pay() -> None:
    invoice = issued([CONSULTING], paymentReference="RF18539007547034")
    document = invoice_einvoice(invoice, FACTUR_X)
    assert (document.number, document.type_code) == (invoice.invoice_number, DocumentType.INVOICE)
    assert (document.issue_date, document.due_date) == (invoice.invoice_date, invoice.due_date)
    assert (document.seller.name, document.seller.vat_id) == ("Muster Beratung GmbH", "DE136695976")
    assert (document.buyer.name, document.buyer.address.country) == ("Kunde AG", "DE")
    assert document.buyer_reference == "04011000-12345-67"
    assert document.payment_means is not None
    assert (document.payment_means.code, document.payment_means.iban) == (
        "58",
        "DE02120300000000202051",
    )
    assert document.payment_means.bic == "BYLADEM1001"
    assert document.payment_reference == "RF18539007547034"
    (line,) = document.lines
    assert (line.quantity, line.unit_code, line.net_price, line.net_amount) == (
        D(10),
        "HUR",
        D("100.00"),
        D("1000.00"),
    )
    assert_valid(document)


def test_the_totals_are_the_invoices_to_the_cent() -> None:
    rows = [CONSULTING, BOOKS, {**BOOKS, "quantity": "0.333", "unitPrice": "0.015"}]
    for inclusive in (False, True):
        invoice = issued(rows, inclusive=inclusive)
        totals = invoice_einvoice(invoice, FACTUR_X).totals
        assert (totals.line_total, totals.tax, totals.tax_inclusive, totals.payable) == (
            invoice.total_excluding_tax,
            invoice.total_tax,
            invoice.total_with_tax,
            invoice.total_with_tax,
        )


def test_each_category_and_rate_has_a_breakdown_of_the_rows_own_amounts() -> None:
    invoice = issued([CONSULTING, BOOKS, {**CONSULTING, "quantity": "1"}])
    breakdown = invoice_einvoice(invoice, FACTUR_X).breakdown
    assert [(b.category, b.rate, b.taxable_amount, b.tax_amount) for b in breakdown] == [
        (VatCategory.S, D(19), D("1100.00"), D("209.00")),
        (VatCategory.S, D(7), D("29.97"), D("2.10")),
    ]


def test_row_discounts_are_line_allowances_off_the_line_amount() -> None:
    fixed = {**CONSULTING, "discount": "50"}
    percent = {**BOOKS, "discount": "10", "discountType": "PERCENTAGE"}
    document = invoice_einvoice(issued([fixed, percent]), FACTUR_X)
    first, second = document.lines
    assert first.allowance is not None and second.allowance is not None
    assert (first.allowance.amount, first.net_amount, first.allowance.reason_code) == (
        D("50.00"),
        D("950.00"),
        "95",
    )
    assert (second.allowance.amount, second.net_amount) == (D("3.00"), D("26.97"))
    assert_valid(document)


def test_inclusive_prices_become_net_prices_and_net_amounts_the_rows_stored_ones() -> None:
    gross = {**CONSULTING, "unitPrice": "119.00", "discount": "10", "discountType": "PERCENTAGE"}
    invoice = issued([gross, {**BOOKS, "quantity": "7", "unitPrice": "10.70"}], inclusive=True)
    document = invoice_einvoice(invoice, FACTUR_X)
    discounted, books = document.lines
    assert discounted.net_amount == invoice.rows[0].total == D("900.00")
    assert discounted.allowance is not None and discounted.allowance.amount == D("100.00")
    assert (discounted.quantity, discounted.net_price, discounted.base_quantity) == (
        D(10),
        D(100),
        None,
    )
    # 7 x 10.70 gross at 7 %: 74.90 with 4.90 tax, 70.00 net, 10 a piece.
    assert (books.net_amount, books.net_price) == (D("70.00"), D(10))
    assert_valid(document)


def test_a_net_price_that_would_be_rounded_is_the_lines_price_for_all_its_units() -> None:
    """3 x 33.333 is 99.999, invoiced as 100.00: the e-invoice prices 3 units at 100.00."""
    document = invoice_einvoice(
        issued([{**CONSULTING, "quantity": 3, "unitPrice": "33.333"}]), FACTUR_X
    )
    (line,) = document.lines
    assert (line.quantity, line.net_price, line.base_quantity, line.net_amount) == (
        D(3),
        D("100.00"),
        D(3),
        D("100.00"),
    )
    assert_valid(document)


def test_a_negative_price_becomes_a_negative_quantity_at_a_positive_price() -> None:
    document = invoice_einvoice(issued([CONSULTING, {**BOOKS, "unitPrice": "-5"}]), FACTUR_X)
    refund = document.lines[1]
    assert (refund.quantity, refund.net_price, refund.net_amount) == (D(-3), D(5), D("-15.00"))
    assert_valid(document)


def test_the_unit_codes_are_un_ece_recommendation_20() -> None:
    kinds = {"HOURS": "HUR", "DAYS": "DAY", "WEEKS": "WEE", "MONTHS": "MON", "KILOGRAMS": "KGM",
             "LITERS": "LTR", "METERS": "MTR", "PIECES": "H87", "AMOUNT": "C62"}  # fmt: skip
    rows = [{**CONSULTING, "quantityType": kind} for kind in kinds]
    document = invoice_einvoice(issued(rows), FACTUR_X)
    assert [line.unit_code for line in document.lines] == list(kinds.values())


def test_a_taxed_row_is_standard_rated_unless_it_says_otherwise() -> None:
    invoice = issued([CONSULTING, {**BOOKS, "taxRate": 0}])
    assert [row.vat_category for row in invoice.rows] == [VatCategory.S, None]
    stored = invoice.rows[0].model_dump(by_alias=True, exclude={"vat_category"})
    assert InvoiceRow.model_validate(stored).vat_category is VatCategory.S


def test_a_row_keeps_the_category_and_reason_it_is_given_and_refuses_unknown_codes() -> None:
    exempt = {**BOOKS, "taxRate": 0, "vatCategory": "E", "vatExemptionReason": "§ 4 Nr. 14 UStG"}
    (row,) = issued([exempt]).rows
    assert (row.vat_category, row.vat_exemption_reason) == (VatCategory.E, "§ 4 Nr. 14 UStG")
    with pytest.raises(ValidationError) as caught:
        InvoiceRowInput.model_validate({**BOOKS, "vatCategory": "X"})
    assert [error["loc"] for error in caught.value.errors()] == [("vatCategory",)]


def test_what_an_e_invoice_needs_and_the_rows_lack_is_named_per_row() -> None:
    rows = [
        CONSULTING,
        {**BOOKS, "taxRate": 0},
        {**BOOKS, "taxRate": 0, "vatCategory": "E"},
        {**BOOKS, "vatCategory": "Z"},
        {**BOOKS, "taxRate": 0, "vatCategory": "Z", "vatExemptionReason": "None"},
        {**BOOKS, "description": None},
    ]
    problems = refused(issued(rows))
    assert set(problems) == {
        "rows[1].vatCategory",
        "rows[2].vatExemptionReason",
        "rows[3].taxRate",
        "rows[4].vatExemptionReason",
        "rows[5].description",
    }


def test_a_row_that_states_its_tax_without_a_rate_is_refused() -> None:
    row = {**BOOKS, "quantity": 1, "unitPrice": 1, "taxRate": None, "taxAmount": 2}  # 200 %
    assert "rows[0].taxRate" in refused(issued([row]))


def test_missing_parties_details_are_named_as_the_api_names_them() -> None:
    settings = TenantSettings.model_validate({"companyName": "Muster"})
    client = PartyDetails(name="Kunde AG")
    problems = refused(issued([CONSULTING], settings=settings, client=client))
    assert set(problems) == {"seller.address.country", "seller.vatId", "client.address.country"}
    assert set(refused(issued([CONSULTING], client=None))) == {"client"}


def test_xrechnung_and_peppol_need_the_buyers_reference_and_electronic_addresses() -> None:
    settings = TenantSettings.model_validate({**SELLER_SETTINGS, "senderEmail": None,
                                              "bankAccounts": []})  # fmt: skip
    client = BUYER.model_copy(update={"buyer_reference": None, "email": None})
    invoice = issued([CONSULTING], settings=settings, client=client)
    assert set(refused(invoice, XRECHNUNG_UBL)) == {
        "seller.bankAccounts",
        "seller.email",
        "seller.contact.email",  # BT-43: no email of its own, no sender email
        "client.buyerReference",
        "client.email",
    }
    assert set(refused(invoice, EInvoiceFormat.PEPPOL_UBL)) == {
        "seller.email",
        "client.buyerReference",
        "client.email",
    }
    assert invoice_einvoice(invoice, FACTUR_X).payment_means is None


def test_the_seller_copy_takes_what_it_lacks_from_the_settings() -> None:
    invoice = issued([CONSULTING], settings=TenantSettings.model_validate({"companyName": "Old"}))
    document = invoice_einvoice(invoice, FACTUR_X, settings_seller=SETTINGS.seller_details())
    assert document.seller.name == "Old"  # what the invoice says stays
    assert (document.seller.vat_id, document.seller.address.country) == ("DE136695976", "DE")


def test_reverse_charge_states_the_buyers_vat_id_and_its_exemption() -> None:
    reverse = {**CONSULTING, "taxRate": 0, "vatCategory": "AE"}
    document = invoice_einvoice(issued([reverse], client=FOREIGN_BUYER), FACTUR_X)
    (breakdown,) = document.breakdown
    assert (breakdown.category, breakdown.rate, breakdown.tax_amount) == (
        VatCategory.AE,
        D(0),
        D("0.00"),
    )
    assert breakdown.exemption_code == "VATEX-EU-AE"
    assert document.buyer.vat_id == "NL004495445B01"
    assert_valid(document)
    without = FOREIGN_BUYER.model_copy(update={"vat_id": None})
    assert set(refused(issued([reverse], client=without))) == {"client.vatId"}


def test_an_exempt_row_states_its_reason() -> None:
    exempt = {**CONSULTING, "taxRate": 0, "vatCategory": "E",
              "vatExemptionReason": "Exempt under § 4 Nr. 21 UStG"}  # fmt: skip
    document = invoice_einvoice(issued([exempt, CONSULTING]), FACTUR_X)
    assert document.breakdown[0].exemption_reason == "Exempt under § 4 Nr. 21 UStG"
    assert_valid(document)


def test_intra_community_supply_states_when_and_where_it_was_delivered() -> None:
    supply = {**BOOKS, "taxRate": 0, "vatCategory": "K"}
    invoice = issued([supply], client=FOREIGN_BUYER)
    document = invoice_einvoice(invoice, FACTUR_X)
    assert document.deliver_to is not None
    assert (document.delivery_date, document.deliver_to.country) == (invoice.invoice_date, "NL")
    assert_valid(document)


def test_an_export_outside_the_eu_is_category_g() -> None:
    export = {**BOOKS, "taxRate": 0, "vatCategory": "G"}
    document = invoice_einvoice(issued([export], client=EXPORT_BUYER), FACTUR_X)
    assert document.breakdown[0].exemption_code == "VATEX-EU-G"
    assert document.buyer.vat_id is None
    assert_valid(document)


def test_outside_the_scope_of_vat_states_no_vat_ids_and_no_other_category() -> None:
    outside = {**BOOKS, "taxRate": 0, "vatCategory": "O"}
    document = invoice_einvoice(issued([outside]), FACTUR_X)
    assert (document.seller.vat_id, document.buyer.vat_id, document.lines[0].rate) == (
        None,
        None,
        None,
    )
    assert_valid(document)
    assert set(refused(issued([outside, CONSULTING]))) == {"rows[0].vatCategory"}


def test_a_credit_note_is_a_381_that_refers_to_its_invoice() -> None:
    invoice = issued([CONSULTING, BOOKS])
    note = credit_note(invoice, {"rows": [{"rowId": "r1", "quantity": 1}]})
    document = document_of(note, FACTUR_X, invoice)
    assert document.type_code is DocumentType.CREDIT_NOTE
    assert document.preceding_invoice is not None
    assert (document.preceding_invoice.number, document.preceding_invoice.issue_date) == (
        invoice.invoice_number,
        invoice.invoice_date,
    )
    (line,) = document.lines
    assert (line.quantity, line.net_amount, line.category) == (D(1), D("9.99"), VatCategory.S)
    assert document.totals.payable == note.total_with_tax == D("10.69")
    assert_valid(document)


def test_an_amount_credited_at_a_rate_takes_the_category_of_the_rows_at_it() -> None:
    reverse = {**CONSULTING, "taxRate": 0, "vatCategory": "AE"}
    invoice = issued([reverse, BOOKS], client=FOREIGN_BUYER)
    note = credit_note(invoice, {"amounts": [{"taxRate": 0, "amount": "40"}]})
    document = document_of(note, FACTUR_X, invoice)
    (line,) = document.lines
    assert (line.category, line.name, line.net_amount) == (
        VatCategory.AE,
        "Returned goods",
        D("40.00"),
    )
    assert_valid(document)


def test_yen_amounts_have_no_decimals() -> None:
    rows = [{**BOOKS, "unitPrice": "1234", "taxRate": 10}]
    document = invoice_einvoice(issued(rows, currency="JPY"), FACTUR_X)
    assert (document.totals.line_total, document.totals.tax) == (D(3702), D(370))
    assert b"<ram:GrandTotalAmount>4072</ram:GrandTotalAmount>" in einvoice_xml(document, FACTUR_X)
    assert_valid(document)


def test_yen_rows_whose_rounded_taxes_add_up_to_a_yen_more_than_the_rate_are_refused() -> None:
    """Two rows of 5 yen at 10 % are taxed 1 yen each: 2 yen, where EN 16931 wants 1.00."""
    rows = [{**BOOKS, "quantity": 1, "unitPrice": 5, "taxRate": 10}] * 2
    assert set(refused(issued(rows, currency="JPY"))) == {"totalTax"}


def test_dinar_amounts_are_stated_when_their_third_decimal_is_zero_and_refused_otherwise() -> None:
    whole = invoice_einvoice(issued([{**BOOKS, "unitPrice": "10.5", "taxRate": 10}],
                                    currency="KWD"), FACTUR_X)  # fmt: skip
    assert whole.totals.tax_inclusive == D("34.65")
    assert_valid(whole)
    problems = refused(issued([{**BOOKS, "unitPrice": "10.005"}], currency="KWD"))
    assert "rows[0].total" in problems
    assert "30.015 KWD" in problems["rows[0].total"]
    assert "totalTax" in refused(issued([{**BOOKS, "unitPrice": "10.5"}], currency="KWD"))


def test_a_draft_has_no_e_invoice() -> None:
    invoice = issued([CONSULTING]).model_copy(update={"status": "DRAFT"})
    with pytest.raises(InvalidStateError):
        invoice_einvoice(invoice, FACTUR_X)


@pytest.mark.parametrize("fmt", list(EInvoiceFormat))
def test_the_same_invoice_gives_the_same_bytes(fmt: EInvoiceFormat) -> None:
    invoice = issued([CONSULTING, {**BOOKS, "discount": "1.5"}])
    assert einvoice_xml(invoice_einvoice(invoice, fmt), fmt) == einvoice_xml(
        invoice_einvoice(invoice.model_copy(deep=True), fmt), fmt
    )
