"""Invoicing a recurring template: each period that has come makes one invoice, in one
transaction with the template's advance, so a period is invoiced once however many workers try
and however many days were missed. With autoSend the invoice is issued as SCHEDULED for now, in
that same transaction, and answered with what sending it needs, so it is sent without being read
again."""

from __future__ import annotations

from chalicelib.domain import due, recurring, transitions
from chalicelib.domain.clients import Client
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.values import Actor
from chalicelib.ports import IssueContext
from chalicelib.services.documents import DocumentPorts
from chalicelib.services.metrics import INVOICES_ISSUED
from chalicelib.services.optimistic import until_written


def invoice_due_periods(
    template_id: str, *, actor: Actor, ports: DocumentPorts
) -> list[IssueContext]:
    """One invoice per period due of the template (none if it is no longer one), each with its
    tenant's counter and settings and its client as they are after it was written."""
    made: list[IssueContext] = []

    def attempt() -> list[IssueContext]:
        # The client is read only when a period is issued (autoSend): a draft copies its id.
        context = ports.invoices.repo.get_for_issue(actor.tenant_id, template_id, with_client=False)
        if context is not None and _is_template(context.invoice):
            _invoice_periods(context, actor, ports, made)  # a lost race: read again, carry on
        return made

    return until_written(attempt, retry=ports.invoices.retry, name=("Invoice", template_id))


def _invoice_periods(
    context: IssueContext, actor: Actor, ports: DocumentPorts, made: list[IssueContext]
) -> None:
    """Invoice each period due, in order, adding each stored invoice to `made`."""
    template, counter, now = context.invoice, context.counter, ports.invoices.clock.now()
    agreement = template.recurring_agreement
    assert agreement is not None
    periods = due.due_periods(agreement, due.local_date(now, template.timezone))
    client = _client(template, ports) if agreement.auto_send and periods else None
    for period in periods:
        invoice = recurring.invoice_for_period(template, period, actor=actor, now=now)
        issued_counter: InvoiceCounter | None = None
        if agreement.auto_send:
            details = client.details() if client else None
            issuing = transitions.Issuing(counter, context.settings, details)
            invoice, issued_counter = transitions.schedule(
                invoice, issuing, send_at=now, pdf=None, actor=actor, now=now
            )
        advanced = recurring.template_advanced(template, actor=actor, now=now)
        stored, template = ports.invoices.repo.add_from_template(
            invoice, template=advanced, previous=template, counter=issued_counter
        )
        if issued_counter is not None:
            counter = issued_counter.model_copy(update={"version": issued_counter.version + 1})
            ports.invoices.metrics.count(INVOICES_ISSUED)
        made.append(IssueContext(stored, counter, context.settings, client))


def _is_template(invoice: Invoice) -> bool:
    return invoice.recurring_agreement is not None and invoice.status != InvoiceStatus.CANCELLED


def _client(template: Invoice, ports: DocumentPorts) -> Client | None:
    """The client the issued invoices copy, read only when they are issued."""
    if template.client_id is None:
        return None
    return ports.clients.get(template.tenant_id, template.client_id)
