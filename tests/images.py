"""Real images made with Pillow for the tests of what we draw: logos in each mode, and the two
kinds of file that used to pass as a logo (a PNG signature before junk, a decompression bomb)."""

from __future__ import annotations

import functools
import io

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JUNK_PNG = PNG_SIGNATURE + b"not a chunk, just junk after the signature" * 4


def image_bytes(
    image_format: str = "PNG", size: tuple[int, int] = (8, 4), mode: str = "RGB"
) -> bytes:
    """A whole image of one colour, as `image_format` writes it."""
    out = io.BytesIO()
    Image.new(mode, size, 200).save(out, format=image_format)
    return out.getvalue()


@functools.cache  # it takes a second to make
def bomb_png(side: int = 20_000) -> bytes:
    """A side x side PNG of a few kilobytes (one bit per pixel, all white), which decodes to
    hundreds of megabytes: a decompression bomb."""
    out = io.BytesIO()
    Image.new("1", (side, side), 1).save(out, format="PNG", optimize=True)
    return out.getvalue()
