"""A client generated from the API's own OpenAPI document drives an invoice's life on the local
stack: openapi-python-client turns GET /openapi.json into a package at test time (nothing
generated is kept), and its typed functions create a client and an invoice, issue it, pay it and
fetch its PDF, while another tenant's attempts are refused. If the document named a type wrongly,
left an operation out of reach, or a link's id did not fit, this is where a client would notice."""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from invoicing_cli.local import local_token
from tests import local_stack
from tests.local_stack import BIN, Stack

pytestmark = pytest.mark.e2e

PACKAGE = "generated_invoicing_client"  # named in generated_client.json
# The generator's config: no formatting hooks (nothing generated is kept), and a PDF answered as
# a file (it reads only application/octet-stream as one).
CONFIG = Path(__file__).with_name("generated_client.json")
# What the generator cannot express, and says so: the comment's text/plain body (the JSON one is
# there). Any other warning means the document lost something on the way to a client.
KNOWN_WARNINGS = {"WARNING parsing POST /api/v1/invoices/{invoiceId}/comment within invoices."}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_stack.running(tmp_path_factory.mktemp("generated-client-stack")) as running:
        yield running


@pytest.fixture(scope="module")
def generated(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The package openapi-python-client makes from what the stack serves, imported."""
    directory = tmp_path_factory.mktemp("generated-client")
    spec = directory / "openapi.json"
    spec.write_bytes(requests.get(f"{stack.url}/openapi.json", timeout=30).content)
    result = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            *("--path", str(spec), "--meta", "none", "--config", str(CONFIG)),
            *("--output-path", str(directory / PACKAGE)),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert warnings_in(result.stdout + result.stderr) <= KNOWN_WARNINGS, result.stdout
    sys.path.insert(0, str(directory))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(directory))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def warnings_in(output: str) -> set[str]:
    """The generator's complaints: a warning names an operation, the rest say what was dropped."""
    return {
        line.strip()
        for line in output.splitlines()
        if line.startswith(("WARNING", "Unable to", "Cannot parse", "Failure to"))
    }


@pytest.fixture(scope="module")
def operations(generated: ModuleType) -> dict[str, ModuleType]:
    """Each generated operation module by its name (the operationId in snake case)."""
    api = importlib.import_module(f"{PACKAGE}.api")
    found: dict[str, ModuleType] = {}
    for tag in pkgutil.iter_modules(api.__path__):
        package = importlib.import_module(f"{PACKAGE}.api.{tag.name}")
        for module in pkgutil.iter_modules(package.__path__):
            found[module.name] = importlib.import_module(f"{package.__name__}.{module.name}")
    return found


def snake_case(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def as_tenant(generated: ModuleType, stack: Stack, tenant: str, **headers: str) -> Any:
    """The generated client as one tenant; an undocumented status raises, as the generator
    offers."""
    return generated.AuthenticatedClient(
        base_url=stack.url,
        token=local_token(tenant),
        headers=headers,
        raise_on_unexpected_status=True,
    )


def cents(amount: float) -> Decimal:
    """A JSON number as the generated client read it (a float), as the decimal it was written."""
    return Decimal(str(amount))


def test_every_operation_of_the_document_has_a_generated_function(
    stack: Stack, operations: dict[str, ModuleType]
) -> None:
    document = requests.get(f"{stack.url}/openapi.json", timeout=30).json()
    operation_ids = {
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
    }
    assert len(operation_ids) >= 60
    assert {snake_case(name) for name in operation_ids} == set(operations)
    assert all(hasattr(module, "sync_detailed") for module in operations.values())


def test_a_generated_client_creates_issues_pays_and_fetches_the_pdf_of_an_invoice(
    stack: Stack, generated: ModuleType, operations: dict[str, ModuleType]
) -> None:
    models = generated.models
    acme = as_tenant(generated, stack, "generated-acme")

    made = operations["create_client"].sync_detailed(
        client=acme, body=models.ClientInput(name="Zoë Müller GmbH", email="billing@example.com")
    )
    assert made.status_code == 201
    buyer = made.parsed
    assert (buyer.name, isinstance(buyer, models.Client)) == ("Zoë Müller GmbH", True)

    rows = [
        models.InvoiceRowInput(
            description="Consulting", quantity="3", unit_price="19.99", tax_rate="19"
        ),
        models.InvoiceRowInput(description="Setup", quantity=1, unit_price="100", tax_rate="19"),
    ]
    drafted = operations["create_invoice"].sync_detailed(
        client=acme,
        body=models.NewInvoice(currency="EUR", client_id=buyer.id, payment_term_days=30, rows=rows),
    )
    assert drafted.status_code == 201
    draft = drafted.parsed
    assert draft.status == models.InvoiceStatus.DRAFT
    assert draft.client_id == buyer.id
    # 3 x 19.99 = 59.97 with 11.39 tax; 100.00 with 19.00: each row rounded, then added up.
    assert [cents(row.total_with_tax) for row in draft.rows] == [Decimal("71.36"), Decimal(119)]
    assert (cents(draft.total_excluding_tax), cents(draft.total_tax)) == (
        Decimal("159.97"),
        Decimal("30.39"),
    )
    assert cents(draft.total_with_tax) == Decimal("190.36")

    issued = operations["mark_as_sent"].sync_detailed(client=acme, invoice_id=draft.id).parsed
    # Due in 30 days from the day it is dated (today, as the stack sees it): not yet overdue.
    assert issued.status == models.InvoiceStatus.SENT
    assert re.fullmatch(r"INV-\d{4}-0001", issued.invoice_number)

    payment = models.PaymentInput(
        amount="190.36", payment_method=models.PaymentMethod.BANK_TRANSFER
    )
    paid = operations["add_payment"].sync_detailed(client=acme, invoice_id=draft.id, body=payment)
    assert paid.status_code == 200
    assert paid.parsed.status == models.InvoiceStatus.PAID
    assert cents(paid.parsed.paid) == Decimal("190.36")
    assert [cents(t.amount) for t in paid.parsed.transactions] == [Decimal("190.36")]

    rendered = operations["generate_pdf"].sync_detailed(client=acme, invoice_id=draft.id)
    assert rendered.status_code == 200
    assert rendered.parsed.pdf is not None

    # A client of its own: with_headers would change the one it shares its connections with.
    as_pdf = as_tenant(generated, stack, "generated-acme", Accept="application/pdf")
    pdf = operations["get_pdf"].sync_detailed(client=as_pdf, invoice_id=draft.id)
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    assert pdf.parsed.payload.read().startswith(b"%PDF-")

    linked = operations["get_pdf"].sync_detailed(client=acme, invoice_id=draft.id)
    assert linked.status_code == 303
    assert isinstance(linked.parsed, models.FileLink)
    downloaded = requests.get(linked.parsed.url, timeout=30)
    assert downloaded.content.startswith(b"%PDF-")


def test_another_tenant_gets_404_from_the_generated_client_for_the_invoice_it_does_not_own(
    stack: Stack, generated: ModuleType, operations: dict[str, ModuleType]
) -> None:
    models = generated.models
    owner = as_tenant(generated, stack, "generated-owner")
    stranger = as_tenant(generated, stack, "generated-stranger")
    body = models.NewInvoice(
        currency="EUR", rows=[models.InvoiceRowInput(quantity=1, unit_price="10")]
    )
    invoice = operations["create_invoice"].sync_detailed(client=owner, body=body).parsed

    payment = models.PaymentInput(amount="10")
    for refused in (
        operations["find_invoice"].sync_detailed(client=stranger, invoice_id=invoice.id),
        operations["mark_as_sent"].sync_detailed(client=stranger, invoice_id=invoice.id),
        operations["add_payment"].sync_detailed(
            client=stranger, invoice_id=invoice.id, body=payment
        ),
        operations["get_pdf"].sync_detailed(client=stranger, invoice_id=invoice.id),
    ):
        assert refused.status_code == 404
        assert isinstance(refused.parsed, models.ProblemBody)
        assert refused.parsed.title == "Not Found"

    unchanged = operations["find_invoice"].sync_detailed(client=owner, invoice_id=invoice.id)
    assert unchanged.parsed.status == models.InvoiceStatus.DRAFT
