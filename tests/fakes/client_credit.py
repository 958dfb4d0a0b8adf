"""Clients' credit in memory, as store/customer_credit keeps it (decision 0056): each currency's
balance and when it last moved, and every move; a balance drawn on only while it holds what is
drawn."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.domain.customer_credit import ClientCredit, CreditMovement, CurrencyBalance
from chalicelib.domain.errors import InsufficientCreditError
from chalicelib.domain.money import ZERO, round_money
from tests.fakes.pages import cursor_after, id_of_cursor, page_of

Balances = dict[tuple[str, str], dict[str, CurrencyBalance]]  # (tenant, client): by currency


class InMemoryClientCredit:
    def __init__(self) -> None:
        self._credit: Balances = {}
        self._credit_moves: list[CreditMovement] = []

    def page(
        self, tenant_id: str, client_id: str, *, limit: int, cursor: str | None
    ) -> tuple[ClientCredit, str | None]:
        held = self._credit.get((tenant_id, client_id), {})
        moves = [(m.id, m) for m in self._credit_moves
                 if (m.tenant_id, m.client_id) == (tenant_id, client_id)]  # fmt: skip
        after = None if cursor is None else id_of_cursor(cursor)
        page, last = page_of(sorted(moves, key=lambda entry: entry[0]), limit=limit, after=after)
        balances = [held[currency] for currency in sorted(held)]
        credit = ClientCredit(client_id=client_id, balances=balances, movements=page)
        return credit, None if last is None else cursor_after(last)

    def credited(self, movements: Sequence[CreditMovement]) -> Balances:
        """The balances the moves leave; InsufficientCreditError where one holds less than is
        drawn from it (checked before anything is written, as the adapter's condition is)."""
        moved: Balances = {}
        for m in movements:
            client = (m.tenant_id, m.client_id)
            held = moved.setdefault(client, dict(self._credit.get(client, {})))
            zero = round_money(ZERO, m.currency)
            before = held.get(m.currency, CurrencyBalance(currency=m.currency, amount=zero))
            if m.amount < 0 and before.amount < -m.amount:
                raise InsufficientCreditError(m.client_id, m.currency, -m.amount, before.amount)
            amount = round_money(before.amount + m.amount, m.currency)
            held[m.currency] = CurrencyBalance(
                currency=m.currency, amount=amount, updated=m.created
            )
        return moved

    def move(self, movements: Sequence[CreditMovement], balances: Balances) -> None:
        self._credit |= balances
        self._credit_moves += movements
