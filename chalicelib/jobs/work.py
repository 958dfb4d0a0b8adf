"""What travels between a job's run and its workers: the invoices a job found due, in chunks,
each with the time the run was for, so a worker acts as the run would have."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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


@dataclass
class Report:
    """What a run or a chunk did: items acted on, found with nothing to do, failed, and the
    chunks handed to the queue."""

    job: Job
    done: list[WorkItem] = field(default_factory=list)
    skipped: list[WorkItem] = field(default_factory=list)
    failed: list[WorkItem] = field(default_factory=list)
    queued_chunks: int = 0
    queued_items: int = 0

    @property
    def found(self) -> int:
        return len(self.done) + len(self.skipped) + len(self.failed) + self.queued_items

    def add(self, other: Report) -> None:
        self.done += other.done
        self.skipped += other.skipped
        self.failed += other.failed
        self.queued_chunks += other.queued_chunks
        self.queued_items += other.queued_items

    def counts(self) -> str:
        """What was done, found with nothing to do and failed, in words."""
        parts = [f"{len(self.done)} done", f"{len(self.skipped)} with nothing to do"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return ", ".join(parts)

    def summary(self) -> str:
        queued = f", {self.queued_items} queued in {self.queued_chunks} chunks"
        return f"{self.job}: {self.counts()}{queued if self.queued_chunks else ''}"
