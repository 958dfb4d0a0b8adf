"""Deciding what an uploaded file really is from its bytes, so only safe, named kinds get stored."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from chalicelib.documents.images import drawing_problem
from chalicelib.domain.errors import FileRefusedError, FileTooLargeError
from chalicelib.domain.invoice import BlobType

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_NAME_BYTES = 255


class FileKind(StrEnum):
    PDF = "PDF"
    PNG = "PNG"
    JPEG = "JPEG"
    GIF = "GIF"
    WEBP = "WEBP"
    CSV = "CSV"
    TEXT = "TEXT"
    XLSX = "XLSX"
    DOCX = "DOCX"


ATTACHMENT_KINDS = frozenset(FileKind)
LOGO_KINDS = frozenset({FileKind.PNG, FileKind.JPEG})
PDF_KINDS = frozenset({FileKind.PDF})
# Images we draw ourselves (the logo, on every PDF): where only these are taken, an image must
# decode whole within the pixel bound (documents/images.py), or every PDF drawn with it fails.
DRAWN_KINDS = LOGO_KINDS

# The media types a client may claim for each kind; the first is the one to store.
# CSV takes text/plain and application/vnd.ms-excel because browsers send those for .csv files.
MEDIA_TYPES: Mapping[FileKind, tuple[str, ...]] = MappingProxyType(
    {
        FileKind.PDF: ("application/pdf", "application/x-pdf"),
        FileKind.PNG: ("image/png",),
        FileKind.JPEG: ("image/jpeg", "image/pjpeg", "image/jpg"),
        FileKind.GIF: ("image/gif",),
        FileKind.WEBP: ("image/webp",),
        FileKind.CSV: (
            "text/csv",
            "application/csv",
            "text/x-csv",
            "application/vnd.ms-excel",
            "text/plain",
        ),
        FileKind.TEXT: ("text/plain", "text/markdown"),
        FileKind.XLSX: ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
        FileKind.DOCX: ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    }
)

# The extensions (lowercase, no dot) a name of each kind may end with; the first is canonical.
EXTENSIONS: Mapping[FileKind, tuple[str, ...]] = MappingProxyType(
    {
        FileKind.PDF: ("pdf",),
        FileKind.PNG: ("png",),
        FileKind.JPEG: ("jpg", "jpeg", "jfif"),
        FileKind.GIF: ("gif",),
        FileKind.WEBP: ("webp",),
        FileKind.CSV: ("csv",),
        FileKind.TEXT: ("txt", "text", "log", "md"),
        FileKind.XLSX: ("xlsx",),
        FileKind.DOCX: ("docx",),
    }
)

# What to send as Content-Type when the file is served: text always as UTF-8 (which we checked).
STORED_MEDIA_TYPES: Mapping[FileKind, str] = MappingProxyType(
    {
        **{kind: types[0] for kind, types in MEDIA_TYPES.items()},
        FileKind.CSV: "text/csv; charset=utf-8",
        FileKind.TEXT: "text/plain; charset=utf-8",
    }
)

BLOB_TYPES: Mapping[FileKind, BlobType] = MappingProxyType(
    {
        FileKind.PDF: BlobType.PDF,
        FileKind.PNG: BlobType.IMAGE,
        FileKind.JPEG: BlobType.IMAGE,
        FileKind.GIF: BlobType.IMAGE,
        FileKind.WEBP: BlobType.IMAGE,
        FileKind.CSV: BlobType.SPREADSHEET,
        FileKind.TEXT: BlobType.TEXT,
        FileKind.XLSX: BlobType.SPREADSHEET,
        FileKind.DOCX: BlobType.DOCUMENT,
    }
)


@dataclass(frozen=True)
class CheckedFile:
    name: str
    kind: FileKind
    extension: str
    media_type: str
    size: int
    blob_type: BlobType


def check_upload(
    name: str,
    data: bytes,
    *,
    claimed_type: str | None,
    allowed: frozenset[FileKind] = ATTACHMENT_KINDS,
    limit: int = MAX_ATTACHMENT_BYTES,
) -> CheckedFile:
    """The file as it may be stored, or FileRefusedError / FileTooLargeError saying why not.

    The kind comes from the bytes alone; the name's extension and the claimed type must agree."""
    display_name = checked_name(name)
    if not data:
        raise FileRefusedError(display_name, "the file is empty")
    if len(data) > limit:
        raise FileTooLargeError(display_name, len(data), limit)
    kind = _identify(display_name, data)
    _check_claims(display_name, kind, claimed_type, allowed)
    if allowed <= DRAWN_KINDS:
        problem = drawing_problem(data, image_format=str(kind))  # PNG, JPEG: Pillow's names
        if problem is not None:
            raise FileRefusedError(display_name, problem)
    return CheckedFile(
        name=display_name,
        kind=kind,
        extension=_extension(display_name),
        media_type=STORED_MEDIA_TYPES[kind],
        size=len(data),
        blob_type=BLOB_TYPES[kind],
    )


_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in "0123456789¹²³"}
)
# Right-to-left overrides and friends make "invoice\u202efdp.exe" display as "invoiceexe.pdf".
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def checked_name(name: str) -> str:
    """The name in NFC, if it is safe to show and to offer as a download name."""
    normalized = unicodedata.normalize("NFC", name)
    problem = _name_problem(normalized)
    if problem is not None:
        raise FileRefusedError(normalized, problem)
    return normalized


def _name_problem(name: str) -> str | None:
    if not name.strip():
        return "the name is empty"
    if any(unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI_CONTROLS for c in name):
        return "the name holds control characters"
    if len(name.encode()) > MAX_NAME_BYTES:
        return f"the name is longer than {MAX_NAME_BYTES} bytes"
    if "/" in name or "\\" in name or ".." in name:
        return "the name holds a path (/, \\ or ..)"
    if name.startswith("."):
        return "the name starts with a dot"
    if name.endswith((".", " ")):
        return "the name ends with a dot or a space"
    if "." not in name:
        return "the name has no extension"
    if name.split(".", 1)[0].rstrip().upper() in _WINDOWS_RESERVED:
        return "the name is reserved by Windows"
    return None


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower()


# puremagic's extension for a signature it matched, to our kind. By extension, not media type:
# puremagic labels JPEG 2000 "image/jpeg" too.
_MAGIC_KINDS: Mapping[str, FileKind] = MappingProxyType(
    {
        ".pdf": FileKind.PDF,
        ".png": FileKind.PNG,
        ".jpg": FileKind.JPEG,
        ".jpeg": FileKind.JPEG,
        ".jfif": FileKind.JPEG,
        ".jpe": FileKind.JPEG,
        ".gif": FileKind.GIF,
        ".webp": FileKind.WEBP,
    }
)
_ZIP = ".zip"
_MARKUP_TYPES = frozenset({"text/html", "image/svg+xml", "application/xml", "text/xml"})


@dataclass(frozen=True)
class _Magic:
    """What puremagic's strongest signature matches say; `label` names the best of them."""

    extensions: tuple[str, ...]
    media_types: frozenset[str]
    label: str | None


def _identify(name: str, data: bytes) -> FileKind:
    magic = _magic(data)
    known = [_MAGIC_KINDS[ext] for ext in magic.extensions if ext in _MAGIC_KINDS]
    if known:
        return known[0]
    if _ZIP in magic.extensions:
        return _office_kind(name, data)
    text = _utf8_text(data)
    if text is None:
        raise FileRefusedError(name, _not_accepted(magic))
    if _MARKUP.match(text.lstrip(_LEADING_SPACE)) or magic.media_types & _MARKUP_TYPES:
        raise FileRefusedError(
            name, "its content is HTML, SVG or XML, which a browser would render"
        )
    return FileKind.CSV if _extension(name) == "csv" else FileKind.TEXT


def _not_accepted(magic: _Magic) -> str:
    if "text/plain" in magic.media_types:
        return f"its content is text, but not in UTF-8 ({magic.label})"
    looks_like = magic.label or "binary data of no accepted kind"
    return f"its content is not an accepted kind of file ({looks_like})"


def _magic(data: bytes) -> _Magic:
    import puremagic  # here, not at the top: its signature table takes ~30 ms to load

    # Never pass a filename: puremagic would then read the file of that name from the disk.
    matches = puremagic.magic_string(data)
    if not matches:
        return _Magic(extensions=(), media_types=frozenset(), label=None)
    best = max(match.confidence for match in matches)
    strongest = [match for match in matches if match.confidence == best]
    return _Magic(
        extensions=tuple(str(match.extension).lower() for match in strongest),
        media_types=frozenset(str(match.mime_type).lower() for match in strongest),
        label=str(strongest[0].name).strip() or None,
    )


_OFFICE_MAIN_PARTS = {FileKind.XLSX: "xl/workbook.xml", FileKind.DOCX: "word/document.xml"}


def _office_kind(name: str, data: bytes) -> FileKind:
    """XLSX or DOCX by the part names in the ZIP's directory: nothing is ever decompressed."""
    members = _zip_members(name, data)
    if any(member.endswith("vbaproject.bin") for member in members):
        raise FileRefusedError(name, "it is an Office document with macros")
    kinds = [kind for kind, part in _OFFICE_MAIN_PARTS.items() if part in members]
    if "[content_types].xml" not in members or len(kinds) != 1:
        raise FileRefusedError(name, "its content is a ZIP archive, not an XLSX or DOCX document")
    return kinds[0]


def _zip_members(name: str, data: bytes) -> frozenset[str]:
    """Part names, lowercase: Office compares them without regard to case."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return frozenset(member.lower() for member in archive.namelist())
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError):
        raise FileRefusedError(name, "its content is a damaged ZIP archive") from None


_LEADING_SPACE = "\ufeff \t\r\n\f"
# Tags that make a browser sniff text as HTML (WHATWG MIME Sniffing, 7.1), plus SVG and XML.
_MARKUP = re.compile(
    r"<(?:\?xml|!--|!doctype|(?:html|head|body|script|iframe|svg|style|title|table|div|font|h1"
    r"|a|b|br|p)(?=[\s/>]|$))",
    re.IGNORECASE,
)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _utf8_text(data: bytes) -> str | None:
    """The text, if the bytes are UTF-8 (BOM allowed) with no control characters but tab, CR, LF
    and form feed. UTF-16 and other encodings are refused: they hold NULs or do not decode."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return None if _CONTROL_CHARACTERS.search(text) else text


# Types that say nothing about the content: browsers and S3 send them for unknown files.
_UNSPECIFIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def _check_claims(
    name: str, kind: FileKind, claimed_type: str | None, allowed: frozenset[FileKind]
) -> None:
    if kind not in allowed:
        accepted = ", ".join(sorted(allowed))
        raise FileRefusedError(name, f"its content is {kind}, not accepted here ({accepted} are)")
    extension = _extension(name)
    if extension not in EXTENSIONS[kind]:
        expected = ", ".join(f".{ext}" for ext in EXTENSIONS[kind])
        raise FileRefusedError(
            name, f"its content is {kind}, which takes the extension {expected}, not .{extension}"
        )
    claimed = (claimed_type or "").split(";", 1)[0].strip().lower()
    if claimed not in _UNSPECIFIC_TYPES and claimed not in MEDIA_TYPES[kind]:
        raise FileRefusedError(
            name, f"its content is {kind} ({MEDIA_TYPES[kind][0]}), not {claimed} as claimed"
        )
