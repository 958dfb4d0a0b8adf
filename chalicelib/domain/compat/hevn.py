"""hevn's batch invoicing (api-docs/hevn-batch-invoicing.txt) in native terms: its entries as
create bodies of a contract's period, and what became of each (hevn_answer.py shapes it). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, RootModel, ValidationError, model_validator

from chalicelib.domain.clients import Client
from chalicelib.domain.commands import (
    MAX_ROWS,
    Command,
    NewInvoice,
    Quantity,
    RowInput,
    TaxRate,
    UnitPrice,
)
from chalicelib.domain.contracts import Contract, invoice_fields_for_period
from chalicelib.domain.errors import DomainError, FieldProblem, InvalidInputError, problems_of
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.values import Count

MAX_ENTRIES = 100


class HevnEntry(Command):
    """One documented entry: invoice this contract for this period number."""

    contract_id: UUID
    items: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=MAX_ROWS)]
    period: Annotated[Count, Field(ge=0)]
    memo: str | None = None
    finalize: bool = False

    def external_id(self) -> str:
        """The invoice's key: one invoice per contract and period, however often it is asked."""
        return f"hevn:{self.contract_id}:{self.period}"


# Unparametrized, so that the class is built on first use like every model (decision 0046):
# RootModel[X] would build X's whole schema when this module is imported.
class HevnBatchInput(RootModel):  # type: ignore[type-arg]
    model_config = ConfigDict(defer_build=True)

    root: Annotated[list[HevnEntry], Field(min_length=1)]

    @model_validator(mode="before")
    @classmethod
    def at_most_max_entries(cls, data: Any) -> Any:
        # Checked before the entries, so an oversized batch is one problem, not one per entry.
        if isinstance(data, list) and len(data) > MAX_ENTRIES:
            raise ValueError(
                f"a batch holds at most {MAX_ENTRIES} entries; this one has {len(data)}"
            )
        return data


class HevnItem(Command):
    """hevn leaves its items' shape open; these are the names we read (decision 0019)."""

    description: Annotated[str, Field(max_length=1000)] | None = None
    name: Annotated[str, Field(max_length=1000)] | None = None
    quantity: Quantity = Decimal(1)
    unit_price: UnitPrice | None = None
    price: UnitPrice | None = None
    amount: UnitPrice | None = None
    tax_rate: TaxRate = Decimal(0)

    def row(self) -> RowInput:
        return RowInput(
            description=self.description or self.name,
            quantity=self.quantity,
            unit_price=next(p for p in (self.unit_price, self.price, self.amount) if p is not None),
            tax_rate=self.tax_rate,
        )


def rows_of(items: list[dict[str, Any]]) -> list[RowInput] | None:
    """The entry's items as native rows; None when every item is empty (the documented `[{}]`),
    which invoices the contract's own items. Raises InvalidInputError naming items[n].field."""
    if all(item == {} for item in items):
        return None
    rows, problems = [], []
    for n, data in enumerate(items):
        try:
            item = HevnItem.model_validate(data)
        except ValidationError as exc:
            problems += problems_of(exc, f"items[{n}]")
            continue
        if (item.unit_price, item.price, item.amount) == (None, None, None):
            problems.append(FieldProblem(f"items[{n}].unitPrice", "required (or price, amount)"))
            continue
        rows.append(item.row())
    if problems:
        raise InvalidInputError(problems)
    return rows


def create_body(contract: Contract, entry: HevnEntry, *, timezone: str) -> NewInvoice:
    """The native create body of the entry's invoice, keyed by contract and period."""
    fields = invoice_fields_for_period(
        contract, entry.period, memo=entry.memo, items=rows_of(entry.items), timezone=timezone
    )
    given = {name: getattr(fields, name) for name in fields.model_fields_set}
    return NewInvoice(**given, external_id=entry.external_id())


_HEVN_FIELDS = {"rows": "items", "note": "memo"}


def hevn_problems(error: DomainError) -> DomainError:
    """A native refusal with its fields in hevn's names (rows[0].discount: items[0].discount)."""
    if not isinstance(error, InvalidInputError):
        return error
    renamed = []
    for problem in error.problems:
        head, dot, rest = problem.field.partition(".")
        base, bracket, index = head.partition("[")
        renamed.append(
            FieldProblem(
                f"{_HEVN_FIELDS.get(base, base)}{bracket}{index}{dot}{rest}", problem.message
            )
        )
    return InvalidInputError(renamed)


@dataclass(frozen=True)
class EntryOutcome:
    """What became of one entry: its contract and client as read, its invoice (new, found, or
    issued now) and, when it failed, why. An invoice with an error was made but not issued."""

    entry: HevnEntry
    contract: Contract | None = None
    client: Client | None = None
    invoice: Invoice | None = None
    created: bool = False
    issued_now: bool = False
    error: DomainError | None = None

    @property
    def status(self) -> Literal["created", "existing", "failed"]:
        if self.error is not None:
            return "failed"
        return "created" if self.created else "existing"

    @property
    def detail(self) -> str:
        invoice, error = self.invoice, self.error
        if invoice is None:
            return str(error)
        if error is not None:
            kept = "created as a draft" if self.created else f"exists ({invoice.status})"
            return f"Invoice {kept} but not issued: {error}"
        number = f" {invoice.invoice_number}" if invoice.invoice_number else ""
        if self.created and self.issued_now:
            return f"Invoice created and issued as {invoice.invoice_number}"
        if self.created:  # a later entry of the request may have issued it
            now = "" if invoice.status == InvoiceStatus.DRAFT else f"; now {invoice.status}{number}"
            return f"Invoice created as a draft{now}"
        made = "The invoice of this contract and period"
        if self.issued_now:
            return f"{made} existed as a draft; issued now as {invoice.invoice_number}"
        return f"{made} exists already: {invoice.status}{number}, answered as it is"
