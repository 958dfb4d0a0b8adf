"""How the PDF and the emails write what they share: the Babel locale they format in, and an
IBAN as printed. Babel loads on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.documents.labels import FALLBACK_LANGUAGE

if TYPE_CHECKING:
    from babel import Locale


def babel_locale(tag: str) -> Locale:
    """The most specific locale Babel knows for a BCP 47 tag (de-AT-u-nu-latn gives de_AT,
    an unknown one English): a stored tag never makes a document fail."""
    from babel import Locale, UnknownLocaleError

    # language-script-region-variant at most: the rest never changes how we write.
    subtags = tag.replace("_", "-").split("-")[:4]
    for end in range(len(subtags), 0, -1):
        try:
            return Locale.parse("-".join(subtags[:end]), sep="-")
        except (ValueError, UnknownLocaleError):
            continue
    return Locale.parse(FALLBACK_LANGUAGE)


def grouped_iban(iban: str) -> str:
    """DE89370400440532013000 as DE89 3704 0044 0532 0130 00, as printed on paper."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[start : start + 4] for start in range(0, len(compact), 4))
