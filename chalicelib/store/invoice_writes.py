"""The one write every change of invoices goes through (decisions 0050, 0056, 0057): the
invoices' own conditional puts or deletes, in one transaction with the clients' counts, the
tenant's figures, the clients' credit and the numbers the write gives, so they all move exactly
when the invoices do; a write that moves nothing else is a single conditional call."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.aggregates import Figures
from chalicelib.domain.customer_credit import CreditMovement
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.series import NumberFormats
from chalicelib.store.customer_credit import CreditMoved, credit_actions
from chalicelib.store.invoice_errors import translated_errors
from chalicelib.store.items import (
    counter_item,
    invoice_item,
    invoice_key,
    is_written_by,
    stats_key,
    stats_shard,
)
from chalicelib.store.numbers import Claim, number_actions, numbered, numbers_refused
from chalicelib.store.references import Moved, Moves, reference_updates

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class InvoiceWrites:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def commit(
        self,
        invoice_ids: list[str],
        actions: list[Any],
        figures: Figures,
        anchor: Invoice,
        moves: Moves,
        credit: Sequence[CreditMovement] = (),
        claims: Sequence[Claim] = (),
        formats: NumberFormats | None = None,
    ) -> None:
        """One write: alone when it changes no figure and no client's count, else in one
        transaction with the clients' counts and the figures' change on the shard of `anchor`,
        so they move exactly when the invoices do; and so do the clients' credit balances and
        their moves, a balance drawn on only while it holds what is drawn (decision 0056)."""
        moved = Moved(moves, first=len(actions))
        actions = [*actions, *reference_updates(self._table, anchor.tenant_id, moves)]
        if figures:
            actions = [*actions, self._figures_update(anchor, figures)]
        credit_writes, draws = credit_actions(self._table, credit)
        credited = CreditMoved(draws, first=len(actions))
        actions = [*actions, *credit_writes]
        # The numbers the invoices (or a credit note) take, each used once (decision 0057).
        given = numbered(claims, first=len(actions), formats=formats)
        actions = [*actions, *number_actions(self._table, anchor.tenant_id, given)]
        with (
            translated_errors(*invoice_ids, moved=moved, credited=credited),
            numbers_refused(given, primary=moved.first),
        ):
            if len(actions) > 1:
                self._client.transact_write_items(
                    TransactItems=actions,
                    # Makes botocore's own retry of a transaction whose answer was lost a no-op.
                    ClientRequestToken=str(uuid.uuid4()),
                )
                return
            (kind, request), *_ = actions[0].items()
            self._single(kind, request, anchor)

    def _single(self, kind: str, request: dict[str, Any], written: Invoice) -> None:
        if kind == "Delete":
            self._client.delete_item(**request)
            return
        try:
            self._client.put_item(**request)
        except ClientError as exc:
            item: Any = exc.response.get("Item")
            if item is None or not is_written_by(item, written):
                raise

    def counter_put(self, numbered: Invoice, counter: InvoiceCounter) -> dict[str, Any]:
        """The counter that gave `numbered` its number, moved on only from the version read."""
        advanced = counter.model_copy(update={"version": counter.version + 1})
        item = counter_item(numbered.tenant_id, advanced)
        return {"Put": conditional(self._table, item, counter.version)}

    def put(self, stored: Invoice, expected_version: int) -> dict[str, Any]:
        return {"Put": conditional(self._table, invoice_item(stored), expected_version)}

    def delete(self, invoice: Invoice) -> dict[str, Any]:
        """The invoice's delete, only at the version read."""
        return {
            "Delete": {
                "TableName": self._table,
                "Key": invoice_key(invoice.tenant_id, invoice.id),
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(invoice.version)}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _figures_update(self, anchor: Invoice, figures: Figures) -> dict[str, Any]:
        names = sorted(figures)
        return {
            "Update": {
                "TableName": self._table,
                "Key": stats_key(anchor.tenant_id, stats_shard(anchor.id)),
                "UpdateExpression": "ADD " + ", ".join(f"#f{i} :v{i}" for i in range(len(names))),
                "ExpressionAttributeNames": {f"#f{i}": name for i, name in enumerate(names)},
                "ExpressionAttributeValues": {
                    f":v{i}": {"N": str(figures[name])} for i, name in enumerate(names)
                },
            }
        }


def conditional(table: str, item: dict[str, Any], expected_version: int) -> dict[str, Any]:
    """A put only over the version read, or only where nothing is yet (version 0)."""
    if expected_version == 0:
        return {
            "TableName": table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    return {
        "TableName": table,
        "Item": item,
        "ConditionExpression": "version = :expected",
        "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
