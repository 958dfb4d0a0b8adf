"""The HTTP layer over in-memory adapters (decision 0049): `bootstrap.use(adapters)` binds the use
cases to fakes for the block, so the app, its middleware and its views answer through Chalice's
test client without moto, and without building a single AWS client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, NoReturn

import boto3
import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain.errors import ConcurrentModificationError
from chalicelib.domain.values import Actor
from chalicelib.ports import InvoicePorts
from chalicelib.services.authentication import JwtRules, JwtVerifier
from chalicelib.use_cases import UseCases
from invoicing_cli.local import LOCAL_JWT_SECRET, PROJECT_DIR
from tests.fakes import (
    FixedClock,
    InMemoryApiKeyRepository,
    InMemoryInvoiceRepository,
    InMemoryTenantSettings,
)
from tests.support import Api

INVOICES = "/api/v1/invoices"
ROW = {"description": "Consulting", "quantity": 2, "unitPrice": "10.00", "taxRate": 20}
ERROR_FIELDS = {"title", "detail", "time"}


class Unused:
    """An adapter these routes never reach: a call of any of its methods fails the test, naming
    it (binding one, as the composition root does, is no use)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, method: str) -> Callable[..., NoReturn]:
        def called(*_: Any, **__: Any) -> NoReturn:
            raise AssertionError(f"{self._name}.{method}: not an adapter these routes use")

        return called


@dataclass
class InMemoryAdapters:
    """bootstrap.use's Adapters: the invoices, the tenants' settings and API keys in memory, a
    fixed clock and the local stack's token secret."""

    invoice_repo: InMemoryInvoiceRepository = field(default_factory=InMemoryInvoiceRepository)
    tenant_settings: InMemoryTenantSettings = field(
        default_factory=lambda: InMemoryTenantSettings({})
    )
    api_keys: InMemoryApiKeyRepository = field(default_factory=InMemoryApiKeyRepository)
    clock: FixedClock = field(default_factory=FixedClock)
    jwt_verifier: JwtVerifier = field(
        default_factory=lambda: JwtVerifier(JwtRules(secret=LOCAL_JWT_SECRET))
    )
    documents: ClassVar[Any] = Unused("documents")
    document_ports: ClassVar[Any] = Unused("document_ports")
    batch_ports: ClassVar[Any] = Unused("batch_ports")
    clients: ClassVar[Any] = Unused("clients")
    contracts: ClassVar[Any] = Unused("contracts")
    index: ClassVar[Any] = Unused("index")
    search: ClassVar[Any] = Unused("search")
    credit_note_index: ClassVar[Any] = Unused("credit_note_index")
    idempotency: ClassVar[Any] = Unused("idempotency")
    webhook_ports: ClassVar[Any] = Unused("webhook_ports")
    ports: InvoicePorts = field(init=False)

    def __post_init__(self) -> None:
        self.ports = InvoicePorts(self.invoice_repo, self.clock, self.tenant_settings)


@pytest.fixture
def fakes() -> InMemoryAdapters:
    return InMemoryAdapters()


@pytest.fixture
def served(fakes: InMemoryAdapters, monkeypatch: pytest.MonkeyPatch) -> Iterator[UseCases]:
    """Every request in the test over `fakes`; an AWS client built meanwhile fails it."""

    def no_client(*_: Any, **__: Any) -> NoReturn:
        raise AssertionError("an AWS client was built: these requests run over fakes")

    monkeypatch.setattr(boto3.session.Session, "client", no_client)
    with bootstrap.use(fakes) as cases:
        yield cases
    assert bootstrap.get_deps.cache_info().currsize == 0  # the AWS adapters were never built


@pytest.fixture
def api(served: UseCases) -> Iterator[Api]:
    from app import app

    with Client(app, stage_name="dev", project_dir=str(PROJECT_DIR)) as client:
        yield Api(client, headers={})


def test_a_created_invoice_is_read_back_and_kept_in_the_fake_repository(
    acme: Api, fakes: InMemoryAdapters
) -> None:
    created = acme.post(INVOICES, {"currency": "EUR", "rows": [ROW]})

    assert created.status == 201, created.body
    invoice = created.json()
    assert created.headers["Location"] == f"invoices/find/{invoice['id']}"
    assert invoice["totalWithTax"] == 24
    read = acme.get(f"{INVOICES}/find/{invoice['id']}")
    assert (read.status, read.body) == (200, created.body)
    assert fakes.invoice_repo.get("acme", invoice["id"]) is not None


def test_another_tenant_gets_404_for_the_invoice_and_changes_nothing(
    acme: Api, globex: Api, fakes: InMemoryAdapters
) -> None:
    invoice = acme.post(INVOICES, {"rows": [ROW]}).json()

    for answer in (
        globex.get(f"{INVOICES}/find/{invoice['id']}"),
        globex.patch(f"{INVOICES}/{invoice['id']}/mark-as-sent"),
    ):
        assert answer.status == 404, answer.body
        assert set(answer.json()) == ERROR_FIELDS
    stored = fakes.invoice_repo.get("acme", invoice["id"])
    assert stored is not None
    assert (stored.status, stored.version) == ("DRAFT", 1)


def test_issuing_numbers_the_invoice_and_moves_the_tenants_counts(acme: Api) -> None:
    invoice = acme.post(INVOICES, {"rows": [ROW]}).json()

    sent = acme.patch(f"{INVOICES}/{invoice['id']}/mark-as-sent")

    assert sent.status == 200, sent.body
    assert sent.json()["status"] == "SENT"
    assert sent.json()["invoiceNumber"]
    counts = acme.get(f"{INVOICES}/count-by-status").json()
    assert (counts["SENT"], counts["DRAFT"]) == (1, 0)


def test_an_api_key_made_through_the_api_authenticates_for_its_tenant_only(
    acme: Api, api: Api
) -> None:
    invoice = acme.post(INVOICES, {"rows": [ROW]}).json()
    made = acme.post("/api/v1/api-keys", {"name": "ERP"})
    assert made.status == 201, made.body
    by_key = api.with_headers({"x-api-key": made.json()["key"]})

    assert by_key.get(f"{INVOICES}/find/{invoice['id']}").status == 200
    assert api.get(f"{INVOICES}/find/{invoice['id']}").status == 401


def test_a_use_case_replaced_in_the_test_answers_for_its_route(
    acme: Api, served: UseCases, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = acme.post(INVOICES, {"rows": [ROW]}).json()

    def overtaken(invoice_id: str, **_: Any) -> NoReturn:
        raise ConcurrentModificationError(invoice_id)

    monkeypatch.setattr(served.lifecycle, "mark_as_sent", overtaken)
    answer = acme.patch(f"{INVOICES}/{invoice['id']}/mark-as-sent")

    assert answer.status == 409
    assert set(answer.json()) == ERROR_FIELDS


def _the_bound_use_cases_are_typed(cases: UseCases, actor: Actor) -> None:
    """Never run: mypy checks each call of a bound use case against its service function's own
    parameters, less those bound. Were that lost, these ignores would go unused, which strict
    mypy (warn_unused_ignores) refuses in `make types`."""
    cases.invoices.get("an id")  # type: ignore[call-arg]
    cases.lifecycle.cancel(7, actor=actor)  # type: ignore[arg-type]
    cases.clients.get("an id", actor=actor, repo=None)  # type: ignore[arg-type]


def test_no_view_reaches_past_the_use_cases() -> None:
    """Every view, the vendors' too, calls use cases the composition root bound; none takes the
    adapters themselves (get_deps) to pass them on."""
    api = PROJECT_DIR / "chalicelib" / "api"
    reaching = [
        str(module.relative_to(api)) for module in sorted(api.rglob("*.py"))
        if "get_deps" in module.read_text(encoding="utf-8")
    ]  # fmt: skip
    assert reaching == []
