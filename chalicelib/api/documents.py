"""An invoice's documents under /api/v1: its PDF and its attachments (the logo is a setting)."""

from __future__ import annotations

from chalice.app import Request, Response

from chalicelib.api.http import json_body, json_response
from chalicelib.api.multipart import Form, parse_form
from chalicelib.api.representations import invoice_response
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import get_deps
from chalicelib.documents.disposition import content_disposition
from chalicelib.domain.commands import Command
from chalicelib.domain.values import ShortText, format_timestamp
from chalicelib.services import documents as service
from chalicelib.services.documents import Link, Upload

documents = ApiBlueprint(__name__)

MULTIPART = ["multipart/form-data"]
MAX_FILES_PER_REQUEST = 10
# An API request carries at most what Lambda accepts (6 MB, base64 in API Gateway); larger
# files go through a presigned upload (attachments/upload-url).
MAX_REQUEST_FILE_BYTES = 5 * 1024 * 1024


class UploadUrlRequest(Command):
    name: ShortText
    content_type: ShortText


class RegisterUpload(Command):
    name: ShortText


def uploads_in(form: Form, field: str) -> list[Upload]:
    return [
        Upload(name=f.filename, claimed_type=f.content_type, data=f.data)
        for f in form.files
        if f.field == field
    ]


def link_response(link: Link, **extra: object) -> Response:
    """See Other: a client that follows redirects fetches the file itself (without our
    credential); the link is in the body too."""
    body = {**extra, "url": link.url, "expiresAt": format_timestamp(link.expires_at)}
    return json_response(body, status=303, headers={"Location": link.url})


@documents.route("/invoices/{invoiceId}/generate-pdf", methods=["POST"])
def generate_pdf(invoiceId: str) -> Response:
    deps = get_deps()
    invoice = service.generate_pdf(invoiceId, actor=current_actor(), ports=deps.document_ports)
    return invoice_response(invoice)


@documents.route("/invoices/{invoiceId}/pdf", methods=["GET"])
def get_pdf(invoiceId: str) -> Response:
    """A short-lived link to the PDF; the PDF itself when the caller accepts only PDF."""
    request = documents.current_request
    ports = get_deps().document_ports
    if _wants_pdf(request):
        blob, data = service.pdf_bytes(invoiceId, actor=current_actor(), ports=ports)
        disposition = content_disposition("inline", blob.name)
        headers = {"Content-Type": "application/pdf", "Content-Disposition": disposition}
        return Response(body=data, status_code=200, headers=dict(headers))
    link = service.pdf_link(invoiceId, actor=current_actor(), ports=ports)
    return link_response(link)


def _wants_pdf(request: Request) -> bool:
    accept = (request.headers.get("accept") or "").lower()
    return "application/pdf" in accept and "application/json" not in accept


@documents.route(
    "/invoices/{invoiceId}/upload-attachments", methods=["POST"], content_types=MULTIPART
)
def upload_attachments(invoiceId: str) -> Response:
    form = parse_form(
        documents.current_request,
        max_files=MAX_FILES_PER_REQUEST,
        max_bytes=MAX_REQUEST_FILE_BYTES,
    )
    uploads = uploads_in(form, "files")
    invoice = service.add_attachments(
        invoiceId, uploads, actor=current_actor(), ports=get_deps().document_ports
    )
    return invoice_response(invoice)


@documents.route("/invoices/{invoiceId}/attachments/{blobId}", methods=["GET"])
def get_attachment(invoiceId: str, blobId: str) -> Response:
    blob, link = service.attachment_link(
        invoiceId, blobId, actor=current_actor(), ports=get_deps().document_ports
    )
    return link_response(link, **blob.model_dump(mode="json", by_alias=True))


@documents.route("/invoices/{invoiceId}/attachments/{blobId}", methods=["DELETE"])
def delete_attachment(invoiceId: str, blobId: str) -> Response:
    invoice = service.remove_attachment(
        invoiceId, blobId, actor=current_actor(), ports=get_deps().document_ports
    )
    return invoice_response(invoice)


@documents.route("/invoices/{invoiceId}/attachments/upload-url", methods=["POST"])
def attachment_upload_url(invoiceId: str) -> Response:
    asked = json_body(documents.current_request, UploadUrlRequest)
    form = service.attachment_upload_form(
        invoiceId,
        asked.name,
        asked.content_type,
        actor=current_actor(),
        ports=get_deps().document_ports,
    )
    form["expiresAt"] = format_timestamp(form["expiresAt"])
    return json_response(form, status=201)


@documents.route("/invoices/{invoiceId}/attachments/{blobId}", methods=["POST"])
def register_upload(invoiceId: str, blobId: str) -> Response:
    given = json_body(documents.current_request, RegisterUpload)
    invoice = service.register_upload(
        invoiceId, blobId, given.name, actor=current_actor(), ports=get_deps().document_ports
    )
    return invoice_response(invoice)
