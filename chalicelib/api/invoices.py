"""The native invoice endpoints under /api/v1 (api-docs/alphaalpha-invoice-api.txt)."""

from __future__ import annotations

from typing import Any

from chalice.app import Request, Response

from chalicelib.api.http import (
    body_bytes,
    json_body,
    json_response,
    no_content,
    parsed_json,
    query_list,
    validated,
)
from chalicelib.api.paging import page_params, page_response
from chalicelib.api.problems import HttpError, invalid_request
from chalicelib.api.representations import invoice_json, invoice_response
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor, write_context
from chalicelib.bootstrap import get_deps
from chalicelib.domain.commands import MAX_COMMENT_LENGTH, InvoiceFields, NewInvoice, RowInput
from chalicelib.domain.errors import FieldProblem
from chalicelib.services import invoices as service
from chalicelib.store.dynamo import MAX_TRANSACTION_ITEMS

MAX_IDS = 100  # one BatchGetItem
# Deleted all or none in one transaction, which also carries the tenant's figures.
MAX_DELETE_IDS = MAX_TRANSACTION_ITEMS - 1

invoices = ApiBlueprint(__name__)


@invoices.route("/invoices", methods=["POST"])
def create_invoice() -> Response:
    fields = json_body(invoices.current_request, NewInvoice)
    return _created(fields, location_prefix="invoices/find/")


@invoices.route("/invoices/empty", methods=["POST"])
def create_empty_invoice() -> Response:
    return _created(NewInvoice(), location_prefix="find/")


@invoices.route("/invoices/find/{invoiceId}", methods=["GET"])
def find_invoice(invoiceId: str) -> Response:
    invoice = service.get_invoice(invoiceId, actor=current_actor(), ports=get_deps().ports)
    return invoice_response(invoice)


@invoices.route("/invoices/find", methods=["GET"])
def find_invoices() -> Response:
    return _found(_ids(invoices.current_request, required=True))


@invoices.route("/invoices/find-list", methods=["GET"])
def find_invoice_list() -> Response:
    return _found(_ids(invoices.current_request, required=False))


@invoices.route("/invoices/find-all", methods=["GET"])
def find_all_invoices() -> Response:
    limit, cursor = page_params(invoices.current_request)
    page = service.list_invoices(
        actor=current_actor(), ports=get_deps().ports, limit=limit, cursor=cursor
    )
    return page_response(page, limit, "find-all")


@invoices.route("/invoices/{invoiceId}/update", methods=["PATCH"])
def update_invoice(invoiceId: str) -> Response:
    request = invoices.current_request
    fields = json_body(request, InvoiceFields)
    return invoice_response(service.update_invoice(invoiceId, fields, **write_context(request)))


@invoices.route("/invoices/{invoiceId}/link-opportunity/{opportunityId}", methods=["PATCH"])
def link_opportunity(invoiceId: str, opportunityId: str) -> Response:
    request = invoices.current_request
    fields = validated(InvoiceFields, {"opportunityId": opportunityId})
    return invoice_response(service.update_invoice(invoiceId, fields, **write_context(request)))


@invoices.route("/invoices/{invoiceId}/rows", methods=["POST"])
def add_row(invoiceId: str) -> Response:
    request = invoices.current_request
    row = json_body(request, RowInput)
    return invoice_response(service.add_row(invoiceId, row, **write_context(request)))


@invoices.route("/invoices/{invoiceId}/rows/{rowId}", methods=["DELETE"])
def remove_row(invoiceId: str, rowId: str) -> Response:
    request = invoices.current_request
    return invoice_response(service.remove_row(invoiceId, rowId, **write_context(request)))


@invoices.route(
    "/invoices/{invoiceId}/comment",
    methods=["POST"],
    content_types=["application/json", "text/plain"],
)
def add_comment(invoiceId: str) -> Response:
    request = invoices.current_request
    text = _comment_text(request)
    return invoice_response(service.add_comment(invoiceId, text, **write_context(request)))


@invoices.route("/invoices/{invoiceId}", methods=["DELETE"])
def delete_invoice(invoiceId: str) -> Response:
    service.delete_invoice(invoiceId, **write_context(invoices.current_request))
    return no_content()


@invoices.route("/invoices/delete-list", methods=["DELETE"])
def delete_invoice_list() -> Response:
    ids = _ids(invoices.current_request, required=True, most=MAX_DELETE_IDS)
    service.delete_invoices(ids, actor=current_actor(), ports=get_deps().ports)
    return no_content()


def _created(fields: NewInvoice, *, location_prefix: str) -> Response:
    """201 with a Location relative to the request's own URL, so it holds behind any base path;
    200 with the invoice its externalId already names, which is not created again."""
    added = service.create_invoice(fields, actor=current_actor(), ports=get_deps().ports)
    location = f"{location_prefix}{added.invoice.id}"
    return invoice_response(added.invoice, status=201 if added.created else 200, location=location)


def _found(ids: list[str]) -> Response:
    found = service.find_invoices(ids, actor=current_actor(), ports=get_deps().ports)
    return json_response([invoice_json(invoice) for invoice in found])


def _ids(request: Request, *, required: bool, most: int = MAX_IDS) -> list[str]:
    ids = query_list(request, "ids")
    if required and not ids:
        raise invalid_request(FieldProblem("ids", "at least one id is required"))
    if len(ids) > most:
        raise invalid_request(FieldProblem("ids", f"at most {most} ids per request"))
    return ids


def _comment_text(request: Request) -> str:
    """The body is the comment itself: a JSON string, or plain text sent as text/plain."""
    content_type = (request.headers.get("content-type") or "").lower()
    if content_type.startswith("text/plain"):
        try:
            text: Any = body_bytes(request).decode("utf-8")
        except UnicodeDecodeError:
            text = None
    else:
        text = parsed_json(request)
    if not isinstance(text, str) or not text.strip():
        raise _bad_comment("must be a non-empty JSON string, the text of the comment")
    if len(text) > MAX_COMMENT_LENGTH:
        raise _bad_comment(f"must be at most {MAX_COMMENT_LENGTH} characters")
    return text.strip()


def _bad_comment(message: str) -> HttpError:
    return invalid_request(FieldProblem("body", message))
