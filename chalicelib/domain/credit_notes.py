"""Credit notes (issue 21): an issued invoice is never edited, it is corrected by a credit note, a
document of its own, numbered in its own series, that names the invoice and never credits more
of it than is left. The arithmetic of what is left is crediting.py's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo
from pydantic import field_validator as validates

from chalicelib.domain.base import TenantRecord
from chalicelib.domain.commands import MAX_ROWS, Command, TaxRate
from chalicelib.domain.credit_note_events import CreditNoteEvent, issued_event
from chalicelib.domain.credited import (
    NOTHING,
    RATE_AMOUNTS,
    ROW_AMOUNTS,
    TOTALS,
    CreditedSummary,
    CreditNoteReference,
    RateAmounts,
)
from chalicelib.domain.crediting import (
    Creditable,
    CreditNoteRow,
    creditable,
    credited_with,
    excess_problems,
    parts_by_rate,
    rate_line,
    rest_lines,
    row_line,
    share_lines,
)
from chalicelib.domain.due import local_date
from chalicelib.domain.errors import FieldProblem, InvalidInputError, InvalidStateError, problems_of
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.money import difference, minor_units, plain, round_money
from chalicelib.domain.numbering import CREDIT_NOTE_FORMAT, InvoiceCounter, next_number
from chalicelib.domain.parties import PartyDetails, SellerDetails
from chalicelib.domain.state_machine import ALLOWED_ACTIONS
from chalicelib.domain.values import Actor, CalendarDate, PlainDecimal, Reference, Timestamp

MAX_REASON_LENGTH = 1000
DEFAULT_FORMAT = CREDIT_NOTE_FORMAT
# Credit notes count in the tenant's one counter item, beside the invoices' series ("2026",
# "ALL"), under their own keys ("CN:2026"): one item, one transaction, two gapless series.
SERIES_PREFIX = "CN:"
ISSUED = (InvoiceStatus.SENT, InvoiceStatus.OVERDUE, InvoiceStatus.PAID)
CANCELLABLE = (InvoiceStatus.SENT, InvoiceStatus.OVERDUE)
CREDIT = "issue a credit note"
Item = TypeVar("Item", "RowCreditInput", "RateCreditInput")
M = TypeVar("M", bound=BaseModel)


def _not_blank(reason: str) -> str:
    if not reason:
        raise ValueError("must not be blank: say why the invoice is credited")
    return reason


Reason = Annotated[str, Field(max_length=MAX_REASON_LENGTH), AfterValidator(_not_blank)]
CreditQuantity = Annotated[
    PlainDecimal, Field(gt=0, le=1_000_000_000, decimal_places=6, allow_inf_nan=False)
]
CreditAmount = Annotated[PlainDecimal, Field(gt=0, le=10**15, allow_inf_nan=False)]


class _Strict(Command):
    """A field it does not know is refused, not ignored: a misspelt `rows` would otherwise ask
    for all that remains of the invoice."""

    model_config = ConfigDict(extra="forbid")


class RowCreditInput(_Strict):
    row_id: Reference
    quantity: CreditQuantity | None = None  # None: all that remains of the row


class RateCreditInput(_Strict):
    tax_rate: TaxRate
    amount: CreditAmount  # gross when the invoice's prices include tax, else net


class CreditNoteInput(_Strict):
    """POST /invoices/{invoiceId}/credit-notes: a reason, and rows or amounts per rate to credit;
    neither credits all that remains of the invoice."""

    reason: Reason
    rows: Annotated[list[RowCreditInput], Field(min_length=1, max_length=MAX_ROWS)] | None = None
    amounts: Annotated[list[RateCreditInput], Field(min_length=1, max_length=MAX_ROWS)] | None = (
        None
    )

    @validates("amounts")
    @classmethod
    def not_with_rows(
        cls, amounts: list[RateCreditInput] | None, info: ValidationInfo
    ) -> list[RateCreditInput] | None:
        if amounts is not None and info.data.get("rows") is not None:
            raise ValueError("give rows or amounts, not both (neither credits all that remains)")
        return amounts


class CancelInput(_Strict):
    """PATCH /invoices/{invoiceId}/cancel, optionally: why. The credit note that cancels an
    issued invoice says it after the invoice's number."""

    reason: Reason | None = None


def credit_note_input(body: Any) -> CreditNoteInput:
    try:
        return CreditNoteInput.model_validate(body)
    except ValidationError as exc:
        raise InvalidInputError(problems_of(exc)) from None


class CreditNote(TenantRecord):
    """A credit note as stored and answered: it copies the invoice's parties, currency and tax
    treatment, and states what it credits as positive amounts."""

    credit_note_number: str
    invoice_id: str
    invoice_number: str
    invoice_date: CalendarDate
    credit_note_date: CalendarDate  # the day it was issued, in the invoice's timezone
    currency: str
    tax_inclusive: bool
    client_id: str | None = None
    seller: SellerDetails | None = None
    client: PartyDetails | None = None
    rows: list[CreditNoteRow]
    tax_breakdown: list[RateAmounts]
    total_excluding_tax: Decimal
    total_tax: Decimal
    total_with_tax: Decimal
    reason: str
    cancels_invoice: bool = False  # issued as the invoice was cancelled
    contact_email: str | None = None  # the invoice's, where its emails went
    created: Timestamp
    created_by: str
    # Issued, then emailed (SENT): the only thing about a credit note a later write changes.
    events: list[CreditNoteEvent] = Field(default_factory=list)
    # The last retryable requests that changed it (Actor.request), as an invoice keeps them.
    written_by: list[str] = Field(default_factory=list, exclude=True)

    def is_written_by(self, request: str | None) -> bool:
        return request is not None and request in self.written_by

    def in_minor_units(self) -> CreditNote:
        """The same amounts written with the currency's minor units (10 EUR as 10.00), as read
        back from DynamoDB, which keeps a number's value, not its scale."""

        def scaled(model: M, names: Sequence[str]) -> M:
            return model.model_copy(
                update={n: round_money(getattr(model, n), self.currency) for n in names}
            )

        return scaled(self, TOTALS).model_copy(
            update={
                "rows": [scaled(row, ROW_AMOUNTS) for row in self.rows],
                "tax_breakdown": [scaled(rate, RATE_AMOUNTS) for rate in self.tax_breakdown],
            }
        )

    def reference(self) -> CreditNoteReference:
        return CreditNoteReference(
            id=self.id,
            credit_note_number=self.credit_note_number,
            credit_note_date=self.credit_note_date,
            total_with_tax=self.total_with_tax,
        )


def issue_credit_note(
    invoice: Invoice,
    request: CreditNoteInput,
    *,
    summary: CreditedSummary,
    number: str,
    note_id: str,
    actor: Actor,
    now: datetime,
) -> tuple[CreditNote, CreditedSummary]:
    """The credit note `request` asks for, and the invoice's summary with it; refused whole,
    naming each field, when it would credit more than remains."""
    invoice_number = _issued_number(invoice, CREDIT, ISSUED)
    left = creditable(invoice, summary)
    lines, field = _requested_lines(invoice, request, left)
    _refuse_excess(lines, left, field, invoice_number, invoice.currency)
    note = _credit_note(invoice, invoice_number, lines, request.reason, number, note_id, actor, now)
    return note, credited_with(summary, note.reference(), note.rows)


def full_credit_for_cancellation(
    invoice: Invoice,
    summary: CreditedSummary,
    *,
    number: str,
    note_id: str,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> tuple[CreditNote, CreditedSummary] | None:
    """The credit note that cancelling an issued invoice issues: for all that is neither paid
    nor credited. Unpaid, that is all that remains, row by row. Partly paid, the unpaid amount
    is spread over the tax rates in proportion to what remains at each (the payments are taken
    to have paid each rate alike), one amount per rate. None when nothing is open."""
    invoice_number = _issued_number(invoice, "cancel with a credit note", CANCELLABLE)
    left = creditable(invoice, summary)
    unpaid = open_amount(invoice.total_with_tax, invoice.paid, summary.total_with_tax)
    if unpaid <= 0:
        return None
    if unpaid == left.total.gross:
        lines = rest_lines(left, invoice.tax_inclusive)
    else:
        lines = share_lines(unpaid, left, invoice.currency, invoice.tax_inclusive)
    why = f"Cancels invoice {invoice_number}" + (f": {reason}" if reason else "")
    note = _credit_note(invoice, invoice_number, lines, why, number, note_id, actor, now)
    note = note.model_copy(update={"cancels_invoice": True})  # a flag a document words its own way
    return note, credited_with(summary, note.reference(), note.rows)


def summarize(notes: Sequence[CreditNote]) -> CreditedSummary:
    """The summary an invoice keeps, from its credit notes (in the order they were issued)."""
    summary = CreditedSummary()
    for note in notes:
        summary = credited_with(summary, note.reference(), note.rows)
    return summary


def open_amount(invoice_total_with_tax: Decimal, paid: Decimal, credited: Decimal) -> Decimal:
    """What the client still owes: negative when payments and credits exceed the invoice (a
    PAID invoice credited afterwards), the refund owed."""
    return difference(difference(invoice_total_with_tax, paid), credited)


def fully_covered(invoice_total_with_tax: Decimal, paid: Decimal, credited: Decimal) -> bool:
    """PAID: payments and credit notes cover the invoice. As payments.py has it, an invoice that
    neither has is PAID only when marked so."""
    return bool(paid or credited) and open_amount(invoice_total_with_tax, paid, credited) <= 0


def credit_note_date(invoice: Invoice, now: datetime) -> date:
    return local_date(now, invoice.timezone)


def next_credit_note_number(
    counter: InvoiceCounter, number_format: str, issue_date: date
) -> tuple[str, InvoiceCounter]:
    """The next credit note's number and the counter that records it: numbering.next_number on
    the counter's credit note series only, written back under their prefix."""
    own = {
        series.removeprefix(SERIES_PREFIX): last
        for series, last in counter.last.items()
        if series.startswith(SERIES_PREFIX)
    }
    number, advanced = next_number(InvoiceCounter(last=own), number_format, issue_date)
    ours = {SERIES_PREFIX + series: last for series, last in advanced.last.items()}
    return number, counter.model_copy(update={"last": {**counter.last, **ours}})


def _issued_number(invoice: Invoice, action: str, statuses: Sequence[InvoiceStatus]) -> str:
    if invoice.status in statuses and invoice.invoice_number is not None:
        return invoice.invoice_number
    allowed = [str(allowed) for allowed in ALLOWED_ACTIONS[invoice.status]]
    allowed += [CREDIT] if invoice.status in ISSUED else []
    raise InvalidStateError(invoice.id, invoice.status, action, sorted(allowed))


def _requested_lines(
    invoice: Invoice, request: CreditNoteInput, left: Creditable
) -> tuple[list[CreditNoteRow], str]:
    """The lines asked for, and the field that asked for them."""
    if request.rows is not None:
        return _row_lines(invoice, request.rows, left), "rows"
    if request.amounts is not None:
        return _rate_lines(invoice, request.amounts, left), "amounts"
    return rest_lines(left, invoice.tax_inclusive), "body"


def _checked(
    items: Sequence[Item],
    field: str,
    problem_of: Callable[[Item, int], tuple[str, str] | None],
    line_of: Callable[[Item], CreditNoteRow],
) -> list[CreditNoteRow]:
    """Each item's line; refused whole, naming each item's field that cannot be credited."""
    problems = [
        FieldProblem(f"{field}[{n}].{problem[0]}", problem[1])
        for n, item in enumerate(items)
        if (problem := problem_of(item, n)) is not None
    ]
    if problems:
        raise InvalidInputError(problems)
    return [line_of(item) for item in items]


def _row_lines(
    invoice: Invoice, requested: Sequence[RowCreditInput], left: Creditable
) -> list[CreditNoteRow]:
    first: dict[str, int] = {}

    def problem_of(item: RowCreditInput, n: int) -> tuple[str, str] | None:
        remaining = left.rows.get(item.row_id)
        if remaining is None:
            return "rowId", "names no row of the invoice"
        if first.setdefault(item.row_id, n) != n:
            return "rowId", f"names the row rows[{first[item.row_id]}] names: ask for each row once"
        if remaining.is_nothing():
            return "rowId", f"nothing remains to be credited of row {item.row_id}"
        most, invoiced = abs(remaining.quantity), abs(remaining.row.quantity)
        if item.quantity is not None and item.quantity > most:
            remain = f"{plain(most)} that remain of the row's {plain(invoiced)}"
            return "quantity", f"is more than the {remain}"
        return None

    def line_of(item: RowCreditInput) -> CreditNoteRow:
        remaining = left.rows[item.row_id]
        return row_line(remaining, item.quantity, invoice.currency, invoice.tax_inclusive)

    return _checked(requested, "rows", problem_of, line_of)


def _rate_lines(
    invoice: Invoice, requested: Sequence[RateCreditInput], left: Creditable
) -> list[CreditNoteRow]:
    currency, inclusive = invoice.currency, invoice.tax_inclusive
    rates = {rate: rate for rate in left.rates if rate is not None}  # as the invoice writes them
    first: dict[Decimal, int] = {}

    def problem_of(item: RateCreditInput, n: int) -> tuple[str, str] | None:
        if round_money(item.amount, currency) != item.amount:
            places = minor_units(currency)
            return "amount", f"{currency} amounts have at most {places} decimal places"
        if item.tax_rate not in rates:
            named = ", ".join(str(plain(rate)) for rate in rates) or "none"
            return "taxRate", f"the invoice has no row at this rate; its rates: {named}"
        if first.setdefault(item.tax_rate, n) != n:
            named = f"amounts[{first[item.tax_rate]}]"
            return "taxRate", f"names the rate {named} names: one amount per rate"
        most = left.rates[item.tax_rate].base(inclusive)
        if most <= 0:
            return "amount", "nothing remains to be credited at this rate"
        if item.amount > most:
            kind = "with tax" if inclusive else "net"
            return "amount", f"is more than the {most} {currency} ({kind}) that remain at this rate"
        return None

    def line_of(item: RateCreditInput) -> CreditNoteRow:
        rate = rates[item.tax_rate]
        return rate_line(rate, left.rates[rate], item.amount, currency, inclusive)

    return _checked(requested, "amounts", problem_of, line_of)


def _refuse_excess(
    lines: Sequence[CreditNoteRow], left: Creditable, field: str, number: str, currency: str
) -> None:
    """Refuse lines that credit more than remains at a rate or in all, or nothing."""
    problems = excess_problems(lines, left, currency)
    whole = sum((line.part for line in lines), NOTHING).gross
    if not problems and whole <= 0:
        problems = [
            f"nothing of invoice {number} remains to be credited"
            if field == "body"
            else f"credits {whole} {currency} in all: a credit note credits more than 0"
        ]
    if problems:
        raise InvalidInputError([FieldProblem(field, problem) for problem in problems])


def _credit_note(
    invoice: Invoice,
    invoice_number: str,
    lines: list[CreditNoteRow],
    reason: str,
    number: str,
    note_id: str,
    actor: Actor,
    now: datetime,
) -> CreditNote:
    breakdown = parts_by_rate((line.tax_rate, line.part) for line in lines)
    whole = sum(breakdown.values(), NOTHING)
    return CreditNote(
        id=note_id,
        tenant_id=invoice.tenant_id,
        credit_note_number=number,
        invoice_id=invoice.id,
        invoice_number=invoice_number,
        invoice_date=invoice.invoice_date,
        credit_note_date=credit_note_date(invoice, now),
        currency=invoice.currency,
        tax_inclusive=invoice.tax_inclusive,
        client_id=invoice.client_id,
        seller=invoice.seller,
        client=invoice.client,
        contact_email=invoice.contact_email,
        rows=lines,
        tax_breakdown=[RateAmounts.of(rate, part) for rate, part in breakdown.items()],
        total_excluding_tax=whole.net,
        total_tax=whole.tax,
        total_with_tax=whole.gross,
        reason=reason,
        created=now,
        created_by=actor.user_id,
        events=[
            issued_event(
                number, invoice_number, f"{whole.gross} {invoice.currency}", actor=actor, now=now
            )
        ],
    )
