"""The languages invoices, credit notes and emails are written in: those of the EU, the EEA,
Switzerland and the UK. A tenant's or client's locale is any CLDR locale of one of them (de-CH,
fr-BE, sv-FI); the Lambda package carries CLDR's data for exactly these (decision 0041), so a
locale that works on a laptop works deployed."""

from __future__ import annotations

SUPPORTED_LANGUAGES = frozenset(
    {
        *("en", "de", "fr", "es", "it", "nl", "pl"),  # with labels of their own (documents/labels)
        *("pt", "sv", "da", "fi", "nb", "nn", "no", "is", "cs", "sk", "sl", "hr", "hu", "ro"),
        *("bg", "el", "et", "lv", "lt", "mt", "ga", "lb", "rm"),
    }
)
