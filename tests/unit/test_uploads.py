"""Uploaded files are judged by their bytes: only the allowed kinds, honestly named, get stored."""

from __future__ import annotations

import io
import subprocess
import sys
import unicodedata
import zipfile

import pytest

from chalicelib.documents.uploads import (
    ATTACHMENT_KINDS,
    EXTENSIONS,
    LOGO_KINDS,
    MAX_ATTACHMENT_BYTES,
    MEDIA_TYPES,
    PDF_KINDS,
    STORED_MEDIA_TYPES,
    FileKind,
    check_upload,
)
from chalicelib.domain.errors import FileRefusedError, FileTooLargeError
from chalicelib.domain.invoice import BlobType
from tests.images import image_bytes

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00;"
WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07"
)
CSV = b"Rechnung;Betrag\nRE-1;12,50\n"
TEXT = "Zahlbar innerhalb von 14 Tagen.\r\nDanke, Zoë €\n".encode()
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
JPEG_2000 = b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00" * 20
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def _zip(*members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            archive.writestr(member, "<?xml version='1.0'?><x/>")
    return buffer.getvalue()


XLSX = _zip("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml")
DOCX = _zip("[Content_Types].xml", "_rels/.rels", "word/document.xml")


def _pdf_of_size(size: int) -> bytes:
    tail = b"\n%%EOF\n"
    return PDF[:9] + b" " * (size - 9 - len(tail)) + tail


@pytest.mark.parametrize(
    ("name", "data", "kind", "blob_type", "media_type"),
    [
        ("Rechnung.pdf", PDF, FileKind.PDF, BlobType.PDF, "application/pdf"),
        ("logo.png", PNG, FileKind.PNG, BlobType.IMAGE, "image/png"),
        ("foto.jpg", JPEG, FileKind.JPEG, BlobType.IMAGE, "image/jpeg"),
        ("anim.gif", GIF, FileKind.GIF, BlobType.IMAGE, "image/gif"),
        ("bild.webp", WEBP, FileKind.WEBP, BlobType.IMAGE, "image/webp"),
        ("posten.csv", CSV, FileKind.CSV, BlobType.SPREADSHEET, "text/csv; charset=utf-8"),
        ("notiz.txt", TEXT, FileKind.TEXT, BlobType.TEXT, "text/plain; charset=utf-8"),
        ("tabelle.xlsx", XLSX, FileKind.XLSX, BlobType.SPREADSHEET, MEDIA_TYPES[FileKind.XLSX][0]),
        ("brief.docx", DOCX, FileKind.DOCX, BlobType.DOCUMENT, MEDIA_TYPES[FileKind.DOCX][0]),
    ],
)
def test_each_allowed_kind_is_accepted_from_its_bytes(
    name: str, data: bytes, kind: FileKind, blob_type: BlobType, media_type: str
) -> None:
    checked = check_upload(name, data, claimed_type=MEDIA_TYPES[kind][0])

    assert checked.kind is kind
    assert checked.blob_type is blob_type
    assert checked.media_type == media_type
    assert checked.name == name
    assert checked.extension == name.rpartition(".")[2]
    assert checked.size == len(data)


def test_the_tables_cover_every_kind_and_attachments_allow_all_nine() -> None:
    assert len(ATTACHMENT_KINDS) == 9
    assert set(MEDIA_TYPES) == set(EXTENSIONS) == set(STORED_MEDIA_TYPES) == set(FileKind)


def test_a_pdf_name_with_html_inside_is_refused_as_html() -> None:
    with pytest.raises(FileRefusedError, match="HTML"):
        check_upload("Rechnung.pdf", HTML, claimed_type="application/pdf")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", EXE),
        ("Rechnung.pdf", EXE),
        ("Rechnung.pdf", ELF),
        ("archiv.zip", _zip("a.txt")),
        ("tabelle.xlsx", _zip("a.txt")),
        ("text.odt", _zip("mimetype", "content.xml")),
        ("bild.jpg", JPEG_2000),
        ("daten.bin", bytes(range(256))),
    ],
)
def test_executables_archives_and_unknown_binaries_are_refused(name: str, data: bytes) -> None:
    with pytest.raises(FileRefusedError):
        check_upload(name, data, claimed_type=None)


def test_the_refusal_says_what_the_bytes_really_are() -> None:
    with pytest.raises(FileRefusedError, match="ELF executable"):
        check_upload("Rechnung.pdf", ELF, claimed_type=None)
    with pytest.raises(FileRefusedError, match="ZIP archive"):
        check_upload("tabelle.xlsx", _zip("a.txt"), claimed_type=None)


def test_an_office_document_with_macros_is_refused() -> None:
    xlsm = _zip("[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin")
    with pytest.raises(FileRefusedError, match="macros"):
        check_upload("tabelle.xlsx", xlsm, claimed_type=None)


def test_a_damaged_zip_is_refused() -> None:
    with pytest.raises(FileRefusedError, match="damaged"):
        check_upload("tabelle.xlsx", XLSX[: len(XLSX) // 2], claimed_type=None)


def test_exactly_the_limit_is_accepted_and_one_byte_more_is_too_large() -> None:
    assert check_upload("a.pdf", _pdf_of_size(MAX_ATTACHMENT_BYTES), claimed_type=None).size == (
        5 * 1024 * 1024
    )
    with pytest.raises(FileTooLargeError, match=f"{MAX_ATTACHMENT_BYTES + 1} bytes"):
        check_upload("a.pdf", _pdf_of_size(MAX_ATTACHMENT_BYTES + 1), claimed_type=None)


def test_the_caller_may_set_a_smaller_limit() -> None:
    with pytest.raises(FileTooLargeError):
        check_upload("logo.png", PNG, claimed_type=None, allowed=LOGO_KINDS, limit=len(PNG) - 1)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(FileRefusedError, match="empty"):
        check_upload("leer.txt", b"", claimed_type=None)


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.pdf",
        "..\\x.pdf",
        "a/b.pdf",
        "C:\\Users\\x.pdf",
        "Rechnung\x00.pdf",
        "Rechnung\n.pdf",
        "invoice\u202efdp.exe",
        "CON.pdf",
        "con.txt",
        "LPT1.pdf",
        "COM9.tar.pdf",
        "NUL .pdf",
        ".htaccess",
        ".pdf",
        "x" * 300 + ".pdf",
        "ü" * 126 + ".pdf",
        "Rechnung.pdf.",
        "Rechnung.pdf ",
        "Rechnung",
        "",
        "   ",
    ],
)
def test_dangerous_names_are_refused(name: str) -> None:
    with pytest.raises(FileRefusedError):
        check_upload(name, PDF, claimed_type="application/pdf")


def test_a_name_of_exactly_255_utf8_bytes_is_accepted() -> None:
    name = "ü" * 125 + "a.pdf"
    assert len(name.encode()) == 255
    assert check_upload(name, PDF, claimed_type=None).name == name


@pytest.mark.parametrize(
    "name", ["Rechnung Zoë.pdf", "請求書 2024.pdf", "Счёт №7.pdf", "CONTRACT.pdf"]
)
def test_unicode_and_ordinary_names_are_accepted(name: str) -> None:
    assert check_upload(name, PDF, claimed_type=None).name == name


def test_a_decomposed_name_comes_back_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Rechnung Zoë.pdf")
    assert decomposed != "Rechnung Zoë.pdf"
    assert check_upload(decomposed, PDF, claimed_type=None).name == "Rechnung Zoë.pdf"


@pytest.mark.parametrize(
    ("name", "data", "claimed"),
    [
        ("Rechnung.pdf", PDF, "image/png"),
        ("Rechnung.pdf", PDF, "text/html"),
        ("logo.png", PNG, "image/jpeg"),
        ("notiz.txt", TEXT, "text/csv"),
    ],
)
def test_a_claimed_type_that_the_bytes_contradict_is_refused(
    name: str, data: bytes, claimed: str
) -> None:
    with pytest.raises(FileRefusedError, match="as claimed"):
        check_upload(name, data, claimed_type=claimed)


@pytest.mark.parametrize(
    "claimed",
    [None, "", "application/octet-stream", "application/pdf; charset=binary", "APPLICATION/PDF"],
)
def test_an_unspecific_or_matching_claimed_type_is_accepted(claimed: str | None) -> None:
    assert check_upload("Rechnung.pdf", PDF, claimed_type=claimed).kind is FileKind.PDF


def test_a_csv_may_be_claimed_as_excel_as_windows_browsers_do() -> None:
    claimed = "application/vnd.ms-excel"
    assert check_upload("posten.csv", CSV, claimed_type=claimed).kind is FileKind.CSV


@pytest.mark.parametrize(
    ("name", "data", "really"),
    [
        ("Rechnung.pdf", PNG, "PNG"),
        ("logo.png", PDF, "PDF"),
        ("notiz.pdf", TEXT, "TEXT"),
        ("daten.json", b'{"a": 1}', "TEXT"),
        ("tabelle.xlsx", DOCX, "DOCX"),
    ],
)
def test_an_extension_that_the_bytes_contradict_is_refused(
    name: str, data: bytes, really: str
) -> None:
    with pytest.raises(FileRefusedError, match=f"its content is {really}"):
        check_upload(name, data, claimed_type=None)


def test_extension_aliases_are_accepted_and_kept_in_lowercase() -> None:
    checked = check_upload("Foto.JPEG", JPEG, claimed_type="image/jpeg")
    assert (checked.kind, checked.extension, checked.name) == (FileKind.JPEG, "jpeg", "Foto.JPEG")
    assert check_upload("server.log", TEXT, claimed_type=None).kind is FileKind.TEXT
    assert check_upload("liesmich.md", TEXT, claimed_type="text/markdown").kind is FileKind.TEXT


@pytest.mark.parametrize(
    "data",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<html><body>hi</body></html>",
        b"<HTML>",
        b"\xef\xbb\xbf \r\n\t<!doctype html><p>hi",
        b"<?xml version='1.0'?><svg/>",
        b"<script>alert(1)</script>",
        b"<iframe src='x'></iframe>",
    ],
)
def test_markup_that_a_browser_would_render_is_refused_as_text(data: bytes) -> None:
    with pytest.raises(FileRefusedError, match="HTML, SVG or XML"):
        check_upload("notiz.txt", data, claimed_type="text/plain")


def test_text_that_only_mentions_a_tag_is_accepted() -> None:
    data = b"Use the <html> tag sparingly.\n"
    assert check_upload("notiz.txt", data, claimed_type=None).kind is FileKind.TEXT


def test_utf8_text_with_a_byte_order_mark_is_accepted() -> None:
    data = b"\xef\xbb\xbfRechnung;Betrag\nRE-1;12,50\n"
    assert check_upload("posten.csv", data, claimed_type="text/csv").kind is FileKind.CSV


@pytest.mark.parametrize(
    "data",
    [
        "Zahlbar in 14 Tagen".encode("utf-16"),  # with its byte order mark
        "Zahlbar in 14 Tagen".encode("utf-16-le"),  # without one: NULs between letters
        "Zahlbar für Zoë".encode("latin-1"),
        b"colour \x1b[31mred\x1b[0m\n",
        b"line\x00with a NUL",
        "C1 control \u0085 here".encode(),
    ],
)
def test_text_that_is_not_clean_utf8_is_refused(data: bytes) -> None:
    with pytest.raises(FileRefusedError):
        check_upload("notiz.txt", data, claimed_type=None)


def test_utf16_text_is_refused_for_its_encoding() -> None:
    with pytest.raises(FileRefusedError, match="not in UTF-8"):
        data = b"\xff\xfe" + "Zahlbar in 14 Tagen".encode("utf-16-le")
        check_upload("notiz.txt", data, claimed_type=None)


def test_a_logo_must_be_png_or_jpeg() -> None:
    logo = image_bytes("JPEG", (8, 4))
    assert (
        check_upload("logo.jpg", logo, claimed_type=None, allowed=LOGO_KINDS).kind is FileKind.JPEG
    )
    with pytest.raises(FileRefusedError, match="not accepted here"):
        check_upload("logo.gif", GIF, claimed_type=None, allowed=LOGO_KINDS)


def test_a_clients_own_pdf_must_be_a_pdf() -> None:
    assert check_upload("Rechnung.pdf", PDF, claimed_type=None, allowed=PDF_KINDS).kind is (
        FileKind.PDF
    )
    with pytest.raises(FileRefusedError, match="not accepted here"):
        check_upload("Rechnung.docx", DOCX, claimed_type=None, allowed=PDF_KINDS)


def test_importing_the_module_does_not_load_puremagic() -> None:
    code = "import sys, chalicelib.documents.uploads; assert 'puremagic' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
