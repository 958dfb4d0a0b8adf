"""Whether an image can be drawn on a document: checked before a logo is taken, and again before
a stored one is drawn, so that no PDF fails because of its logo."""

from __future__ import annotations

import io
import struct
import zlib

MAX_DRAWN_PIXELS = 4096 * 4096  # 64 MB decoded; a logo box at 600 dpi needs 1,300 x 520
DRAWN_FORMATS = ("PNG", "JPEG")  # Pillow's names of what a logo may be


def drawing_problem(data: bytes, *, image_format: str | None = None) -> str | None:
    """Why an image cannot be drawn, or None when it can: it is a PNG or JPEG (`image_format`
    when given) through and through, has at most MAX_DRAWN_PIXELS (read from its header before
    anything is decoded, so a decompression bomb costs nothing) and decodes whole (Pillow: every
    chunk's checksum, then every pixel)."""
    from PIL import Image  # Pillow comes with fpdf2; loaded only where an image is checked

    formats = [image_format] if image_format else list(DRAWN_FORMATS)
    try:
        with Image.open(io.BytesIO(data), formats=formats) as image:
            width, height = image.size
            if width * height > MAX_DRAWN_PIXELS:
                return _too_many_pixels(f"{width} x {height} pixels")
            image.verify()
        with Image.open(io.BytesIO(data), formats=formats) as image:
            image.load()
    except Image.DecompressionBombError:  # Pillow's own bound, far above ours, came first
        return _too_many_pixels("hundreds of millions of pixels")
    # What Pillow raises for damaged data: OSError (truncated, unidentified), SyntaxError (a
    # broken PNG chunk), ValueError and the decoders' own; found by fuzzing (tests/unit).
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error):
        return "its image is damaged: it does not decode whole"
    return None


def _too_many_pixels(size: str) -> str:
    return (
        f"its image has {size}; at most {MAX_DRAWN_PIXELS:,} pixels (such as 4096 x 4096) "
        "are drawn: scale it down"
    )
