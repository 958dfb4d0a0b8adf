"""An e-invoice in OASIS UBL 2.1, an Invoice or a CreditNote, the syntax of XRechnung UBL and
Peppol BIS Billing 3.0: elements in the order the schema fixes, every amount with its currency."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.documents.einvoice_xml import Element, amount, number, root, serialized, sub
from chalicelib.domain.einvoice_model import (
    Address,
    Contact,
    DocumentType,
    EInvoice,
    Line,
    Party,
    VatBreakdown,
)

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOTS = {
    DocumentType.INVOICE: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    DocumentType.CREDIT_NOTE: "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PEPPOL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"  # BT-23


def xrechnung_ubl_xml(document: EInvoice) -> bytes:
    return ubl_xml(document, XRECHNUNG, PEPPOL_PROFILE)


def peppol_ubl_xml(document: EInvoice) -> bytes:
    return ubl_xml(document, PEPPOL, PEPPOL_PROFILE)


def ubl_xml(document: EInvoice, customization: str, profile: str | None) -> bytes:
    credit = document.type_code is DocumentType.CREDIT_NOTE
    name = "CreditNote" if credit else "Invoice"
    top = root(name, {"": ROOTS[document.type_code], "cac": CAC, "cbc": CBC})
    sub(top, "cbc:CustomizationID", customization)  # BT-24
    if profile:
        sub(top, "cbc:ProfileID", profile)
    sub(top, "cbc:ID", document.number)
    sub(top, "cbc:IssueDate", document.issue_date.isoformat())
    if document.due_date and not credit:  # a CreditNote has no DueDate of its own
        sub(top, "cbc:DueDate", document.due_date.isoformat())
    sub(top, f"cbc:{name}TypeCode", document.type_code.value)
    for note in document.notes:
        sub(top, "cbc:Note", note)
    sub(top, "cbc:DocumentCurrencyCode", document.currency)
    if document.buyer_reference:
        sub(top, "cbc:BuyerReference", document.buyer_reference)
    if document.preceding_invoice is not None:
        reference = sub(sub(top, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        sub(reference, "cbc:ID", document.preceding_invoice.number)
        sub(reference, "cbc:IssueDate", document.preceding_invoice.issue_date.isoformat())
    _party(sub(sub(top, "cac:AccountingSupplierParty"), "cac:Party"), document.seller, True)
    _party(sub(sub(top, "cac:AccountingCustomerParty"), "cac:Party"), document.buyer, False)
    _delivery(top, document)
    _payment(top, document)
    _tax_total(top, document)
    _monetary_total(top, document)
    for line in document.lines:
        _line(top, line, document.currency, credit)
    return serialized(top)


def _money(parent: Element, tag: str, value: Decimal, currency: str) -> None:
    sub(parent, tag, amount(value), currencyID=currency)


def _party(party_element: Element, party: Party, seller: bool) -> None:
    if party.email:  # BT-34 / BT-49, scheme EM (electronic mail) of the EAS code list
        sub(party_element, "cbc:EndpointID", party.email, schemeID="EM")
    if party.identifier:
        sub(sub(party_element, "cac:PartyIdentification"), "cbc:ID", party.identifier)
    _address(sub(party_element, "cac:PostalAddress"), party.address)
    if party.vat_id:
        scheme = sub(party_element, "cac:PartyTaxScheme")
        sub(scheme, "cbc:CompanyID", party.vat_id)
        sub(sub(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    sub(sub(party_element, "cac:PartyLegalEntity"), "cbc:RegistrationName", party.name)
    if seller and party.contact is not None:  # BG-6, the seller's contact
        _contact(sub(party_element, "cac:Contact"), party.contact)


def _contact(element: Element, contact: Contact) -> None:
    if contact.name:
        sub(element, "cbc:Name", contact.name)
    if contact.phone:
        sub(element, "cbc:Telephone", contact.phone)
    if contact.email:
        sub(element, "cbc:ElectronicMail", contact.email)


def _address(address: Element, given: Address) -> None:
    for tag, value in (
        ("cbc:StreetName", given.street),
        ("cbc:AdditionalStreetName", given.line2),
        ("cbc:CityName", given.city),
        ("cbc:PostalZone", given.postal_code),
        ("cbc:CountrySubentity", given.region),
    ):
        if value:
            sub(address, tag, value)
    sub(sub(address, "cac:Country"), "cbc:IdentificationCode", given.country)


def _delivery(top: Element, document: EInvoice) -> None:
    if not (document.delivery_date or document.deliver_to):
        return
    delivery = sub(top, "cac:Delivery")
    if document.delivery_date:
        sub(delivery, "cbc:ActualDeliveryDate", document.delivery_date.isoformat())
    if document.deliver_to is not None:
        _address(sub(sub(delivery, "cac:DeliveryLocation"), "cac:Address"), document.deliver_to)


def _payment(top: Element, document: EInvoice) -> None:
    means = document.payment_means
    if means is not None:
        element = sub(top, "cac:PaymentMeans")
        sub(element, "cbc:PaymentMeansCode", means.code)
        if document.payment_reference:
            sub(element, "cbc:PaymentID", document.payment_reference)
        if means.iban:  # BG-17, the seller's account
            account = sub(element, "cac:PayeeFinancialAccount")
            sub(account, "cbc:ID", means.iban)
            if means.account_name:
                sub(account, "cbc:Name", means.account_name)
            if means.bic:
                sub(sub(account, "cac:FinancialInstitutionBranch"), "cbc:ID", means.bic)
    if document.payment_terms:
        sub(sub(top, "cac:PaymentTerms"), "cbc:Note", document.payment_terms)


def _tax_total(top: Element, document: EInvoice) -> None:
    currency = document.currency
    total = sub(top, "cac:TaxTotal")
    _money(total, "cbc:TaxAmount", document.totals.tax, currency)
    for breakdown in document.breakdown:
        subtotal = sub(total, "cac:TaxSubtotal")
        _money(subtotal, "cbc:TaxableAmount", breakdown.taxable_amount, currency)
        _money(subtotal, "cbc:TaxAmount", breakdown.tax_amount, currency)
        _category(subtotal, "cac:TaxCategory", breakdown)


def _category(parent: Element, tag: str, given: VatBreakdown | Line) -> None:
    category = sub(parent, tag)
    sub(category, "cbc:ID", given.category.value)
    if given.rate is not None:
        sub(category, "cbc:Percent", number(given.rate))
    if isinstance(given, VatBreakdown):
        if given.exemption_code:
            sub(category, "cbc:TaxExemptionReasonCode", given.exemption_code)
        if given.exemption_reason:
            sub(category, "cbc:TaxExemptionReason", given.exemption_reason)
    sub(sub(category, "cac:TaxScheme"), "cbc:ID", "VAT")


def _monetary_total(top: Element, document: EInvoice) -> None:
    currency, totals = document.currency, document.totals
    total = sub(top, "cac:LegalMonetaryTotal")
    _money(total, "cbc:LineExtensionAmount", totals.line_total, currency)
    _money(total, "cbc:TaxExclusiveAmount", totals.tax_exclusive, currency)
    _money(total, "cbc:TaxInclusiveAmount", totals.tax_inclusive, currency)
    _money(total, "cbc:PayableAmount", totals.payable, currency)


def _line(top: Element, line: Line, currency: str, credit: bool) -> None:
    element = sub(top, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
    sub(element, "cbc:ID", line.line_id)
    quantity = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
    sub(element, quantity, number(line.quantity), unitCode=line.unit_code)
    _money(element, "cbc:LineExtensionAmount", line.net_amount, currency)
    if line.allowance is not None:
        allowance = sub(element, "cac:AllowanceCharge")
        sub(allowance, "cbc:ChargeIndicator", "false")
        sub(allowance, "cbc:AllowanceChargeReasonCode", line.allowance.reason_code)
        sub(allowance, "cbc:AllowanceChargeReason", line.allowance.reason)
        _money(allowance, "cbc:Amount", line.allowance.amount, currency)
    item = sub(element, "cac:Item")
    sub(item, "cbc:Name", line.name)
    _category(item, "cac:ClassifiedTaxCategory", line)
    price = sub(element, "cac:Price")
    sub(price, "cbc:PriceAmount", number(line.net_price), currencyID=currency)
    if line.base_quantity is not None:
        sub(price, "cbc:BaseQuantity", number(line.base_quantity), unitCode=line.unit_code)
