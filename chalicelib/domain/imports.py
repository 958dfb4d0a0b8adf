"""Invoices made elsewhere and brought here, in native terms: what an import is asked (one
ImportCommand per item, made by a sender's pure mapping once the import has read what it is made
with), how each sender's imports go (Sender), and what became of each item (ImportOutcome).
services/imports.py carries them out; every vendor dialect is a sender.

An invoice issued elsewhere is brought in as it stands: its own number, when it was sent, the
payments it received. Each step is the native one (mark as sent, add a payment, mark as paid),
applied to the new draft before it is first stored, so the imported invoice is written once, its
figures and reminder plan following from its state as for any other."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol, overload

from chalicelib.domain import due, invoicing, payments, transitions
from chalicelib.domain.clients import Client
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.errors import NUMBER_FIELD, DomainError, FieldProblem, InvalidInputError
from chalicelib.domain.invoice import Invoice, InvoiceStatus, PaymentMethod
from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.domain.money import ZERO
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.parties import PartyDetails
from chalicelib.domain.payments import PaymentInput
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor


@dataclass(frozen=True)
class ImportedState:
    """Where an invoice issued elsewhere stands. Its number is its own, or None for the next of
    the tenant's series; `paid_at` settles whatever the payments leave open."""

    sent_at: datetime
    number: str | None = None
    payments: Sequence[PaymentInput] = field(default_factory=tuple)
    paid_at: datetime | None = None

    def issued(
        self, invoice: Invoice, issuing: transitions.Issuing, *, actor: Actor, now: datetime
    ) -> tuple[Invoice, InvoiceCounter | None]:
        """A draft issued as it stands (under its number, or the series' next one, which the
        returned counter gives), OVERDUE if already past due, then its payments recorded."""
        _ensure_payable(invoice, self)
        if self.number is not None:
            invoice = invoice.model_copy(update={"invoice_number": self.number})
        sent, counter = transitions.mark_as_sent(invoice, issuing, actor=actor, now=self.sent_at)
        # Its event is dated when it was sent; the invoice itself changed now, as it is brought
        # in, and its reminders start from now: a step whose day passed elsewhere is not caught
        # up here (a historic import would otherwise remind every late customer at the next run).
        plan = due.next_reminder_at(sent, issuing.settings.reminder_policy, now)
        invoice = sent.model_copy(update={"updated": now, "next_reminder_at": plan})
        invoice = transitions.flag_overdue(invoice, actor=actor, now=now)  # if already past due
        for payment in self.payments:
            invoice = payments.add_payment(invoice, payment, actor=actor, now=now)
        if self.paid_at is not None and invoice.status != InvoiceStatus.PAID:
            invoice = payments.mark_as_paid(
                invoice, paid_on=self.paid_at, method=PaymentMethod.OTHER, actor=actor, now=now
            )
        return invoice, counter


class SentNow:
    """Issued now as mark-as-sent issues it: the series' next number, and no email."""

    number = None

    def issued(
        self, invoice: Invoice, issuing: transitions.Issuing, *, actor: Actor, now: datetime
    ) -> tuple[Invoice, InvoiceCounter | None]:
        return transitions.mark_as_sent(invoice, issuing, actor=actor, now=now)


AS_SENT = SentNow()
# How an item's invoice leaves DRAFT: not at all (None), as mark-as-sent, or as it stands elsewhere.
Issue = SentNow | ImportedState | None


@dataclass(frozen=True)
class ImportContext:
    """What an item's command is made with: the tenant's settings and defaults as the import read
    them, the moment it started, and the invoice the item's key names when it was read first (an
    upsert reads it)."""

    settings: TenantSettings
    defaults: InvoiceDefaults
    now: datetime
    stored: Invoice | None = None

    @property
    def currency(self) -> str:
        """What an item that names no currency is in: its stored invoice's, else the tenant's."""
        return self.defaults.currency if self.stored is None else self.stored.currency

    @property
    def today(self) -> date:
        return self.defaults.today(self.now)


@dataclass(frozen=True)
class ImportCommand:
    """What is made of one item: the native create body, and how it leaves DRAFT."""

    body: NewInvoice
    issue: Issue = None

    @property
    def numbered_by_the_series(self) -> bool:
        """Issued with the series' next number: created issued, in one write with the counter."""
        return self.issue is not None and self.issue.number is None


@dataclass(frozen=True)
class ImportItem:
    """One invoice a sender brings: the tenant's client it is for, the invoice its key names
    (derived_ids; None: a new one, or the retryable request's), and the sender's pure mapping to
    its command, which raises InvalidInputError naming the sender's own fields at fault."""

    client_id: str
    command: Callable[[ImportContext], ImportCommand]
    invoice_id: str | None = None


class Found(StrEnum):
    """What becomes of an invoice already stored under an item's id."""

    ANSWERED = "answered"  # the sender's key found it: answered as it stands, issued if a draft
    MADE_EARLIER = "made-earlier"  # the id names this work's own place: an earlier try made it
    REPLACED = "replaced"  # an upsert: it takes what the item says now (Sender.reimport)


class Reimport(Protocol):
    """`stored` as `fresh` (the item imported as new, under the stored id) describes it now:
    `stored` itself when nothing changed. Raises InvalidInputError when it may not change so."""

    def __call__(
        self,
        stored: Invoice,
        fresh: Invoice,
        /,
        *,
        settings: TenantSettings,
        actor: Actor,
        now: datetime,
    ) -> Invoice: ...


def _as_named(problems: Iterable[FieldProblem]) -> list[FieldProblem]:
    return list(problems)


@dataclass(frozen=True)
class Sender:
    """How one sender's imports go: how it says that an item's client is not the tenant's, where
    a native rule's field is in its body (`terms`), what becomes of an invoice its key finds, and
    whether a failed item's fields are named from the batch (invoices[3].line_items[0])."""

    unknown_client: Callable[[str], FieldProblem]
    terms: Callable[[Iterable[FieldProblem]], list[FieldProblem]] = _as_named
    found: Found = Found.ANSWERED
    reimport: Reimport | None = None
    placed: bool = False

    def named(self, error: DomainError) -> DomainError:
        """A native refusal in the sender's field names."""
        if not isinstance(error, InvalidInputError):
            return error
        return InvalidInputError(self.terms(error.problems))


@dataclass(frozen=True)
class ImportOutcome:
    """What became of one item: its invoice as it ends up (new, found, issued now or replaced),
    whether this import created it, the client it is for, and why it failed. An invoice with an
    error was made but not issued."""

    invoice: Invoice | None = None
    created: bool = False
    issued_now: bool = False
    client: Client | None = None
    error: DomainError | None = None


@overload
def placed(error: InvalidInputError, index: int) -> InvalidInputError: ...


@overload
def placed(error: DomainError, index: int) -> DomainError: ...


def placed(error: DomainError, index: int) -> DomainError:
    """Problems named from the batch the item is in: invoices[3].line_items[0]."""
    if not isinstance(error, InvalidInputError):
        return error
    where = f"invoices[{index}]"
    return InvalidInputError(
        [FieldProblem(f"{where}.{p.field}", p.message) for p in error.problems]
    )


def first_stored(
    draft: Invoice,
    *,
    command: ImportCommand,
    context: ImportContext,
    client: PartyDetails,
    actor: Actor,
) -> Invoice:
    """A new draft as it is first stored: as it stands elsewhere (as of the moment the draft was
    made) when the command issues it under its own number, else as it is."""
    state = command.issue
    if not isinstance(state, ImportedState) or state.number is None:
        return draft
    settings = context.settings
    return imported(draft, state, settings=settings, client=client, actor=actor, now=draft.created)


def replacement(
    current: Invoice,
    command: ImportCommand,
    sender: Sender,
    *,
    context: ImportContext,
    client: Client,
    actor: Actor,
) -> Invoice:
    """`current` as the command describes it now (`current` itself when nothing changes): the
    command's invoice made as new under its id, laid over it by the sender's reimport."""
    if sender.reimport is None:
        raise ValueError(f"an import that replaces what it finds needs a reimport: {sender}")
    draft = invoicing.new_invoice(
        command.body,
        actor=actor,
        now=context.now,
        defaults=context.defaults,
        invoice_id=current.id,
    )
    fresh = first_stored(
        draft, command=command, context=context, client=client.details(), actor=actor
    )
    settings, now = context.settings, context.now
    return sender.reimport(current, fresh, settings=settings, actor=actor, now=now)


def repeated(items: Iterable[ImportItem], sender: Sender) -> list[FieldProblem]:
    """Each item naming an invoice an earlier item names, as refused where a request is checked
    whole: which of their bodies should win, no one said."""
    first: dict[str, int] = {}
    problems: list[FieldProblem] = []
    for index, item in enumerate(items):
        seen = first.setdefault(item.invoice_id, index) if item.invoice_id else index
        if seen != index:
            repeat = FieldProblem("externalId", f"repeats the externalId of invoices[{seen}]")
            problems += placed(InvalidInputError(sender.terms([repeat])), index).problems
    return problems


def repeated_numbers(
    commands: Iterable[ImportCommand | None], sender: Sender
) -> list[FieldProblem]:
    """Each item bringing a number an earlier item brings, as refused where a request is checked
    whole: a number is used once (decision 0057). None stands for an item refused already."""
    first: dict[str, int] = {}
    problems: list[FieldProblem] = []
    for index, command in enumerate(commands):
        number = command.issue.number if command is not None and command.issue else None
        if number is not None and (seen := first.setdefault(number, index)) != index:
            repeat = FieldProblem(NUMBER_FIELD, f"repeats the number of invoices[{seen}]")
            problems += placed(InvalidInputError(sender.terms([repeat])), index).problems
    return problems


def imported(
    draft: Invoice,
    state: ImportedState,
    *,
    settings: TenantSettings,
    client: PartyDetails | None,
    actor: Actor,
    now: datetime,
) -> Invoice:
    """The new draft as the invoice stands elsewhere: SENT under its own number, then paid."""
    if state.number is None:
        raise ValueError("an invoice imported before it is stored brings its own number")
    issuing = transitions.Issuing(InvoiceCounter(), settings, client)
    invoice, _ = state.issued(draft, issuing, actor=actor, now=now)
    return invoice


def _ensure_payable(invoice: Invoice, state: ImportedState) -> None:
    """Its payments may pay more than its total only when it names a client: the excess is the
    client's credit (decision 0056), as a native payment's is. Without one, nothing may be
    recorded as overpaid."""
    paid = sum((payment.amount for payment in state.payments), ZERO)
    if paid > invoice.total_with_tax and invoice.client_id is None:
        currency, total = invoice.currency, invoice.total_with_tax
        message = f"pay {paid} {currency} in all, more than the invoice's {total} {currency}"
        raise InvalidInputError([FieldProblem("payments", message)])
