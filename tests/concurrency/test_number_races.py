"""A number is used once under races, over HTTP on DynamoDB Local (whose conditional transactions
are AWS's; decision 0057): imports of one number at once leave one invoice with it, and imports of
the numbers the series is giving at that very moment never take one of them."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import requests

from invoicing_cli.dynamodb_local import LocalTable
from invoicing_cli.local import local_token
from tests.figures import exact_json
from tests.support import all_at_once

pytestmark = [pytest.mark.dynamodb_local, pytest.mark.now("2026-11-21T09:30:00Z")]

THREADS = 20
TIMEOUT_SECONDS = 60
ROW = {"description": "Chairs", "quantity": 1, "unitPrice": "100.00", "taxRate": 24}


def call(method: str, url: str, body: Any = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {local_token('acme')}"}
    return requests.request(method, url, json=body, headers=headers, timeout=TIMEOUT_SECONDS)


def leanpay(client_id: str, key: str, reference: str) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "reference": reference,
        "amount": "124.00",
        "netAmount": "100.00",
        "issueDate": "2026-11-21",
        "dueDate": "2026-12-21",
        "externalId": key,
        "sentDate": "2026-11-21",
    }


def held(table: LocalTable) -> dict[str, str]:
    """Each number the tenant used, and what holds it."""
    reply = table.client.query(
        TableName=table.table_name,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues={":pk": {"S": "T#acme"}, ":prefix": {"S": "NUMBER#"}},
        ConsistentRead=True,
    )
    return {item["number"]["S"]: item["heldBy"]["S"] for item in reply["Items"]}


def every_number(base: str) -> list[str]:
    invoices = exact_json(call("GET", f"{base}/api/v1/invoices/find-all").text)
    return [invoice["invoiceNumber"] for invoice in invoices if invoice["invoiceNumber"]]


def test_imports_of_one_number_at_once_leave_one_invoice_with_it(
    local_api_server: str, ddb_local: LocalTable
) -> None:
    client = call("POST", f"{local_api_server}/api/v1/clients", {"name": "Racer"}).json()["id"]
    url = f"{local_api_server}/compat/leanpay/v1/public/invoices/batch"

    def bring(index: int) -> requests.Response:
        return call("POST", url, {"invoices": [leanpay(client, f"k-{index}", "R-2026-7")]})

    replies = all_at_once(THREADS, bring)

    statuses = Counter(reply.status_code for reply in replies)
    assert statuses[200] == 1, [reply.text for reply in replies]
    assert set(statuses) <= {200, 400, 409}, [reply.text for reply in replies]
    [winner] = [exact_json(r.text)["data"][0] for r in replies if r.status_code == 200]
    assert held(ddb_local) == {"R-2026-7": f"INV#{winner['id']}"}
    assert every_number(local_api_server) == ["R-2026-7"]


def test_imports_racing_the_series_never_take_a_number_it_gives(
    local_api_server: str, ddb_local: LocalTable
) -> None:
    """Half the threads issue drafts (the series gives INV-2026-0001 on), half import those very
    numbers at the same moment: each is either given by the series or refused, never both."""
    base = local_api_server
    client = call("POST", f"{base}/api/v1/clients", {"name": "Racer"}).json()["id"]
    half = THREADS // 2
    drafts = [
        call("POST", f"{base}/api/v1/invoices", {"currency": "EUR", "rows": [ROW]}).json()["id"]
        for _ in range(half)
    ]
    url = f"{base}/compat/leanpay/v1/public/invoices/batch"

    def work(index: int) -> requests.Response:
        if index < half:
            return call("PATCH", f"{base}/api/v1/invoices/{drafts[index]}/mark-as-sent")
        number = f"INV-2026-{index - half + 1:04d}"
        return call("POST", url, {"invoices": [leanpay(client, f"k-{index}", number)]})

    replies = all_at_once(THREADS, work)

    issued, imported = replies[:half], replies[half:]
    assert [r.status_code for r in issued] == [200] * half, [r.text for r in issued]
    assert {r.status_code for r in imported} <= {400, 409}, [r.text for r in imported]
    series = [f"INV-2026-{n:04d}" for n in range(1, half + 1)]
    assert sorted(r.json()["invoiceNumber"] for r in issued) == series
    assert sorted(every_number(base)) == series  # no number twice, no import among them
    assert held(ddb_local) == {r.json()["invoiceNumber"]: f"INV#{r.json()['id']}" for r in issued}
