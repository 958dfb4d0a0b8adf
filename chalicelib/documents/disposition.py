"""The Content-Disposition header of a file we hand out (an HTTP response, an S3 object), written
as RFC 6266 says, so that no name can break or add to the header: an ASCII `filename` for
clients that read only that, and the name itself in `filename*` (RFC 8187), percent-encoded
UTF-8, both by the standard library's email.utils."""

from __future__ import annotations

import re
import unicodedata
from email.utils import encode_rfc2231, quote

# What the ASCII fallback keeps. RFC 6266 advises against % and \ there (clients decode them); a
# quote or a control character would end or break the header, and ; , = split it for clients
# that read it naively.
_NOT_PORTABLE = re.compile(r"[^A-Za-z0-9 !#$&'()+.@\[\]^_`{}~-]")


def content_disposition(disposition: str, filename: str) -> str:
    """`inline` or `attachment`, and the file's name, in ASCII whatever the name holds."""
    fallback = ascii_filename(filename)
    value = f'{disposition}; filename="{quote(fallback)}"'
    if fallback == filename:
        return value
    return f"{value}; filename*={encode_rfc2231(filename, 'utf-8')}"


def ascii_filename(filename: str) -> str:
    """The name in ASCII: accents dropped (Zoë: Zoe), anything else an underscore."""
    decomposed = unicodedata.normalize("NFKD", filename)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_PORTABLE.sub("_", without_marks).strip() or "file"
