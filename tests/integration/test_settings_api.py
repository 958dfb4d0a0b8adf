"""The tenant's numbering format, set through HTTP and used by the next invoice issued."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api

SETTINGS = "/api/v1/settings"
BASE = "/api/v1/invoices"


@pytest.fixture
def acme(api: Api) -> Api:
    return api.as_tenant("acme")


def issue(client: Api) -> str:
    invoice: dict[str, Any] = client.post(BASE, {"invoiceDate": "2026-11-21"}).json()
    number: str = client.patch(f"{BASE}/{invoice['id']}/mark-as-sent").json()["invoiceNumber"]
    return number


def test_a_tenant_that_saved_nothing_has_the_default_format(acme: Api) -> None:
    reply = acme.get(SETTINGS)
    assert (reply.status, reply.json()) == (200, {"numberingFormat": "INV-{YYYY}-{SEQ:04}"})


def test_a_saved_format_numbers_the_next_invoice_and_the_count_goes_on(acme: Api) -> None:
    assert issue(acme) == "INV-2026-0001"
    reply = acme.request("PUT", SETTINGS, {"numberingFormat": "RE/{YY}/{SEQ:05}"})
    assert (reply.status, reply.json()) == (200, {"numberingFormat": "RE/{YY}/{SEQ:05}"})
    assert acme.get(SETTINGS).json() == {"numberingFormat": "RE/{YY}/{SEQ:05}"}
    assert issue(acme) == "RE/26/00002"


@pytest.mark.parametrize(
    "number_format", ["INV-{YYYY}", "{SEQ}-{SEQ}", "INV-{DD}-{SEQ}", "A<script>{SEQ}", "", "x" * 65]
)
def test_an_unusable_format_is_a_400_and_changes_nothing(acme: Api, number_format: str) -> None:
    reply = acme.request("PUT", SETTINGS, {"numberingFormat": number_format})
    assert reply.status == 400
    assert [e["field"] for e in reply.json()["errors"]] == ["numberingFormat"]
    assert acme.get(SETTINGS).json() == {"numberingFormat": "INV-{YYYY}-{SEQ:04}"}


def test_settings_belong_to_the_callers_tenant_only(acme: Api, api: Api) -> None:
    globex = api.as_tenant("globex")
    globex.request("PUT", SETTINGS, {"numberingFormat": "G-{SEQ}", "tenantId": "acme"})
    assert acme.get(SETTINGS).json() == {"numberingFormat": "INV-{YYYY}-{SEQ:04}"}
    assert globex.get(SETTINGS).json() == {"numberingFormat": "G-{SEQ}"}
    assert issue(acme) == "INV-2026-0001"
