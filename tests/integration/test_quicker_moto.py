"""The shortcuts the tests take through moto (tests/moto_speed.py) answer exactly as moto does:
the same calls, in a fresh account each, with and without them, get the same answers and leave
the same table, for the shapes and paths the shortcuts touch (projections, an index's INCLUDE,
pages cut by size, transactions done and cancelled, items too large, every kind of value)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from invoicing_cli.local import TABLE_NAME
from tests.moto_account import Accounts
from tests.moto_speed import moto_as_shipped

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Json = dict[str, Any]
PARTITION = {":pk": {"S": "T#acme"}, ":inv": {"S": "INV#"}}
EVERY_KIND: Json = {
    "note": {"S": "Zoë – Ωμέγα"},
    "empty": {"S": ""},
    "total": {"N": "119.00"},
    "paid": {"BOOL": False},
    "gone": {"NULL": True},
    "tags": {"SS": ["b", "a", "c"]},
    "shares": {"NS": ["1.5", "2", "-0.25"]},
    "logo": {"B": b"\x89PNG\r\n"},
    "blobs": {"BS": [b"\x00", b"\xff"]},
    "parts": {
        "L": [
            {"M": {"description": {"S": "Consulting"}, "quantity": {"N": "3"}}},
            {"L": [{"N": "1"}, {"S": "x"}, {"NULL": True}, {"M": {}}, {"L": []}]},
        ]
    },
    "custom": {"M": {"deep": {"M": {"list": {"L": [{"BOOL": True}]}}}, "n": {"N": "1.50"}}},
}
SENT = {
    "UpdateExpression": "SET #s = :sent ADD #t :ten",
    "ConditionExpression": "#s = :draft",
    "ExpressionAttributeNames": {"#s": "status", "#t": "total"},
    "ExpressionAttributeValues": {
        ":sent": {"S": "SENT"},
        ":draft": {"S": "DRAFT"},
        ":ten": {"N": "10"},
    },
}


def key(n: int) -> Json:
    return {"PK": {"S": "T#acme"}, "SK": {"S": f"INV#{n:04d}"}}


def invoice(n: int, **more: Json) -> Json:
    created = {"S": f"2026-11-{n % 28 + 1:02d}#INV#{n:04d}"}
    return {**key(n), "byCreated": created, "status": {"S": "DRAFT"}, **EVERY_KIND, **more}


class Calls:
    """Calls the table, keeping what each answered (its error, when it failed) by name."""

    def __init__(self, dynamodb: DynamoDBClient) -> None:
        self.dynamodb = dynamodb
        self.said: dict[str, Any] = {}

    def call(self, name: str, operation: Callable[..., Any], **params: Any) -> None:
        try:
            reply = dict(operation(TableName=TABLE_NAME, **params))
        except ClientError as exc:
            self.said[name] = exc.response["Error"]
        else:
            reply.pop("ResponseMetadata", None)
            self.said[name] = reply

    def query(self, name: str, **params: Any) -> None:
        condition = "PK = :pk AND begins_with(SK, :inv)"
        self.call(name, self.dynamodb.query, KeyConditionExpression=condition,
                  ExpressionAttributeValues=PARTITION, **params)  # fmt: skip

    def transact(self, name: str, *actions: Json) -> None:
        items: Any = [
            {kind: {"TableName": TABLE_NAME, **action}}
            for one in actions
            for kind, action in one.items()
        ]
        try:
            self.dynamodb.transact_write_items(TransactItems=items)
            self.said[name] = "done"
        except ClientError as exc:
            self.said[name] = (exc.response["Error"], exc.response.get("CancellationReasons"))


def answers(dynamodb: DynamoDBClient) -> dict[str, Any]:
    calls = Calls(dynamodb)
    for n in range(1, 41):
        calls.call(f"put {n}", dynamodb.put_item, Item=invoice(n))
    too_large = invoice(99, padding={"S": "x" * 406_000})
    calls.call("too large", dynamodb.put_item, Item=too_large)
    for n in range(61, 73):  # about 100 KB each: a page of them is cut at 1 MB
        calls.call(f"put {n}", dynamodb.put_item, Item=invoice(n, padding={"S": "y" * 100_000}))
    calls.query("whole")
    calls.query("paged", Limit=7, ExclusiveStartKey=key(1))
    calls.query("named", ProjectionExpression="SK, note, parts, tags")
    calls.query("absent", ProjectionExpression="#n, SK, nowhere",
                ExpressionAttributeNames={"#n": "note"})  # fmt: skip
    calls.query("nested", ProjectionExpression="custom.deep, custom.n, SK, parts[1]")
    calls.call("index", dynamodb.query, IndexName="ByCreated", KeyConditionExpression="PK = :pk",
               ExpressionAttributeValues={":pk": {"S": "T#acme"}})  # fmt: skip
    sent = {"Update": {"Key": key(1), **SENT}}
    new = {"Update": {"Key": key(60), "UpdateExpression": "SET a = :a",
                      "ExpressionAttributeValues": {":a": {"N": "1"}}}}  # fmt: skip
    calls.transact(
        "done",
        {"Put": {"Item": invoice(50), "ConditionExpression": "attribute_not_exists(PK)"}},
        sent,
        {"Delete": {"Key": key(2)}},
        new,
    )
    # The update's condition fails now: neither the put nor the delete before it is done.
    calls.transact("cancelled", {"Put": {"Item": invoice(51)}}, {"Delete": {"Key": key(3)}}, sent)
    calls.transact("one item twice", {"Put": {"Item": invoice(52)}}, {"Delete": {"Key": key(52)}})
    calls.call("table", dynamodb.scan, ConsistentRead=True)
    return calls.said


def test_the_shortcuts_answer_and_store_as_moto_does(moto_accounts: Accounts) -> None:
    with moto_accounts.fresh():
        quick = answers(moto_accounts.clients.dynamodb)
    with moto_as_shipped(), moto_accounts.fresh():
        shipped = answers(moto_accounts.clients.dynamodb)

    assert quick == shipped
    # The paths were taken, not refused before them.
    assert quick["too large"]["Message"] == "Item size has exceeded the maximum allowed size"
    assert "LastEvaluatedKey" in quick["whole"] and quick["whole"]["Count"] < 52
    assert quick["paged"]["Count"] == 7
    assert set(quick["named"]["Items"][0]) == {"SK", "note", "parts", "tags"}
    assert set(quick["absent"]["Items"][0]) == {"SK", "note"}
    assert set(quick["nested"]["Items"][0]) == {"SK", "custom", "parts"}
    assert "status" in quick["index"]["Items"][0] and "note" not in quick["index"]["Items"][0]
    assert quick["done"] == "done"
    assert quick["cancelled"][0]["Code"] == "TransactionCanceledException"
    assert quick["one item twice"][0]["Code"] == "ValidationException"
    table = {item["SK"]["S"]: item for item in quick["table"]["Items"]}
    assert {"INV#0050", "INV#0060", "INV#0003"} <= set(table)
    assert {"INV#0002", "INV#0051", "INV#0052"}.isdisjoint(table)
    assert table["INV#0001"]["status"] == {"S": "SENT"}
    assert table["INV#0001"]["total"] == {"N": "129.00"}
