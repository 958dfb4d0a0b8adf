"""hevn's batch invoicing: the one read its entries need before they are imports, the contracts
they name (one read), then each entry imported alone as its contract's period by the shared
import use case. Nothing is stored apart from the native invoices."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.domain.compat import hevn
from chalicelib.domain.compat.hevn import EntryOutcome, HevnEntry
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.ports import ClientRepository, ContractRepository, InvoicePorts
from chalicelib.services.imports import import_each


def invoice_contracts(
    entries: Sequence[HevnEntry],
    *,
    actor: Actor,
    ports: InvoicePorts,
    contracts: ContractRepository,
    clients: ClientRepository,
) -> tuple[list[EntryOutcome], TenantSettings]:
    """One outcome per entry, in order; an entry that fails leaves the others be. With them the
    settings a draft's seller is answered from (read at most a minute ago, as creates read them)."""
    tenant = actor.tenant_id
    found = contracts.get_many(tenant, (str(entry.contract_id) for entry in entries))
    named = [found.get(str(entry.contract_id)) for entry in entries]
    outcomes = import_each(
        [hevn.import_item(e, contract, tenant) for e, contract in zip(entries, named, strict=True)],
        sender=hevn.HEVN,
        actor=actor,
        ports=ports,
        clients=clients,
    )
    answered = zip(entries, named, outcomes, strict=True)
    return [EntryOutcome(*entry) for entry in answered], ports.settings.recent(tenant)
