"""The words an invoice or credit note PDF prints around its figures, in each language it is
written in.

A language missing here falls back to English; numbers, dates, amounts and unit words come
from Babel (CLDR) instead, so they follow the full locale (de-CH, fr-CA) even then."""

from __future__ import annotations

from dataclasses import dataclass

FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Labels:
    invoice: str
    draft: str
    invoice_number: str
    invoice_date: str
    due_date: str
    bill_to: str
    vat_id: str
    email: str
    description: str
    quantity: str
    unit_price: str
    tax: str
    amount: str
    pieces: str  # short and the same for one and many: CLDR has no unit for pieces
    tax_breakdown: str
    tax_rate: str
    net: str
    subtotal: str
    total_tax: str
    total: str
    discount: str
    items_total: str  # the rows before their discount, when prices include tax
    included_tax: str  # the tax within a total whose prices include it
    payment_instructions: str
    account_holder: str
    payment_reference: str
    amount_due: str
    scan_to_pay: str
    no_qr_code: str  # where the QR code would be, when the EPC format cannot carry it
    page: str  # {page} and {pages}
    # A credit note's own words (issue 21): what it is called, and what it names.
    credit_note: str
    credit_note_number: str
    credit_note_date: str
    credited_invoice: str
    reason: str


LABELS: dict[str, Labels] = {
    "en": Labels(
        invoice="Invoice",
        draft="Draft",
        invoice_number="Invoice number",
        invoice_date="Invoice date",
        due_date="Due date",
        bill_to="Bill to",
        vat_id="VAT ID",
        email="Email",
        description="Description",
        quantity="Quantity",
        unit_price="Unit price",
        tax="Tax",
        amount="Amount",
        pieces="pcs",
        tax_breakdown="Tax breakdown",
        tax_rate="Rate",
        net="Net",
        subtotal="Subtotal",
        total_tax="Tax",
        total="Total",
        discount="Discount",
        items_total="Items",
        included_tax="Included tax",
        payment_instructions="Payment instructions",
        account_holder="Account holder",
        payment_reference="Reference",
        amount_due="Amount due",
        scan_to_pay="Scan to pay",
        no_qr_code="No QR code: these payment details do not fit in one",
        page="Page {page} of {pages}",
        credit_note="Credit note",
        credit_note_number="Credit note number",
        credit_note_date="Credit note date",
        credited_invoice="Credited invoice",
        reason="Reason",
    ),
    "de": Labels(
        invoice="Rechnung",
        draft="Entwurf",
        invoice_number="Rechnungsnummer",
        invoice_date="Rechnungsdatum",
        due_date="Fällig am",
        bill_to="Rechnungsempfänger",
        vat_id="USt-IdNr.",
        email="E-Mail",
        description="Beschreibung",
        quantity="Menge",
        unit_price="Einzelpreis",
        tax="USt.",
        amount="Betrag",
        pieces="Stk.",
        tax_breakdown="Umsatzsteuer nach Steuersatz",
        tax_rate="Steuersatz",
        net="Netto",
        subtotal="Nettobetrag",
        total_tax="Umsatzsteuer",
        total="Gesamtbetrag",
        discount="Rabatt",
        items_total="Summe der Positionen",
        included_tax="Enthaltene USt.",
        payment_instructions="Zahlungsinformationen",
        account_holder="Kontoinhaber",
        payment_reference="Verwendungszweck",
        amount_due="Offener Betrag",
        scan_to_pay="Mit der Banking-App scannen",
        no_qr_code="Kein QR-Code: Diese Zahlungsdaten passen nicht hinein",
        page="Seite {page} von {pages}",
        credit_note="Rechnungskorrektur",
        credit_note_number="Korrekturnummer",
        credit_note_date="Korrekturdatum",
        credited_invoice="Korrigierte Rechnung",
        reason="Grund",
    ),
    "fr": Labels(
        invoice="Facture",
        draft="Brouillon",
        invoice_number="Numéro de facture",
        invoice_date="Date de facture",
        due_date="Date d\N{RIGHT SINGLE QUOTATION MARK}échéance",
        bill_to="Facturé à",
        vat_id="N° TVA",
        email="E-mail",
        description="Description",
        quantity="Quantité",
        unit_price="Prix unitaire",
        tax="TVA",
        amount="Montant",
        pieces="pce",
        tax_breakdown="Détail de la TVA",
        tax_rate="Taux",
        net="Base HT",
        subtotal="Total HT",
        total_tax="TVA",
        total="Total TTC",
        discount="Remise",
        items_total="Total des lignes",
        included_tax="Dont TVA",
        payment_instructions="Instructions de paiement",
        account_holder="Titulaire du compte",
        payment_reference="Référence",
        amount_due="Montant dû",
        scan_to_pay="Scannez pour payer",
        no_qr_code="Pas de code QR\xa0: ces données de paiement n’y tiennent pas",
        page="Page {page} sur {pages}",
        credit_note="Avoir",
        credit_note_number="Numéro d\N{RIGHT SINGLE QUOTATION MARK}avoir",
        credit_note_date="Date de l\N{RIGHT SINGLE QUOTATION MARK}avoir",
        credited_invoice="Facture d\N{RIGHT SINGLE QUOTATION MARK}origine",
        reason="Motif",
    ),
    "es": Labels(
        invoice="Factura",
        draft="Borrador",
        invoice_number="Número de factura",
        invoice_date="Fecha de factura",
        due_date="Fecha de vencimiento",
        bill_to="Facturar a",
        vat_id="NIF-IVA",
        email="Correo electrónico",
        description="Descripción",
        quantity="Cantidad",
        unit_price="Precio unitario",
        tax="IVA",
        amount="Importe",
        pieces="uds.",
        tax_breakdown="Desglose del IVA",
        tax_rate="Tipo",
        net="Base",
        subtotal="Base imponible",
        total_tax="IVA",
        total="Total",
        discount="Descuento",
        items_total="Total de líneas",
        included_tax="IVA incluido",
        payment_instructions="Instrucciones de pago",
        account_holder="Titular de la cuenta",
        payment_reference="Referencia",
        amount_due="Importe pendiente",
        scan_to_pay="Escanee para pagar",
        no_qr_code="Sin código QR: estos datos de pago no caben en uno",
        page="Página {page} de {pages}",
        credit_note="Factura rectificativa",
        credit_note_number="Número de rectificativa",
        credit_note_date="Fecha de rectificativa",
        credited_invoice="Factura rectificada",
        reason="Motivo",
    ),
    "it": Labels(
        invoice="Fattura",
        draft="Bozza",
        invoice_number="Numero fattura",
        invoice_date="Data fattura",
        due_date="Data di scadenza",
        bill_to="Destinatario",
        vat_id="Partita IVA",
        email="E-mail",
        description="Descrizione",
        quantity="Quantità",
        unit_price="Prezzo unitario",
        tax="IVA",
        amount="Importo",
        pieces="pz.",
        tax_breakdown="Riepilogo IVA",
        tax_rate="Aliquota",
        net="Imponibile",
        subtotal="Imponibile",
        total_tax="IVA",
        total="Totale",
        discount="Sconto",
        items_total="Totale righe",
        included_tax="Di cui IVA",
        payment_instructions="Istruzioni di pagamento",
        account_holder="Intestatario",
        payment_reference="Causale",
        amount_due="Importo dovuto",
        scan_to_pay="Inquadra per pagare",
        no_qr_code="Nessun codice QR: questi dati di pagamento non vi rientrano",
        page="Pagina {page} di {pages}",
        credit_note="Nota di credito",
        credit_note_number="Numero nota di credito",
        credit_note_date="Data nota di credito",
        credited_invoice="Fattura di riferimento",
        reason="Motivo",
    ),
    "nl": Labels(
        invoice="Factuur",
        draft="Concept",
        invoice_number="Factuurnummer",
        invoice_date="Factuurdatum",
        due_date="Vervaldatum",
        bill_to="Factuur aan",
        vat_id="Btw-nummer",
        email="E-mail",
        description="Omschrijving",
        quantity="Aantal",
        unit_price="Prijs per eenheid",
        tax="Btw",
        amount="Bedrag",
        pieces="st.",
        tax_breakdown="Btw-specificatie",
        tax_rate="Tarief",
        net="Grondslag",
        subtotal="Subtotaal",
        total_tax="Btw",
        total="Totaal",
        discount="Korting",
        items_total="Totaal regels",
        included_tax="Waarvan btw",
        payment_instructions="Betaalgegevens",
        account_holder="Rekeninghouder",
        payment_reference="Betalingskenmerk",
        amount_due="Openstaand bedrag",
        scan_to_pay="Scan om te betalen",
        no_qr_code="Geen QR-code: deze betaalgegevens passen er niet in",
        page="Pagina {page} van {pages}",
        credit_note="Creditnota",
        credit_note_number="Creditnotanummer",
        credit_note_date="Creditnotadatum",
        credited_invoice="Gecrediteerde factuur",
        reason="Reden",
    ),
    "pl": Labels(
        invoice="Faktura",
        draft="Wersja robocza",
        invoice_number="Numer faktury",
        invoice_date="Data wystawienia",
        due_date="Termin płatności",
        bill_to="Nabywca",
        vat_id="NIP",
        email="E-mail",
        description="Opis",
        quantity="Ilość",
        unit_price="Cena jedn. netto",
        tax="VAT",
        amount="Wartość netto",
        pieces="szt.",
        tax_breakdown="Zestawienie VAT",
        tax_rate="Stawka",
        net="Netto",
        subtotal="Razem netto",
        total_tax="VAT",
        total="Razem brutto",
        discount="Rabat",
        items_total="Suma pozycji",
        included_tax="W tym VAT",
        payment_instructions="Dane do przelewu",
        account_holder="Odbiorca",
        payment_reference="Tytuł przelewu",
        amount_due="Do zapłaty",
        scan_to_pay="Zeskanuj, aby zapłacić",
        no_qr_code="Brak kodu QR: te dane płatności się w nim nie mieszczą",
        page="Strona {page} z {pages}",
        credit_note="Faktura korygująca",
        credit_note_number="Numer korekty",
        credit_note_date="Data korekty",
        credited_invoice="Faktura korygowana",
        reason="Przyczyna korekty",
    ),
}


def labels_for(language: str) -> Labels:
    """The labels of a language subtag (de for de-AT), English when there are none."""
    return LABELS.get(language.lower(), LABELS[FALLBACK_LANGUAGE])
