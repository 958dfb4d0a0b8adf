"""How an invoice leaves the API: the documented JSON body, with its version as the ETag."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.api.http import json_response
from chalicelib.domain.invoice import Invoice


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    return invoice.model_dump(mode="python", by_alias=True)


def invoice_response(invoice: Invoice, status: int = 200, location: str | None = None) -> Response:
    headers = {"ETag": f'"{invoice.version}"'}
    if location is not None:
        headers["Location"] = location
    return json_response(invoice_json(invoice), status=status, headers=headers)
