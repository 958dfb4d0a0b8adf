"""hevn's BatchInvoiceResult (api-docs/hevn-batch-invoicing.txt): an entry's outcome and its
native invoice, field for field in hevn's shape. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal, NotRequired, TypedDict

from pydantic import GetPydanticSchema

from chalicelib.domain.base import DomainModel
from chalicelib.domain.clients import Client
from chalicelib.domain.compat.hevn import EntryOutcome
from chalicelib.domain.contracts import Contract, ContractPaymentAccount
from chalicelib.domain.invoice import Invoice, InvoiceRow, InvoiceStatus
from chalicelib.domain.money import plain
from chalicelib.domain.parties import PartyDetails, PostalAddress
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Timestamp

INVOICES_PATH = "/api/v1/invoices"  # where the native API reads an invoice and its PDF


class _Answer(DomainModel):
    """A vendor's answer: camelCase, immutable, every field answered, as every domain model."""


class HevnAddress(_Answer):
    street_address: str | None
    address_line2: str | None
    city: str | None
    state: str | None
    zip: str | None


class HevnParty(_Answer):
    email: str | None
    display_name: str | None
    address: HevnAddress | None


class HevnPaymentMethod(_Answer):
    bank_name: str | None
    iban_number: str
    beneficiary_name: str | None
    bank_address: str | None
    currency: str | None
    account_holder_first_name: str | None
    account_holder_last_name: str | None
    account_holder_business_name: str | None
    account_holder_address: HevnAddress | None
    payment_reference: str | None
    account_type: str
    bic: str | None


class HevnTransaction(_Answer):
    onchain_transaction_id: str | None
    amount: Decimal
    tx_hash: str | None
    type: str
    created_at: Timestamp


class HevnContract(_Answer):
    id: str
    is_recurring: bool
    period: str | None
    activation_at: Timestamp
    expiration_at: Timestamp | None


class HevnItem(TypedDict):
    """A row in the names its items are read by; numbers as strings, as hevn writes amounts."""

    id: str
    description: str | None
    quantity: str
    unitPrice: str
    taxRate: str | None
    amount: str
    taxAmount: str
    total: str


class HevnDocument(_Answer):
    id: str
    name: str
    key: str


class HevnInvoice(_Answer):
    """Exactly the documented invoice fields."""

    id: str
    amount: str
    created_at: Timestamp
    updated_at: Timestamp
    onchain_transaction_id: str | None
    transaction: HevnTransaction | None
    discount: str
    comment: str | None
    email_message: str | None
    invoice_number: str | None
    period_number: int
    issued_date: str
    due_date: str
    items: list[HevnItem]
    payment_methods: list[HevnPaymentMethod]
    client: HevnParty | None
    contractor: HevnParty
    contract: HevnContract
    invoice_link: str
    documents: list[HevnDocument]
    paid_at: Timestamp | None


# The invoice as hevn_result dumps it.
HevnInvoiceJson = Annotated[dict[str, Any], GetPydanticSchema(lambda _, h: h(HevnInvoice))]


class HevnResult(TypedDict):
    """One BatchInvoiceResult; a failed entry also carries our error body (the API adds it)."""

    contractId: str
    status: Literal["created", "existing", "failed"]
    counterpartyId: str | None
    periodNumber: int
    invoice: HevnInvoiceJson | None
    detail: str
    error: NotRequired[Mapping[str, object]]


def hevn_result(outcome: EntryOutcome, settings: TenantSettings) -> HevnResult:
    """One BatchInvoiceResult. Nothing is answered of a contract the caller could not read."""
    contract, invoice = outcome.contract, outcome.imported.invoice
    answered = None
    if invoice is not None and contract is not None:
        client = outcome.imported.client
        answered = hevn_invoice(
            invoice, contract, outcome.entry.period, client=client, settings=settings
        ).model_dump(mode="python", by_alias=True)
    return {
        "contractId": str(outcome.entry.contract_id),
        "status": outcome.status,
        "counterpartyId": contract.client_id if contract is not None else None,
        "periodNumber": outcome.entry.period,
        "invoice": answered,
        "detail": outcome.detail,
    }


def hevn_invoice(
    invoice: Invoice,
    contract: Contract,
    period: int,
    *,
    client: Client | None,
    settings: TenantSettings,
) -> HevnInvoice:
    """An issued invoice answers the parties it copied; a draft, the client and seller now."""
    invoice = invoice.in_minor_units()
    buyer = invoice.client or (client.details() if client is not None else None)
    return HevnInvoice(
        id=invoice.id,
        amount=str(invoice.total_with_tax),
        created_at=invoice.created,
        updated_at=invoice.updated,
        onchain_transaction_id=None,
        transaction=_transaction(invoice),
        discount=str(invoice.total_discount),
        comment=invoice.note,
        email_message=invoice.mail_body,
        invoice_number=invoice.invoice_number,
        period_number=period,
        issued_date=invoice.invoice_date.isoformat(),
        due_date=invoice.due_date.isoformat(),
        items=[_item(row) for row in invoice.rows],
        payment_methods=[_payment_method(method) for method in contract.payment_methods],
        client=_party(buyer) if buyer is not None else None,
        contractor=_party(invoice.seller or settings.seller_details()),
        contract=HevnContract(
            id=contract.id,
            is_recurring=contract.is_recurring,
            period=None if contract.period is None else str(contract.period),
            activation_at=contract.activation_at,
            expiration_at=contract.expiration_at,
        ),
        invoice_link=f"{INVOICES_PATH}/find/{invoice.id}",
        documents=[
            HevnDocument(id=pdf.blob_id, name=pdf.name, key=f"{INVOICES_PATH}/{invoice.id}/pdf")
            for pdf in (invoice.pdf,)
            if pdf is not None
        ],
        paid_at=invoice.date_paid,
    )


def _item(row: InvoiceRow) -> HevnItem:
    return {
        "id": row.id,
        "description": row.description,
        "quantity": _number(row.quantity),
        "unitPrice": _number(row.unit_price),
        "taxRate": None if row.tax_rate is None else _number(row.tax_rate),
        "amount": str(row.total),
        "taxAmount": str(row.tax_amount),
        "total": str(row.total_with_tax),
    }


def _number(value: Decimal) -> str:
    """Without trailing zeros, so an invoice read back (DynamoDB keeps no scale) reads the same."""
    return str(plain(value.normalize()))


def _transaction(invoice: Invoice) -> HevnTransaction | None:
    """The payment that settled a paid invoice."""
    if invoice.status != InvoiceStatus.PAID or not invoice.transactions:
        return None
    last = invoice.transactions[-1]
    return HevnTransaction(
        onchain_transaction_id=None,
        amount=last.amount,
        tx_hash=None,
        type=str(last.payment_method),
        created_at=last.date,
    )


def _payment_method(method: ContractPaymentAccount) -> HevnPaymentMethod:
    holder = method.account_holder_address
    return HevnPaymentMethod(
        bank_name=method.bank_name,
        iban_number=method.iban,
        beneficiary_name=method.beneficiary_name,
        bank_address=method.bank_address,
        currency=method.currency,
        account_holder_first_name=method.account_holder_first_name,
        account_holder_last_name=method.account_holder_last_name,
        account_holder_business_name=_business_name(method),
        account_holder_address=_address(holder) if holder is not None else None,
        payment_reference=method.payment_reference,
        account_type="sepa",  # every payment method of a contract is an IBAN
        bic=method.bic,
    )


def _business_name(method: ContractPaymentAccount) -> str | None:
    """The business that holds the account; without one named, the beneficiary, unless a
    person's names say a person holds it (as hevn was answered before the holder was kept)."""
    if method.account_holder_business_name is not None:
        return method.account_holder_business_name
    person = method.account_holder_first_name or method.account_holder_last_name
    return None if person else method.beneficiary_name


def _party(party: PartyDetails) -> HevnParty:
    return HevnParty(
        email=party.email,
        display_name=party.name,
        address=_address(party.address) if party.address is not None else None,
    )


def _address(address: PostalAddress) -> HevnAddress:
    """hevn's address has no country; ours keeps it, the answer cannot."""
    return HevnAddress(
        street_address=address.street,
        address_line2=address.address_line2,
        city=address.city,
        state=address.region,
        zip=address.postal_code,
    )
