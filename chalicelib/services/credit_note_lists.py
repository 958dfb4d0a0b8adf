"""The tenant's credit notes as a list and as CSV (issue 21): by their day, and optionally one
client, currency or invoice; a page at a time, or every match in one CSV."""

from __future__ import annotations

from chalicelib.domain.credit_note_query import CreditNoteQuery
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.export import CreditNoteCsv
from chalicelib.domain.values import Actor
from chalicelib.ports import CreditNoteIndex, DocumentStore, InvoicePorts, Page
from chalicelib.services.exports import Export, collection_paused, csv_export


def page_of_credit_notes(
    query: CreditNoteQuery,
    *,
    limit: int,
    cursor: str | None,
    actor: Actor,
    index: CreditNoteIndex,
) -> Page[CreditNote]:
    return index.page(actor.tenant_id, query, limit=limit, cursor=cursor)


def export_credit_notes(
    query: CreditNoteQuery,
    *,
    actor: Actor,
    ports: InvoicePorts,
    index: CreditNoteIndex,
    documents: DocumentStore,
) -> Export:
    """Every match, in the query's order, as CSV (RFC 4180, amounts as the notes state them)."""
    table = CreditNoteCsv()
    with collection_paused():
        for notes in index.every(actor.tenant_id, query):
            table.add(notes)
    name = f"credit-notes-{ports.today(actor.tenant_id).isoformat()}"
    return csv_export(table, name, as_json=False, actor=actor, ports=ports, documents=documents)
