"""Emailing invoices under /api/v1: send (issuing a draft), remind, schedule and unschedule."""

from __future__ import annotations

from typing import Any

from chalice.app import Request, Response

from chalicelib.api.documents import MAX_REQUEST_FILE_BYTES, uploads_in
from chalicelib.api.http import body_bytes, parsed_json, validated
from chalicelib.api.multipart import Form, parse_form
from chalicelib.api.problems import invalid_request
from chalicelib.api.representations import invoice_response
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor, write_context
from chalicelib.bootstrap import get_deps
from chalicelib.domain.commands import Command
from chalicelib.domain.errors import FieldProblem
from chalicelib.domain.values import AcceptedTimestamp
from chalicelib.services import delivery as service
from chalicelib.services import lifecycle
from chalicelib.services.documents import Upload

delivery = ApiBlueprint(__name__)

# A body is optional: multipart gives a PDF and fields, JSON gives fields (a PDF is a file, so it
# comes only as a part). Any other type is a 415 (Chalice answers it); nothing sent is dropped.
OPTIONAL_FORM = ["multipart/form-data", "application/json"]
SEND_FIELDS: frozenset[str] = frozenset()
SCHEDULE_FIELDS = frozenset({"sendAt", "send_at"})


class ScheduleFields(Command):
    send_at: AcceptedTimestamp | None = None


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
        raise invalid_request(*(FieldProblem(name, message) for name in unknown))
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


@delivery.route("/invoices/{invoiceId}/send", methods=["POST"], content_types=OPTIONAL_FORM)
def send_invoice(invoiceId: str) -> Response:
    form = optional_form(delivery.current_request, SEND_FIELDS)
    invoice = service.send_invoice(
        invoiceId, given_pdf(form), actor=current_actor(), ports=get_deps().document_ports
    )
    return invoice_response(invoice)


@delivery.route("/invoices/{invoiceId}/send-reminder", methods=["POST"])
def send_reminder(invoiceId: str) -> Response:
    invoice = service.send_reminder(
        invoiceId, actor=current_actor(), ports=get_deps().document_ports
    )
    return invoice_response(invoice)


@delivery.route("/invoices/{invoiceId}/schedule", methods=["POST"], content_types=OPTIONAL_FORM)
def schedule_invoice(invoiceId: str) -> Response:
    form = optional_form(delivery.current_request, SCHEDULE_FIELDS)
    fields = validated(ScheduleFields, dict(form.fields))
    invoice = service.schedule_invoice(
        invoiceId,
        fields.send_at,
        given_pdf(form),
        actor=current_actor(),
        ports=get_deps().document_ports,
    )
    return invoice_response(invoice)


@delivery.route("/invoices/{invoiceId}/unschedule", methods=["PATCH"])
def unschedule_invoice(invoiceId: str) -> Response:
    request = delivery.current_request
    return invoice_response(lifecycle.unschedule(invoiceId, **write_context(request)))
