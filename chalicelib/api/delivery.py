"""Emailing invoices under /api/v1: send (issuing a draft), remind, schedule and unschedule."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from chalice.app import Request, Response
from pydantic import ConfigDict

from chalicelib.api.documents import MAX_REQUEST_FILE_BYTES, FilePart, uploads_in
from chalicelib.api.http import body_bytes, parsed_json, validated
from chalicelib.api.multipart import Form, parse_form
from chalicelib.api.operations import JSON, MULTIPART, Body, Operation
from chalicelib.api.problems import invalid_request
from chalicelib.api.representations import (
    INVOICE_ANSWER,
    INVOICE_CHANGE_REFUSALS,
    invoice_answer,
    invoice_response,
)
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor, write_context
from chalicelib.bootstrap import use_cases
from chalicelib.domain.commands import Command
from chalicelib.domain.errors import FieldProblem
from chalicelib.domain.values import AcceptedTimestamp, DateTimeText
from chalicelib.services.documents import Upload

delivery = ApiBlueprint(__name__)

# A body is optional: multipart gives a PDF and fields, JSON gives fields (a PDF is a file, so it
# comes only as a part). Any other type is a 415 (Chalice answers it); nothing sent is dropped.
OPTIONAL_FORM = [MULTIPART, JSON]
SEND_FIELDS: frozenset[str] = frozenset()
SCHEDULE_FIELDS = frozenset({"sendAt", "send_at"})
# `-F pdf="..."` (the document's own example) sends text: a PDF comes only as a file part.
PDF_AS_TEXT = "must be a file (a multipart part with a filename) holding the PDF, not text"


# Any field a route does not take is refused (optional_form), so nothing sent is dropped.
ONLY_THESE_FIELDS = ConfigDict(json_schema_extra={"additionalProperties": False})


class ScheduleFields(Command):
    model_config = ONLY_THESE_FIELDS

    send_at: AcceptedTimestamp | None = None


class NoFields(Command):
    """A JSON body that sends no field: send takes none."""

    model_config = ONLY_THESE_FIELDS


class SendForm(TypedDict):
    pdf: NotRequired[FilePart]  # the PDF to email, instead of the one rendered


class ScheduleForm(SendForm):
    sendAt: NotRequired[DateTimeText]  # when to email it (default 08:00 on its date, its time)


SENT = invoice_answer("The invoice as sent: issued, with the email recorded")


def optional_form(request: Request, fields: frozenset[str]) -> Form:
    """The request's parts, or its JSON object's fields; a field this route does not take is a
    400, never ignored."""
    content_type = (request.headers.get("content-type") or "").lower()
    if content_type.startswith("multipart/"):
        form = parse_form(request, max_files=1, max_bytes=MAX_REQUEST_FILE_BYTES)
    else:
        form = Form(fields=_json_fields(request), files=())
    unknown = sorted(set(form.fields) - fields)
    if unknown:
        taken = ", ".join(sorted(fields - {"send_at"})) or "no field"
        message = f"is not taken here (this takes {taken}, and a pdf part in multipart)"
        raise invalid_request(
            *(FieldProblem(name, PDF_AS_TEXT if name == "pdf" else message) for name in unknown)
        )
    return form


def _json_fields(request: Request) -> dict[str, Any]:
    if not body_bytes(request).strip():
        return {}
    body = parsed_json(request)
    if not isinstance(body, dict):
        raise invalid_request(FieldProblem("body", "must be a JSON object"))
    return body


def given_pdf(form: Form) -> Upload | None:
    pdfs = uploads_in(form, "pdf")
    if len(form.files) > len(pdfs):
        raise invalid_request(FieldProblem("pdf", "the only file part this takes is pdf"))
    return pdfs[0] if pdfs else None


@delivery.route(
    "/invoices/{invoiceId}/send",
    methods=["POST"],
    content_types=OPTIONAL_FORM,
    operation=Operation(
        "sendInvoice",
        "Email the invoice with its PDF, issuing a draft",
        (SENT,),
        refuses=(*INVOICE_CHANGE_REFUSALS, 413, 502),
        body=Body(
            {MULTIPART: SendForm, JSON: NoFields}, "A PDF of its own, if any", required=False
        ),
    ),
)
def send_invoice(invoiceId: str) -> Response:
    form = optional_form(delivery.current_request, SEND_FIELDS)
    invoice = use_cases().documents.send(invoiceId, given_pdf(form), actor=current_actor())
    return invoice_response(invoice)


@delivery.route(
    "/invoices/{invoiceId}/send-reminder",
    methods=["POST"],
    operation=Operation(
        "sendReminder",
        "Email a reminder",
        (invoice_answer("The invoice, the reminder recorded"),),
        refuses=(404, 409, 502),
    ),
)
def send_reminder(invoiceId: str) -> Response:
    invoice = use_cases().documents.send_reminder(invoiceId, actor=current_actor())
    return invoice_response(invoice)


@delivery.route(
    "/invoices/{invoiceId}/schedule",
    methods=["POST"],
    content_types=OPTIONAL_FORM,
    operation=Operation(
        "scheduleInvoice",
        "Number the invoice and leave it for the sending job",
        (invoice_answer("The invoice, SCHEDULED"),),
        refuses=(*INVOICE_CHANGE_REFUSALS, 413),
        body=Body(
            {MULTIPART: ScheduleForm, JSON: ScheduleFields},
            "When to send it, and a PDF of its own, if any",
            required=False,
        ),
    ),
)
def schedule_invoice(invoiceId: str) -> Response:
    form = optional_form(delivery.current_request, SCHEDULE_FIELDS)
    fields = validated(ScheduleFields, dict(form.fields))
    invoice = use_cases().documents.schedule(
        invoiceId, fields.send_at, given_pdf(form), actor=current_actor()
    )
    return invoice_response(invoice)


@delivery.route(
    "/invoices/{invoiceId}/unschedule",
    methods=["PATCH"],
    operation=Operation(
        "unscheduleInvoice",
        "Take a scheduled invoice back to DRAFT",
        (INVOICE_ANSWER,),
        refuses=(404, 409),
        if_match=True,
    ),
)
def unschedule_invoice(invoiceId: str) -> Response:
    request = delivery.current_request
    return invoice_response(use_cases().lifecycle.unschedule(invoiceId, **write_context(request)))
