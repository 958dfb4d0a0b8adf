"""A file's name in Content-Disposition: whatever the name holds, the header is one line of
ASCII that names exactly that file, read as browsers read it (RFC 6266, filename* first), and
a client that reads only `filename` gets a portable ASCII name."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.http import parse_options_header

from chalicelib.documents.disposition import ascii_filename, content_disposition


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("INV-2026-0001.pdf", 'inline; filename="INV-2026-0001.pdf"'),
        ("RE-€-1.pdf", "inline; filename=\"RE-_-1.pdf\"; filename*=utf-8''RE-%E2%82%AC-1.pdf"),
        ("Zoë.pdf", "inline; filename=\"Zoe.pdf\"; filename*=utf-8''Zo%C3%AB.pdf"),
        ('Q";x="y.pdf', "inline; filename=\"Q__x__y.pdf\"; filename*=utf-8''Q%22%3Bx%3D%22y.pdf"),
        ("X\r\nY.pdf", "inline; filename=\"X__Y.pdf\"; filename*=utf-8''X%0D%0AY.pdf"),
    ],
)
def test_a_name_is_written_with_an_ascii_fallback_and_encoded_in_full(
    name: str, header: str
) -> None:
    assert content_disposition("inline", name) == header


@settings(max_examples=200, deadline=None)
@given(name=st.text(min_size=1, max_size=80), kind=st.sampled_from(["inline", "attachment"]))
def test_any_name_gives_one_ascii_header_that_names_exactly_it(name: str, kind: str) -> None:
    header = content_disposition(kind, name)

    assert header.isascii() and header.isprintable()
    assert parse_options_header(header) == (kind, {"filename": name})
    fallback = ascii_filename(name)
    assert fallback and not set(fallback) & set('"\\%;,=\r\n')
