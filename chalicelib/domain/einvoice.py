"""An issued invoice or credit note as an EN 16931 e-invoice (issue 22, decision 0060): pure, from
what the document itself says (its parties as copied when it was issued, its priced rows and
totals), so the e-invoice's totals are the invoice's to the cent. What the standard, or the
format asked for, needs and the document lacks is refused as a 400 naming each field, never
written as an invalid file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.crediting import CreditNoteRow
from chalicelib.domain.einvoice_lines import (
    Problems,
    Row,
    breakdown_of,
    checked_category,
    line_of,
    written,
)
from chalicelib.domain.einvoice_model import (
    NOT_DEFINED,
    Address,
    DocumentType,
    EInvoice,
    EInvoiceFormat,
    Line,
    PaymentMeans,
    PrecedingInvoice,
    Totals,
)
from chalicelib.domain.einvoice_parties import buyer_of, seller_of, seller_party
from chalicelib.domain.errors import InvalidInputError, InvalidStateError
from chalicelib.domain.invoice import Invoice, InvoiceRow, InvoiceStatus, VatCategory
from chalicelib.domain.parties import PartyDetails, SellerDetails
from chalicelib.domain.state_machine import ALLOWED_ACTIONS

ISSUED = (InvoiceStatus.SENT, InvoiceStatus.OVERDUE, InvoiceStatus.PAID, InvoiceStatus.CANCELLED)
ACTION = "make an e-invoice"


@dataclass(frozen=True)
class _Document:
    """What an invoice and a credit note give an e-invoice, in the same terms."""

    number: str
    issue_date: date
    type_code: DocumentType
    currency: str
    tax_inclusive: bool
    seller: SellerDetails
    client: PartyDetails | None
    rows: Sequence[Row]
    net: Decimal  # its totalExcludingTax, totalTax and totalWithTax
    tax: Decimal
    gross: Decimal
    supply_date: date  # its invoice's date: the day of supply, as the invoice states no other
    due_date: date | None = None
    payment_terms: str | None = None
    notes: tuple[str, ...] = ()
    preceding_invoice: PrecedingInvoice | None = None
    payment_means: PaymentMeans | None = None
    payment_reference: str | None = None
    # Fields a format needs that this kind of document must have: the seller's account.
    required: dict[str, str] = field(default_factory=dict)


def invoice_einvoice(
    invoice: Invoice, fmt: EInvoiceFormat, *, settings_seller: SellerDetails | None = None
) -> EInvoice:
    """The e-invoice of an issued invoice. Its seller is the copy it took when issued; what that
    copy lacks (an invoice issued before the settings had it) is taken from `settings_seller`."""
    number = invoice.invoice_number
    if invoice.status not in ISSUED or number is None:
        allowed = sorted(str(action) for action in ALLOWED_ACTIONS[invoice.status])
        raise InvalidStateError(invoice.id, invoice.status, ACTION, allowed)
    seller = seller_of(invoice.seller, settings_seller)
    account = seller.bank_accounts[0] if seller.bank_accounts else None
    means = PaymentMeans(account.iban, account.bic, account.name) if account else None
    required = {}
    if fmt.is_xrechnung and means is None:
        required["seller.bankAccounts"] = "XRechnung states how to pay (BG-16, BR-DE-1)"
    return _einvoice(
        _Document(
            number=number,
            issue_date=invoice.invoice_date,
            type_code=DocumentType.INVOICE,
            currency=invoice.currency,
            tax_inclusive=invoice.tax_inclusive,
            seller=seller,
            client=invoice.client,
            rows=[_invoice_row(row, f"rows[{n}].") for n, row in enumerate(invoice.rows)],
            net=invoice.total_excluding_tax,
            tax=invoice.total_tax,
            gross=invoice.total_with_tax,
            supply_date=invoice.invoice_date,
            due_date=invoice.due_date,
            notes=(invoice.note,) if invoice.note else (),
            payment_means=means,
            payment_reference=invoice.payment_reference or number,
            required=required,
        ),
        fmt,
    )


def credit_note_einvoice(
    note: CreditNote,
    invoice: Invoice,
    fmt: EInvoiceFormat,
    *,
    settings_seller: SellerDetails | None = None,
) -> EInvoice:
    """The e-invoice of a credit note (381) referring to its invoice (BG-3). Its lines take their
    VAT category from the invoice rows they credit; an amount credited at a rate, from the
    invoice's rows at that rate. How the credit is settled (set off, or paid back to an account
    of the buyer's we do not know) is not known when it is issued: it states payment means only
    where the format requires them (XRechnung, BR-DE-1), as instrument not defined (code 1)."""
    rows = [
        _credit_row(line, invoice, note.reason, f"rows[{n}].") for n, line in enumerate(note.rows)
    ]
    return _einvoice(
        _Document(
            number=note.credit_note_number,
            issue_date=note.credit_note_date,
            type_code=DocumentType.CREDIT_NOTE,
            currency=note.currency,
            tax_inclusive=note.tax_inclusive,
            seller=seller_of(note.seller, settings_seller),
            client=note.client,
            rows=rows,
            net=note.total_excluding_tax,
            tax=note.total_tax,
            gross=note.total_with_tax,
            supply_date=note.invoice_date,
            payment_terms=f"Credits invoice {note.invoice_number} of {note.invoice_date}",
            notes=(note.reason,),
            preceding_invoice=PrecedingInvoice(note.invoice_number, note.invoice_date),
            payment_means=NOT_DEFINED if fmt.is_xrechnung else None,
        ),
        fmt,
    )


def _einvoice(document: _Document, fmt: EInvoiceFormat) -> EInvoice:
    problems = Problems()
    for name, why in document.required.items():
        problems.add(name, why)
    lines = _lines(document, problems)
    categories = {line.category for line, _ in lines}
    seller = seller_party(document.seller, categories, fmt, problems)
    buyer = buyer_of(document.client, categories, fmt, problems)
    reasons = _reasons(lines, problems)
    breakdown = breakdown_of(lines, reasons, document.currency, problems)
    if fmt.is_xrechnung:  # every breakdown states its rate (BR-DE-14): 0 outside the scope
        breakdown = [replace(b, rate=Decimal(0)) if b.rate is None else b for b in breakdown]
    totals = _totals(document, [line for line, _ in lines], problems)
    if problems or seller is None or buyer is None:
        raise InvalidInputError(problems)
    intra = VatCategory.K in categories
    # XRechnung states a deliver-to address with its city and postal code (BR-DE-10, -11): the
    # buyer's; the other formats only the buyer's country, all that an intra-community supply
    # must state (BR-IC-12).
    deliver_to = buyer.address if fmt.is_xrechnung else Address(buyer.address.country)
    return EInvoice(
        number=document.number,
        issue_date=document.issue_date,
        type_code=document.type_code,
        currency=document.currency,
        seller=seller,
        buyer=buyer,
        lines=tuple(line for line, _ in lines),
        breakdown=tuple(breakdown),
        totals=totals,
        due_date=document.due_date,
        payment_terms=document.payment_terms,
        buyer_reference=document.client.buyer_reference if document.client else None,
        notes=document.notes,
        preceding_invoice=document.preceding_invoice,
        # An intra-community supply states when and where to it was delivered (BR-IC-11, -12).
        delivery_date=document.supply_date if intra else None,
        deliver_to=deliver_to if intra else None,
        payment_means=document.payment_means,
        payment_reference=document.payment_reference,
    )


def _lines(document: _Document, problems: Problems) -> list[tuple[Line, Row]]:
    if not document.rows:
        problems.add("rows", "an e-invoice has at least one line (BG-25)")
    lines = []
    for n, row in enumerate(document.rows):
        if not row.description:
            problems.add(f"{row.at}description", "an e-invoice names each line's item (BT-153)")
        category = checked_category(row, problems)
        if category is None:
            continue
        currency, inclusive = document.currency, document.tax_inclusive
        lines.append((line_of(row, str(n + 1), category, currency, inclusive, problems), row))
    outside = [row for line, row in lines if line.category is VatCategory.O]
    if outside and len(outside) < len(lines):
        for row in outside:
            problems.add(
                f"{row.at}vatCategory",
                "an invoice outside the scope of VAT (O) has no rows of another category (BR-O-11)",
            )
    return lines


def _reasons(
    lines: Sequence[tuple[Line, Row]], problems: Problems
) -> dict[tuple[VatCategory, Decimal | None], str | None]:
    """The exemption reason of each category and rate: one, as the breakdown states one."""
    reasons: dict[tuple[VatCategory, Decimal | None], str | None] = {}
    first: dict[tuple[VatCategory, Decimal | None], str] = {}
    for line, row in lines:
        key = (line.category, line.rate)
        if key in reasons and reasons[key] != row.reason:
            problems.add(
                f"{row.at}vatExemptionReason",
                f"differs from {first[key]}vatExemptionReason: an e-invoice states one reason "
                f"per VAT category and rate (BT-120)",
            )
        reasons.setdefault(key, row.reason)
        first.setdefault(key, row.at)
    return reasons


def _totals(document: _Document, lines: Sequence[Line], problems: Problems) -> Totals:
    """The document's own totals: the lines' net amounts add up to its net, as its rows do."""
    currency = document.currency
    net = written(document.net, currency, "totalExcludingTax", problems)
    tax = written(document.tax, currency, "totalTax", problems)
    gross = written(document.gross, currency, "totalWithTax", problems)
    if len(lines) == len(document.rows) and sum(line.net_amount for line in lines) != net:
        problems.add("rows", f"the rows' net amounts do not add up to {document.net} {currency}")
    return Totals(line_total=net, tax_exclusive=net, tax=tax, tax_inclusive=gross, payable=gross)


def _invoice_row(row: InvoiceRow, at: str) -> Row:
    return Row(
        at=at,
        description=row.description,
        quantity=row.quantity,
        quantity_type=row.quantity_type,
        unit_price=row.unit_price,
        rate=row.tax_rate,
        discount_amount=row.discount_amount,
        total=row.total,
        tax_amount=row.tax_amount,
        total_with_tax=row.total_with_tax,
        category=row.vat_category,
        reason=row.vat_exemption_reason,
    )


def _credit_row(line: CreditNoteRow, invoice: Invoice, reason: str, at: str) -> Row:
    """A credit note's line, with the category and exemption reason of the invoice row it
    credits, or of the invoice's rows at its rate where they name one; a line of an amount
    credited at a rate is named by the credit note's reason."""
    credited = next((row for row in invoice.rows if row.id == line.invoice_row_id), None)
    if credited is not None:
        kinds = {(credited.vat_category, credited.vat_exemption_reason)}
        source = f"invoice {invoice.invoice_number}'s row {credited.id} names no category; "
    else:
        kinds = {
            (row.vat_category, row.vat_exemption_reason)
            for row in invoice.rows
            if row.tax_rate == line.tax_rate
        }
        source = f"invoice {invoice.invoice_number}'s rows at this rate name no one category; "
    category, exemption = kinds.pop() if len(kinds) == 1 else (None, None)
    return Row(
        at=at,
        description=line.description or reason,
        quantity=line.quantity,
        quantity_type=line.quantity_type,
        unit_price=line.unit_price,
        rate=line.tax_rate,
        discount_amount=line.discount_amount,
        total=line.total,
        tax_amount=line.tax_amount,
        total_with_tax=line.total_with_tax,
        category=category,
        reason=exemption,
        category_source=source,
    )
