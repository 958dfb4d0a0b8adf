"""A tenant's settings: who the seller is (name, address, VAT id, sender email, bank accounts,
the contact its e-invoices name),
the defaults of its invoices (currency, payment terms, locale, timezone, numbering) and its
reminder policy. Each value is checked with the library that knows its rules."""

from __future__ import annotations

import functools
import re
import zoneinfo
from typing import Annotated, Self

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from chalicelib.domain.base import DomainModel
from chalicelib.domain.commands import PaymentTermDays, TaxRate
from chalicelib.domain.einvoice_model import EInvoiceFormat
from chalicelib.domain.invoice import Blob
from chalicelib.domain.languages import SUPPORTED_LANGUAGES
from chalicelib.domain.mail import override_problem
from chalicelib.domain.numbering import CREDIT_NOTE_FORMAT, DEFAULT_FORMAT, format_problem
from chalicelib.domain.parties import AddressInput, PaymentAccount, SellerContact, SellerDetails
from chalicelib.domain.text import MailAddress, OneLineText
from chalicelib.domain.values import Count, CurrencyCode, Reference, ShortText

MAX_BANK_ACCOUNTS = 5
MAX_REMINDER_STEPS = 10
MAX_TAX_RATES = 50
DEFAULT_REMINDER_STEPS = (-3, 1, 7, 14)


def _usable_format(number_format: str) -> str:
    problem = format_problem(number_format)
    if problem is not None:
        raise ValueError(problem)
    return number_format


# The checking libraries load on first use (a PUT of settings), not with the app.


def _iban(value: str) -> str:
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        return str(IBAN(value).compact)
    except SchwiftyException as exc:
        raise ValueError(f"not a valid IBAN: {exc}") from None


def _bic(value: str) -> str:
    from schwifty import BIC
    from schwifty.exceptions import SchwiftyException

    try:
        return str(BIC(value).compact)
    except SchwiftyException as exc:
        raise ValueError(f"not a valid BIC: {exc}") from None


def _vat_id(value: str) -> str:
    """EU VAT ids by their country's own rules (python-stdnum); others by their shape."""
    from stdnum.eu import vat as eu_vat
    from stdnum.exceptions import ValidationError as StdnumError

    number = eu_vat.compact(value)
    if number[:2].lower() in eu_vat.MEMBER_STATES | {"el"}:  # Greece writes EL
        try:
            return str(eu_vat.validate(number))
        except StdnumError as exc:
            raise ValueError(f"not a valid VAT id: {exc}") from None
    if not (number[:2].isalpha() and number[2:].isalnum() and 4 <= len(number) <= 15):
        raise ValueError("not a VAT id: a country prefix and 2 to 13 letters or digits")
    return number


_PHONE = re.compile(r"\+?[0-9 ()./-]+")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 3, 20


def _phone(value: str) -> str:
    """A telephone number as people write it (+49 30 1234567-0, (030) 123 45): digits, spaces,
    ( ) . / - and a leading +. XRechnung asks for at least 3 digits (BR-DE-27)."""
    digits = sum(character.isdigit() for character in value)
    if not _PHONE.fullmatch(value) or not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        raise ValueError(
            f"not a telephone number: {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits, with "
            "spaces, ( ) . / - and a leading + if any"
        )
    return value


def _locale(value: str) -> str:
    """A CLDR locale of a supported language, written as a BCP 47 tag (de-DE)."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValueError("not a known locale, such as en, de-DE or fr-CH") from None
    if locale.language not in SUPPORTED_LANGUAGES:
        raise ValueError(
            f"documents are not written in {locale.language!r}: a locale of "
            f"{', '.join(sorted(SUPPORTED_LANGUAGES))}"
        )
    return str(locale).replace("_", "-")


def _mail_text(value: str) -> str:
    problem = override_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _timezone(value: str) -> str:
    if value not in _zones():
        raise ValueError("not an IANA timezone, such as Europe/Berlin or America/New_York")
    return value


def _once_each_in_order(days: list[int]) -> list[int]:
    if len(set(days)) != len(days):
        raise ValueError("each day once")
    return sorted(days)


Iban = Annotated[str, AfterValidator(_iban)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(_phone)]
Bic = Annotated[str, AfterValidator(_bic)]
VatId = Annotated[str, Field(max_length=40), AfterValidator(_vat_id)]
LocaleTag = Annotated[str, Field(max_length=35), AfterValidator(_locale)]
Timezone = Annotated[str, Field(max_length=64), AfterValidator(_timezone)]
NumberingFormat = Annotated[str, AfterValidator(_usable_format)]
ReminderDay = Annotated[Count, Field(ge=-90, le=365)]
# The tenant's own words for its emails, with placeholders such as {number} (documents/mail.py).
MailText = Annotated[str, Field(max_length=5000), AfterValidator(_mail_text)]


class BankAccount(DomainModel):
    name: OneLineText | None = None  # the holder, in the EPC QR code and on the PDF
    iban: Iban
    bic: Bic | None = None

    @model_validator(mode="after")
    def bic_of_the_ibans_country(self) -> Self:
        if self.bic is not None and self.bic[4:6] != self.iban[:2]:
            raise ValueError("the BIC's country is not the IBAN's")
        return self


class ContactInput(DomainModel):
    """The seller's contact point its e-invoices name (EN 16931 BG-6), which XRechnung requires
    whole (BR-DE-2, -5, -6, -7): a person or department, a telephone number, an email address.
    Without an email, an e-invoice gives the sender email (decision 0062)."""

    name: OneLineText | None = None
    phone: Phone | None = None
    email: MailAddress | None = None


class TaxRateSetting(DomainModel):
    """A tax rate the tenant names once and refers to by its id (the Heffl dialect's taxRateId)."""

    id: Annotated[Reference, Field(max_length=64)]
    name: ShortText
    rate: TaxRate


def _each_id_once(rates: list[TaxRateSetting]) -> list[TaxRateSetting]:
    ids = [rate.id for rate in rates]
    repeated = sorted({rate_id for rate_id in ids if ids.count(rate_id) > 1})
    if repeated:
        raise ValueError(f"each id once; repeated: {', '.join(repeated)}")
    return rates


class ReminderPolicy(DomainModel):
    """Reminders on these days relative to the due date (negative: before it), each sent once,
    and at most `maximum` of them per invoice."""

    steps: Annotated[
        list[ReminderDay], Field(max_length=MAX_REMINDER_STEPS), AfterValidator(_once_each_in_order)
    ] = Field(default_factory=lambda: list(DEFAULT_REMINDER_STEPS))
    maximum: Annotated[Count, Field(ge=0, le=MAX_REMINDER_STEPS)] = len(DEFAULT_REMINDER_STEPS)


class TenantSettings(DomainModel):
    """Replaced as a whole by PUT. Changing the numbering format keeps counting: the next number
    of the year follows on. Unset defaults (currency, payment terms) fall back to the service's."""

    company_name: OneLineText | None = None
    address: AddressInput | None = None
    vat_id: VatId | None = None
    sender_email: MailAddress | None = None
    contact: ContactInput | None = None
    bank_accounts: Annotated[list[BankAccount], Field(max_length=MAX_BANK_ACCOUNTS)] = Field(
        default_factory=list
    )
    default_currency: CurrencyCode | None = None
    payment_term_days: PaymentTermDays | None = None
    locale: LocaleTag = "en"
    timezone: Timezone = "UTC"
    numbering_format: NumberingFormat = DEFAULT_FORMAT
    # Credit notes count in a series of their own (issue 21): never the invoices' format, or a
    # credit note would bear the very number of an invoice.
    credit_note_numbering_format: NumberingFormat = CREDIT_NOTE_FORMAT
    reminder_policy: ReminderPolicy = Field(default_factory=ReminderPolicy)
    tax_rates: Annotated[
        list[TaxRateSetting], Field(max_length=MAX_TAX_RATES), AfterValidator(_each_id_once)
    ] = Field(default_factory=list)
    invoice_mail_text: MailText | None = None
    reminder_mail_text: MailText | None = None
    # The e-invoice the invoice emails carry (issue 22): factur-x in place of the plain PDF, or
    # an XML format beside it; none by default.
    e_invoice_attachment: EInvoiceFormat | None = None
    # Set by its own endpoint (PUT /settings/logo); a PUT of the settings keeps it.
    logo: Blob | None = Field(default=None, json_schema_extra={"readOnly": True})

    @field_validator("credit_note_numbering_format")
    @classmethod
    def not_the_invoices_format(cls, number_format: str, info: ValidationInfo) -> str:
        stored = isinstance(info.context, dict) and info.context.get("stored")  # text.STORED
        if not stored and number_format == info.data.get("numbering_format"):
            raise ValueError(
                "must differ from numberingFormat: credit notes are numbered in a series of "
                "their own, such as CN-{YYYY}-{SEQ:04}"
            )
        return number_format

    def tax_rate(self, rate_id: str) -> TaxRateSetting | None:
        return next((rate for rate in self.tax_rates if rate.id == rate_id), None)

    def seller_details(self) -> SellerDetails:
        """The seller as an invoice issued now copies it."""
        return SellerDetails(
            name=self.company_name,
            email=self.sender_email,
            address=self.address,
            vat_id=self.vat_id,
            locale=self.locale,
            bank_accounts=[
                PaymentAccount(name=a.name, iban=a.iban, bic=a.bic) for a in self.bank_accounts
            ],
            logo_blob_id=self.logo.blob_id if self.logo else None,
            contact=_contact(self.contact),
        )


def _contact(given: ContactInput | None) -> SellerContact | None:
    if given is None:
        return None
    return SellerContact(name=given.name, phone=given.phone, email=given.email)
