"""The recurring job's work on one template: its due periods invoiced (services/recurring), and
each autoSend period's invoice sent at once through the sending job's once-only send, handed on
as it was written; a send that fails is left to the sending job's next run."""

from __future__ import annotations

import logging
from datetime import datetime

from chalicelib.domain.due import Job
from chalicelib.domain.errors import DomainError
from chalicelib.domain.invoice import InvoiceStatus
from chalicelib.domain.work import WorkItem, job_actor
from chalicelib.jobs.ports import JobPorts
from chalicelib.jobs.sending import send_due
from chalicelib.ports import IssueContext
from chalicelib.services.recurring import invoice_due_periods

log = logging.getLogger(__name__)


def issue_recurring(item: WorkItem, now: datetime, ports: JobPorts) -> bool:
    actor = job_actor(item, Job.RECURRING)
    made = invoice_due_periods(item.invoice_id, actor=actor, ports=ports.at(now))
    for issued in made:
        if issued.invoice.status == InvoiceStatus.SCHEDULED:
            _send_now(issued, now, ports)
    return bool(made)


def _send_now(issued: IssueContext, now: datetime, ports: JobPorts) -> None:
    try:
        send_due(issued.invoice, now, ports, read=issued)
    except DomainError:
        log.warning("Recurring invoice %s stays scheduled: sending failed", issued.invoice.id)
