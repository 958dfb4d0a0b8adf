"""What the fuzz (tests/e2e/test_fuzz.py) and the generated client
(tests/e2e/test_generated_client.py) found, each pinned here where it is quick: through the app
for its answers, and on the OpenAPI document for what a client generator or a stateful fuzzer
reads from it."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from app import app
from chalicelib.api.openapi.document import openapi_document
from tests.support import Api

BASE = "/api/v1/invoices"
# Numbers as text with exponents no amount comes near: Decimal reads them at once, but writing one
# out plainly took seconds, then overflowed into a 500 (or, for a tiny one, stored 0E-1000058).
OUT_OF_REACH = ["1E+1000000", "-1E+1000000", "1E-1000000", "1e101"]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document(app)


def assert_refused(reply: Any, field: str) -> None:
    assert reply.status == 400, reply.body
    body = reply.json()
    assert {"title", "detail", "time"} <= body.keys()
    assert {error["field"]: error["message"] for error in body["errors"]}[field].startswith(
        "is out of range"
    ), body


@pytest.mark.parametrize("number", OUT_OF_REACH)
def test_a_row_number_sent_as_text_out_of_reach_is_a_400_naming_the_field(
    acme: Api, number: str
) -> None:
    created = acme.post(BASE, {"rows": [{"quantity": number, "unitPrice": 1}]})
    assert_refused(created, "rows[0].quantity")
    draft = acme.post(BASE, {"rows": [{"quantity": 1, "unitPrice": 1}]}).json()
    added = acme.post(f"{BASE}/{draft['id']}/rows", {"quantity": 1, "unitPrice": number})
    assert_refused(added, "unitPrice")
    assert acme.get(f"{BASE}/find/{draft['id']}").json()["rows"] == draft["rows"]


@pytest.mark.parametrize("number", OUT_OF_REACH)
def test_a_payment_or_contract_amount_out_of_reach_is_a_400_naming_the_field(
    acme: Api, number: str
) -> None:
    issued = acme.post(BASE, {"rows": [{"quantity": 1, "unitPrice": 10}]}).json()
    acme.patch(f"{BASE}/{issued['id']}/mark-as-sent")
    paid = acme.patch(f"{BASE}/{issued['id']}/add-payment", {"amount": number})
    assert_refused(paid, "amount")

    client = acme.post("/api/v1/clients", {"name": "Zoë Müller GmbH"}).json()["id"]
    terms = {
        "clientId": client,
        "currency": "EUR",
        "activationAt": "2026-05-04",
        "items": [{"quantity": 1, "unitPrice": number}],
    }
    assert_refused(acme.post("/api/v1/contracts", terms), "items[0].unitPrice")


@pytest.mark.parametrize("number", OUT_OF_REACH)
def test_a_leanpay_amount_out_of_reach_is_a_400_naming_the_field(acme: Api, number: str) -> None:
    client = acme.post("/api/v1/clients", {"name": "Zoë Müller GmbH"}).json()["id"]
    entry = {
        "clientId": client,
        "reference": "LP-1",
        "amount": number,
        "netAmount": "1000.00",
        "issueDate": "2026-11-02",
        "dueDate": "2026-12-02",
        "externalId": "lp-1",
    }
    reply = acme.post("/compat/leanpay/v1/public/invoices/batch", {"invoices": [entry]})
    assert_refused(reply, "invoices[0].amount")


def test_no_enum_of_the_document_names_a_value_twice_in_another_case(
    document: dict[str, Any],
) -> None:
    """`direction` listed ASC, DESC, asc and desc: a client generator makes one constant of each
    value, by its name in capitals, and refused the document for two constants named ASC."""
    for where, enum in enums_in(document):
        named = Counter(str(value).upper() for value in enum)
        assert all(count == 1 for count in named.values()), (where, enum)


def enums_in(node: Any, where: str = "#") -> list[tuple[str, list[Any]]]:
    if isinstance(node, list):
        return [found for i, item in enumerate(node) for found in enums_in(item, f"{where}/{i}")]
    if not isinstance(node, dict):
        return []
    own = [(where, node["enum"])] if isinstance(node.get("enum"), list) else []
    return own + [
        found
        for key, value in node.items()
        if key not in {"enum", "examples", "example", "default"}
        for found in enums_in(value, f"{where}/{key}")
    ]


def test_every_schema_component_has_a_title_of_its_own(document: dict[str, Any]) -> None:
    """pydantic titled both halves of a model it splits (Blob-Input, Blob-Output) "Blob": a
    client generator names its classes by title, and dropped Invoice and Contract for the clash."""
    components = document["components"]["schemas"]
    titles = Counter(schema.get("title", name) for name, schema in components.items())
    assert [title for title, count in titles.items() if count > 1] == []
    assert components["Blob-Output"]["title"] == "Blob-Output"


def test_files_are_binary_strings_both_as_openapi_3_1_and_3_0_say(
    document: dict[str, Any],
) -> None:
    """A file with contentMediaType alone was typed as text by the generator: a PDF answered as a
    str, an upload's parts sent as text fields (refused: a PDF must be a file part)."""
    pdf = document["paths"][f"{BASE}/{{invoiceId}}/pdf"]["get"]["responses"]["200"]
    assert pdf["content"]["application/pdf"]["schema"] == {
        "type": "string",
        "format": "binary",
        "contentMediaType": "application/pdf",
    }
    form = document["components"]["schemas"]["AttachmentsForm"]
    assert form["properties"]["files"]["items"]["format"] == "binary"


def test_the_pdf_is_linked_only_from_the_answer_that_renders_it(
    document: dict[str, Any],
) -> None:
    """Linked from every answer that is an invoice, the PDF's read led a stateful fuzzer from a
    new draft to "no PDF yet", a 404 for a thing just created."""
    linking = {
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        for response in operation["responses"].values()
        if "getPdf" in response.get("links", {})
    }
    assert linking == {"generatePdf"}
    created = document["paths"][BASE]["post"]["responses"]["201"]["links"]
    assert {"findInvoice", "updateInvoice", "markAsSent", "addPayment", "generatePdf"} <= set(
        created
    )
