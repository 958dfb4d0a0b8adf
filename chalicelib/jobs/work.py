"""What a job's run or a worker's chunk did (the items it carries are domain/work's)."""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.domain.due import Job
from chalicelib.domain.work import WorkItem


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
