"""What makes an invoice's PDF a Factur-X one (issue 22; decisions 0059, 0061): PDF/A-3b, the
CII XML embedded as `factur-x.xml` with the relationship Data, and XMP metadata that says so
(the PDF/A part, the Factur-X extension schema and its properties). fpdf2 writes all of it; the
XMP is written here, per document, so the same invoice gives the same bytes."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from chalicelib.domain.values import format_timestamp

FILE_NAME = "factur-x.xml"
CONFORMANCE = "EN 16931"  # the Factur-X 1.0 profile whose rules the XML follows


def xmp_metadata(title: str, created: datetime, file_name: str = FILE_NAME) -> str:
    """The XMP packet's content (fpdf2 adds the xpacket wrapper): the document's title and the
    moment it was made, as its pages say them."""
    return _XMP.format(
        title=escape(title),
        created=format_timestamp(created),
        file_name=escape(file_name),
        conformance=CONFORMANCE,
    )


def _property(name: str, description: str) -> str:
    return (
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{description}</pdfaProperty:description>"
        "</rdf:li>"
    )


_FX = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
_PROPERTIES = "".join(
    (
        _property("DocumentFileName", "The name of the embedded XML document"),
        _property("DocumentType", "The type of the hybrid document in capital letters"),
        _property("Version", "The version of the standard the embedded XML document follows"),
        _property("ConformanceLevel", "The conformance level of the embedded XML document"),
    )
)
_XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">'
    "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>"
    "</rdf:Description>"
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>'
    "</rdf:Description>"
    '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
    "<xmp:CreateDate>{created}</xmp:CreateDate>"
    "</rdf:Description>"
    '<rdf:Description rdf:about="" '
    'xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" '
    'xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" '
    'xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
    "<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>"
    f"<pdfaSchema:namespaceURI>{_FX}</pdfaSchema:namespaceURI>"
    "<pdfaSchema:prefix>fx</pdfaSchema:prefix>"
    f"<pdfaSchema:property><rdf:Seq>{_PROPERTIES}</rdf:Seq></pdfaSchema:property>"
    "</rdf:li></rdf:Bag></pdfaExtension:schemas>"
    "</rdf:Description>"
    f'<rdf:Description rdf:about="" xmlns:fx="{_FX}">'
    "<fx:DocumentType>INVOICE</fx:DocumentType>"
    "<fx:DocumentFileName>{file_name}</fx:DocumentFileName>"
    "<fx:Version>1.0</fx:Version>"
    "<fx:ConformanceLevel>{conformance}</fx:ConformanceLevel>"
    "</rdf:Description>"
    "</rdf:RDF>"
    "</x:xmpmeta>"
)
