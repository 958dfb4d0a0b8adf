"""How invoices, their credit notes, their counter and tenant settings are written as DynamoDB
items, and back."""

from __future__ import annotations

import base64
import binascii
import logging
import zlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import simplejson
from pydantic import ValidationError

from chalicelib.domain.credit_note_query import searchable_text
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.due import due_moments
from chalicelib.domain.errors import (
    FieldProblem,
    InvalidInputError,
    InvoiceTooLargeError,
    UnreadableInvoiceError,
    problems_of,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.text import STORED
from chalicelib.domain.values import format_timestamp, is_well_formed_id
from chalicelib.store import keys
from chalicelib.store.dynamo import from_item, key, to_item

# DynamoDB refuses items over 400 KB; stay clear of it with room for key attributes.
MAX_ITEM_BYTES = 380_000
# A tenant's figures are spread over this many items, so concurrent writes rarely share one.
STATS_SHARDS = 8
_NOT_FIGURES = frozenset({"PK", "SK", "entity"})
log = logging.getLogger(__name__)


def invoice_key(tenant_id: str, invoice_id: str) -> dict[str, Any]:
    return key(keys.tenant_pk(tenant_id), keys.invoice_sk(invoice_id))


def counter_key(tenant_id: str) -> dict[str, Any]:
    return key(keys.tenant_pk(tenant_id), keys.INVOICE_COUNTER_SK)


def stats_key(tenant_id: str, shard: int) -> dict[str, Any]:
    return key(keys.tenant_pk(tenant_id), keys.stats_sk(shard))


def stats_shard(invoice_id: str) -> int:
    return zlib.crc32(invoice_id.encode()) % STATS_SHARDS


def figures_of(item: dict[str, Any]) -> dict[str, Decimal]:
    return {name: value for name, value in from_item(item).items() if name not in _NOT_FIGURES}


def settings_key(tenant_id: str) -> dict[str, Any]:
    return key(keys.tenant_pk(tenant_id), keys.SETTINGS_SK)


def credit_note_key(tenant_id: str, credit_note_id: str) -> dict[str, Any]:
    return key(keys.tenant_pk(tenant_id), keys.credit_note_sk(credit_note_id))


def invoice_item(invoice: Invoice) -> dict[str, Any]:
    # An invoice no credit note credited keeps no summary: it reads back as the empty one; nor
    # does one that gave its client no credit keep a zero (decision 0056).
    unused = {"credited"} if not invoice.credited.credit_notes else set()
    unused |= {"client_credit"} if not invoice.client_credit else set()
    attributes = {
        **invoice.model_dump(mode="python", by_alias=True, exclude_none=True, exclude=unused),
        "PK": keys.tenant_pk(invoice.tenant_id),
        "SK": keys.invoice_sk(invoice.id),
        "entity": "INVOICE",
        "version": invoice.version,
        **({"writtenBy": invoice.written_by} if invoice.written_by else {}),
        **index_attributes(invoice),
    }
    size = len(simplejson.dumps(attributes, use_decimal=True).encode())
    if size > MAX_ITEM_BYTES:
        raise InvoiceTooLargeError(invoice.id, size, MAX_ITEM_BYTES)
    return to_item(attributes)


def index_attributes(invoice: Invoice) -> dict[str, str]:
    """The attributes that place an invoice in the global secondary indexes (one sort order
    each, and a few partitions by status, client and opportunity); an index holds only the
    invoices that carry its key attributes."""
    tenant = invoice.tenant_id

    def ordered(value: str) -> str:
        return keys.ordered(value, invoice.id)

    attributes = {
        "byCreated": ordered(format_timestamp(invoice.created)),
        "byInvoiceDate": ordered(invoice.invoice_date.isoformat()),
        "byDueDate": ordered(invoice.due_date.isoformat()),
        "byUpdated": ordered(format_timestamp(invoice.updated)),
        "byNumber": ordered(invoice.invoice_number or ""),
        "byTotal": ordered(keys.sortable_total(invoice.total)),
        "statusPK": keys.status_pk(tenant, invoice.status),
        "searchText": search_text(invoice),
    }
    if invoice.client_id:
        attributes["clientPK"] = keys.client_pk(tenant, invoice.client_id)
    if invoice.opportunity_id:
        attributes["opportunityPK"] = keys.opportunity_pk(tenant, invoice.opportunity_id)
    agreement = invoice.recurring_agreement
    if agreement is not None:
        attributes["recurringPK"] = keys.recurring_pk(tenant)
        next_date = agreement.next_invoice_date.isoformat() if agreement.next_invoice_date else ""
        attributes["byNextInvoiceDate"] = ordered(next_date)
    return attributes | due_attributes(invoice)


def due_attributes(invoice: Invoice) -> dict[str, str]:
    """The jobs' index entries: one per job with work on the invoice, at the moment it is due."""
    shard = keys.due_shard(invoice.id)
    attributes = {}
    for job, moment in due_moments(invoice).items():
        attributes[keys.due_pk_attribute(job)] = keys.due_pk(job, shard)
        attributes[keys.due_at_attribute(job)] = keys.ordered(format_timestamp(moment), invoice.id)
    return attributes


def search_text(invoice: Invoice) -> str:
    """What free-text search looks in, case-folded as search terms are."""
    client_name = invoice.client.name if invoice.client else None
    parts = (
        invoice.invoice_number,
        client_name,
        invoice.contact_email,
        invoice.note,
        invoice.payment_reference,
    )
    return "\n".join(part for part in parts if part).casefold()


def invoice_of(item: dict[str, Any]) -> Invoice:
    """The stored invoice; UnreadableInvoiceError (logged) when it cannot be read back."""
    try:
        return Invoice.from_stored(from_item(item))
    except (ValueError, ArithmeticError) as exc:  # pydantic's ValidationError is a ValueError
        invoice_id = str(item.get("SK", {}).get("S", "")).removeprefix(keys.INVOICE_PREFIX)
        fields = [p.field for p in problems_of(exc)] if isinstance(exc, ValidationError) else []
        log.error("Stored invoice %s cannot be read: %s", invoice_id, exc)
        raise UnreadableInvoiceError(invoice_id, fields) from exc


def readable_invoices(items: Iterable[dict[str, Any]]) -> list[Invoice]:
    """The stored invoices that can be read back; one that cannot is left out (and logged), so a
    list is never lost for one item."""
    invoices = []
    for item in items:
        try:
            invoices.append(invoice_of(item))
        except UnreadableInvoiceError:
            continue
    return invoices


def credit_note_item(note: CreditNote) -> dict[str, Any]:
    """A credit note at its version: issued as version 1, its amounts never changed; a later
    write (its events) moves the version on."""
    attributes = {
        **note.model_dump(mode="python", by_alias=True, exclude_none=True),
        "PK": keys.tenant_pk(note.tenant_id),
        "SK": keys.credit_note_sk(note.id),
        keys.CREDIT_NOTES_PK: keys.tenant_pk(note.tenant_id),
        keys.BY_CREDIT_NOTE_DATE: credit_note_order(note),
        "searchText": searchable_text(note),
        "entity": "CREDIT_NOTE",
        "version": note.version,
        **({"writtenBy": note.written_by} if note.written_by else {}),
    }
    size = len(simplejson.dumps(attributes, use_decimal=True).encode())
    if size > MAX_ITEM_BYTES:  # never for a note of a storable invoice: it has fewer rows
        raise InvoiceTooLargeError(note.invoice_id, size, MAX_ITEM_BYTES)
    return to_item(attributes)


def credit_note_order(note: CreditNote) -> str:
    return keys.credit_note_order(note.credit_note_date, format_timestamp(note.created), note.id)


def credit_note_of(item: dict[str, Any]) -> CreditNote:
    """The stored credit note, its amounts in its currency's minor units."""
    return CreditNote.model_validate(from_item(item)).in_minor_units()


def counter_item(tenant_id: str, counter: InvoiceCounter) -> dict[str, Any]:
    return to_item(
        {
            "PK": keys.tenant_pk(tenant_id),
            "SK": keys.INVOICE_COUNTER_SK,
            "entity": "INVOICE_COUNTER",
            "last": counter.last,
            "version": counter.version,
        }
    )


def counter_of(item: dict[str, Any] | None) -> InvoiceCounter:
    return InvoiceCounter() if item is None else InvoiceCounter.model_validate(from_item(item))


def settings_item(tenant_id: str, settings: TenantSettings) -> dict[str, Any]:
    attributes = settings.model_dump(mode="python", by_alias=True, exclude_none=True)
    return to_item(
        {
            **attributes,
            "PK": keys.tenant_pk(tenant_id),
            "SK": keys.SETTINGS_SK,
            "entity": "SETTINGS",
        }
    )


def settings_of(item: dict[str, Any] | None) -> TenantSettings:
    """As stored: a value that a rule made since refuses still reads (domain/text.STORED)."""
    if item is None:
        return TenantSettings()
    return TenantSettings.model_validate(from_item(item), context=STORED)


def is_written_by(item: dict[str, Any], invoice: Invoice) -> bool:
    """Whether a stored item is exactly this write (same version, same event ids and times): a
    write whose response was lost, retried by botocore, finds itself already done."""
    return from_item(item) == from_item(invoice_item(invoice))


def cursor_after(invoice_id: str) -> str:
    return base64.urlsafe_b64encode(invoice_id.encode()).decode().rstrip("=")


def id_of_cursor(cursor: str) -> str:
    try:
        invoice_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        invoice_id = ""
    if not is_well_formed_id(invoice_id):
        raise InvalidInputError([FieldProblem("cursor", "is not a cursor this API returned")])
    return invoice_id
