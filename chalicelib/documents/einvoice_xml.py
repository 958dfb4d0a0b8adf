"""What the CII and UBL writers share: elements named with their prefixes, numbers and dates as
both syntaxes write them, and one function per e-invoice format.

The standard library's ElementTree writes them, not lxml: lxml would take the Lambda package past
its size bars (decision 0059). Tags carry their prefix as written (`ram:ID`) and the root
declares the namespaces, so the bytes are the same for the same e-invoice, with no global
namespace registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree as ET

from chalicelib.domain.einvoice_model import EInvoice, EInvoiceFormat

Element = ET.Element


def root(tag: str, namespaces: Mapping[str, str]) -> Element:
    return ET.Element(tag, {f"xmlns:{p}" if p else "xmlns": uri for p, uri in namespaces.items()})


def sub(parent: Element, tag: str, text: str | None = None, **attributes: str) -> Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def number(value: Decimal) -> str:
    """A quantity, price or rate without an exponent or trailing zeros (19, 2.5, 0.333333)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def amount(value: Decimal) -> str:
    """An amount as the mapping wrote it: the decimals it has (2 for EUR, 0 for JPY)."""
    return format(value, "f")


def date_102(day: date) -> str:
    """CII's dates: UNTDID 2379 format 102, CCYYMMDD."""
    return day.strftime("%Y%m%d")


def serialized(element: Element) -> bytes:
    ET.indent(element)
    written: bytes = ET.tostring(element, encoding="UTF-8", xml_declaration=True)
    return written + b"\n"


def einvoice_xml(document: EInvoice, fmt: EInvoiceFormat) -> bytes:
    """The XML of `document` in `fmt`: for factur-x, the CII that the PDF/A-3 embeds."""
    return writers()[fmt](document)


def writers() -> Mapping[EInvoiceFormat, Callable[[EInvoice], bytes]]:
    from chalicelib.documents.einvoice_cii import factur_x_xml, xrechnung_cii_xml
    from chalicelib.documents.einvoice_ubl import peppol_ubl_xml, xrechnung_ubl_xml

    return {
        EInvoiceFormat.FACTUR_X: factur_x_xml,
        EInvoiceFormat.XRECHNUNG_CII: xrechnung_cii_xml,
        EInvoiceFormat.XRECHNUNG_UBL: xrechnung_ubl_xml,
        EInvoiceFormat.PEPPOL_UBL: peppol_ubl_xml,
    }
