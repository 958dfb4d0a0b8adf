"""Document use cases on the fakes: an invoice's PDF and attachments are kept under the tenant's
prefix and recorded on the invoice, or, when anything is refused, nothing is kept at all; links
last a quarter of an hour from the pinned clock; another tenant reaches none of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.errors import (
    BlobNotFoundError,
    FileRefusedError,
    InvalidInputError,
    InvoiceNotFoundError,
)
from chalicelib.domain.files import MAX_ATTACHMENTS, attachment_path, invoice_pdf_path, upload_path
from chalicelib.domain.invoice import EventType, Invoice
from chalicelib.domain.values import Actor
from chalicelib.services import documents, invoices
from chalicelib.services.documents import NoPdfYetError, Upload, UploadNotFoundError
from tests.fakes import FakeWorld
from tests.images import image_bytes

ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="gina")
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
QUARTER_HOUR = timedelta(minutes=15)
PNG = image_bytes("PNG", (6, 6))
NOTES = Upload("notes.txt", "text/plain", b"Lieferung an Tor 3, bitte klingeln.\n")
PICTURE = Upload("site.png", "image/png", PNG)
BINARY = Upload("site.png", "image/png", b"\x00\x01\x02\x03 not an image at all")


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld(NOW)


@pytest.fixture
def draft(world: FakeWorld) -> Invoice:
    body = NewInvoice.model_validate(
        {"currency": "EUR", "rows": [{"description": "Beratung", "quantity": "1.5",
                                      "unitPrice": "120.00", "taxRate": 19}]}
    )  # fmt: skip
    return invoices.create_invoice(body, actor=ACME, ports=world.ports).invoice


def test_a_generated_pdf_is_kept_recorded_and_served_as_kept(
    world: FakeWorld, draft: Invoice
) -> None:
    world.clock.advance(minutes=1)

    generated = documents.generate_pdf(draft.id, actor=ACME, ports=world.documents)

    blob = generated.pdf
    assert blob is not None and blob.created == world.clock.now()
    kept = world.files.get(invoice_pdf_path("acme", draft.id, blob.blob_id))
    assert kept is not None and kept.startswith(b"%PDF") and blob.file_size == len(kept)
    assert blob.name == f"draft-{draft.id}.pdf"
    assert generated.events[-1].type == EventType.PDF_GENERATED
    assert world.invoices.get("acme", draft.id) == generated
    assert documents.pdf_bytes(draft.id, actor=ACME, ports=world.documents) == (blob, kept)
    assert str(generated.total_with_tax) == "214.20"  # 180.00 and 19 % tax, to the cent


def test_a_pdf_link_is_refused_until_one_is_generated_and_then_lasts_a_quarter_hour(
    world: FakeWorld, draft: Invoice
) -> None:
    with pytest.raises(NoPdfYetError):
        documents.pdf_link(draft.id, actor=ACME, ports=world.documents)
    documents.generate_pdf(draft.id, actor=ACME, ports=world.documents)

    link = documents.pdf_link(draft.id, actor=ACME, ports=world.documents)

    assert link.expires_at == NOW + QUARTER_HOUR
    served = world.files.fetch(link.url)
    assert served is not None and served.startswith(b"%PDF")


def test_another_tenant_can_neither_generate_nor_fetch_the_pdf(
    world: FakeWorld, draft: Invoice
) -> None:
    with pytest.raises(InvoiceNotFoundError):
        documents.generate_pdf(draft.id, actor=GLOBEX, ports=world.documents)
    assert world.files.objects == {}

    documents.generate_pdf(draft.id, actor=ACME, ports=world.documents)
    with pytest.raises(InvoiceNotFoundError):
        documents.pdf_bytes(draft.id, actor=GLOBEX, ports=world.documents)
    with pytest.raises(InvoiceNotFoundError):
        documents.pdf_link(draft.id, actor=GLOBEX, ports=world.documents)


def test_attachments_are_kept_under_the_tenant_and_recorded_on_the_invoice(
    world: FakeWorld, draft: Invoice
) -> None:
    attached = documents.add_attachments(
        draft.id, [NOTES, PICTURE], actor=ACME, ports=world.documents
    )

    names = [(blob.name, blob.file_size) for blob in attached.attachments]
    assert names == [("notes.txt", len(NOTES.data)), ("site.png", len(PNG))]
    for blob, upload in zip(attached.attachments, [NOTES, PICTURE], strict=True):
        assert world.files.get(attachment_path("acme", draft.id, blob.blob_id)) == upload.data
    assert attached.version == draft.version + 1
    blob, link = documents.attachment_link(
        draft.id, attached.attachments[1].blob_id, actor=ACME, ports=world.documents
    )
    assert (world.files.fetch(link.url), link.expires_at) == (PNG, NOW + QUARTER_HOUR)


def test_one_refused_file_keeps_none_of_them_and_leaves_the_invoice(
    world: FakeWorld, draft: Invoice
) -> None:
    with pytest.raises(FileRefusedError):
        documents.add_attachments(draft.id, [NOTES, BINARY], actor=ACME, ports=world.documents)

    assert world.files.objects == {}
    assert world.invoices.get("acme", draft.id) == draft


def test_no_file_at_all_is_refused(world: FakeWorld, draft: Invoice) -> None:
    with pytest.raises(InvalidInputError, match="files"):
        documents.add_attachments(draft.id, [], actor=ACME, ports=world.documents)


def test_files_an_invoice_cannot_record_are_not_kept_either(
    world: FakeWorld, draft: Invoice
) -> None:
    full = documents.add_attachments(
        draft.id, [NOTES] * MAX_ATTACHMENTS, actor=ACME, ports=world.documents
    )
    kept = dict(world.files.objects)

    with pytest.raises(InvalidInputError, match="at most 20 attachments"):
        documents.add_attachments(draft.id, [PICTURE], actor=ACME, ports=world.documents)

    assert world.files.objects == kept
    assert world.invoices.get("acme", draft.id) == full


def test_another_tenant_cannot_attach_to_the_invoice(world: FakeWorld, draft: Invoice) -> None:
    with pytest.raises(InvoiceNotFoundError):
        documents.add_attachments(draft.id, [NOTES], actor=GLOBEX, ports=world.documents)

    assert world.files.objects == {}
    assert world.invoices.get("acme", draft.id) == draft


def test_a_removed_attachment_is_gone_from_the_invoice_and_the_bucket(
    world: FakeWorld, draft: Invoice
) -> None:
    attached = documents.add_attachments(
        draft.id, [NOTES, PICTURE], actor=ACME, ports=world.documents
    )
    notes, picture = attached.attachments

    with pytest.raises(InvoiceNotFoundError):
        documents.remove_attachment(draft.id, notes.blob_id, actor=GLOBEX, ports=world.documents)
    left = documents.remove_attachment(draft.id, notes.blob_id, actor=ACME, ports=world.documents)

    assert left.attachments == [picture]
    assert world.files.get(attachment_path("acme", draft.id, notes.blob_id)) is None
    assert world.files.get(attachment_path("acme", draft.id, picture.blob_id)) == PNG
    with pytest.raises(BlobNotFoundError):
        documents.remove_attachment(draft.id, notes.blob_id, actor=ACME, ports=world.documents)


def upload_form(world: FakeWorld, invoice_id: str, name: str = "site.png") -> dict[str, object]:
    return documents.attachment_upload_form(
        invoice_id, name, "image/png", actor=ACME, ports=world.documents
    )


def test_a_file_uploaded_through_a_form_is_attached_once_checked(
    world: FakeWorld, draft: Invoice
) -> None:
    form = upload_form(world, draft.id)
    blob_id = str(form["blobId"])
    assert form["expiresAt"] == NOW + QUARTER_HOUR
    assert world.files.post(form, PNG)

    registered = documents.register_upload(
        draft.id, blob_id, "site.png", actor=ACME, ports=world.documents
    )
    again = documents.register_upload(
        draft.id, blob_id, "site.png", actor=ACME, ports=world.documents
    )

    assert [blob.blob_id for blob in registered.attachments] == [blob_id]
    assert again == registered
    assert world.files.get(attachment_path("acme", draft.id, blob_id)) == PNG
    assert world.files.get(upload_path("acme", draft.id, blob_id)) is None


def test_an_uploaded_file_that_fails_the_checks_is_deleted_not_attached(
    world: FakeWorld, draft: Invoice
) -> None:
    form = upload_form(world, draft.id)
    world.files.post(form, BINARY.data)

    with pytest.raises(FileRefusedError):
        documents.register_upload(
            draft.id, str(form["blobId"]), "site.png", actor=ACME, ports=world.documents
        )

    assert world.files.objects == {}
    assert world.invoices.get("acme", draft.id) == draft


def test_registering_what_was_never_uploaded_is_not_found(world: FakeWorld, draft: Invoice) -> None:
    form = upload_form(world, draft.id)

    with pytest.raises(UploadNotFoundError):
        documents.register_upload(
            draft.id, str(form["blobId"]), "site.png", actor=ACME, ports=world.documents
        )


def test_another_tenant_can_neither_get_a_form_nor_register_an_upload(
    world: FakeWorld, draft: Invoice
) -> None:
    form = upload_form(world, draft.id)
    world.files.post(form, PNG)

    with pytest.raises(InvoiceNotFoundError):
        documents.attachment_upload_form(
            draft.id, "x.png", "image/png", actor=GLOBEX, ports=world.documents
        )
    with pytest.raises(InvoiceNotFoundError):
        documents.register_upload(
            draft.id, str(form["blobId"]), "site.png", actor=GLOBEX, ports=world.documents
        )

    assert world.invoices.get("acme", draft.id) == draft
    assert world.files.get(upload_path("acme", draft.id, str(form["blobId"]))) == PNG


def test_a_form_for_a_type_no_attachment_may_have_is_refused(
    world: FakeWorld, draft: Invoice
) -> None:
    with pytest.raises(InvalidInputError, match="contentType"):
        documents.attachment_upload_form(
            draft.id, "run.exe", "application/x-msdownload", actor=ACME, ports=world.documents
        )
