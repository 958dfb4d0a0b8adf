"""A client's credit under /api/v1/clients/{clientId}/balance (issue 21, part 5): what payments
and credit notes brought beyond what was open on its invoices, per currency, with the moves that
made it; and refunds of it. Applying it to an open invoice is a payment of method CREDIT."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from chalice.app import Response

from chalicelib.api.http import json_body, json_response
from chalicelib.api.operations import Operation, json_answer, json_request
from chalicelib.api.paging import PAGE_QUERY, page_params
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.domain.customer_credit import ClientCredit, CreditMovement
from chalicelib.domain.payments import RefundInput

customer_credit = ApiBlueprint(__name__)


@customer_credit.route(
    "/clients/{clientId}/balance",
    methods=["GET"],
    operation=Operation(
        "getClientBalance",
        "The client's credit balance in each currency, and the moves that made it",
        (
            json_answer(
                200,
                "Each currency's balance; a page of its moves, oldest first (the next page's "
                "address in Link and X-Next-Cursor)",
                ClientCredit,
                "Link",
                "X-Next-Cursor",
            ),
        ),
        refuses=(400, 404),
        query=PAGE_QUERY,
    ),
)
def get_client_balance(clientId: str) -> Response:
    limit, cursor = page_params(customer_credit.current_request)
    credit, next_cursor = use_cases().customer_credit.balance(
        clientId, actor=current_actor(), limit=limit, cursor=cursor
    )
    headers = {}
    if next_cursor is not None:
        query = urlencode({"limit": limit, "cursor": next_cursor})
        headers = {"Link": f'<balance?{query}>; rel="next"', "X-Next-Cursor": next_cursor}
    return json_response(_json(credit), headers=headers)


@customer_credit.route(
    "/clients/{clientId}/balance/refunds",
    methods=["POST"],
    operation=Operation(
        "refundClientBalance",
        "Record credit paid back to the client",
        (json_answer(201, "The move out of the balance: a negative amount", CreditMovement),),
        # A bad amount (400), no such client (404), a balance short of the amount (409).
        refuses=(400, 404, 409, 413),
        body=json_request(RefundInput, "How much, in which currency, and when it was paid back"),
    ),
)
def refund_client_balance(clientId: str) -> Response:
    """Refused, with nothing written, when the client's balance in that currency is short."""
    given = json_body(customer_credit.current_request, RefundInput)
    movement = use_cases().customer_credit.refund(clientId, given, actor=current_actor())
    return json_response(_json(movement), status=201)


def _json(model: ClientCredit | CreditMovement) -> dict[str, Any]:
    """Amounts stay Decimal, written as exact JSON numbers by json_response."""
    return model.model_dump(mode="python", by_alias=True)
