"""Reading multipart/form-data bodies (file uploads) with python-multipart, bounded in size."""

from __future__ import annotations

import dataclasses
import email.message
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from chalice.app import Request

from chalicelib.api.problems import HttpError, invalid_request
from chalicelib.domain.errors import FieldProblem

# Boundaries, part headers and text fields ride on top of the files' own bytes.
FRAMING_BYTES = 64 * 1024
MAX_TEXT_FIELDS = 32
_PLAIN_TRANSFER_ENCODINGS = frozenset({b"binary", b"8bit", b"7bit"})
# RFC 8187 requires both; anything else is refused rather than guessed.
_EXTENDED_CHARSETS = frozenset({"utf-8", "iso-8859-1"})


@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str
    content_type: str | None
    data: bytes = dataclasses.field(repr=False)


@dataclass(frozen=True)
class Form:
    fields: Mapping[str, str]
    files: tuple[UploadedFile, ...]


def parse_form(request: Request, *, max_files: int, max_bytes: int) -> Form:
    """The text fields and files of a multipart/form-data body.

    `max_bytes` bounds each part (413); the whole body may hold `max_files` such parts plus
    FRAMING_BYTES. A part with a filename is a file; an empty file input ("no file chosen")
    is skipped. Anything malformed is a 400, another Content-Type a 415."""
    boundary = _boundary(request.headers.get("content-type"))
    body = _body(request, max_files * max_bytes + FRAMING_BYTES)
    collector = _FormCollector(max_files=max_files, max_bytes=max_bytes)
    _parse(boundary, body, collector)
    return Form(fields=MappingProxyType(collector.fields), files=tuple(collector.files))


def _boundary(content_type: str | None) -> bytes:
    from python_multipart.multipart import parse_options_header  # here: keeps app start fast

    try:
        header = (content_type or "").encode("latin-1")
    except UnicodeEncodeError:
        raise invalid_request(FieldProblem("Content-Type", "is not a valid header")) from None
    media_type, options = parse_options_header(header)
    if media_type != b"multipart/form-data":
        shown = media_type.decode("latin-1") or "a body without a Content-Type"
        raise HttpError(415, f"The body must be multipart/form-data, not {shown}")
    boundary = options.get(b"boundary", b"")
    if not boundary:
        raise invalid_request(FieldProblem("Content-Type", "names no multipart boundary"))
    return boundary


def _body(request: Request, limit: int) -> bytes:
    # Chalice has already decoded the body if API Gateway sent it base64-encoded (binary types).
    raw = request.raw_body or b""
    raw = raw.encode() if isinstance(raw, str) else raw
    if len(raw) > limit:
        raise HttpError(413, f"The body is larger than {limit} bytes")
    return raw


def _parse(boundary: bytes, body: bytes, collector: _FormCollector) -> None:
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser

    try:
        parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": collector.on_part_begin,
                "on_header_field": collector.on_header_field,
                "on_header_value": collector.on_header_value,
                "on_header_end": collector.on_header_end,
                "on_headers_finished": collector.on_headers_finished,
                "on_part_data": collector.on_part_data,
                "on_part_end": collector.on_part_end,
                "on_end": collector.on_end,
            },
        )
        parser.write(body)
        parser.finalize()
    except FormParserError as exc:
        raise _malformed(f"is not valid multipart/form-data ({exc})") from None
    # python-multipart accepts a body that stops early; the closing boundary proves it is whole.
    if not collector.ended:
        raise _malformed("ends before the closing multipart boundary")


@dataclass(frozen=True)
class _PartHead:
    name: str
    filename: str | None
    content_type: str | None


class _FormCollector:
    """python-multipart's callbacks, collecting each part's headers and bytes within bounds."""

    def __init__(self, *, max_files: int, max_bytes: int) -> None:
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.fields: dict[str, str] = {}
        self.files: list[UploadedFile] = []
        self.ended = False
        self._headers: dict[bytes, bytes] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._head = _PartHead(name="", filename=None, content_type=None)
        self._data = bytearray()

    def on_part_begin(self) -> None:
        self._headers = {}
        self._data = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        name = bytes(self._header_name).strip().lower()
        if name in self._headers:
            raise _malformed(f"has a part that repeats its {name.decode('latin-1')} header")
        self._headers[name] = bytes(self._header_value).strip(b" \t")
        self._header_name.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        self._head = _part_head(self._headers)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]
        if len(self._data) > self.max_bytes:
            filename = self._head.filename
            what = f"field {self._head.name!r}" if filename is None else f"file {filename!r}"
            raise HttpError(413, f"The {what} is larger than {self.max_bytes} bytes")

    def on_part_end(self) -> None:
        head, data = self._head, bytes(self._data)
        if head.filename is None:
            self._add_field(head.name, data)
        elif head.filename or data:
            self._add_file(UploadedFile(head.name, head.filename, head.content_type, data))

    def on_end(self) -> None:
        self.ended = True

    def _add_field(self, name: str, data: bytes) -> None:
        if name in self.fields:
            raise invalid_request(FieldProblem(name, "is sent more than once"))
        if len(self.fields) >= MAX_TEXT_FIELDS:
            raise _malformed(f"has more than {MAX_TEXT_FIELDS} text fields")
        try:
            self.fields[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            raise invalid_request(FieldProblem(name, "is not UTF-8 text")) from None

    def _add_file(self, file: UploadedFile) -> None:
        if len(self.files) >= self.max_files:
            message = f"holds more files than the {self.max_files} allowed"
            raise invalid_request(FieldProblem(file.field, message))
        self.files.append(file)


def _part_head(headers: Mapping[bytes, bytes]) -> _PartHead:
    from python_multipart.multipart import parse_options_header

    encoding = headers.get(b"content-transfer-encoding", b"binary").lower()
    if encoding not in _PLAIN_TRANSFER_ENCODINGS:
        raise _malformed("has a part with a Content-Transfer-Encoding other than binary")
    disposition = headers.get(b"content-disposition", b"")
    kind, options = parse_options_header(disposition)
    if kind != b"form-data" or not options.get(b"name"):
        raise _malformed("has a part without Content-Disposition: form-data and a name")
    content_type = headers.get(b"content-type", b"").decode("latin-1").strip()
    return _PartHead(
        name=_utf8(options[b"name"], "a field name"),
        filename=_filename(disposition, options.get(b"filename")),
        content_type=content_type or None,
    )


def _filename(disposition: bytes, plain: bytes | None) -> str | None:
    """RFC 7578 sends the name as raw UTF-8 in `filename`, and python-multipart reads only that;
    some clients send RFC 2231's `filename*` too, or alone, and that one wins (RFC 6266)."""
    extended = _extended_filename(disposition) if b"filename*" in disposition.lower() else None
    if extended is not None:
        return extended
    return None if plain is None else _utf8(plain, "a filename")


def _extended_filename(disposition: bytes) -> str | None:
    encoded = _rfc2231_filename(_utf8(disposition, "a Content-Disposition header"))
    if encoded is None:
        return None
    charset, text = encoded
    if charset.lower() not in _EXTENDED_CHARSETS:
        raise _malformed("has a filename* in neither UTF-8 nor ISO-8859-1")
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        raise _malformed("has a filename* that is not percent-encoded") from None
    return _decoded(raw, charset, "a filename*")


def _rfc2231_filename(disposition: str) -> tuple[str, str] | None:
    """(charset, percent-decoded text as latin-1) of `filename*`, read by the standard library."""
    message = email.message.Message()
    message["Content-Disposition"] = disposition
    try:
        params = message.get_params(header="content-disposition", failobj=[])
    except (TypeError, ValueError, IndexError):
        # The stdlib's RFC 2231 code trips over some malformed continuations (filename*1 alone).
        raise _malformed("has a Content-Disposition header that cannot be read") from None
    for key, value in params:
        if key.lower() == "filename" and isinstance(value, tuple):
            charset, _language, text = value
            return charset or "", text
    return None


def _utf8(raw: bytes, what: str) -> str:
    return _decoded(raw, "utf-8", what)


def _decoded(raw: bytes, charset: str, what: str) -> str:
    try:
        return raw.decode(charset)
    except UnicodeDecodeError:
        raise _malformed(f"has {what} that is not valid {charset.upper()}") from None


def _malformed(message: str) -> HttpError:
    return invalid_request(FieldProblem("body", message))
