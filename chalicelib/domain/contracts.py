"""A tenant's contracts: what it invoices one client for, period by period (the hevn dialect
invoices "one contract for one period number"). Pure: the dates of a period and the native
create body of its invoice are computed here, from the contract alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from dateutil.relativedelta import relativedelta
from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, field_validator

from chalicelib.domain.base import TenantRecord
from chalicelib.domain.commands import (
    MAX_ROWS,
    Command,
    InvoiceFields,
    PaymentTermDays,
    RowInput,
)
from chalicelib.domain.due import local_date, start_of_day
from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.parties import AddressInput, PaymentAccount, PostalAddress
from chalicelib.domain.settings import BankAccount
from chalicelib.domain.text import OneLineText, PaymentReference
from chalicelib.domain.values import (
    LATEST_DATE,
    AcceptedTimestamp,
    Actor,
    CurrencyCode,
    LongText,
    Reference,
    ShortText,
    Timestamp,
    format_timestamp,
    new_id,
)

MAX_PAYMENT_METHODS = 5


class ContractPeriod(StrEnum):
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    YEARLY = "YEARLY"


_STEP = {
    ContractPeriod.WEEKLY: relativedelta(weeks=1),
    ContractPeriod.MONTHLY: relativedelta(months=1),
    ContractPeriod.QUARTERLY: relativedelta(months=3),
    ContractPeriod.YEARLY: relativedelta(years=1),
}


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _midnight_if_a_day(value: Any) -> Any:
    """A bare day (2026-01-31) is the start of that day in UTC."""
    if isinstance(value, str) and len(value.strip()) == len("2026-01-31"):
        return f"{value.strip()}T00:00:00Z"
    return value


Period = Annotated[ContractPeriod, BeforeValidator(_upper)]
Moment = Annotated[
    AcceptedTimestamp, BeforeValidator(_midnight_if_a_day, json_schema_input_type=date | datetime)
]


class PaymentMethodInput(BankAccount):
    """A bank account the client pays into: IBAN and BIC checked as in the tenant's settings,
    plus what a transfer slip shows and who holds the account: a person's names or a business's,
    and their address (the hevn dialect's paymentMethods)."""

    bank_name: ShortText | None = None
    beneficiary_name: ShortText | None = None
    bank_address: ShortText | None = None
    currency: CurrencyCode | None = None
    payment_reference: PaymentReference | None = None
    account_holder_first_name: OneLineText | None = None
    account_holder_last_name: OneLineText | None = None
    account_holder_business_name: OneLineText | None = None
    account_holder_address: AddressInput | None = None


class ContractPaymentAccount(PaymentAccount):
    """A payment method as stored: checked when entered, so reading it runs no check again."""

    bank_name: str | None = None
    beneficiary_name: str | None = None
    bank_address: str | None = None
    currency: str | None = None
    payment_reference: str | None = None
    account_holder_first_name: str | None = None
    account_holder_last_name: str | None = None
    account_holder_business_name: str | None = None
    account_holder_address: PostalAddress | None = None


class ContractInput(Command):
    """What a caller sends to create a contract or replace one (PUT replaces every field).
    Fields are validated in this order, so a check may look at the fields above it."""

    client_id: Reference
    currency: CurrencyCode
    is_recurring: bool = False
    period: Period | None = Field(default=None, validate_default=True)
    activation_at: Moment
    expiration_at: Moment | None = None
    items: Annotated[list[RowInput], Field(min_length=1, max_length=MAX_ROWS)]
    payment_methods: Annotated[list[PaymentMethodInput], Field(max_length=MAX_PAYMENT_METHODS)] = (
        Field(default_factory=list)
    )
    payment_term_days: PaymentTermDays | None = None
    memo: LongText | None = None
    description: LongText | None = None

    @field_validator("period")
    @classmethod
    def a_period_exactly_when_recurring(
        cls, period: ContractPeriod | None, info: ValidationInfo
    ) -> ContractPeriod | None:
        recurring = info.data.get("is_recurring")
        if recurring and period is None:
            raise ValueError("a recurring contract needs one: WEEKLY, MONTHLY, QUARTERLY or YEARLY")
        if recurring is False and period is not None:
            raise ValueError("only a recurring contract has one")
        return period

    @field_validator("expiration_at")
    @classmethod
    def expires_after_activation(
        cls, expiration: datetime | None, info: ValidationInfo
    ) -> datetime | None:
        activation = info.data.get("activation_at")
        if expiration is not None and activation is not None and expiration <= activation:
            raise ValueError("must be after activationAt")
        return expiration

    @field_validator("items")
    @classmethod
    def row_ids_are_unique(cls, items: list[RowInput]) -> list[RowInput]:
        ids = [row.id for row in items if row.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("two items carry the same id")
        return items


class Contract(TenantRecord):
    client_id: str
    currency: str
    is_recurring: bool
    period: ContractPeriod | None = None
    activation_at: Timestamp
    expiration_at: Timestamp | None = None
    items: list[RowInput]
    payment_methods: list[ContractPaymentAccount] = Field(default_factory=list)
    payment_term_days: int | None = None
    memo: str | None = None
    description: str | None = None
    created: Timestamp
    created_by: str
    updated: Timestamp
    updated_by: str

    def payment_reference(self) -> str | None:
        """The reference its invoices carry: the first one its payment methods name."""
        return next(
            (m.payment_reference for m in self.payment_methods if m.payment_reference), None
        )


def new_contract(
    given: ContractInput, *, actor: Actor, now: datetime, contract_id: str | None = None
) -> Contract:
    """A new contract, under `contract_id` when given (a retryable request names it)."""
    return Contract.model_validate(
        {
            **given.model_dump(),
            "id": contract_id or new_id(),
            "tenant_id": actor.tenant_id,
            "created": now,
            "created_by": actor.user_id,
            "updated": now,
            "updated_by": actor.user_id,
        }
    )


def replaced_contract(
    contract: Contract, given: ContractInput, *, actor: Actor, now: datetime
) -> Contract:
    """PUT replaces every term; a field left out is cleared. Id, tenant, creation and version
    stay (the store moves the version when it writes)."""
    kept = {
        "id": contract.id,
        "tenant_id": contract.tenant_id,
        "version": contract.version,
        "created": contract.created,
        "created_by": contract.created_by,
    }
    return Contract.model_validate(
        {**given.model_dump(), **kept, "updated": now, "updated_by": actor.user_id}
    )


# Periods


def period_dates(
    contract: Contract, period_number: int, *, timezone: str = "UTC"
) -> tuple[date, date]:
    """The first and last day of a period. Period 0 starts on the activation date (a day in
    `timezone`), period n that many periods later, counted from the activation date so a month
    end keeps its day where the month has it (Jan 31, Feb 28, Mar 31). A period runs to the day
    before the next one starts, or to the contract's last day if it expires sooner. A one-off
    contract has only period 0: its activation day, or up to its expiration.

    A period that would start at or after the expiration is refused (InvalidInputError naming
    `period`), as are negative numbers and a one-off contract's period 1 onwards."""
    if period_number < 0:
        raise _period_problem("must be 0 or more")
    if not contract.is_recurring and period_number > 0:
        raise _period_problem("a one-off contract has only period 0")
    anchor = local_date(contract.activation_at, timezone)
    start = _nth_start(contract, anchor, period_number)
    if start is None or start > LATEST_DATE:
        raise _period_problem(f"period {period_number} would start after {LATEST_DATE}")
    expiration = contract.expiration_at
    if expiration is not None and start_of_day(start, timezone) >= expiration:
        raise _period_problem(
            f"period {period_number} would start on {start}, after the contract expired "
            f"({format_timestamp(expiration)})"
        )
    last_day = None
    if expiration is not None:  # the day of the contract's last moment
        last_day = local_date(expiration - timedelta(microseconds=1), timezone)
    if not contract.is_recurring:
        return start, last_day or start
    following = _nth_start(contract, anchor, period_number + 1)
    end = LATEST_DATE if following is None else following - timedelta(days=1)
    return start, min(end, last_day or end, LATEST_DATE)


def _nth_start(contract: Contract, anchor: date, period_number: int) -> date | None:
    """The anchor plus n periods, never chained from the previous start; None past year 9999."""
    if contract.period is None or period_number == 0:
        return anchor
    try:
        return anchor + _STEP[contract.period] * period_number
    except (OverflowError, ValueError):
        return None


def _period_problem(message: str) -> InvalidInputError:
    return InvalidInputError([FieldProblem("period", message)])


# Invoicing a period

# The contract's names for the invoice's fields, so an error names what the caller sent.
_SOURCE_OF = {"note": "memo", "rows": "items"}


def invoice_fields_for_period(
    contract: Contract,
    period_number: int,
    *,
    memo: str | None,
    items: list[RowInput] | None = None,
    timezone: str = "UTC",
) -> InvoiceFields:
    """The native create body of the invoice for one period: the contract's client, currency,
    payment terms and payment reference, dated on the period's first day, with the contract's
    items as rows (or `items`, when the caller invoices other rows for the period) and `memo`
    as its note. Raises InvalidInputError naming `period`, `memo` or `items`."""
    start, _ = period_dates(contract, period_number, timezone=timezone)
    try:
        return InvoiceFields(
            client_id=contract.client_id,
            currency=contract.currency,
            invoice_date=start,
            payment_term_days=contract.payment_term_days,
            rows=list(contract.items if items is None else items),
            note=memo,
            payment_reference=contract.payment_reference(),
        )
    except ValidationError as exc:
        problems = [
            FieldProblem(_source_of(error["loc"]), error["msg"].removeprefix("Value error, "))
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise InvalidInputError(problems) from None


def _source_of(location: tuple[int | str, ...]) -> str:
    name = str(location[0]) if location else "rows"  # a check of the whole body is of its rows
    return _SOURCE_OF.get(name, name)
