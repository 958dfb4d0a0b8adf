"""What travels between a job's run and its workers: the invoices a job found due, in chunks,
each with the time the run was for, so a worker acts as the run would have. Plain data the
queue adapter (store/queue.py) and the due-work reader (store/due.py) exchange with the jobs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.due import Job
from chalicelib.domain.values import Actor, format_timestamp


@dataclass(frozen=True)
class WorkItem:
    tenant_id: str
    invoice_id: str


def job_actor(item: WorkItem, job: Job) -> Actor:
    """Who the events of a job's changes name: the job, in the invoice's tenant."""
    return Actor(tenant_id=item.tenant_id, user_id=f"job:{job}")


@dataclass(frozen=True)
class Chunk:
    job: Job
    now: datetime
    items: tuple[WorkItem, ...]
    attempt: int = 0  # 0 for a run's chunk; 1 and more for an item retried alone

    def to_message(self) -> str:
        return json.dumps(
            {
                "job": str(self.job),
                "now": format_timestamp(self.now),
                "items": [[item.tenant_id, item.invoice_id] for item in self.items],
                "attempt": self.attempt,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_message(cls, body: str) -> Chunk:
        message = json.loads(body)
        return cls(
            job=Job(message["job"]),
            now=datetime.fromisoformat(message["now"]),
            items=tuple(WorkItem(tenant, invoice) for tenant, invoice in message["items"]),
            attempt=int(message.get("attempt", 0)),
        )
