"""An invoice's documents under /api/v1: its PDF and its attachments (the logo is a setting)."""

from __future__ import annotations

from typing import Annotated, TypedDict

from chalice.app import Request, Response
from pydantic import WithJsonSchema

from chalicelib.api.http import json_body, json_response
from chalicelib.api.multipart import Form, parse_form
from chalicelib.api.operations import (
    MULTIPART,
    Answer,
    Body,
    Operation,
    json_answer,
    json_request,
)
from chalicelib.api.representations import (
    INVOICE_ANSWER,
    INVOICE_CHANGE_REFUSALS,
    invoice_response,
)
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.documents.disposition import content_disposition
from chalicelib.domain.commands import Command
from chalicelib.domain.invoice import Blob
from chalicelib.domain.values import DateTimeText, ShortText, Timestamp, format_timestamp
from chalicelib.services.documents import Link, Upload

documents = ApiBlueprint(__name__)

MULTIPART_ONLY = [MULTIPART]
MAX_FILES_PER_REQUEST = 10
# An API request carries at most what Lambda accepts (6 MB, base64 in API Gateway); larger
# files go through a presigned upload (attachments/upload-url).
MAX_REQUEST_FILE_BYTES = 5 * 1024 * 1024


class UploadUrlRequest(Command):
    name: ShortText
    content_type: ShortText


class RegisterUpload(Command):
    name: ShortText


# Bytes as OpenAPI 3.1 says them (contentMediaType), and as 3.0 did (format: binary), which is
# what client generators still read as a file: without it, they type a file part as text.
def bytes_of(media_type: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "format": "binary", "contentMediaType": media_type})


# A file part of a multipart/form-data body.
FilePart = Annotated[bytes, bytes_of("application/octet-stream")]


class AttachmentsForm(TypedDict):
    files: list[FilePart]


class FileLink(TypedDict):
    url: str
    expiresAt: DateTimeText


class AttachmentLink(Blob):
    """The attachment as the invoice lists it, and where to download it (link_response)."""

    url: str
    expires_at: Timestamp


class UploadForm(TypedDict):
    """A presigned S3 POST: send `fields` and then the file, as multipart/form-data, to `url`."""

    blobId: str
    name: str
    expiresAt: DateTimeText
    url: str
    fields: dict[str, str]


LINKED = "See Other: a link valid 15 minutes, at the Location and in the body"
PDF_ITSELF = Answer(
    200,
    "The PDF itself, for `Accept: application/pdf`",
    {"application/pdf": Annotated[bytes, bytes_of("application/pdf")]},
    ("Content-Disposition",),
)


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


@documents.route(
    "/invoices/{invoiceId}/generate-pdf",
    methods=["POST"],
    operation=Operation(
        "generatePdf",
        "Render the invoice's PDF and keep it",
        (INVOICE_ANSWER,),
        refuses=(404, 409),
    ),
)
def generate_pdf(invoiceId: str) -> Response:
    invoice = use_cases().documents.generate_pdf(invoiceId, actor=current_actor())
    return invoice_response(invoice)


@documents.route(
    "/invoices/{invoiceId}/pdf",
    methods=["GET"],
    operation=Operation(
        "getPdf",
        "Download the invoice's PDF",
        (json_answer(303, LINKED, FileLink, "Location"), PDF_ITSELF),
        refuses=(404,),
    ),
)
def get_pdf(invoiceId: str) -> Response:
    """A short-lived link to the PDF; the PDF itself when the caller accepts only PDF."""
    request = documents.current_request
    cases = use_cases().documents
    if wants_pdf(request):
        blob, data = cases.pdf_bytes(invoiceId, actor=current_actor())
        disposition = content_disposition("inline", blob.name)
        headers = {"Content-Type": "application/pdf", "Content-Disposition": disposition}
        return Response(body=data, status_code=200, headers=dict(headers))
    link = cases.pdf_link(invoiceId, actor=current_actor())
    return link_response(link)


def wants_pdf(request: Request) -> bool:
    accept = (request.headers.get("accept") or "").lower()
    return "application/pdf" in accept and "application/json" not in accept


@documents.route(
    "/invoices/{invoiceId}/upload-attachments",
    methods=["POST"],
    content_types=MULTIPART_ONLY,
    operation=Operation(
        "uploadAttachments",
        "Attach files, all or none",
        (INVOICE_ANSWER,),
        refuses=(*INVOICE_CHANGE_REFUSALS, 413),
        body=Body({MULTIPART: AttachmentsForm}, "The files, each a part named files"),
    ),
)
def upload_attachments(invoiceId: str) -> Response:
    form = parse_form(
        documents.current_request,
        max_files=MAX_FILES_PER_REQUEST,
        max_bytes=MAX_REQUEST_FILE_BYTES,
    )
    uploads = uploads_in(form, "files")
    invoice = use_cases().documents.add_attachments(invoiceId, uploads, actor=current_actor())
    return invoice_response(invoice)


@documents.route(
    "/invoices/{invoiceId}/attachments/{blobId}",
    methods=["GET"],
    operation=Operation(
        "getAttachment",
        "Download an attachment",
        (json_answer(303, LINKED, AttachmentLink, "Location"),),
        refuses=(404,),
    ),
)
def get_attachment(invoiceId: str, blobId: str) -> Response:
    blob, link = use_cases().documents.attachment_link(invoiceId, blobId, actor=current_actor())
    return link_response(link, **blob.model_dump(mode="json", by_alias=True))


@documents.route(
    "/invoices/{invoiceId}/attachments/{blobId}",
    methods=["DELETE"],
    operation=Operation(
        "deleteAttachment",
        "Remove an attachment and its file",
        (INVOICE_ANSWER,),
        refuses=(404, 409),
    ),
)
def delete_attachment(invoiceId: str, blobId: str) -> Response:
    invoice = use_cases().documents.remove_attachment(invoiceId, blobId, actor=current_actor())
    return invoice_response(invoice)


@documents.route(
    "/invoices/{invoiceId}/attachments/upload-url",
    methods=["POST"],
    operation=Operation(
        "createAttachmentUploadUrl",
        "Get a presigned upload for a larger file",
        (json_answer(201, "Where and how to upload it", UploadForm),),
        refuses=(400, 404, 413),
        body=json_request(UploadUrlRequest, "The file's name and media type"),
    ),
)
def attachment_upload_url(invoiceId: str) -> Response:
    asked = json_body(documents.current_request, UploadUrlRequest)
    form = use_cases().documents.attachment_upload_form(
        invoiceId, asked.name, asked.content_type, actor=current_actor()
    )
    form["expiresAt"] = format_timestamp(form["expiresAt"])
    return json_response(form, status=201)


@documents.route(
    "/invoices/{invoiceId}/attachments/{blobId}",
    methods=["POST"],
    operation=Operation(
        "registerUpload",
        "Attach a file uploaded through a presigned upload",
        (INVOICE_ANSWER,),
        refuses=(*INVOICE_CHANGE_REFUSALS, 413),
        body=json_request(RegisterUpload, "The attachment's name"),
    ),
)
def register_upload(invoiceId: str, blobId: str) -> Response:
    given = json_body(documents.current_request, RegisterUpload)
    invoice = use_cases().documents.register_upload(
        invoiceId, blobId, given.name, actor=current_actor()
    )
    return invoice_response(invoice)
