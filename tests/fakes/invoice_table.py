"""The in-memory invoice table under InMemoryInvoiceRepository: what is stored, and the one
transaction every write is, with what store/invoice_writes.py moves in it (clients' counts,
figures, clients' credit, the numbers given)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from chalicelib.domain.aggregates import Figures, combined, delta
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.customer_credit import movements_of
from chalicelib.domain.errors import ConcurrentModificationError, InvoiceNotFoundError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.series import NumberFormats
from chalicelib.domain.settings import TenantSettings
from chalicelib.store.items import credit_note_item, credit_note_of, invoice_item, invoice_of
from chalicelib.store.numbers import Claim, claims_of
from tests.fakes.client_credit import InMemoryClientCredit
from tests.fakes.records import InMemoryClientRepository
from tests.fakes.used_numbers import InMemoryNumbers


class InMemoryInvoiceTable:
    """What the fake's writes share, as one DynamoDB table: the invoices, their tenants'
    counters, figures, credit notes, numbers and clients' credit, and the one transaction
    every write is (`_write`, once `_check` passed)."""

    def __init__(self, clients: InMemoryClientRepository | None = None) -> None:
        self._items: dict[tuple[str, str], Invoice] = {}
        self._counters: dict[str, InvoiceCounter] = {}
        self._figures: dict[str, Figures] = {}
        self._notes: dict[tuple[str, str], CreditNote] = {}
        self._numbers = InMemoryNumbers()
        self._credit = InMemoryClientCredit()
        self.settings: dict[str, TenantSettings] = {}
        self.clients = clients

    def get(self, tenant_id: str, invoice_id: str) -> Invoice | None:
        return self._items.get((tenant_id, invoice_id))

    def invoices_of(self, tenant_id: str) -> list[Invoice]:
        """The tenant's invoices in list order (by id: creation order for UUIDv7 ids)."""
        mine = (invoice for (tenant, _), invoice in self._items.items() if tenant == tenant_id)
        return sorted(mine, key=lambda invoice: invoice.id)

    def every_tenants_invoices(self) -> list[Invoice]:
        """What the jobs' indexes span: every invoice of every tenant."""
        return list(self._items.values())

    def figures(self, tenant_id: str) -> Figures:
        return dict(self._figures.get(tenant_id, {}))

    def credit_notes_of_tenant(self, tenant_id: str) -> list[CreditNote]:
        """What a test looks for past the port: every credit note the tenant has."""
        return [note for (tenant, _), note in self._notes.items() if tenant == tenant_id]

    def counter(self, tenant_id: str) -> InvoiceCounter:
        return self._counters.get(tenant_id, InvoiceCounter())

    def _write(
        self,
        tenant_id: str,
        changes: Sequence[tuple[Invoice | None, Invoice | None]],
        *,
        own: bool = True,
        formats: NumberFormats | None = None,
        more: Sequence[Claim] = (),
    ) -> None:
        """One transaction, once every version was checked: the numbers the invoices (`own`:
        brought, not the series') and a credit note (`more`) take, each used once and, given
        the `formats`, none a series could still give; the clients' counts (refused where
        a client named is not there), the clients' credit (refused where a balance is short),
        the invoices, and the tenant's figures."""
        claims = [*claims_of(changes, own=own), *more]
        self._numbers.check(tenant_id, claims, formats, self.counter(tenant_id))
        credit = movements_of(changes)
        balances = self._credit.credited(credit)
        if self.clients is not None:
            self.clients.move_references(tenant_id, _reference_moves(changes))
        self._credit.move(credit, balances)
        for before, after in changes:
            if after is not None:
                self._items[(after.tenant_id, after.id)] = as_stored(after)
            elif before is not None:
                del self._items[(before.tenant_id, before.id)]
        change = combined(delta(before, after) for before, after in changes)
        self._figures[tenant_id] = combined([self._figures.get(tenant_id, {}), change])
        self._numbers.take(tenant_id, claims)

    def numbers_of(self, tenant_id: str) -> dict[str, str]:
        """What a test looks for past the port: each number the tenant used, and its holder."""
        return self._numbers.of(tenant_id)

    def _check_counter(self, invoice: Invoice, counter: InvoiceCounter) -> None:
        if self.counter(invoice.tenant_id).version != counter.version:
            raise ConcurrentModificationError(invoice.id)

    def _move_counter(self, tenant_id: str, counter: InvoiceCounter) -> None:
        self._counters[tenant_id] = counter.model_copy(update={"version": counter.version + 1})

    def _check(self, expected: Sequence[tuple[Invoice, int]]) -> None:
        """The conditions of one write: each invoice only at the version given (0: only where
        none is yet). InvoiceNotFoundError names those gone; else ConcurrentModificationError
        holds what was found in place of the others, as the adapter reads it from its refusal."""
        gone, found = [], {}
        for invoice, version in expected:
            current = self._items.get((invoice.tenant_id, invoice.id))
            if current is None and version:
                gone.append(invoice.id)
            elif current is not None and current.version != version:
                found[invoice.id] = current
        if gone:
            raise InvoiceNotFoundError(gone)
        if found:
            named = ", ".join(invoice.id for invoice, _ in expected)
            raise ConcurrentModificationError(named, found=found)


def as_stored(invoice: Invoice) -> Invoice:
    """The invoice as a read answers it: through the very item the DynamoDB adapter writes and
    reads back (times to the millisecond, amounts in the currency's minor units)."""
    return invoice_of(invoice_item(invoice))


def note_as_stored(note: CreditNote, version: int = 1) -> CreditNote:
    """The credit note as a read answers it: through the very item the DynamoDB adapter writes
    and reads back (amounts in the currency's minor units), at `version` (1 when issued)."""
    return credit_note_of(credit_note_item(note.model_copy(update={"version": version})))


def _reference_moves(changes: Iterable[tuple[Invoice | None, Invoice | None]]) -> dict[str, int]:
    """How many more invoices name each client once the changes are written (store/references)."""
    moves: Counter[str] = Counter()
    for before, after in changes:
        if before is not None and before.client_id:
            moves[before.client_id] -= 1
        if after is not None and after.client_id:
            moves[after.client_id] += 1
    return {client_id: n for client_id, n in sorted(moves.items()) if n}
