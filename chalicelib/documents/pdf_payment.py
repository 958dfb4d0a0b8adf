"""How an invoice's PDF tells the client to pay: the seller's first bank account, the reference,
what is still open, and for euro invoices an EPC QR code ("GiroCode") that banking apps scan
into a filled-in SEPA transfer."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.documents import InvoiceDocument
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.money import ZERO, round_money
from chalicelib.domain.parties import PaymentAccount
from chalicelib.domain.payments import balance
from chalicelib.domain.text import one_line_problem

EPC_CURRENCY = "EUR"
EPC_MAX_AMOUNT = Decimal("999999999.99")  # EPC069-12: the largest amount a code may carry
EPC_MAX_NAME = 70
# Pixels per QR module: the PDF scales the image up, and a viewer that smooths it then blurs
# only a quarter of a module at each edge.
QR_SCALE = 4
QR_QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


@dataclass(frozen=True)
class EpcTransfer:
    """What an EPC QR code asks the payer's bank to send."""

    name: str
    iban: str
    bic: str | None
    amount: Decimal
    reference: str  # an ISO 11649 creditor reference (RF...) or free text


def open_amount(invoice: Invoice) -> Decimal:
    """What the client still owes: the total with tax less what was paid and what credit notes
    credited (payments.balance)."""
    return round_money(balance(invoice), invoice.currency)


def payment_account(document: InvoiceDocument) -> PaymentAccount | None:
    accounts = document.seller.bank_accounts
    return accounts[0] if accounts else None


def account_holder(document: InvoiceDocument, account: PaymentAccount) -> str | None:
    return account.name or document.seller.name


def epc_transfer(document: InvoiceDocument) -> EpcTransfer | None:
    """The transfer a QR code may offer, or None: only for euro, into an IBAN, to a named
    holder, with a reference to quote, and an open amount the EPC format can carry."""
    invoice, account = document.invoice, payment_account(document)
    if invoice.currency != EPC_CURRENCY or account is None:
        return None
    name = (account_holder(document, account) or "").strip()
    reference = (document.payment_reference or "").strip()
    amount = open_amount(invoice)
    if not name or not reference or not ZERO < amount <= EPC_MAX_AMOUNT:
        return None
    return EpcTransfer(
        name=name[:EPC_MAX_NAME],
        iban="".join(account.iban.split()).upper(),
        bic=account.bic,
        amount=amount,
        reference=reference,
    )


def epc_qr_png(transfer: EpcTransfer) -> bytes | None:
    """The EPC QR code of a transfer as a small black-and-white PNG, quiet zone included; None
    when the format cannot carry it as it is: a reference of more than 140 characters, a line
    break (which would shift the code's fields), or more than its 331 bytes in all. A code that
    says less than the invoice, or something else, is worse than none."""
    from segno import helpers

    if any(one_line_problem(part) for part in (transfer.name, transfer.reference)):
        return None
    try:
        code = helpers.make_epc_qr(
            name=transfer.name,
            iban=transfer.iban,
            amount=transfer.amount,
            bic=transfer.bic,
            **_remittance(transfer.reference),
        )
    except ValueError:  # segno's refusal: a field too long, or too many bytes in all
        return None
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=QR_SCALE, border=QR_QUIET_ZONE)
    return buffer.getvalue()


def _remittance(reference: str) -> dict[str, str]:
    """A creditor reference goes in its own field, which banks check; anything else is text."""
    from stdnum import iso11649

    if iso11649.is_valid(reference):
        return {"reference": iso11649.compact(reference)}
    return {"text": reference}
