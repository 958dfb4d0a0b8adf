"""What api-docs/alphaalpha-invoice-api.txt, the native API's document, promises of an answer:
its example invoice and error, quoted as it prints them, and the check that an answer has every
field they show, each of the example's JSON type (a number a JSON number, never text or a
boolean; a date-time in the example's format), in every element of every array (issue 17).

Unlike the vendors' documents (tests/documented.py), which fix an answer's fields exactly, the
native API answers every documented field and may add its own (`sendAt`); a null is counted, so a
test says which fields are unknown in the state it reads, and no type check passes by a null."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Any

from tests.documented import assert_json_type
from tests.support import Reply

# The example's date-time format, 2019-08-24T14:15:22Z, with milliseconds allowed.
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z")
# How the document writes a map: two placeholder keys, standing for any keys.
PLACEHOLDER_KEYS = frozenset({"property1", "property2"})

# The document's answer to every endpoint that answers an invoice, quoted as it is.
INVOICE: dict[str, Any] = json.loads(
    """{
  "attachments": [
    {
      "blobId": "string",
      "created": "2019-08-24T14:15:22Z",
      "extension": "string",
      "fileSize": 0,
      "name": "string",
      "type": "IMAGE"
    }
  ],
  "clientId": "string",
  "contactEmail": "string",
  "created": "2019-08-24T14:15:22Z",
  "createdBy": "string",
  "currency": "string",
  "datePaid": "2019-08-24T14:15:22Z",
  "dueDate": "2019-08-24T14:15:22Z",
  "events": [
    {
      "authorId": "string",
      "date": "2019-08-24T14:15:22Z",
      "description": "string",
      "id": "string",
      "type": "CREATE"
    }
  ],
  "id": "string",
  "invoiceDate": "2019-08-24T14:15:22Z",
  "invoiceNumber": "string",
  "mailBody": "string",
  "milestoneId": "string",
  "note": "string",
  "opportunityId": "string",
  "overdueNotifiedAt": "2019-08-24T14:15:22Z",
  "paid": 0.1,
  "paidExcludingTax": 0.1,
  "paymentReference": "string",
  "paymentTermDays": 0,
  "pdf": {
    "blobId": "string",
    "created": "2019-08-24T14:15:22Z",
    "extension": "string",
    "fileSize": 0,
    "name": "string",
    "type": "IMAGE"
  },
  "recurringAgreement": {
    "autoSend": true,
    "endDate": "2019-08-24T14:15:22Z",
    "intervalDays": 0,
    "intervalMonths": 0,
    "nextInvoiceDate": "2019-08-24T14:15:22Z"
  },
  "reminderBody": "string",
  "reminders": [
    {
      "createdBy": "string",
      "sentOn": "2019-08-24T14:15:22Z"
    }
  ],
  "rows": [
    {
      "description": "string",
      "id": "string",
      "productId": "string",
      "quantity": 0.1,
      "quantityType": "AMOUNT",
      "taxAmount": 0.1,
      "taxRate": 0.1,
      "total": 0.1,
      "totalWithTax": 0.1,
      "type": "ITEM",
      "unitPrice": 0.1
    }
  ],
  "salesOrderId": "string",
  "sentMails": [
    "string"
  ],
  "status": "DRAFT",
  "subsidiaryId": "string",
  "tenantId": "string",
  "total": 0.1,
  "totalExcludingTax": 0.1,
  "totalTax": 0.1,
  "totalWithTax": 0.1,
  "transactions": [
    {
      "accountId": "string",
      "amount": 0.1,
      "created": "2019-08-24T14:15:22Z",
      "createdBy": "string",
      "date": "2019-08-24T14:15:22Z",
      "description": "string",
      "id": "string",
      "paymentMethod": "CREDIT_CARD",
      "tenantId": "string",
      "updated": "2019-08-24T14:15:22Z",
      "updatedBy": "string"
    }
  ],
  "type": "MANUAL",
  "updated": "2019-08-24T14:15:22Z",
  "updatedBy": "string"
}""",
    parse_float=Decimal,
)
# The document's answer to every refusal, quoted as it is.
ERROR: dict[str, Any] = json.loads("""{
  "detail": "string",
  "time": "2019-08-24T14:15:22Z",
  "title": "string"
}""")


def documented_nulls(
    answer: Any, example: Any, *, filled: bool = False, path: str = ""
) -> set[str]:
    """Checks that `answer` has every field `example` shows, each of its JSON type, recursively;
    answers the paths that are null ("rows[].description"), where no type could be checked.
    Every element of an array is shaped as the example's one; with `filled`, no array or map may
    be empty, so that there is something to check. A map written with placeholder keys may have
    any keys, each value shaped as the example's."""
    where = path or "the answer"
    if isinstance(example, list):
        assert isinstance(answer, list), f"{where} is {answer!r}, not an array"
        assert answer or not filled, f"{where} is an empty array: nothing in it is checked"
        inner = f"{path}[]"
        return {
            null
            for item in answer
            for null in documented_nulls(item, example[0], filled=filled, path=inner)
        }
    if not isinstance(example, dict):
        _assert_scalar(answer, example, where)
        return set()
    assert isinstance(answer, dict), f"{where} is {answer!r}, not an object"
    if set(example) == PLACEHOLDER_KEYS:
        assert answer or not filled, f"{where} is an empty map: nothing in it is checked"
        example = dict.fromkeys(answer, example["property1"])
    nulls: set[str] = set()
    for name, value in example.items():
        field = f"{path}.{name}" if path else name
        assert name in answer, f"{where} has no {name}"
        if answer[name] is None:
            nulls.add(field)
        else:
            nulls |= documented_nulls(answer[name], value, filled=filled, path=field)
    return nulls


def _assert_scalar(answer: Any, example: Any, where: str) -> None:
    assert_json_type(answer, example, where)
    if isinstance(example, str) and DATE_TIME.fullmatch(example):
        assert DATE_TIME.fullmatch(answer), f"{where} is {answer!r}, not a date-time"
        assert _is_instant(answer), f"{where} is {answer!r}, no such moment"


def _is_instant(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def assert_shaped(answer: Any, example: Any, path: str = "") -> None:
    """Every field the example shows set, of its JSON type, and every array and map filled."""
    nulls = documented_nulls(answer, example, filled=True, path=path)
    assert nulls == set(), f"{path or 'the answer'}: no type checked for {sorted(nulls)}"


def body_of(reply: Reply) -> Any:
    return json.loads(reply.body, parse_float=Decimal)  # numbers as written, not as floats


def answer_of(reply: Reply, status: int = 200) -> Any:
    """The JSON body of a reply of this status."""
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/json"
    return body_of(reply)


def assert_documented_invoice(
    reply: Reply, status: int, unknown: Collection[str], *, also: Collection[str] = ()
) -> dict[str, Any]:
    """The documented invoice, its nulls exactly the fields unknown in its state."""
    invoice: dict[str, Any] = answer_of(reply, status)
    assert documented_nulls(invoice, INVOICE) == {*unknown, *also}
    return invoice


def assert_documented_error(reply: Reply, status: int, *fields: str) -> dict[str, Any]:
    """The documented error, naming exactly these fields."""
    body: dict[str, Any] = answer_of(reply, status)
    assert documented_nulls(body, ERROR) == set()
    assert {error["field"] for error in body.get("errors", [])} == set(fields), body
    return body
