"""Every key format of the table, in one place. Each partition key starts with the tenant."""

from __future__ import annotations

import zlib
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal

INVOICE_PREFIX = "INV#"
API_KEY_PREFIX = "APIKEY#"
IDEMPOTENCY_PREFIX = "IDEM"  # Powertools appends "#<hash of the Idempotency-Key>"
INVOICE_COUNTER_SK = "COUNTER#INVOICE"
SETTINGS_SK = "SETTINGS"
CLIENT_PREFIX = "CLIENT#"
CONTRACT_PREFIX = "CONTRACT#"
BATCH_PREFIX = "BATCH#"
CREDIT_NOTE_PREFIX = "CN#"
NUMBER_PREFIX = "NUMBER#"
CLIENT_CREDIT_PREFIX = "CREDIT#"  # a client's credit balance, one number per currency
CREDIT_MOVE_PREFIX = "CREDITMOVE#"  # one move of it
WEBHOOK_PREFIX = "WEBHOOK#"  # a webhook endpoint (issue 23)
WEBHOOK_COUNT_SK = "WEBHOOKCOUNT"  # how many endpoints the tenant has, held to MAX_WEBHOOKS
DELIVERY_PREFIX = "DELIVERY#"  # one event sent to one endpoint


def tenant_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}"


def invoice_sk(invoice_id: str) -> str:
    return f"{INVOICE_PREFIX}{invoice_id}"


def credit_note_sk(credit_note_id: str) -> str:
    """A credit note, beside the invoice it credits (which lists it) in the tenant's partition.
    It carries none of the indexes' key attributes, so no index or invoice list holds it."""
    return f"{CREDIT_NOTE_PREFIX}{credit_note_id}"


def client_credit_sk(client_id: str) -> str:
    """A client's credit balance (decision 0056), apart from the client's own item, which its
    replace rewrites and invoice writes count on."""
    return f"{CLIENT_CREDIT_PREFIX}{client_id}"


def credit_moves_prefix(client_id: str) -> str:
    return f"{CREDIT_MOVE_PREFIX}{client_id}#"


def credit_move_sk(client_id: str, movement_id: str) -> str:
    """One move of a client's credit, in the order made (its id is a UUIDv7)."""
    return f"{credit_moves_prefix(client_id)}{movement_id}"


def webhook_sk(webhook_id: str) -> str:
    return f"{WEBHOOK_PREFIX}{webhook_id}"


def deliveries_prefix(webhook_id: str) -> str:
    return f"{DELIVERY_PREFIX}{webhook_id}#"


def delivery_sk(webhook_id: str, delivery_id: str) -> str:
    """An endpoint's delivery, in the order made (its id is a UUIDv7): newest last."""
    return f"{deliveries_prefix(webhook_id)}{delivery_id}"


def number_sk(number: str) -> str:
    """A number an invoice or credit note of the tenant carries, held by one item: written with
    the document that takes it, only where none is yet, so a number is used once (0057)."""
    return f"{NUMBER_PREFIX}{number}"


# Objects in the documents bucket start with the tenant, as every partition key does (the
# invoices' files are named in domain/files.py).
def export_key(tenant_id: str, export_id: str, extension: str = "csv") -> str:
    return f"{tenant_id}/exports/{export_id}.{extension}"


# Global secondary indexes (infra/template.json) and the attributes that key them.
BY_CREATED = "ByCreated"
BY_INVOICE_DATE = "ByInvoiceDate"
BY_DUE_DATE = "ByDueDate"
BY_UPDATED = "ByUpdated"
BY_NUMBER = "ByNumber"
BY_TOTAL = "ByTotal"
BY_STATUS = "ByStatus"
BY_CLIENT = "ByClient"
BY_OPPORTUNITY = "ByOpportunity"
RECURRING = "Recurring"
# The tenant's credit notes by their day (sparse: only credit notes carry its keys, so no invoice
# list meets one), the whole note projected, so a page of them is one Query.
CREDIT_NOTES = "CreditNotes"
CREDIT_NOTES_PK = "creditNotesPK"
BY_CREDIT_NOTE_DATE = "byCreditNoteDate"


def credit_note_order(note_date: date, created: str, credit_note_id: str) -> str:
    """Its place in the CreditNotes index: its day, then the moment it was issued, then its id
    (two notes of one moment keep one order)."""
    return f"{note_date.isoformat()}#{created}#{credit_note_id}"


# The jobs' sparse indexes, across tenants: an invoice is in one only while that job has work on
# it. Each is written to DUE_SHARDS partitions, so a busy day is not one hot partition; the sort
# key is the moment the work falls due (UTC), so a job reads everything due by now in one range.
DUE_SHARDS = 16


def due_index(job: str) -> str:
    return f"Due{job.capitalize()}"


def due_pk_attribute(job: str) -> str:
    return f"due{job.capitalize()}PK"


def due_at_attribute(job: str) -> str:
    return f"due{job.capitalize()}At"


def due_pk(job: str, shard: int) -> str:
    return f"{job.upper()}#{shard:02d}"


def due_shard(invoice_id: str) -> int:
    return zlib.crc32(invoice_id.encode()) % DUE_SHARDS


# Totals sort as fixed-width text: shifted positive (|total| < 10^24 by the input limits).
_TOTAL_SHIFT = Decimal(10) ** 24
_TOTAL_PLACES = Decimal("0.0001")
_WIDE = Context(prec=40)


def status_pk(tenant_id: str, status: str) -> str:
    return f"T#{tenant_id}#STATUS#{status}"


def client_pk(tenant_id: str, client_id: str) -> str:
    return f"T#{tenant_id}#CLIENT#{client_id}"


def sortable_total(total: Decimal) -> str:
    return format(_WIDE.quantize(_WIDE.add(total, _TOTAL_SHIFT), _TOTAL_PLACES), "030.4f")


def total_bound(value: Decimal, *, lower: bool) -> Decimal:
    """A bound finer than any total, moved to the nearest total it admits: as a minimum, 10.00001
    admits what 10.0001 does. Key ranges and filters then agree, and DynamoDB gets no number
    with more places than it holds (nor one below its smallest, 1e-130)."""
    rounding = ROUND_CEILING if lower else ROUND_FLOOR
    return value.quantize(_TOTAL_PLACES, rounding=rounding, context=_WIDE)


def opportunity_pk(tenant_id: str, opportunity_id: str) -> str:
    return f"T#{tenant_id}#OPP#{opportunity_id}"


def recurring_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}#RECURRING"


def ordered(value: str, invoice_id: str) -> str:
    """An index sort key: the value, then the id, so equal values keep a stable order."""
    return f"{value}#{invoice_id}"


def id_of_ordered(sort_key: str) -> str:
    return sort_key.rsplit("#", 1)[-1]


def stats_sk(shard: int) -> str:
    return f"STATS#{shard}"


def api_key_sk(key_hash: str) -> str:
    return f"{API_KEY_PREFIX}{key_hash}"
