"""An e-invoice as EN 16931 models it, apart from any syntax: what domain/einvoice.py makes of an
invoice or a credit note, and what the CII and UBL writers (documents/einvoice_*.py) put in XML.

Amounts are Decimal, already written with the decimals the e-invoice states them with (at most
2, BR-DEC-*); business terms are named as the standard numbers them (BT-n, BG-n)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.invoice import VatCategory


class EInvoiceFormat(StrEnum):
    """The e-invoices an issued invoice or credit note is made into."""

    FACTUR_X = "factur-x"  # CII, EN 16931 profile, embedded in the PDF/A-3
    XRECHNUNG_CII = "xrechnung-cii"
    XRECHNUNG_UBL = "xrechnung-ubl"
    PEPPOL_UBL = "peppol-ubl"  # Peppol BIS Billing 3.0

    @property
    def is_xrechnung(self) -> bool:
        return self in (EInvoiceFormat.XRECHNUNG_CII, EInvoiceFormat.XRECHNUNG_UBL)


class DocumentType(StrEnum):
    """BT-3, UNTDID 1001."""

    INVOICE = "380"  # commercial invoice
    CREDIT_NOTE = "381"


@dataclass(frozen=True)
class Address:
    """BG-5 / BG-8: the country is required; the rest as the party has it."""

    country: str
    street: str | None = None
    line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Contact:
    """BG-6, the seller's contact: required whole by XRechnung (BR-DE-2, -5, -6, -7)."""

    name: str | None = None  # BT-41
    phone: str | None = None  # BT-42
    email: str | None = None  # BT-43


@dataclass(frozen=True)
class Party:
    """BG-4 seller / BG-7 buyer."""

    name: str  # BT-27 / BT-44
    address: Address  # BG-5 / BG-8
    vat_id: str | None = None  # BT-31 / BT-48
    email: str | None = None  # the electronic address (BT-34 / BT-49, scheme EM) and contact
    # BT-29 / BT-46: the seller's VAT id as a plain identifier where the VAT id itself must not
    # be stated (outside the scope of VAT, BR-O-02) and the seller must still be known (BR-CO-26).
    identifier: str | None = None
    contact: Contact | None = None  # BG-6, the seller's only


@dataclass(frozen=True)
class PaymentMeans:
    """BG-16: an invoice's SEPA credit transfer (code 58) to the seller's account (BG-17); a
    credit note's, where the format requires one, instrument not defined (code 1), no account."""

    iban: str | None = None  # BT-84
    bic: str | None = None  # BT-86
    account_name: str | None = None  # BT-85
    code: str = "58"  # BT-81, UNTDID 4461


NOT_DEFINED = PaymentMeans(code="1")  # UNTDID 4461 code 1: instrument not defined


@dataclass(frozen=True)
class LineAllowance:
    """BG-27: the row's discount, net, taken off the line's amount (BT-136)."""

    amount: Decimal
    reason: str = "Discount"  # BT-139
    reason_code: str = "95"  # BT-140, UNTDID 5189: discount


@dataclass(frozen=True)
class Line:
    """BG-25. quantity x price / base_quantity - allowance = net_amount, exactly."""

    line_id: str  # BT-126
    name: str  # BT-153
    quantity: Decimal  # BT-129
    unit_code: str  # BT-130, UN/ECE Recommendation 20
    net_price: Decimal  # BT-146, never negative
    net_amount: Decimal  # BT-131
    category: VatCategory  # BT-151
    rate: Decimal | None  # BT-152; none for category O
    base_quantity: Decimal | None = None  # BT-149, where the price is for that many units
    allowance: LineAllowance | None = None


@dataclass(frozen=True)
class VatBreakdown:
    """BG-23: one per VAT category and rate."""

    category: VatCategory  # BT-118
    rate: Decimal | None  # BT-119; none for category O
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117
    exemption_reason: str | None = None  # BT-120
    exemption_code: str | None = None  # BT-121, VATEX


@dataclass(frozen=True)
class Totals:
    """BG-22. No document-level allowances or charges, nothing prepaid: the invoice as issued."""

    line_total: Decimal  # BT-106
    tax_exclusive: Decimal  # BT-109
    tax: Decimal  # BT-110
    tax_inclusive: Decimal  # BT-112
    payable: Decimal  # BT-115


@dataclass(frozen=True)
class PrecedingInvoice:
    """BG-3: the invoice a credit note credits."""

    number: str  # BT-25
    issue_date: date  # BT-26


@dataclass(frozen=True)
class EInvoice:
    number: str  # BT-1
    issue_date: date  # BT-2
    type_code: DocumentType  # BT-3
    currency: str  # BT-5
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    breakdown: tuple[VatBreakdown, ...]
    totals: Totals
    due_date: date | None = None  # BT-9
    payment_terms: str | None = None  # BT-20
    buyer_reference: str | None = None  # BT-10
    notes: tuple[str, ...] = ()  # BT-22
    preceding_invoice: PrecedingInvoice | None = None
    delivery_date: date | None = None  # BT-72
    deliver_to: Address | None = None  # BG-15 (its country BT-80)
    payment_means: PaymentMeans | None = None
    payment_reference: str | None = None  # BT-83
