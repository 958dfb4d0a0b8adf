"""hevn's batch invoicing (api-docs/hevn-batch-invoicing.txt) in native terms: each entry is the
import of its contract's period, keyed by contract and period (so an entry sent again finds its
invoice); a draft, or, to finalize, issued as mark-as-sent issues it (a draft found for it is
issued then). Entries stand alone (services/imports.import_each). What became of each is shaped
by hevn_answer.py. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, RootModel, ValidationError, model_validator

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
from chalicelib.domain.derived_ids import hevn_invoice_id
from chalicelib.domain.errors import (
    ContractNotFoundError,
    FieldProblem,
    InvalidInputError,
    problems_of,
)
from chalicelib.domain.imports import (
    AS_SENT,
    ImportCommand,
    ImportContext,
    ImportItem,
    ImportOutcome,
    Sender,
)
from chalicelib.domain.invoice import InvoiceStatus
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


def import_item(
    entry: HevnEntry, contract: Contract | None, tenant_id: str
) -> ImportItem | ContractNotFoundError:
    """The entry as the import of its contract's period, for the contract's client, under the id
    its contract and period derive (hevn's own namespace: a client's externalId never names it).
    Another tenant's contract is as unknown as one that never existed."""
    if contract is None:
        return ContractNotFoundError(str(entry.contract_id))
    invoice_id = hevn_invoice_id(tenant_id, str(entry.contract_id), entry.period)
    return ImportItem(contract.client_id, partial(command, contract, entry), invoice_id)


def command(contract: Contract, entry: HevnEntry, context: ImportContext) -> ImportCommand:
    """The period's invoice (dated in the tenant's timezone), to finalize: issued as sent."""
    body = create_body(contract, entry, timezone=context.defaults.timezone)
    return ImportCommand(body, issue=AS_SENT if entry.finalize else None)


_HEVN_FIELDS = {"rows": "items", "note": "memo"}


def hevn_problems(problems: Iterable[FieldProblem]) -> list[FieldProblem]:
    """A native refusal's fields in hevn's names (rows[0].discount: items[0].discount)."""
    renamed = []
    for problem in problems:
        head, dot, rest = problem.field.partition(".")
        base, bracket, index = head.partition("[")
        renamed.append(
            FieldProblem(
                f"{_HEVN_FIELDS.get(base, base)}{bracket}{index}{dot}{rest}", problem.message
            )
        )
    return renamed


HEVN = Sender(
    unknown_client=lambda client_id: FieldProblem(
        "contractId", f"its client {client_id} no longer exists"
    ),
    terms=hevn_problems,
)


@dataclass(frozen=True)
class EntryOutcome:
    """What became of one entry: its contract as read, and what its import came to (its invoice,
    new, found, or issued now, its client and, when it failed, why)."""

    entry: HevnEntry
    contract: Contract | None
    imported: ImportOutcome

    @property
    def status(self) -> Literal["created", "existing", "failed"]:
        if self.imported.error is not None:
            return "failed"
        return "created" if self.imported.created else "existing"

    @property
    def detail(self) -> str:
        imported = self.imported
        invoice, error, created = imported.invoice, imported.error, imported.created
        if invoice is None:
            return str(error)
        if error is not None:
            kept = "created as a draft" if created else f"exists ({invoice.status})"
            return f"Invoice {kept} but not issued: {error}"
        number = f" {invoice.invoice_number}" if invoice.invoice_number else ""
        if created and imported.issued_now:
            return f"Invoice created and issued as {invoice.invoice_number}"
        if created:  # a later entry of the request may have issued it
            now = "" if invoice.status == InvoiceStatus.DRAFT else f"; now {invoice.status}{number}"
            return f"Invoice created as a draft{now}"
        made = "The invoice of this contract and period"
        if imported.issued_now:
            return f"{made} existed as a draft; issued now as {invoice.invoice_number}"
        return f"{made} exists already: {invoice.status}{number}, answered as it is"
