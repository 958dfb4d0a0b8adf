"""The recurring job's work on one template: each period that has come makes one invoice, in
one transaction with the template's advance, so a period is invoiced once however many workers
try and however many days were missed. With autoSend the invoice is issued as SCHEDULED for
now, in that same transaction, and sent at once through the sending job's once-only send;
a send that fails is left to the sending job's next run."""

from __future__ import annotations

import logging
from datetime import datetime

from chalicelib.domain import due, recurring, transitions
from chalicelib.domain.due import Job
from chalicelib.domain.errors import ConcurrentModificationError, DomainError
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.parties import PartyDetails
from chalicelib.domain.values import Actor
from chalicelib.domain.work import WorkItem, job_actor
from chalicelib.jobs.ports import JobPorts
from chalicelib.jobs.sending import send_scheduled
from chalicelib.ports import IssueContext
from chalicelib.services.documents import DocumentPorts
from chalicelib.services.metrics import INVOICES_ISSUED

log = logging.getLogger(__name__)


def issue_recurring(item: WorkItem, now: datetime, ports: JobPorts) -> bool:
    documents = ports.at(now)
    actor = job_actor(item, Job.RECURRING)
    created = _invoice_due_periods(item, now, actor, documents)
    for invoice in created:
        if invoice.status == InvoiceStatus.SCHEDULED:
            _send_now(WorkItem(item.tenant_id, invoice.id), now, ports)
    return bool(created)


def _invoice_due_periods(
    item: WorkItem, now: datetime, actor: Actor, documents: DocumentPorts
) -> list[Invoice]:
    repo = documents.invoices.repo
    created: list[Invoice] = []
    for _ in documents.invoices.retry.tries():
        # The client is read only when a period is issued (autoSend): a draft copies its id.
        context = repo.get_for_issue(item.tenant_id, item.invoice_id, with_client=False)
        if context is None or not _is_template(context.invoice):
            return created
        try:
            _invoice_periods(context, now, actor, documents, created)
        except ConcurrentModificationError:
            continue  # another worker invoiced a period meanwhile: read again, carry on
        return created
    raise ConcurrentModificationError(item.invoice_id)


def _invoice_periods(
    context: IssueContext,
    now: datetime,
    actor: Actor,
    documents: DocumentPorts,
    created: list[Invoice],
) -> None:
    """Invoice each period due, in order, adding each stored invoice to `created`."""
    template, counter = context.invoice, context.counter
    agreement = template.recurring_agreement
    assert agreement is not None
    periods = due.due_periods(agreement, due.local_date(now, template.timezone))
    client = _client_details(template, documents) if agreement.auto_send and periods else None
    for period in periods:
        invoice = recurring.invoice_for_period(template, period, actor=actor, now=now)
        issued_counter: InvoiceCounter | None = None
        if agreement.auto_send:
            issuing = transitions.Issuing(counter, context.settings, client)
            invoice, issued_counter = transitions.schedule(
                invoice, issuing, send_at=now, pdf=None, actor=actor, now=now
            )
        advanced = recurring.template_advanced(template, actor=actor, now=now)
        stored, template = documents.invoices.repo.add_from_template(
            invoice, template=advanced, previous=template, counter=issued_counter
        )
        if issued_counter is not None:
            counter = issued_counter.model_copy(update={"version": issued_counter.version + 1})
            documents.invoices.metrics.count(INVOICES_ISSUED)
        created.append(stored)


def _is_template(invoice: Invoice) -> bool:
    return invoice.recurring_agreement is not None and invoice.status != InvoiceStatus.CANCELLED


def _client_details(template: Invoice, documents: DocumentPorts) -> PartyDetails | None:
    """The client as the issued invoices copy it, read only when they are issued."""
    if template.client_id is None:
        return None
    client = documents.clients.get(template.tenant_id, template.client_id)
    return client.details() if client else None


def _send_now(item: WorkItem, now: datetime, ports: JobPorts) -> None:
    try:
        send_scheduled(item, now, ports)
    except DomainError:
        log.warning("Recurring invoice %s stays scheduled: sending failed", item.invoice_id)
