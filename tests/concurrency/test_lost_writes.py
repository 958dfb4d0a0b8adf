"""No write is lost or stolen, raced over HTTP on DynamoDB Local: a settings replace racing a
logo keeps both, writes racing on one client are each made (none refused, none undone), and a
client deleted as an invoice names it is never both deleted and named."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
import requests
from urllib3 import encode_multipart_formdata

from invoicing_cli.local import local_token
from tests.support import all_at_once

pytestmark = pytest.mark.dynamodb_local

ROUNDS = 20
WRITERS = 20
TIMEOUT_SECONDS = 60


def auth(tenant: str = "acme") -> dict[str, str]:
    return {"Authorization": f"Bearer {local_token(tenant)}"}


def ok(reply: requests.Response) -> dict[str, Any]:
    assert reply.status_code in (200, 201), reply.text
    answered: dict[str, Any] = reply.json()
    return answered


def a_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 32), (30, 90, 200)).save(out, format="PNG")
    return out.getvalue()


def test_a_settings_replace_racing_a_logo_keeps_both_in_every_round(
    local_api_with_s3_and_sqs: str,
) -> None:
    url = f"{local_api_with_s3_and_sqs}/api/v1/settings"
    body, content_type = encode_multipart_formdata([("file", ("logo.png", a_png(), "image/png"))])
    lost = []
    for round_number in range(ROUNDS):
        name = f"Round {round_number}"

        def write(index: int, name: str = name) -> requests.Response:
            if index == 0:
                return requests.put(url, json={"companyName": name}, headers=auth(),
                                    timeout=TIMEOUT_SECONDS)  # fmt: skip
            headers = {**auth(), "Content-Type": content_type}
            return requests.put(f"{url}/logo", data=body, headers=headers, timeout=TIMEOUT_SECONDS)

        replaced, with_logo = (ok(reply) for reply in all_at_once(2, write))
        final = ok(requests.get(url, headers=auth(), timeout=30))
        if final["companyName"] != name or final["logo"] != with_logo["logo"]:
            lost.append((round_number, final["companyName"], replaced["logo"]))
    assert lost == []
    final_reply = requests.get(url, headers=auth(), timeout=30)
    assert final_reply.headers["ETag"] == f'"{2 * ROUNDS}"'  # every write made, one at a time
    assert requests.get(url, headers=auth("globex"), timeout=30).json()["companyName"] is None


def test_racing_replaces_of_one_client_are_each_written_none_refused(
    local_api_server: str,
) -> None:
    clients = f"{local_api_server}/api/v1/clients"
    client = ok(requests.post(clients, json={"name": "Start"}, headers=auth(), timeout=30))
    path = f"{clients}/{client['id']}"

    def replace(index: int) -> int:
        body = {"name": f"Writer {index}"}
        return requests.put(path, json=body, headers=auth(), timeout=TIMEOUT_SECONDS).status_code

    assert all_at_once(WRITERS, replace) == [200] * WRITERS
    final = requests.get(path, headers=auth(), timeout=30)
    assert final.headers["ETag"] == f'"{WRITERS + 1}"'
    assert final.json()["name"].startswith("Writer ")


def test_a_client_deleted_as_an_invoice_names_it_is_never_both_in_any_round(
    local_api_server: str,
) -> None:
    clients = f"{local_api_server}/api/v1/clients"
    invoices = f"{local_api_server}/api/v1/invoices"
    outcomes: Counter[tuple[int, int]] = Counter()
    for round_number in range(ROUNDS):
        body = {"name": f"Client {round_number}"}
        client_id = ok(requests.post(clients, json=body, headers=auth(), timeout=30))["id"]

        def act(index: int, client_id: str = client_id) -> requests.Response:
            if index == 0:
                return requests.delete(f"{clients}/{client_id}", headers=auth(),
                                       timeout=TIMEOUT_SECONDS)  # fmt: skip
            draft = {"currency": "EUR", "clientId": client_id}
            return requests.post(invoices, json=draft, headers=auth(), timeout=TIMEOUT_SECONDS)

        deleted, created = all_at_once(2, act)
        outcomes[(deleted.status_code, created.status_code)] += 1
        still_there = requests.get(f"{clients}/{client_id}", headers=auth(), timeout=30)
        if created.status_code == 201:
            assert still_there.status_code == 200, "an invoice names a deleted client"
            assert requests.delete(f"{clients}/{client_id}", headers=auth(),
                                   timeout=30).status_code == 409  # fmt: skip
        else:
            assert [e["field"] for e in created.json()["errors"]] == ["clientId"]
            assert still_there.status_code == 404
    assert set(outcomes) <= {(204, 400), (409, 201)}, outcomes
    named = [i["clientId"] for i in ok_list(requests.get(f"{invoices}/find-all?limit=100",
                                                         headers=auth(), timeout=30))]  # fmt: skip
    assert len(named) == outcomes[(409, 201)]
    assert all(requests.get(f"{clients}/{c}", headers=auth(), timeout=30).ok for c in named)


def ok_list(reply: requests.Response) -> list[dict[str, Any]]:
    assert reply.status_code == 200, reply.text
    listed: list[dict[str, Any]] = reply.json()
    return listed
