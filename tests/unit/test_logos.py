"""A logo is drawn on every PDF of its tenant: it is taken only when it decodes whole within the
pixel bound, and one stored before logos were checked is left out of the PDF instead of failing
it."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from chalicelib.documents.images import MAX_DRAWN_PIXELS, drawing_problem
from chalicelib.documents.pdf import render_invoice_pdf
from chalicelib.documents.uploads import LOGO_KINDS, check_upload
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.errors import FileRefusedError
from chalicelib.domain.settings import TenantSettings
from tests.images import JUNK_PNG, bomb_png, image_bytes
from tests.rendering import ROW, issued_document

LOGO_LIMIT = 512 * 1024  # what PUT /settings/logo takes
MEDIA_TYPE = {"PNG": "image/png", "JPEG": "image/jpeg"}
SEEDS = (
    image_bytes("PNG", (40, 16), "RGBA"),
    image_bytes("PNG", (33, 9), "P"),
    image_bytes("PNG", (20, 20), "1"),
    image_bytes("JPEG", (40, 16), "RGB"),
    image_bytes("JPEG", (17, 5), "CMYK"),
)


def take_logo(data: bytes) -> None:
    """The check PUT /settings/logo makes: FileRefusedError (a 400) when it is not taken."""
    name = "logo.png" if data.startswith(b"\x89PNG") else "logo.jpg"
    check_upload(name, data, claimed_type=None, allowed=LOGO_KINDS, limit=LOGO_LIMIT)


def pdf_with_logo(logo: bytes) -> bytes:
    """A PDF without a QR code (no bank account), so every image in it is the logo."""
    tenant = TenantSettings.model_validate({"companyName": "Zoë Müller GmbH"})
    fields = NewInvoice.model_validate({"rows": [ROW]})
    return render_invoice_pdf(issued_document(tenant, fields, logo=logo))


def images_in(pdf: bytes) -> int:
    """Images drawn: an image with transparency has its mask as an image of its own."""
    return pdf.count(b"/Subtype /Image") - pdf.count(b"/SMask ")


def test_a_png_signature_before_junk_is_refused() -> None:
    with pytest.raises(FileRefusedError, match="does not decode whole"):
        take_logo(JUNK_PNG)


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never(*_: object) -> None:
        raise AssertionError("the bomb was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    with pytest.raises(FileRefusedError, match=r"pixels .* scale it down"):
        take_logo(bomb_png())
    with pytest.raises(FileRefusedError, match="5000 x 5000 pixels"):
        take_logo(bomb_png(5000))  # under Pillow's own bound: ours, from the header


def test_a_logo_at_the_pixel_bound_is_taken_and_one_row_more_is_refused() -> None:
    take_logo(bomb_png(4096))
    assert MAX_DRAWN_PIXELS == 4096 * 4096
    wider = io.BytesIO()
    Image.new("1", (4096, 4097), 1).save(wider, format="PNG", optimize=True)
    with pytest.raises(FileRefusedError, match="4096 x 4097 pixels"):
        take_logo(wider.getvalue())


def test_a_png_whose_pixels_fail_their_checksum_is_refused() -> None:
    whole = image_bytes("PNG", (40, 16), "RGB")
    data_start = whole.index(b"IDAT") + 4
    damaged = whole[:data_start] + bytes([whole[data_start] ^ 0xFF]) + whole[data_start + 1 :]
    with pytest.raises(FileRefusedError, match="does not decode whole"):
        take_logo(damaged)


def test_a_truncated_jpeg_is_refused() -> None:
    whole = image_bytes("JPEG", (64, 64), "RGB")
    with pytest.raises(FileRefusedError, match="does not decode whole"):
        take_logo(whole[: len(whole) * 2 // 3])


def test_a_jpeg_named_and_claimed_as_png_is_still_refused() -> None:
    with pytest.raises(FileRefusedError, match="extension"):
        check_upload("logo.png", image_bytes("JPEG"), claimed_type="image/png", allowed=LOGO_KINDS)


@pytest.mark.parametrize(
    ("image_format", "mode"),
    [("PNG", "1"), ("PNG", "L"), ("PNG", "LA"), ("PNG", "P"), ("PNG", "RGB"), ("PNG", "RGBA"),
     ("PNG", "I;16"), ("JPEG", "L"), ("JPEG", "RGB"), ("JPEG", "CMYK")],
)  # fmt: skip
def test_a_whole_logo_in_any_mode_is_taken_and_drawn(image_format: str, mode: str) -> None:
    logo = image_bytes(image_format, (30, 12), mode)

    take_logo(logo)

    assert images_in(pdf_with_logo(logo)) == 1


def damaged(seed: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    """`seed` with bytes overwritten at (position, value) and cut to `cut` bytes (0: whole)."""
    data = bytearray(seed)
    for position, value in edits:
        data[8 + position % (len(data) - 8)] = value  # the signature stays: it passes as a kind
    return bytes(data[: cut or None])


damaged_logos = st.builds(
    damaged,
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
    st.integers(0, 3_000),
)


@settings(max_examples=50, deadline=None)
@given(logo=damaged_logos)
def test_a_logo_is_refused_or_drawn_and_a_pdf_never_fails_for_one_taken(logo: bytes) -> None:
    try:
        take_logo(logo)
    except FileRefusedError:
        return  # a 400: the settings keep their logo

    assert images_in(pdf_with_logo(logo)) == 1


@settings(max_examples=50, deadline=None)
@given(logo=damaged_logos | st.binary(max_size=600) | st.just(JUNK_PNG) | st.just(bomb_png()))
def test_any_stored_logo_leaves_the_pdf_rendering_with_or_without_it(logo: bytes) -> None:
    """Logos stored before they were checked: one that cannot be drawn is left out."""
    pdf = pdf_with_logo(logo)

    assert pdf.startswith(b"%PDF-")
    assert images_in(pdf) == (1 if drawing_problem(logo) is None else 0)
