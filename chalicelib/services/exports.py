"""CSV export use case: the invoices a search matches, as one CSV answered inline, or kept in the
documents bucket behind a short-lived link when it would not fit in a Lambda response."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.export import InvoiceCsv
from chalicelib.domain.search import InvoiceQuery
from chalicelib.domain.values import Actor, new_id
from chalicelib.services.ports import DocumentStore, InvoicePorts, InvoiceSearch

# Lambda's synchronous response is at most 6 MB, the body JSON-escaped inside it; the rest of
# the envelope (status, headers) fits in the margin.
INLINE_LIMIT = 6 * 1024 * 1024 - 64 * 1024
LINK_SECONDS = 15 * 60


@dataclass(frozen=True)
class CsvExport:
    filename: str
    rows: int
    text: str | None = None  # answered inline
    link: str | None = None  # or kept, and fetched from here until `expires_at`
    expires_at: datetime | None = None


def export_csv(
    query: InvoiceQuery,
    *,
    actor: Actor,
    ports: InvoicePorts,
    search: InvoiceSearch,
    documents: DocumentStore,
) -> CsvExport:
    """Every match in the query's order; only the asked page when `page` or `size` is given."""
    whole = not {"page", "size"} & query.model_fields_set
    table = InvoiceCsv()
    today = ports.today(actor.tenant_id)
    for invoices in search.in_order(actor.tenant_id, query, today=today, whole=whole):
        table.add(invoices)
    filename, text = f"invoices-{today.isoformat()}.csv", table.text
    if fits_in_a_lambda_response(text):
        return CsvExport(filename, table.rows, text=text)
    key = documents.keep_export(actor.tenant_id, new_id(), text, filename=filename)
    return CsvExport(
        filename,
        table.rows,
        link=documents.link(key, seconds=LINK_SECONDS),
        expires_at=ports.clock.now() + timedelta(seconds=LINK_SECONDS),
    )


def fits_in_a_lambda_response(text: str) -> bool:
    return len(json.dumps(text)) <= INLINE_LIMIT  # ASCII once escaped: characters are bytes
