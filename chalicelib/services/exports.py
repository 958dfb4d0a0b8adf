"""Answers too large to trust to one Lambda response: a CSV export, and the lists documented as
a whole JSON array. Each is answered inline when it fits, or kept in the documents bucket for a
day behind a short-lived link, never cut short (decision 0034)."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.export import CsvTable, InvoiceCsv
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.search import InvoiceQuery
from chalicelib.domain.values import Actor, new_id
from chalicelib.ports import DocumentStore, InvoicePorts, InvoiceSearch, KeptExport

# Lambda's synchronous response is at most 6 MB, the body JSON-escaped inside it; the rest of
# the envelope (status, headers) fits in the margin.
INLINE_LIMIT = 6 * 1024 * 1024 - 64 * 1024
LINK_SECONDS = 15 * 60
JSON = "application/json"
CSV = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Export:
    """`count` rows of a CSV or invoices of a list: answered inline as `body`, or kept and
    fetched from `link` until `expires_at`."""

    filename: str
    count: int
    media_type: str
    body: str | None = None
    link: str | None = None
    expires_at: datetime | None = None


def export_csv(
    query: InvoiceQuery,
    *,
    as_json: bool,
    actor: Actor,
    ports: InvoicePorts,
    search: InvoiceSearch,
    documents: DocumentStore,
) -> Export:
    """Every match in the query's order; only the asked page when `page` or `size` is given. As
    documented, the CSV's text as a JSON string; the CSV itself when the caller asks for it."""
    whole = not {"page", "size"} & query.model_fields_set
    table = InvoiceCsv()
    today = ports.today(actor.tenant_id)
    with collection_paused():
        for invoices in search.in_order(actor.tenant_id, query, today=today, whole=whole):
            table.add(invoices)
    named = f"invoices-{today.isoformat()}"
    return csv_export(table, named, as_json=as_json, actor=actor, ports=ports, documents=documents)


def csv_export(
    table: CsvTable[Any],
    name: str,
    *,
    as_json: bool,
    actor: Actor,
    ports: InvoicePorts,
    documents: DocumentStore,
) -> Export:
    """The table's text (as a JSON string with `as_json`), inline when it fits a response, else
    kept in the documents bucket behind a short-lived link."""
    body = json.dumps(table.text) if as_json else table.text
    media_type, extension = (JSON, "json") if as_json else (CSV, "csv")
    export = Export(f"{name}.{extension}", table.rows, media_type)
    if fits_in_a_lambda_response(body):
        return _inline(export, body)
    kept = KeptExport(new_id(), media_type, extension)
    key = documents.keep_export(actor.tenant_id, kept, [body.encode()], filename=export.filename)
    return _linked(export, key, ports=ports, documents=documents)


def every_invoice(
    *,
    render: Callable[[list[Invoice]], str],
    actor: Actor,
    ports: InvoicePorts,
    documents: DocumentStore,
) -> Export:
    """find-all: every invoice of the tenant, in list order."""
    chunks = ports.repo.every_invoice(actor.tenant_id)
    return export_list(chunks, render=render, actor=actor, ports=ports, documents=documents)


def export_list(
    chunks: Iterable[list[Invoice]],
    *,
    render: Callable[[list[Invoice]], str],
    actor: Actor,
    ports: InvoicePorts,
    documents: DocumentStore,
) -> Export:
    """Every invoice `chunks` yields, as one JSON array: inline while it fits a response; past
    that, the whole array streamed into the documents bucket as it is read. `render` writes a
    chunk as the array's elements, without brackets."""
    with collection_paused():
        elements = _elements(chunks, render)
        head: list[str] = []
        size = count = 0
        for text, n in elements:
            head.append(text)
            count += n
            size += len(json.dumps(text))  # its escaped length, and room for the separator
            if size > INLINE_LIMIT:
                break
        else:
            return _inline(Export("", count, JSON), "[" + ", ".join(head) + "]")
        # Named after the tenant's day only when kept: an inline list reads no settings.
        filename = f"invoices-{ports.today(actor.tenant_id).isoformat()}.json"
        counted = [count]

        def parts() -> Iterator[bytes]:
            yield ("[" + ", ".join(head)).encode()
            for text, n in elements:
                counted[0] += n
                yield f", {text}".encode()
            yield b"]"

        kept = KeptExport(new_id(), JSON, "json")
        key = documents.keep_export(actor.tenant_id, kept, parts(), filename=filename)
        return _linked(Export(filename, counted[0], JSON), key, ports=ports, documents=documents)


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cycle collector paused while thousands of invoices are read and written: each
    pass walks every object alive, and these are many, so it doubled the time of a whole list
    (docs/benchmarks.md, issue 17). What is made here holds no cycles, and anything that does is
    collected once the last such block ends (blocks may run at once in threads)."""
    global _pausing
    with _pause_lock:
        _pausing += 1
        gc.disable()
    try:
        yield
    finally:
        with _pause_lock:
            _pausing -= 1
            if not _pausing:
                gc.enable()


_pause_lock = threading.Lock()
_pausing = 0


def _elements(
    chunks: Iterable[list[Invoice]], render: Callable[[list[Invoice]], str]
) -> Iterator[tuple[str, int]]:
    """Each chunk that holds invoices as (its elements' text, how many)."""
    for invoices in chunks:
        if invoices:
            yield render(invoices), len(invoices)


def _inline(export: Export, body: str) -> Export:
    return Export(export.filename, export.count, export.media_type, body=body)


def _linked(export: Export, key: str, *, ports: InvoicePorts, documents: DocumentStore) -> Export:
    return Export(
        export.filename,
        export.count,
        export.media_type,
        link=documents.link(key, seconds=LINK_SECONDS),
        expires_at=ports.clock.now() + timedelta(seconds=LINK_SECONDS),
    )


def fits_in_a_lambda_response(text: str) -> bool:
    return len(json.dumps(text)) <= INLINE_LIMIT  # ASCII once escaped: characters are bytes
