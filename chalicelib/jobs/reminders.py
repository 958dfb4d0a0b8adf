"""The reminder job's work on one invoice: email the policy's latest step whose day has come,
if it was not sent yet, and plan the next. The step's email is claimed once per invoice and
step before it goes out, so two workers never both send it."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from chalicelib.domain import due, transitions
from chalicelib.domain.due import Job
from chalicelib.domain.errors import NoRecipientError
from chalicelib.domain.settings import ReminderPolicy
from chalicelib.domain.values import Actor
from chalicelib.domain.work import WorkItem, job_actor
from chalicelib.jobs.ports import JobPorts
from chalicelib.services import delivery
from chalicelib.services.changes import apply, find
from chalicelib.services.documents import DocumentPorts

log = logging.getLogger(__name__)


def send_due_reminder(item: WorkItem, now: datetime, ports: JobPorts) -> bool:
    documents = ports.at(now)
    actor = job_actor(item, Job.REMINDERS)
    invoice = find(item.invoice_id, actor=actor, ports=documents.invoices)
    if invoice is None:
        return False
    policy = documents.invoices.settings.recent(item.tenant_id).reminder_policy
    step = due.due_reminder_step(invoice, policy, now)
    if step is None:
        _replan(item, actor, documents, policy)
        return False

    def send() -> dict[str, object]:
        reminded = delivery.send_reminder(
            item.invoice_id, actor=actor, ports=documents, step=step, policy=policy
        )
        return {"invoiceId": reminded.id, "step": step}

    try:
        return ports.run_once(item.tenant_id, f"reminder:{item.invoice_id}:{step}", send)
    except NoRecipientError:
        log.warning("Invoice %s has no one to remind; skipping day %+d", item.invoice_id, step)
        _replan(item, actor, documents, policy)
        return False


def _replan(item: WorkItem, actor: Actor, documents: DocumentPorts, policy: ReminderPolicy) -> None:
    change = partial(transitions.replanned_reminders, policy=policy)
    apply(item.invoice_id, change, actor=actor, ports=documents.invoices)
