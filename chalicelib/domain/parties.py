"""The parties on an invoice, seller and client, as copied onto it when it leaves DRAFT.

Their values were checked when they were entered (tenant settings, clients); a copy is kept
as it was, so reading an invoice never runs those checks (or loads their libraries) again."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from chalicelib.domain.base import DomainModel
from chalicelib.domain.text import OneLine, OneLineText
from chalicelib.domain.values import ShortText


def _country(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


CountryCode = Annotated[str, BeforeValidator(_country), Field(pattern=r"^[A-Z]{2}$")]


class PostalAddress(DomainModel):
    street: ShortText | None = None
    address_line2: ShortText | None = None  # the line under the street: a floor, a building
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    city: ShortText | None = None
    region: ShortText | None = None
    country: CountryCode | None = None  # ISO 3166-1 alpha-2


class AddressInput(PostalAddress):
    """An address as a caller enters it (settings, clients): each part on one line, as the PDF
    prints it. Copies kept on invoices stay PostalAddress, read as they were written."""

    street: OneLineText | None = None
    address_line2: OneLineText | None = None
    postal_code: Annotated[str, Field(max_length=20), OneLine] | None = None
    city: OneLineText | None = None
    region: OneLineText | None = None


class PaymentAccount(DomainModel):
    """A bank account to pay into, IBAN and BIC in their compact form."""

    name: str | None = None
    iban: str
    bic: str | None = None


BUYER_REFERENCE_TEXT = (
    "The reference the buyer asks its invoices to carry (EN 16931 BT-10): for a German public "
    "buyer, its Leitweg-ID. XRechnung and Peppol e-invoices require it."
)


class PartyDetails(DomainModel):
    name: str | None = None
    email: str | None = None
    address: PostalAddress | None = None
    vat_id: str | None = None
    locale: str | None = None  # BCP 47 (de-DE); the documents' language and number formats
    # A client's only: what its invoices quote to it (BT-10).
    buyer_reference: str | None = Field(default=None, description=BUYER_REFERENCE_TEXT)


class SellerContact(DomainModel):
    """Whom the buyer asks about the invoice (EN 16931 BG-6: BT-41, BT-42, BT-43)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None


class SellerDetails(PartyDetails):
    # A buyer's reference is the client's: a seller's copy neither keeps nor answers one.
    buyer_reference: None = Field(default=None, exclude=True)
    bank_accounts: list[PaymentAccount] = Field(default_factory=list)
    logo_blob_id: str | None = None  # the tenant's logo when the invoice was issued
    contact: SellerContact | None = None
