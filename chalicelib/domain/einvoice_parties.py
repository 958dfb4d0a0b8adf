"""The seller (BG-4) and buyer (BG-7) of an e-invoice, from the parties an invoice copied when it
was issued, and the details the standard, the VAT categories or the format require of them,
each refused by the name the API gives it (seller.address.country, client.vatId)."""

from __future__ import annotations

from collections.abc import Set

from chalicelib.domain.einvoice_lines import Problems
from chalicelib.domain.einvoice_model import Address, Contact, EInvoiceFormat, Party
from chalicelib.domain.invoice import VatCategory
from chalicelib.domain.parties import PartyDetails, PostalAddress, SellerDetails

# Categories whose buyer must state its VAT id (BR-AE-02, BR-IC-02).
_BUYER_VAT_ID = {VatCategory.AE: "reverse charge (AE)", VatCategory.K: "intra-community (K)"}


def seller_of(copy: SellerDetails | None, settings: SellerDetails | None) -> SellerDetails:
    """The invoice's own copy of the seller; where it lacks a detail, the settings' (an address
    only whole, and only one that names its country; the contact only whole)."""
    if copy is None or settings is None:
        return copy or settings or SellerDetails()
    fill: dict[str, object] = {
        name: getattr(settings, name)
        for name in ("name", "email", "vat_id")
        if not getattr(copy, name)
    }
    if _country(copy.address) is None and _country(settings.address) is not None:
        fill["address"] = settings.address
    if not copy.bank_accounts:
        fill["bank_accounts"] = settings.bank_accounts
    if copy.contact is None:
        fill["contact"] = settings.contact
    return copy.model_copy(update=fill)


def seller_party(
    seller: SellerDetails,
    categories: Set[VatCategory],
    fmt: EInvoiceFormat,
    problems: Problems,
) -> Party | None:
    """BG-4: named, with its country, and its VAT id unless the invoice is outside the scope of
    VAT, which must not state it (BR-O-02)."""
    name = _named(seller, "seller", problems)
    address = _address(seller.address, "seller", fmt, problems)
    outside = categories == {VatCategory.O}
    if not seller.vat_id:
        problems.add(
            "seller.vatId",
            "an e-invoice identifies its seller: by its VAT id (BT-31, BR-CO-26), which one with "
            "VAT must state (BR-S-02)",
        )
    _email(seller, "seller", fmt, problems)
    contact = _contact(seller, fmt, problems)
    if name is None or address is None:
        return None
    if outside:
        return Party(name, address, None, seller.email, identifier=seller.vat_id, contact=contact)
    return Party(name, address, seller.vat_id, seller.email, contact=contact)


def _contact(seller: SellerDetails, fmt: EInvoiceFormat, problems: Problems) -> Contact | None:
    """BG-6 as the settings give it, its email the sender email unless it names its own (the
    address the invoice comes from answers for it); XRechnung requires all three (BR-DE-2, -5,
    -6, -7)."""
    given = seller.contact
    contact = Contact(
        name=given.name if given else None,
        phone=given.phone if given else None,
        email=(given.email if given else None) or seller.email,
    )
    if fmt.is_xrechnung:
        for field, value, term in (
            ("name", contact.name, "contact point (BT-41, BR-DE-5)"),
            ("phone", contact.phone, "telephone number (BT-42, BR-DE-6)"),
            ("email", contact.email, "email address (BT-43, BR-DE-7)"),
        ):
            if not value:
                problems.add(f"seller.contact.{field}", f"XRechnung states the seller's {term}")
    return contact if contact != Contact() else None


def buyer_of(
    client: PartyDetails | None,
    categories: Set[VatCategory],
    fmt: EInvoiceFormat,
    problems: Problems,
) -> Party | None:
    """BG-7: named, with its country; its VAT id where the categories require it; the buyer's
    reference where the format does (XRechnung, BR-DE-15; Peppol, PEPPOL-EN16931-R003)."""
    if client is None:
        problems.add("client", "the invoice names no client; an e-invoice names its buyer (BG-7)")
        return None
    name = _named(client, "client", problems)
    address = _address(client.address, "client", fmt, problems)
    for category, kind in _BUYER_VAT_ID.items():
        if category in categories and not client.vat_id:
            problems.add("client.vatId", f"a {kind} supply states the buyer's VAT id (BT-48)")
    if fmt is not EInvoiceFormat.FACTUR_X and not client.buyer_reference:
        problems.add("client.buyerReference", f"{fmt} requires the buyer's reference (BT-10)")
    _email(client, "client", fmt, problems)
    if name is None or address is None:
        return None
    outside = categories == {VatCategory.O}
    return Party(name, address, None if outside else client.vat_id, client.email)


def _named(party: PartyDetails, at: str, problems: Problems) -> str | None:
    if not party.name:
        problems.add(f"{at}.name", "an e-invoice names both parties (BT-27, BT-44)")
    return party.name or None


def _country(address: PostalAddress | None) -> str | None:
    return address.country if address is not None else None


def _address(
    address: PostalAddress | None, at: str, fmt: EInvoiceFormat, problems: Problems
) -> Address | None:
    """BG-5 / BG-8: the country always (BR-09, BR-11); city and postal code for XRechnung
    (BR-DE-3, -4, -8, -9)."""
    if address is None or address.country is None:
        problems.add(f"{at}.address.country", "an e-invoice states both parties' countries")
        return None
    if fmt.is_xrechnung:
        if not address.city:
            problems.add(f"{at}.address.city", "XRechnung states both parties' cities")
        if not address.postal_code:
            problems.add(f"{at}.address.postalCode", "XRechnung states both parties' postal codes")
    return Address(
        country=address.country,
        street=address.street,
        line2=address.address_line2,
        postal_code=address.postal_code,
        city=address.city,
        region=address.region,
    )


def _email(party: PartyDetails, at: str, fmt: EInvoiceFormat, problems: Problems) -> None:
    """XRechnung and Peppol address both parties electronically (BT-34, BT-49): by email."""
    if fmt is not EInvoiceFormat.FACTUR_X and not party.email:
        problems.add(f"{at}.email", f"{fmt} states both parties' electronic addresses")
