"""The overdue job's work on one invoice: SENT becomes OVERDUE once its due date has passed in
its timezone, with overdueNotifiedAt set. A version-checked write makes it happen once."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain import transitions
from chalicelib.domain.due import Job
from chalicelib.domain.work import WorkItem, job_actor
from chalicelib.jobs.ports import JobPorts
from chalicelib.services.changes import apply


def flag_overdue(item: WorkItem, now: datetime, ports: JobPorts) -> bool:
    actor = job_actor(item, Job.OVERDUE)
    _, flagged = apply(
        item.invoice_id, transitions.flag_overdue, actor=actor, ports=ports.at(now).invoices
    )
    return flagged
