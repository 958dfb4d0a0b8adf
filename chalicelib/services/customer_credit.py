"""A client's credit (issue 21, part 5): read its balances and their moves, and record a refund
of it. What brings credit (a payment or a credit note beyond what was open) and what applies it
(a payment of method CREDIT) are invoice writes, which move the balance in their own transaction
(store); a refund moves it alone, only while it holds the amount."""

from __future__ import annotations

from chalicelib.domain import customer_credit
from chalicelib.domain.customer_credit import ClientCredit, CreditMovement
from chalicelib.domain.errors import ClientNotFoundError
from chalicelib.domain.payments import RefundInput
from chalicelib.domain.values import Actor
from chalicelib.ports import InvoicePorts
from chalicelib.services.optimistic import until_written


def client_credit(
    client_id: str, *, actor: Actor, ports: InvoicePorts, limit: int, cursor: str | None
) -> tuple[ClientCredit, str | None]:
    """The client's balance per currency and a page of its moves, with the next page's cursor."""
    found = ports.repo.client_credit(actor.tenant_id, client_id, limit=limit, cursor=cursor)
    if found is None:
        raise ClientNotFoundError(client_id)
    return found


def refund_credit(
    client_id: str, request: RefundInput, *, actor: Actor, ports: InvoicePorts
) -> CreditMovement:
    """The refund recorded as a move out of the client's balance in the request's currency;
    InsufficientCreditError (nothing written) when the balance holds less. Tried again when
    another write of the balance was under way at the same moment."""

    def attempt() -> CreditMovement:
        movement = customer_credit.refund(client_id, request, actor=actor, now=ports.clock.now())
        ports.repo.refund_credit(movement)
        return movement

    return until_written(attempt, retry=ports.retry, name=("Client credit", client_id))
