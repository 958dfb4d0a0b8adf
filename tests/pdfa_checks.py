"""What can be checked of PDF/A-3b and Factur-X without veraPDF, which no registry we reach
offers (decision 0059): read with pypdf, the checks cover the clauses a generator most often
gets wrong. The file header, no encryption, the trailer's ID, XMP metadata that declares
PDF/A-3B and agrees with the Info dictionary, an output intent with an ICC profile, every font
embedded, printable annotations, and each embedded file an associated file with its
relationship, MIME type and date. Not covered: colour spaces against the output intent,
transparency, the XMP schemas' validity beyond Factur-X's own extension, and the rest of
ISO 19005-3 that veraPDF checks."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime

from lxml import etree
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject, StreamObject

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
}
FACTUR_X_FILE = "factur-x.xml"
# What the Factur-X 1.0 specification asks of the XMP for an EN 16931 invoice.
FACTUR_X_XMP = {
    "DocumentType": "INVOICE",
    "DocumentFileName": FACTUR_X_FILE,
    "Version": "1.0",
    "ConformanceLevel": "EN 16931",
}
# ISO 19005-3, 6.6.2.3.1: each Info entry and the XMP property that must say the same.
INFO_TO_XMP = {
    "/Title": "dc:title",
    "/Author": "dc:creator",
    "/Subject": "dc:description",
    "/Keywords": "pdf:Keywords",
    "/Creator": "xmp:CreatorTool",
    "/Producer": "pdf:Producer",
    "/CreationDate": "xmp:CreateDate",
    "/ModDate": "xmp:ModifyDate",
}
_XMP_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_EMBEDDED_FONT = ("/FontFile", "/FontFile2", "/FontFile3")
_PRINT, _HIDDEN_FLAGS = 4, 1 | 2 | 32  # annotation flags: Print; Invisible, Hidden, NoView


def _dict(value: PdfObject | None) -> DictionaryObject:
    resolved = value.get_object() if value is not None else None
    return resolved if isinstance(resolved, DictionaryObject) else DictionaryObject()


def _array(value: PdfObject | None) -> list[PdfObject]:
    resolved = value.get_object() if value is not None else None
    return list(resolved) if isinstance(resolved, ArrayObject) else []


def _data(value: PdfObject | None) -> bytes:
    resolved = value.get_object() if value is not None else None
    return resolved.get_data() if isinstance(resolved, StreamObject) else b""


def xmp(pdf: bytes) -> etree._Element | None:
    """The document's XMP metadata packet, parsed; None when the catalog has none."""
    packet = _data(_dict(PdfReader(io.BytesIO(pdf)).trailer["/Root"]).get("/Metadata"))
    return etree.fromstring(packet, _XMP_PARSER) if packet else None


def xmp_values(root: etree._Element, name: str) -> list[str]:
    """A property's values (a prefix:name of NS), written as an attribute of an rdf:Description
    or as an element, simple or in an rdf:Alt, rdf:Seq or rdf:Bag."""
    prefix, local = name.split(":")
    qualified = f"{{{NS[prefix]}}}{local}"
    values = []
    for description in root.iter(f"{{{NS['rdf']}}}Description"):
        if (attribute := description.get(qualified)) is not None:
            values.append(attribute)
        for element in description.iterfind(qualified):
            items = element.findall(".//rdf:li", NS)
            values.extend((item.text or "") for item in items or [element])
    return values


def pdfa3b_problems(pdf: bytes) -> list[str]:
    """The PDF/A-3b requirements, among those checked here, that the document breaks."""
    reader = PdfReader(io.BytesIO(pdf))
    catalog = _dict(reader.trailer["/Root"])
    problems = _file_problems(pdf, reader)
    root = xmp(pdf)
    if root is None:
        problems.append("no XMP metadata stream in the catalog (6.6.2.1)")
    else:
        problems += _identification_problems(root) + _info_problems(reader, root)
    problems += _output_intent_problems(catalog)
    problems += [f"font {name} is not embedded (6.2.11.4)" for name in _unembedded_fonts(reader)]
    problems += _annotation_problems(reader)
    problems += _associated_file_problems(catalog)
    return problems


def _file_problems(pdf: bytes, reader: PdfReader) -> list[str]:
    problems = []
    lines = pdf[:1024].split(b"\n", 2)
    if not lines[0].startswith(b"%PDF-1."):
        problems.append("the file does not start with a %PDF-1.n header (6.1.2)")
    if len(lines) < 2 or not (lines[1].startswith(b"%") and sum(b > 127 for b in lines[1]) >= 4):
        problems.append("no comment of 4 binary bytes after the header (6.1.2)")
    if reader.is_encrypted:
        problems.append("the file is encrypted (6.1.3)")
    if "/ID" not in reader.trailer:
        problems.append("the trailer has no ID (6.1.3)")
    return problems


def _identification_problems(root: etree._Element) -> list[str]:
    part, conformance = xmp_values(root, "pdfaid:part"), xmp_values(root, "pdfaid:conformance")
    if part != ["3"] or conformance != ["B"]:
        return [f"XMP declares pdfaid:part {part} and conformance {conformance}, not 3 and B"]
    return []


def _info_problems(reader: PdfReader, root: etree._Element) -> list[str]:
    info = _dict(reader.trailer.get("/Info"))
    problems = []
    for key, prop in INFO_TO_XMP.items():
        if key not in info:
            continue
        value, said = str(info[key]), xmp_values(root, prop)
        if key.endswith("Date"):
            same = len(said) == 1 and _same_instant(value, said[0])
        else:
            same = said == [value] or (key == "/Author" and said[:1] == [value])
        if not same:
            problems.append(f"Info {key} {value!r} is not XMP {prop} {said} (6.6.2.3.1)")
    return problems


def _same_instant(pdf_date: str, xmp_date: str) -> bool:
    digits = pdf_date.removeprefix("D:").replace("'", "")
    try:
        parsed = datetime.strptime(digits.replace("Z", "+0000"), "%Y%m%d%H%M%S%z")
        return parsed == datetime.fromisoformat(xmp_date)
    except ValueError:
        return False


def _output_intent_problems(catalog: DictionaryObject) -> list[str]:
    intents = [_dict(intent) for intent in _array(catalog.get("/OutputIntents"))]
    pdfa = [intent for intent in intents if intent.get("/S") == "/GTS_PDFA1"]
    if not pdfa:
        return ["no GTS_PDFA1 output intent (6.2.3)"]
    profiles = {str(intent.raw_get("/DestOutputProfile")) for intent in pdfa}
    profile = _dict(pdfa[0].get("/DestOutputProfile"))
    if profile.get("/N") not in (1, 3, 4):
        return ["the output intent has no ICC profile of 1, 3 or 4 components (6.2.3)"]
    if len(profiles) > 1:
        return ["output intents with different ICC profiles (6.2.3)"]
    return []


def _resources(reader: PdfReader) -> Iterator[DictionaryObject]:
    """Every resource dictionary: the pages', their form XObjects', and their annotations'
    appearance streams', each once."""
    seen: set[int] = set()
    pending = [_dict(page.get("/Resources")) for page in reader.pages]
    for page in reader.pages:
        for annotation in map(_dict, _array(page.get("/Annots"))):
            for stream in _dict(annotation.get("/AP")).values():
                pending.append(_dict(_dict(stream).get("/Resources")))
    while pending:
        resources = pending.pop()
        if id(resources) in seen:
            continue
        seen.add(id(resources))
        yield resources
        for xobject in map(_dict, _dict(resources.get("/XObject")).values()):
            if xobject.get("/Subtype") == "/Form":
                pending.append(_dict(xobject.get("/Resources")))


def _unembedded_fonts(reader: PdfReader) -> list[str]:
    missing = []
    for resources in _resources(reader):
        for font in map(_dict, _dict(resources.get("/Font")).values()):
            if font.get("/Subtype") == "/Type3":
                continue  # its glyphs are content streams of the document
            # A composite (Type0) font's program belongs to its descendant CIDFont.
            described = next(map(_dict, _array(font.get("/DescendantFonts"))), font)
            descriptor = _dict(described.get("/FontDescriptor"))
            if not any(key in descriptor for key in _EMBEDDED_FONT):
                missing.append(str(font.get("/BaseFont")))
    return sorted(set(missing))


def _annotation_problems(reader: PdfReader) -> list[str]:
    problems = []
    for number, page in enumerate(reader.pages, 1):
        for annotation in map(_dict, _array(page.get("/Annots"))):
            flags, kind = int(annotation.get("/F", 0)), annotation.get("/Subtype")
            if kind != "/Popup" and (not flags & _PRINT or flags & _HIDDEN_FLAGS):
                problems.append(f"page {number}: a {kind} annotation is not printed (6.3.2)")
    return problems


def _file_specs(catalog: DictionaryObject) -> Iterator[tuple[str, DictionaryObject, PdfObject]]:
    """(name, file specification, its reference) for each file of the EmbeddedFiles name tree."""
    pending = [_dict(_dict(catalog.get("/Names")).get("/EmbeddedFiles"))]
    while pending:
        node = pending.pop()
        pending += map(_dict, _array(node.get("/Kids")))
        names = _array(node.get("/Names"))
        for name, reference in zip(names[::2], names[1::2], strict=True):
            yield str(name), _dict(reference), reference


def _associated_file_problems(catalog: DictionaryObject) -> list[str]:
    associated = {
        item.idnum if isinstance(item, IndirectObject) else id(item)
        for item in _array(catalog.get("/AF"))
    }
    problems = []
    for name, spec, reference in _file_specs(catalog):
        key = reference.idnum if isinstance(reference, IndirectObject) else id(reference)
        stream = _dict(_dict(spec.get("/EF")).get("/F"))
        if key not in associated:
            problems.append(f"{name} is not in the catalog's AF array (6.8)")
        if "/AFRelationship" not in spec:
            problems.append(f"{name} has no AFRelationship (6.8)")
        if "/F" not in spec or "/UF" not in spec:
            problems.append(f"{name}'s file specification lacks F or UF (6.8)")
        if "/Subtype" not in stream:
            problems.append(f"{name} has no MIME type (Subtype) (6.8)")
        if "/ModDate" not in _dict(stream.get("/Params")):
            problems.append(f"{name} has no modification date (Params ModDate) (6.8)")
    return problems


def embedded_files(pdf: bytes) -> dict[str, tuple[str, bytes]]:
    """Each embedded file by name: its AFRelationship and its bytes."""
    catalog = _dict(PdfReader(io.BytesIO(pdf)).trailer["/Root"])
    return {
        name: (
            str(spec.get("/AFRelationship", "")),
            _data(_dict(spec.get("/EF")).get("/F")),
        )
        for name, spec, _ in _file_specs(catalog)
    }


def facturx_problems(pdf: bytes) -> list[str]:
    """What the Factur-X 1.0 specification asks beyond PDF/A-3: the XML as factur-x.xml with a
    relationship of Data, Alternative or Source, and the fx: XMP properties with their
    extension schema."""
    problems = []
    files = embedded_files(pdf)
    if FACTUR_X_FILE not in files:
        problems.append(f"no embedded {FACTUR_X_FILE}, only {sorted(files)}")
    elif files[FACTUR_X_FILE][0] not in ("/Data", "/Alternative", "/Source"):
        problems.append(f"{FACTUR_X_FILE}'s AFRelationship is {files[FACTUR_X_FILE][0]!r}")
    root = xmp(pdf)
    if root is None:
        return [*problems, "no XMP metadata"]
    for name, expected in FACTUR_X_XMP.items():
        if (found := xmp_values(root, f"fx:{name}")) != [expected]:
            problems.append(f"XMP fx:{name} is {found}, not {expected!r}")
    schemas = root.iterfind(".//pdfaExtension:schemas//pdfaSchema:namespaceURI", NS)
    if NS["fx"] not in [schema.text for schema in schemas]:
        problems.append("the XMP declares no PDF/A extension schema for the fx: namespace")
    return problems
