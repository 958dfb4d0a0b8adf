"""The native invoice endpoints under /api/v1 (api-docs/alphaalpha-invoice-api.txt)."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.http import (
    body_bytes,
    json_body,
    json_response,
    no_content,
    query_list,
    validated,
)
from chalicelib.api.operations import (
    JSON,
    Body,
    Operation,
    Param,
    json_answer,
    json_request,
    no_content_answer,
)
from chalicelib.api.paging import (
    PAGE_QUERY,
    export_response,
    invoices_text,
    page_params,
    page_response,
    pages_asked,
    whole_list_answers,
)
from chalicelib.api.problems import HttpError, invalid_request
from chalicelib.api.representations import (
    INVOICE_ANSWER,
    INVOICE_CHANGE_REFUSALS,
    invoice_json,
    invoice_response,
)
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor, write_context
from chalicelib.bootstrap import use_cases
from chalicelib.domain.commands import (
    MAX_COMMENT_LENGTH,
    InvoiceFields,
    InvoiceRowInput,
    NewInvoice,
)
from chalicelib.domain.errors import FieldProblem
from chalicelib.domain.invoice import Invoice

MAX_IDS = 100  # one BatchGetItem

invoices = ApiBlueprint(__name__)

CREATED = json_answer(201, "The new draft", Invoice, "ETag", "Location")
FOUND_BY_EXTERNAL_ID = json_answer(
    200, "The invoice its externalId names already: nothing is created", Invoice, "ETag", "Location"
)
IDS = "Invoice ids, repeated (?ids=a&ids=b) or comma-separated (?ids=a,b)"
FOUND = json_answer(
    200, "The tenant's invoices among those asked, in the order asked", list[Invoice]
)
# A comment is text: a JSON string, or the text itself (the document sends `-d 'string'`).
COMMENT = Body(
    {JSON: str, "text/plain": str},
    "The comment's text: a JSON string, the text as sent, or text/plain; a JSON object or array"
    " is refused",
)


@invoices.route(
    "/invoices",
    methods=["POST"],
    operation=Operation(
        "createInvoice",
        "Create a draft invoice",
        body=json_request(NewInvoice, "The invoice; a field left out takes the tenant's default"),
        answers=(CREATED, FOUND_BY_EXTERNAL_ID),
        refuses=(400, 409, 413),
    ),
)
def create_invoice() -> Response:
    fields = json_body(invoices.current_request, NewInvoice)
    return _created(fields, location_prefix="invoices/find/")


@invoices.route(
    "/invoices/empty",
    methods=["POST"],
    operation=Operation(
        "createEmptyInvoice",
        "Create an empty draft with the tenant's defaults",
        answers=(CREATED, FOUND_BY_EXTERNAL_ID),
    ),
)
def create_empty_invoice() -> Response:
    return _created(NewInvoice(), location_prefix="find/")


@invoices.route(
    "/invoices/find/{invoiceId}",
    methods=["GET"],
    operation=Operation("findInvoice", "Read one invoice", (INVOICE_ANSWER,), refuses=(404, 409)),
)
def find_invoice(invoiceId: str) -> Response:
    invoice = use_cases().invoices.get(invoiceId, actor=current_actor())
    return invoice_response(invoice)


@invoices.route(
    "/invoices/find",
    methods=["GET"],
    operation=Operation(
        "findInvoices",
        "Read several invoices by id",
        (FOUND,),
        refuses=(400,),
        query=(Param("ids", list[str], IDS, required=True),),
    ),
)
def find_invoices() -> Response:
    return _found(_ids(invoices.current_request, required=True))


@invoices.route(
    "/invoices/find-list",
    methods=["GET"],
    operation=Operation(
        "findInvoiceList",
        "Read several invoices by id (none asked: none answered)",
        (FOUND,),
        refuses=(400,),
        query=(Param("ids", list[str], IDS),),
    ),
)
def find_invoice_list() -> Response:
    return _found(_ids(invoices.current_request, required=False))


@invoices.route(
    "/invoices/find-all",
    methods=["GET"],
    operation=Operation(
        "findAllInvoices",
        "List every invoice of the tenant",
        whole_list_answers("Every invoice, oldest first (or the page asked)"),
        refuses=(400,),
        query=PAGE_QUERY,
    ),
)
def find_all_invoices() -> Response:
    """Every invoice of the tenant, as documented; a page of them with `limit` or `cursor`."""
    request, cases = invoices.current_request, use_cases().invoices
    if not pages_asked(request):
        return export_response(cases.every(render=invoices_text, actor=current_actor()))
    limit, cursor = page_params(request)
    page = cases.list(actor=current_actor(), limit=limit, cursor=cursor)
    return page_response(page, limit, "find-all")


@invoices.route(
    "/invoices/{invoiceId}/update",
    methods=["PATCH"],
    operation=Operation(
        "updateInvoice",
        "Change the fields sent",
        (INVOICE_ANSWER,),
        refuses=(*INVOICE_CHANGE_REFUSALS, 413),
        body=json_request(InvoiceFields, "The fields to change; rows replace every row"),
        if_match=True,
    ),
)
def update_invoice(invoiceId: str) -> Response:
    request = invoices.current_request
    fields = json_body(request, InvoiceFields)
    invoice = use_cases().invoices.update(invoiceId, fields, **write_context(request))
    return invoice_response(invoice)


@invoices.route(
    "/invoices/{invoiceId}/link-opportunity/{opportunityId}",
    methods=["PATCH"],
    operation=Operation(
        "linkOpportunity",
        "Link the invoice to an opportunity",
        (INVOICE_ANSWER,),
        refuses=INVOICE_CHANGE_REFUSALS,
        if_match=True,
    ),
)
def link_opportunity(invoiceId: str, opportunityId: str) -> Response:
    request = invoices.current_request
    fields = validated(InvoiceFields, {"opportunityId": opportunityId})
    invoice = use_cases().invoices.update(invoiceId, fields, **write_context(request))
    return invoice_response(invoice)


@invoices.route(
    "/invoices/{invoiceId}/rows",
    methods=["POST"],
    operation=Operation(
        "addRow",
        "Add a row to a draft",
        (INVOICE_ANSWER,),
        refuses=(*INVOICE_CHANGE_REFUSALS, 413),
        body=json_request(InvoiceRowInput, "The row"),
        if_match=True,
    ),
)
def add_row(invoiceId: str) -> Response:
    request = invoices.current_request
    row = json_body(request, InvoiceRowInput)
    return invoice_response(use_cases().invoices.add_row(invoiceId, row, **write_context(request)))


@invoices.route(
    "/invoices/{invoiceId}/rows/{rowId}",
    methods=["DELETE"],
    operation=Operation(
        "removeRow", "Remove a row from a draft", (INVOICE_ANSWER,), (404, 409), if_match=True
    ),
)
def remove_row(invoiceId: str, rowId: str) -> Response:
    request = invoices.current_request
    invoice = use_cases().invoices.remove_row(invoiceId, rowId, **write_context(request))
    return invoice_response(invoice)


@invoices.route(
    "/invoices/{invoiceId}/comment",
    methods=["POST"],
    content_types=["application/json", "text/plain"],
    operation=Operation(
        "addComment",
        "Add a comment",
        (INVOICE_ANSWER,),
        refuses=(*INVOICE_CHANGE_REFUSALS, 413),
        body=COMMENT,
        if_match=True,
    ),
)
def add_comment(invoiceId: str) -> Response:
    request = invoices.current_request
    text = _comment_text(request)
    invoice = use_cases().invoices.add_comment(invoiceId, text, **write_context(request))
    return invoice_response(invoice)


@invoices.route(
    "/invoices/{invoiceId}",
    methods=["DELETE"],
    operation=Operation(
        "deleteInvoice",
        "Delete a draft that never took a number",
        (no_content_answer("Deleted"),),
        refuses=(404, 409),
        if_match=True,
    ),
)
def delete_invoice(invoiceId: str) -> Response:
    use_cases().invoices.delete(invoiceId, **write_context(invoices.current_request))
    return no_content()


@invoices.route(
    "/invoices/delete-list",
    methods=["DELETE"],
    operation=Operation(
        "deleteInvoiceList",
        "Delete several drafts, all or none",
        (no_content_answer("Deleted, every one of them"),),
        refuses=(400, 404, 409),
        query=(Param("ids", list[str], IDS),),
    ),
)
def delete_invoice_list() -> Response:
    """`ids` is optional, as documented: without it nothing is deleted."""
    cases = use_cases().invoices
    ids = _ids(invoices.current_request, required=False, most=cases.most_deleted_at_once)
    cases.delete_many(ids, actor=current_actor())
    return no_content()


def _created(fields: NewInvoice, *, location_prefix: str) -> Response:
    """201 with a Location relative to the request's own URL, so it holds behind any base path;
    200 with the invoice its externalId already names, which is not created again."""
    added = use_cases().invoices.create(fields, actor=current_actor())
    location = f"{location_prefix}{added.invoice.id}"
    return invoice_response(added.invoice, status=201 if added.created else 200, location=location)


def _found(ids: list[str]) -> Response:
    found = use_cases().invoices.find(ids, actor=current_actor())
    return json_response([invoice_json(invoice) for invoice in found])


def _ids(request: Request, *, required: bool, most: int = MAX_IDS) -> list[str]:
    ids = query_list(request, "ids")
    if required and not ids:
        raise invalid_request(FieldProblem("ids", "at least one id is required"))
    if len(ids) > most:
        raise invalid_request(FieldProblem("ids", f"at most {most} ids per request"))
    return ids


def _comment_text(request: Request) -> str:
    """The body is the comment itself, as the document's own request sends it (`-d 'string'`
    as application/json): a JSON string is its value; a JSON object or array is refused (it is
    data, not text); any other body is the text as sent (decision 0033)."""
    try:
        raw = body_bytes(request).decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_comment("must be text in UTF-8") from None
    content_type = (request.headers.get("content-type") or "").lower()
    text = raw if content_type.startswith("text/plain") else _comment_of(raw)
    if not text.strip():
        raise _bad_comment("must not be empty: the text of the comment")
    if len(text) > MAX_COMMENT_LENGTH:
        raise _bad_comment(f"must be at most {MAX_COMMENT_LENGTH} characters")
    return text.strip()


def _comment_of(raw: str) -> str:
    try:
        value: Any = json.loads(raw)
    except (ValueError, RecursionError):
        return raw
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        raise _bad_comment("must be the text of the comment or a JSON string, not JSON data")
    return raw


def _bad_comment(message: str) -> HttpError:
    return invalid_request(FieldProblem("body", message))
