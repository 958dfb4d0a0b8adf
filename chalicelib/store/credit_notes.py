"""The tenant's credit notes by their day, from the CreditNotes index (decision 0058): sparse
(only credit notes carry its keys) and projecting the whole note, so a page is one Query and no
BatchGetItem. The day range is the key condition; client, currency, invoice and words to find
are filters. An index is eventually consistent: a credit note appears a moment after it is
issued."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from chalicelib.domain.credit_note_query import CreditNoteQuery
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.values import is_well_formed_id
from chalicelib.ports import Page
from chalicelib.store import keys
from chalicelib.store.bulk import enable_raw_answers, query_pages, raw_answers
from chalicelib.store.dynamo import throttling_as_unavailable
from chalicelib.store.items import credit_note_key, credit_note_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# A page with filters reads at most this many Query pages before it answers what it found and
# a cursor to go on from: a page may then hold fewer than asked, never a wrong one.
MAX_QUERIES_PER_PAGE = 8
WHOLE_LIST_ITEMS = 500  # a whole list (the CSV) reads this many notes per Query
_FILTERED = {"client_id": "clientId", "currency": "currency", "invoice_id": "invoiceId"}


class DynamoCreditNoteIndex:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        enable_raw_answers(client)

    def page(
        self, tenant_id: str, query: CreditNoteQuery, *, limit: int, cursor: str | None
    ) -> Page[CreditNote]:
        request = {**self._request(tenant_id, query), "Limit": limit}
        start = None if cursor is None else _start_key(tenant_id, cursor)
        notes: list[CreditNote] = []
        for _ in range(MAX_QUERIES_PER_PAGE):
            items, start = self._query(request, start)
            for item in items:
                notes.append(credit_note_of(item))
                if len(notes) == limit:  # go on after the last one answered
                    more = start is not None or item is not items[-1]
                    return Page(notes, _cursor(item) if more else None)
            if start is None:
                return Page(notes, None)
        # As many Query pages read as a page may: what they held, and where to go on from.
        return Page(notes, _cursor(start) if start is not None else None)

    def every(self, tenant_id: str, query: CreditNoteQuery) -> Iterator[list[CreditNote]]:
        request = {**self._request(tenant_id, query), "Limit": WHOLE_LIST_ITEMS}
        for items in query_pages(self._client, request):
            yield [credit_note_of(item) for item in items]

    def _query(
        self, request: dict[str, Any], start: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        asked = request if start is None else {**request, "ExclusiveStartKey": start}
        with raw_answers(), throttling_as_unavailable():
            response = self._client.query(**asked)
        return response.get("Items", []), response.get("LastEvaluatedKey")

    def _request(self, tenant_id: str, query: CreditNoteQuery) -> dict[str, Any]:
        names = {"#t": keys.CREDIT_NOTES_PK}
        values: dict[str, Any] = {":t": {"S": keys.tenant_pk(tenant_id)}}
        condition = "#t = :t"
        days = _day_range(query)
        if days:
            names["#d"] = keys.BY_CREDIT_NOTE_DATE
            values |= {name: {"S": bound} for name, bound in days[1].items()}
            condition += f" AND {days[0]}"
        filters = []
        for field, attribute in _FILTERED.items():
            value = getattr(query, field)
            if value is not None:
                names[f"#{field}"] = attribute
                values[f":{field}"] = {"S": value}
                filters.append(f"#{field} = :{field}")
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": keys.CREDIT_NOTES,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": not query.newest_first,
        }
        for number, term in enumerate(query.terms):
            names["#text"] = "searchText"
            values[f":term{number}"] = {"S": term}
            filters.append(f"contains(#text, :term{number})")
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
        return request


def _day_range(query: CreditNoteQuery) -> tuple[str, dict[str, str]] | None:
    """The key condition on the day, and its values. A day's entries start "<day>#", and "$"
    sorts right after "#", so "<day>$" bounds the whole of that day."""
    start = query.date_from.isoformat() if query.date_from else None
    end = f"{query.date_to.isoformat()}$" if query.date_to else None
    if start and end:
        return "#d BETWEEN :from AND :to", {":from": start, ":to": end}
    if start:
        return "#d >= :from", {":from": start}
    if end:
        return "#d <= :to", {":to": end}
    return None


def _cursor(item: dict[str, Any]) -> str:
    return _cursor_of(item[keys.BY_CREDIT_NOTE_DATE]["S"])


def _cursor_of(order: str) -> str:
    return base64.urlsafe_b64encode(order.encode()).decode().rstrip("=")


def _start_key(tenant_id: str, cursor: str) -> dict[str, Any]:
    """Where the next page starts, rebuilt around the caller's own tenant, so a cursor can only
    move within what the caller may read."""
    try:
        order = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        order = ""
    note_id = order.rsplit("#", 1)[-1]
    if order.count("#") != 2 or not is_well_formed_id(note_id):
        raise InvalidInputError([FieldProblem("cursor", "is not a cursor this API returned")])
    return {
        **credit_note_key(tenant_id, note_id),
        keys.CREDIT_NOTES_PK: {"S": keys.tenant_pk(tenant_id)},
        keys.BY_CREDIT_NOTE_DATE: {"S": order},
    }
