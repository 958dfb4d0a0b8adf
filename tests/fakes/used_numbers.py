"""The numbers a tenant's invoices and credit notes carry, in memory, as store/numbers keeps them
(decision 0057): each held by one document, and an imported one refused where the series could
still give it."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.domain.errors import NumberOfTheSeriesError, NumberUsedError, SeriesNumberUsedError
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.series import NumberFormats
from chalicelib.store.numbers import Claim


class InMemoryNumbers:
    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str], str] = {}  # (tenant, number): its holder's key

    def check(
        self,
        tenant_id: str,
        claims: Sequence[Claim],
        formats: NumberFormats | None,
        counter: InvoiceCounter,
    ) -> None:
        """As the adapter's number items and counter check refuse (store/numbers.py)."""
        held = [c for c in claims if self._numbers.get((tenant_id, c.number), c.holder) != c.holder]
        if held:
            brought = [claim.number for claim in held if claim.own]
            if brought:
                raise NumberUsedError(brought)
            raise SeriesNumberUsedError([claim.number for claim in held])
        ahead = [
            c.number
            for c in claims
            if c.own and formats and formats.could_still_give(c.number, counter)
        ]
        if ahead:
            raise NumberOfTheSeriesError(ahead)

    def take(self, tenant_id: str, claims: Sequence[Claim]) -> None:
        self._numbers |= {(tenant_id, claim.number): claim.holder for claim in claims}

    def of(self, tenant_id: str) -> dict[str, str]:
        """Each number the tenant used, and its holder."""
        return {
            number: holder
            for (tenant, number), holder in self._numbers.items()
            if tenant == tenant_id
        }
