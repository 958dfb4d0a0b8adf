"""What each request costs in DynamoDB calls: the issue's bars, counted, never timed."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chalicelib.bootstrap import get_deps
from invoicing_cli.local import PROJECT_DIR
from tests.support import Api, DynamoCalls

BASE = "/api/v1/invoices"
ROW = {"description": "Item", "quantity": 2, "unitPrice": 10, "taxRate": 20}


@pytest.fixture
def acme(api: Api) -> Api:
    return api.as_tenant("acme")


def create(acme: Api) -> dict[str, Any]:
    invoice: dict[str, Any] = acme.post(BASE, {"rows": [ROW, ROW]}).json()
    return invoice


Call = Callable[[Api, dict[str, Any]], Any]

BUDGETS: list[tuple[str, Call, list[str]]] = [
    ("create", lambda a, _: a.post(BASE, {"rows": [ROW]}), ["PutItem"]),
    ("create empty", lambda a, _: a.post(f"{BASE}/empty"), ["PutItem"]),
    ("read by id", lambda a, i: a.get(f"{BASE}/find/{i['id']}"), ["GetItem"]),
    ("find ids", lambda a, i: a.get(f"{BASE}/find?ids={i['id']},x"), ["BatchGetItem"]),
    ("find list", lambda a, i: a.get(f"{BASE}/find-list?ids={i['id']}"), ["BatchGetItem"]),
    ("find-all page", lambda a, _: a.get(f"{BASE}/find-all?limit=2"), ["Query"]),
    (
        "update",
        lambda a, i: a.patch(f"{BASE}/{i['id']}/update", {"note": "n"}),
        ["GetItem", "PutItem"],
    ),
    ("add row", lambda a, i: a.post(f"{BASE}/{i['id']}/rows", ROW), ["GetItem", "PutItem"]),
    (
        "remove row",
        lambda a, i: a.delete(f"{BASE}/{i['id']}/rows/{i['rows'][0]['id']}"),
        ["GetItem", "PutItem"],
    ),
    ("comment", lambda a, i: a.post(f"{BASE}/{i['id']}/comment", "hi"), ["GetItem", "PutItem"]),
    ("delete", lambda a, i: a.delete(f"{BASE}/{i['id']}"), ["BatchGetItem", "DeleteItem"]),
    (
        "delete list",
        lambda a, i: a.delete(f"{BASE}/delete-list?ids={i['id']},{i['other']}"),
        ["BatchGetItem", "TransactWriteItems"],
    ),
]


@pytest.mark.parametrize(("name", "call", "expected"), BUDGETS, ids=[b[0] for b in BUDGETS])
def test_each_request_makes_exactly_its_budgeted_dynamodb_calls(
    acme: Api, dynamo_calls: DynamoCalls, name: str, call: Call, expected: list[str]
) -> None:
    for _ in range(3):
        create(acme)
    invoice = {**create(acme), "other": create(acme)["id"]}
    dynamo_calls.reset()
    reply = call(acme, invoice)
    assert reply.status in (200, 201, 204), reply.body
    assert dynamo_calls.operations == expected


def test_a_lost_race_costs_one_more_read_and_write_not_an_error(
    acme: Api, dynamo_calls: DynamoCalls
) -> None:
    invoice = create(acme)
    repo = get_deps().invoices
    original_get = repo.get
    raced = False

    def get_then_race(tenant_id: str, invoice_id: str) -> Any:
        nonlocal raced
        current = original_get(tenant_id, invoice_id)
        if not raced and current is not None:
            raced = True  # another writer saves between our read and our write
            repo.save(
                current.model_copy(update={"note": "other"}), expected_version=current.version
            )
        return current

    repo.get = get_then_race  # type: ignore[method-assign]
    dynamo_calls.reset()
    reply = acme.post(f"{BASE}/{invoice['id']}/comment", "mine")
    assert reply.status == 200
    assert reply.json()["note"] == "other"
    assert reply.json()["events"][-1]["description"] == "mine"
    assert dynamo_calls.by_operation["PutItem"] == 3  # the rival's, our failed one, our retry


def test_no_request_ever_scans(acme: Api, dynamo_calls: DynamoCalls) -> None:
    invoice = create(acme)
    for _, call, _ in BUDGETS:
        call(acme, {**invoice, "other": create(acme)["id"]})
        invoice = create(acme)
    assert dynamo_calls.count > 0
    assert "Scan" not in dynamo_calls.operations


def test_no_code_calls_scan() -> None:
    sources = [*Path(PROJECT_DIR, "chalicelib").rglob("*.py"), Path(PROJECT_DIR, "app.py")]
    offenders = [str(p) for p in sources if re.search(r"\.scan\(|\bScan\b", p.read_text())]
    assert offenders == []


def test_importing_the_app_creates_no_aws_client() -> None:
    probe = (
        "import botocore.session\n"
        "created = []\n"
        "original = botocore.session.Session.create_client\n"
        "def spy(self, *args, **kwargs):\n"
        "    created.append(args[0] if args else kwargs.get('service_name'))\n"
        "    return original(self, *args, **kwargs)\n"
        "botocore.session.Session.create_client = spy\n"
        "import app\n"
        "assert app.app.routes, 'the app should have routes'\n"
        "print(created)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "AWS_DEFAULT_REGION": "eu-west-1", "TABLE_NAME": "t"},
    )
    assert result.stdout.strip() == "[]"
