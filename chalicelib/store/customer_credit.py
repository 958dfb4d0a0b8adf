"""Clients' credit in DynamoDB (decision 0056): one item per client, `CREDIT#<clientId>`, holding
one number per currency, and one item per move, `CREDITMOVE#<clientId>#<moveId>`. A move caused
by an invoice write rides in that write's own transaction (credit_actions); a move out of a
balance is conditional on the balance holding it, so concurrent draws can never overdraw it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.customer_credit import ClientCredit, CreditMovement, CurrencyBalance
from chalicelib.domain.errors import (
    ClientNotFoundError,
    ConcurrentModificationError,
    InsufficientCreditError,
)
from chalicelib.domain.money import ZERO, round_money
from chalicelib.domain.values import format_timestamp, is_well_formed_id
from chalicelib.store import keys
from chalicelib.store.dynamo import (
    batch_get,
    error_code,
    from_item,
    key,
    store_busy,
    throttling_as_unavailable,
    to_item,
)
from chalicelib.store.pages import prefix_page
from chalicelib.store.references import client_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BALANCE = "balance#"  # balance#EUR: the client's credit in euros
UPDATED = "updated#"  # updated#EUR: when it last moved


def credit_key(tenant_id: str, client_id: str) -> dict[str, Any]:
    return key(keys.tenant_pk(tenant_id), keys.client_credit_sk(client_id))


@dataclass(frozen=True)
class Draw:
    """One balance update of a transaction: the client, and what it takes from each currency."""

    client_id: str
    taken: Mapping[str, Decimal]


@dataclass(frozen=True)
class CreditMoved:
    """The balance updates a transaction makes, from its action number `first` on."""

    draws: Sequence[Draw] = field(default_factory=tuple)
    first: int = 0

    def refusal(self, reasons: Sequence[Mapping[str, Any]]) -> InsufficientCreditError | None:
        """The balance a cancelled transaction found short, if one was."""
        for draw, reason in zip(self.draws, reasons[self.first :], strict=False):
            if reason.get("Code") == "ConditionalCheckFailed":
                return shortfall(draw, reason.get("Item"))
        return None


def credit_actions(
    table: str, movements: Sequence[CreditMovement]
) -> tuple[list[dict[str, Any]], list[Draw]]:
    """The actions that record `movements` in one transaction: one update per client (a
    transaction may touch an item once), its currencies' moves added up, then one put per move."""
    if not movements:
        return [], []
    by_client: dict[str, dict[str, Decimal]] = defaultdict(dict)
    latest: dict[str, datetime] = {}
    for movement in movements:
        client_id, created = movement.client_id, movement.created
        amounts = by_client[client_id]
        amounts[movement.currency] = amounts.get(movement.currency, ZERO) + movement.amount
        latest[client_id] = max(created, latest.get(client_id, created))
    tenant_id = movements[0].tenant_id
    updates = [
        balance_update(table, tenant_id, client_id, amounts, latest[client_id])
        for client_id, amounts in by_client.items()
    ]
    puts = [{"Put": movement_put(table, movement)} for movement in movements]
    draws = [Draw(client_id, amounts) for client_id, amounts in by_client.items()]
    return [{"Update": update} for update in updates] + puts, draws


def balance_update(
    table: str, tenant_id: str, client_id: str, amounts: Mapping[str, Decimal], now: datetime
) -> dict[str, Any]:
    """`ADD` each currency's move, and only where the balance holds what is taken from it."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {":now": {"S": format_timestamp(now)}}
    adds, sets, conditions = [], [], []
    for n, (currency, amount) in enumerate(sorted(amounts.items())):
        names |= {f"#b{n}": BALANCE + currency, f"#u{n}": UPDATED + currency}
        values[f":d{n}"] = {"N": str(amount)}
        adds.append(f"#b{n} :d{n}")
        sets.append(f"#u{n} = :now")
        if amount < 0:
            values[f":need{n}"] = {"N": str(-amount)}
            conditions.append(f"#b{n} >= :need{n}")
    update: dict[str, Any] = {
        "TableName": table,
        "Key": credit_key(tenant_id, client_id),
        "UpdateExpression": f"ADD {', '.join(adds)} SET {', '.join(sets)}, entity = :entity",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values | {":entity": {"S": "CLIENT_CREDIT"}},
    }
    if conditions:
        update["ConditionExpression"] = " AND ".join(conditions)
        update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return update


def movement_put(table: str, movement: CreditMovement) -> dict[str, Any]:
    """A move is written once, where nothing is yet."""
    attributes = {
        **movement.model_dump(mode="python", by_alias=True, exclude_none=True),
        "PK": keys.tenant_pk(movement.tenant_id),
        "SK": keys.credit_move_sk(movement.client_id, movement.id),
        "entity": "CREDIT_MOVE",
    }
    return {
        "TableName": table,
        "Item": to_item(attributes),
        "ConditionExpression": "attribute_not_exists(PK)",
    }


def movement_of(item: Mapping[str, Any]) -> CreditMovement:
    """A stored move, its amount in its currency's minor units."""
    movement = CreditMovement.model_validate(from_item(item))
    return movement.model_copy(update={"amount": round_money(movement.amount, movement.currency)})


def balances_of(item: Mapping[str, Any] | None) -> list[CurrencyBalance]:
    """Each currency's balance on a stored credit item, by currency code."""
    if item is None:
        return []
    attributes = from_item(item)
    return [
        CurrencyBalance.model_validate(
            {
                "currency": currency,
                "amount": round_money(amount, currency),
                "updated": attributes.get(UPDATED + currency),
            }
        )
        for name, amount in sorted(attributes.items())
        if name.startswith(BALANCE) and (currency := name.removeprefix(BALANCE))
    ]


def shortfall(draw: Draw, item: Mapping[str, Any] | None) -> InsufficientCreditError:
    """What a refused draw found: the first currency it takes more of than is there."""
    held = {balance.currency: balance.amount for balance in balances_of(item)}
    for currency, amount in sorted(draw.taken.items()):
        available = held.get(currency, round_money(ZERO, currency))
        if amount < 0 and available < -amount:
            return InsufficientCreditError(draw.client_id, currency, -amount, available)
    currency, amount = next(iter(sorted(draw.taken.items())))
    return InsufficientCreditError(draw.client_id, currency, -amount, held.get(currency, ZERO))


class DynamoCustomerCredit:
    """Reading a client's credit, and recording a refund of it."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def client_credit(
        self, tenant_id: str, client_id: str, *, limit: int, cursor: str | None
    ) -> tuple[ClientCredit, str | None] | None:
        """The client's balances (with its item, in one read) and a page of its moves (one
        Query); None when the tenant has no such client."""
        if not is_well_formed_id(client_id):
            return None
        wanted = [client_key(tenant_id, client_id), credit_key(tenant_id, client_id)]
        found = {item["SK"]["S"]: item for item in batch_get(self._client, self._table, wanted)}
        if f"{keys.CLIENT_PREFIX}{client_id}" not in found:
            return None
        items, next_cursor = prefix_page(
            self._client,
            self._table,
            keys.tenant_pk(tenant_id),
            keys.credit_moves_prefix(client_id),
            limit=limit,
            cursor=cursor,
        )
        credit = ClientCredit(
            client_id=client_id,
            balances=balances_of(found.get(keys.client_credit_sk(client_id))),
            movements=[movement_of(item) for item in items],
        )
        return credit, next_cursor

    def refund(self, movement: CreditMovement) -> None:
        """One transaction: only while the client is there, and only what its balance holds."""
        tenant_id, client_id = movement.tenant_id, movement.client_id
        taken = {movement.currency: movement.amount}
        update = balance_update(self._table, tenant_id, client_id, taken, movement.created)
        actions: list[Any] = [
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": client_key(tenant_id, client_id),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            },
            {"Update": update},
            {"Put": movement_put(self._table, movement)},
        ]
        try:
            with throttling_as_unavailable():
                # The move's id makes botocore's own retry of a lost answer a no-op.
                self._client.transact_write_items(
                    TransactItems=actions, ClientRequestToken=movement.id
                )
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise ClientNotFoundError(client_id) from exc
            draw = Draw(client_id, {movement.currency: movement.amount})
            refused = CreditMoved([draw], first=1).refusal(reasons)
            if refused is not None:
                raise refused from exc
            codes = {reason.get("Code") for reason in reasons}
            if "ThrottlingError" in codes:
                raise store_busy() from exc
            # Another transaction on the balance at that moment: tried again (optimistic.py).
            raise ConcurrentModificationError(client_id, noun="Client credit") from exc
