"""An e-invoice in UN/CEFACT Cross Industry Invoice (D16B), the syntax of Factur-X (EN 16931
profile) and XRechnung CII: elements in the order the schema fixes, one per business term."""

from __future__ import annotations

from chalicelib.documents.einvoice_xml import (
    Element,
    amount,
    date_102,
    number,
    root,
    serialized,
    sub,
)
from chalicelib.domain.einvoice_model import (
    Address,
    Contact,
    EInvoice,
    Line,
    Party,
    PaymentMeans,
    VatBreakdown,
)

NAMESPACES = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
# BT-24: Factur-X's EN 16931 profile is EN 16931 itself; XRechnung 3.0 is a CIUS of it.
EN16931 = "urn:cen.eu:en16931:2017"
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
# BT-23: XRechnung 3.0 takes Peppol's business process, which its rules require in CII too
# (PEPPOL-EN16931-R001).
PEPPOL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


def factur_x_xml(document: EInvoice) -> bytes:
    """The CII a Factur-X PDF embeds (factur-x.xml), EN 16931 profile."""
    return cii_xml(document, EN16931)


def xrechnung_cii_xml(document: EInvoice) -> bytes:
    return cii_xml(document, XRECHNUNG, PEPPOL_PROFILE)


def cii_xml(document: EInvoice, guideline: str, process: str | None = None) -> bytes:
    invoice = root("rsm:CrossIndustryInvoice", NAMESPACES)
    context = sub(invoice, "rsm:ExchangedDocumentContext")
    if process:
        sub(sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", process)
    sub(sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", guideline)
    header = sub(invoice, "rsm:ExchangedDocument")
    sub(header, "ram:ID", document.number)
    sub(header, "ram:TypeCode", document.type_code.value)
    _date(sub(header, "ram:IssueDateTime"), date_102(document.issue_date))
    for note in document.notes:
        sub(sub(header, "ram:IncludedNote"), "ram:Content", note)
    transaction = sub(invoice, "rsm:SupplyChainTradeTransaction")
    for line in document.lines:
        _line(transaction, line)
    _agreement(sub(transaction, "ram:ApplicableHeaderTradeAgreement"), document)
    _delivery(sub(transaction, "ram:ApplicableHeaderTradeDelivery"), document)
    _settlement(sub(transaction, "ram:ApplicableHeaderTradeSettlement"), document)
    return serialized(invoice)


def _date(parent: Element, text: str, *, qualified: bool = False) -> None:
    sub(parent, "qdt:DateTimeString" if qualified else "udt:DateTimeString", text, format="102")


def _line(transaction: Element, line: Line) -> None:
    item = sub(transaction, "ram:IncludedSupplyChainTradeLineItem")
    sub(sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.line_id)
    sub(sub(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.name)
    agreement = sub(item, "ram:SpecifiedLineTradeAgreement")
    price = sub(agreement, "ram:NetPriceProductTradePrice")
    sub(price, "ram:ChargeAmount", number(line.net_price))
    if line.base_quantity is not None:
        sub(price, "ram:BasisQuantity", number(line.base_quantity), unitCode=line.unit_code)
    delivery = sub(item, "ram:SpecifiedLineTradeDelivery")
    sub(delivery, "ram:BilledQuantity", number(line.quantity), unitCode=line.unit_code)
    settlement = sub(item, "ram:SpecifiedLineTradeSettlement")
    tax = sub(settlement, "ram:ApplicableTradeTax")
    sub(tax, "ram:TypeCode", "VAT")
    sub(tax, "ram:CategoryCode", line.category.value)
    if line.rate is not None:
        sub(tax, "ram:RateApplicablePercent", number(line.rate))
    if line.allowance is not None:
        allowance = sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
        sub(sub(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
        sub(allowance, "ram:ActualAmount", amount(line.allowance.amount))
        sub(allowance, "ram:ReasonCode", line.allowance.reason_code)
        sub(allowance, "ram:Reason", line.allowance.reason)
    summation = sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    sub(summation, "ram:LineTotalAmount", amount(line.net_amount))


def _agreement(agreement: Element, document: EInvoice) -> None:
    if document.buyer_reference:
        sub(agreement, "ram:BuyerReference", document.buyer_reference)
    _party(sub(agreement, "ram:SellerTradeParty"), document.seller, contact=True)
    _party(sub(agreement, "ram:BuyerTradeParty"), document.buyer, contact=False)


def _party(element: Element, party: Party, *, contact: bool) -> None:
    if party.identifier:
        sub(element, "ram:ID", party.identifier)
    sub(element, "ram:Name", party.name)
    if contact and party.contact is not None:  # BG-6, the seller's contact
        _contact(sub(element, "ram:DefinedTradeContact"), party.contact)
    _address(sub(element, "ram:PostalTradeAddress"), party.address)
    if party.email:  # BT-34 / BT-49, scheme EM (electronic mail) of the EAS code list
        sub(sub(element, "ram:URIUniversalCommunication"), "ram:URIID", party.email, schemeID="EM")
    if party.vat_id:
        sub(sub(element, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


def _contact(element: Element, contact: Contact) -> None:
    if contact.name:
        sub(element, "ram:PersonName", contact.name)
    if contact.phone:
        telephone = sub(element, "ram:TelephoneUniversalCommunication")
        sub(telephone, "ram:CompleteNumber", contact.phone)
    if contact.email:
        sub(sub(element, "ram:EmailURIUniversalCommunication"), "ram:URIID", contact.email)


def _address(address: Element, given: Address) -> None:
    for tag, value in (
        ("ram:PostcodeCode", given.postal_code),
        ("ram:LineOne", given.street),
        ("ram:LineTwo", given.line2),
        ("ram:CityName", given.city),
        ("ram:CountryID", given.country),
        ("ram:CountrySubDivisionName", given.region),
    ):
        if value:
            sub(address, tag, value)


def _delivery(delivery: Element, document: EInvoice) -> None:
    if document.deliver_to is not None:
        _address(sub(sub(delivery, "ram:ShipToTradeParty"), "ram:PostalTradeAddress"),
                 document.deliver_to)  # fmt: skip
    if document.delivery_date:
        event = sub(delivery, "ram:ActualDeliverySupplyChainEvent")
        _date(sub(event, "ram:OccurrenceDateTime"), date_102(document.delivery_date))


def _settlement(settlement: Element, document: EInvoice) -> None:
    if document.payment_reference:
        sub(settlement, "ram:PaymentReference", document.payment_reference)
    sub(settlement, "ram:InvoiceCurrencyCode", document.currency)
    if document.payment_means is not None:
        means = sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _payment_means(means, document.payment_means)
    for breakdown in document.breakdown:
        _tax(sub(settlement, "ram:ApplicableTradeTax"), breakdown)
    if document.payment_terms or document.due_date:
        terms = sub(settlement, "ram:SpecifiedTradePaymentTerms")
        if document.payment_terms:
            sub(terms, "ram:Description", document.payment_terms)
        if document.due_date:
            _date(sub(terms, "ram:DueDateDateTime"), date_102(document.due_date))
    _summation(settlement, document)
    if document.preceding_invoice is not None:
        reference = sub(settlement, "ram:InvoiceReferencedDocument")
        sub(reference, "ram:IssuerAssignedID", document.preceding_invoice.number)
        issued = sub(reference, "ram:FormattedIssueDateTime")
        _date(issued, date_102(document.preceding_invoice.issue_date), qualified=True)


def _payment_means(means: Element, given: PaymentMeans) -> None:
    sub(means, "ram:TypeCode", given.code)
    if given.iban:  # BG-17, the seller's account
        account = sub(means, "ram:PayeePartyCreditorFinancialAccount")
        sub(account, "ram:IBANID", given.iban)
        if given.account_name:
            sub(account, "ram:AccountName", given.account_name)
        if given.bic:
            institution = sub(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            sub(institution, "ram:BICID", given.bic)


def _tax(tax: Element, breakdown: VatBreakdown) -> None:
    sub(tax, "ram:CalculatedAmount", amount(breakdown.tax_amount))
    sub(tax, "ram:TypeCode", "VAT")
    if breakdown.exemption_reason:
        sub(tax, "ram:ExemptionReason", breakdown.exemption_reason)
    sub(tax, "ram:BasisAmount", amount(breakdown.taxable_amount))
    sub(tax, "ram:CategoryCode", breakdown.category.value)
    if breakdown.exemption_code:
        sub(tax, "ram:ExemptionReasonCode", breakdown.exemption_code)
    if breakdown.rate is not None:  # none outside the scope of VAT, but in XRechnung (BR-DE-14)
        sub(tax, "ram:RateApplicablePercent", number(breakdown.rate))


def _summation(settlement: Element, document: EInvoice) -> None:
    totals = document.totals
    summation = sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    sub(summation, "ram:LineTotalAmount", amount(totals.line_total))
    sub(summation, "ram:TaxBasisTotalAmount", amount(totals.tax_exclusive))
    sub(summation, "ram:TaxTotalAmount", amount(totals.tax), currencyID=document.currency)
    sub(summation, "ram:GrandTotalAmount", amount(totals.tax_inclusive))
    sub(summation, "ram:DuePayableAmount", amount(totals.payable))
