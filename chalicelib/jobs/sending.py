"""The sending job's work on one invoice: a SCHEDULED invoice whose sendAt has passed is
emailed (the send of the documents issue). The email is claimed once per invoice and send time
before it goes out, so two workers never both send it."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.due import Job
from chalicelib.domain.errors import PreconditionFailedError
from chalicelib.domain.invoice import Invoice, InvoiceStatus
from chalicelib.domain.values import format_timestamp
from chalicelib.domain.work import WorkItem, job_actor
from chalicelib.jobs.ports import JobPorts
from chalicelib.ports import IssueContext
from chalicelib.services import delivery
from chalicelib.services.changes import find


def send_scheduled(item: WorkItem, now: datetime, ports: JobPorts) -> bool:
    actor = job_actor(item, Job.SCHEDULED)
    invoice = find(item.invoice_id, actor=actor, ports=ports.documents.invoices)
    return invoice is not None and send_due(invoice, now, ports)


def send_due(
    invoice: Invoice, now: datetime, ports: JobPorts, read: IssueContext | None = None
) -> bool:
    """Email the invoice if it is scheduled and its time has come; whether it was sent here.
    `read` is the invoice with what issuing it needs, where the caller has it already."""
    if invoice.status != InvoiceStatus.SCHEDULED or invoice.send_at is None:
        return False
    if invoice.send_at > now:
        return False
    actor = job_actor(WorkItem(invoice.tenant_id, invoice.id), Job.SCHEDULED)
    documents = ports.at(now)

    def send() -> dict[str, object]:
        sent = delivery.send_invoice(
            invoice.id, None, actor=actor, ports=documents, expected_version=invoice.version,
            read=read,
        )  # fmt: skip
        return {"invoiceId": sent.id, "status": str(sent.status)}

    key = f"send:{invoice.id}:{format_timestamp(invoice.send_at)}"
    try:
        return ports.run_once(invoice.tenant_id, key, send)
    except PreconditionFailedError:
        # Changed since it was read (unscheduled, say): not sent, and the claim is released, so
        # the next run sends it if it is still due then.
        return False
