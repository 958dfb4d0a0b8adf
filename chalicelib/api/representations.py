"""How an invoice leaves the API: the documented JSON body, with its version as the ETag."""

from __future__ import annotations

from typing import Annotated, Any

from chalice.app import Response
from pydantic import GetPydanticSchema

from chalicelib.api.http import json_response
from chalicelib.api.operations import Answer, json_answer
from chalicelib.domain.invoice import Invoice

# An invoice as invoice_json writes it, inside another answer: described by the Invoice model.
InvoiceJson = Annotated[dict[str, Any], GetPydanticSchema(lambda _, handler: handler(Invoice))]


def invoice_json(invoice: Invoice) -> InvoiceJson:
    return invoice.model_dump(mode="python", by_alias=True)


def invoice_response(invoice: Invoice, status: int = 200, location: str | None = None) -> Response:
    headers = {"ETag": f'"{invoice.version}"'}
    if location is not None:
        headers["Location"] = location
    return json_response(invoice_json(invoice), status=status, headers=headers)


def invoice_answer(description: str = "The invoice as it is now") -> Answer:
    return json_answer(200, description, Invoice, "ETag")


INVOICE_ANSWER = invoice_answer()
# What a change to one invoice can be refused with: a value that breaks a rule, no such invoice,
# a status that forbids it (or a body too large for the invoice).
INVOICE_CHANGE_REFUSALS = (400, 404, 409)
