"""Emailing invoices under /api/v1: send (issuing a draft), remind, schedule and unschedule."""

from __future__ import annotations

from chalice.app import Request, Response
from pydantic import AwareDatetime

from chalicelib.api.documents import MAX_REQUEST_FILE_BYTES, uploads_in
from chalicelib.api.http import validated
from chalicelib.api.multipart import Form, parse_form
from chalicelib.api.problems import invalid_request
from chalicelib.api.representations import invoice_response
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor, write_context
from chalicelib.bootstrap import get_deps
from chalicelib.domain.commands import Command
from chalicelib.domain.errors import FieldProblem
from chalicelib.services import delivery as service
from chalicelib.services import lifecycle
from chalicelib.services.documents import Upload

delivery = ApiBlueprint(__name__)

# A body is optional: JSON (or none) for "no parts", multipart to give a PDF or a time.
OPTIONAL_FORM = ["multipart/form-data", "application/json"]


class ScheduleFields(Command):
    send_at: AwareDatetime | None = None


def optional_form(request: Request) -> Form:
    content_type = (request.headers.get("content-type") or "").lower()
    if not content_type.startswith("multipart/"):
        return Form(fields={}, files=())
    return parse_form(request, max_files=1, max_bytes=MAX_REQUEST_FILE_BYTES)


def given_pdf(form: Form) -> Upload | None:
    pdfs = uploads_in(form, "pdf")
    if len(form.files) > len(pdfs):
        raise invalid_request(FieldProblem("pdf", "the only file part this takes is pdf"))
    return pdfs[0] if pdfs else None


@delivery.route("/invoices/{invoiceId}/send", methods=["POST"], content_types=OPTIONAL_FORM)
def send_invoice(invoiceId: str) -> Response:
    form = optional_form(delivery.current_request)
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
    form = optional_form(delivery.current_request)
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
