"""A number is used once (decision 0057): each number an invoice or credit note takes is held by an
item of its own, `T#<tenant>` / `NUMBER#<number>`, put only where none is yet (or where the same
document holds it) by the very transaction that gives the number. Where an invoice brings its own
number, the same transaction checks the tenant's counter: the series must have passed every place
at which it would give that number (domain/series.py). What a refused transaction found is read
back into which numbers were refused, and why."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.errors import (
    DomainError,
    NumberOfTheSeriesError,
    NumberUsedError,
    SeriesNumberUsedError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.series import NumberFormats
from chalicelib.store import keys
from chalicelib.store.dynamo import error_code, to_item
from chalicelib.store.items import counter_key, counter_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

HELD_BY = "heldBy"


@dataclass(frozen=True)
class Claim:
    """A number a write gives a document (its sort key), and whether the document brought it
    (an import) rather than took it from the series."""

    number: str
    holder: str
    own: bool


def claims_of(
    changes: Iterable[tuple[Invoice | None, Invoice | None]], *, own: bool
) -> list[Claim]:
    """The numbers the writes give: an invoice's that is new, or other than it was."""
    return [
        Claim(after.invoice_number, keys.invoice_sk(after.id), own)
        for before, after in changes
        if after is not None
        and after.invoice_number is not None
        and (before is None or before.invoice_number != after.invoice_number)
    ]


def note_claim(note: CreditNote) -> Claim:
    return Claim(note.credit_note_number, keys.credit_note_sk(note.id), own=False)


def repeated(invoices: Sequence[Invoice]) -> dict[str, NumberUsedError]:
    """By id, each new invoice bringing a number an earlier one of the same write brings: one
    transaction cannot hold two puts of one item, and only the first can have it."""
    first: dict[str, str] = {}
    refused: dict[str, NumberUsedError] = {}
    for invoice in invoices:
        number = invoice.invoice_number
        if number is not None and first.setdefault(number, invoice.id) != invoice.id:
            refused[invoice.id] = NumberUsedError([number])
    return refused


@dataclass(frozen=True)
class Numbered:
    """The numbers one transaction gives, from its action number `first` on, and the tenant's
    formats when the series is checked for the numbers invoices bring (one action after them)."""

    claims: Sequence[Claim] = ()
    first: int = 0
    formats: NumberFormats | None = None
    checks: Mapping[str, int] = field(default_factory=dict)


def numbered(claims: Sequence[Claim], *, first: int, formats: NumberFormats | None) -> Numbered:
    """What the transaction checks: the claims, and where invoices bring their own numbers and
    the formats are given, the furthest place of each series that gives one of them."""
    checks: dict[str, int] = {}
    if formats is not None:
        for claim in claims:
            for place in formats.positions(claim.number) if claim.own else ():
                checks[place.series] = max(checks.get(place.series, 0), place.sequence)
    return Numbered(claims, first, formats if checks else None, checks)


def number_actions(table: str, tenant_id: str, given: Numbered) -> list[dict[str, Any]]:
    """One put per number, only where none is or where the same document holds it; then, for
    numbers brought, a check that the counter has passed each place that gives one."""
    actions: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table,
                "Item": to_item(
                    {
                        "PK": keys.tenant_pk(tenant_id),
                        "SK": keys.number_sk(claim.number),
                        "entity": "NUMBER",
                        "number": claim.number,
                        HELD_BY: claim.holder,
                    }
                ),
                "ConditionExpression": "attribute_not_exists(PK) OR #held = :holder",
                "ExpressionAttributeNames": {"#held": HELD_BY},
                "ExpressionAttributeValues": {":holder": {"S": claim.holder}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        for claim in given.claims
    ]
    if given.checks:
        actions.append(_series_check(table, tenant_id, given.checks))
    return actions


def _series_check(table: str, tenant_id: str, checks: Mapping[str, int]) -> dict[str, Any]:
    """The counter has reached each place: no series can give a number brought here later."""
    names = {"#last": "last"} | {f"#s{i}": series for i, series in enumerate(checks)}
    values = {f":q{i}": {"N": str(sequence)} for i, sequence in enumerate(checks.values())}
    condition = " AND ".join(f"#last.#s{i} >= :q{i}" for i in range(len(checks)))
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": counter_key(tenant_id),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def refused_numbers(reasons: Sequence[Mapping[str, Any]], given: Numbered) -> DomainError | None:
    """Why a cancelled transaction refused numbers, read from its reasons: numbers held by other
    documents (brought: 400; the series' next: 409), else numbers the series could still give."""
    mine = reasons[given.first : given.first + len(given.claims)]
    held = [
        claim
        for claim, reason in zip(given.claims, mine, strict=False)
        if reason.get("Code") == "ConditionalCheckFailed"
    ]
    if held:
        brought = [claim.number for claim in held if claim.own]
        if brought:
            return NumberUsedError(brought)
        return SeriesNumberUsedError([claim.number for claim in held])
    at = given.first + len(given.claims)
    check = reasons[at] if given.checks and at < len(reasons) else {}
    if check.get("Code") != "ConditionalCheckFailed" or given.formats is None:
        return None
    counter = counter_of(dict(check["Item"]) if "Item" in check else None)
    formats = given.formats
    ahead = [
        c.number for c in given.claims if c.own and formats.could_still_give(c.number, counter)
    ]
    return NumberOfTheSeriesError(ahead) if ahead else None


@contextmanager
def numbers_refused(given: Numbered, *, primary: int) -> Iterator[None]:
    """A transaction cancelled for the numbers it gives, while its own writes (its first
    `primary` actions) held, raised as why; any other refusal is left to the caller's reading."""
    try:
        yield
    except ClientError as exc:
        if error_code(exc) != "TransactionCanceledException" or not given.claims:
            raise
        reasons = exc.response.get("CancellationReasons", [])
        if any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons[:primary]):
            raise
        refused = refused_numbers(reasons, given)
        if refused is None:
            raise
        raise refused from exc


@dataclass(frozen=True)
class Backfilled:
    """What holding a tenant's stored numbers did: numbers held now, numbers held already by
    their document, and each number found on two documents (the number, its holder, the other)."""

    held: int = 0
    kept: int = 0
    twice: tuple[tuple[str, str, str], ...] = ()


# Where each kind of document keeps its number.
_NUMBERED = ((keys.INVOICE_PREFIX, "invoiceNumber"), (keys.CREDIT_NOTE_PREFIX, "creditNoteNumber"))


def backfill(client: DynamoDBClient, table: str, tenant_id: str) -> Backfilled:
    """Give each number the tenant's invoices and credit notes carry its item, as written before
    numbers had items (a one-off, safe to run again: `invoicing numbers backfill`). One Query of
    the tenant's partition per kind, one conditional put per number; a number two documents
    carry is held by the first in key order and reported, never changed."""
    done = Backfilled()
    for prefix, attribute in _NUMBERED:
        pages = client.get_paginator("query").paginate(
            TableName=table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": keys.tenant_pk(tenant_id)},
                ":prefix": {"S": prefix},
            },
            ProjectionExpression="SK, #number",
            ExpressionAttributeNames={"#number": attribute},
            ConsistentRead=True,
        )
        for page in pages:
            for item in page["Items"]:
                if attribute in item:
                    claim = Claim(str(item[attribute]["S"]), str(item["SK"]["S"]), own=False)
                    done = _held(client, table, tenant_id, claim, done)
    return done


def _held(
    client: DynamoDBClient, table: str, tenant_id: str, claim: Claim, done: Backfilled
) -> Backfilled:
    (put,) = number_actions(table, tenant_id, Numbered([claim]))
    request = {**put["Put"], "ConditionExpression": "attribute_not_exists(PK)"}
    request.pop("ExpressionAttributeNames")
    request.pop("ExpressionAttributeValues")
    try:
        client.put_item(**request)
    except ClientError as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        found: Any = exc.response.get("Item") or {}
        holder = str(found.get(HELD_BY, {}).get("S", ""))
        if holder == claim.holder:
            return replace(done, kept=done.kept + 1)
        return replace(done, twice=(*done.twice, (claim.number, holder, claim.holder)))
    return replace(done, held=done.held + 1)
