"""The sending job's work on one invoice: a SCHEDULED invoice whose sendAt has passed is
emailed (the send of the documents issue). The email is claimed once per invoice and send time
before it goes out, so two workers never both send it."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.due import Job
from chalicelib.domain.errors import PreconditionFailedError
from chalicelib.domain.invoice import InvoiceStatus
from chalicelib.domain.values import format_timestamp
from chalicelib.domain.work import WorkItem, job_actor
from chalicelib.jobs.ports import JobPorts
from chalicelib.services import delivery


def send_scheduled(item: WorkItem, now: datetime, ports: JobPorts) -> bool:
    documents = ports.at(now)
    invoice = documents.invoices.repo.get(item.tenant_id, item.invoice_id)
    if invoice is None or invoice.status != InvoiceStatus.SCHEDULED or invoice.send_at is None:
        return False
    if invoice.send_at > now:
        return False
    actor = job_actor(item, Job.SCHEDULED)

    def send() -> dict[str, object]:
        sent = delivery.send_invoice(
            item.invoice_id, None, actor=actor, ports=documents, expected_version=invoice.version
        )
        return {"invoiceId": sent.id, "status": str(sent.status)}

    key = f"send:{item.invoice_id}:{format_timestamp(invoice.send_at)}"
    try:
        return ports.run_once(item.tenant_id, key, send)
    except PreconditionFailedError:
        # Changed since it was read (unscheduled, say): not sent, and the claim is released, so
        # the next run sends it if it is still due then.
        return False
