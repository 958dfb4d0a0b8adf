"""What the jobs need from outside: the document ports every delivery uses, where due work is
found, the queue that carries chunks to workers, and a once-only guard for emails."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.due import Job
from chalicelib.domain.errors import DomainError, RequestInProgressError
from chalicelib.domain.work import Chunk, WorkItem
from chalicelib.ports import OnceGuard, StoppedClock
from chalicelib.services.batches import BatchPorts
from chalicelib.services.documents import DocumentPorts
from chalicelib.time_limits import JOB_FUNCTIONS, context_or_time_left


class DueWork(Protocol):
    def due(self, job: Job, now: datetime) -> Iterator[WorkItem]:
        """Every invoice whose work for `job` fell due by `now` (read from an index that lags)."""
        ...


class ChunkQueue(Protocol):
    def send(self, chunks: Iterable[Chunk], *, delay_seconds: int = 0) -> int: ...


@dataclass(frozen=True)
class JobPorts:
    documents: DocumentPorts
    due: DueWork
    queue: ChunkQueue
    once: OnceGuard
    # A Lambda's, so a claim left by a timed-out worker expires with it; without one (run-job,
    # the local ticker) the jobs' configured time limit stands in.
    lambda_context: Any = None
    batches: BatchPorts | None = None  # for queued batches of invoices (Job.BATCH)
    # A failed batch item's error as the API answers it (api/problems.error_body, given by the
    # composition root so that the jobs do not import the HTTP layer).
    describe_error: Callable[[DomainError], Mapping[str, Any]] | None = None

    def run_once(self, tenant_id: str, key: str, work: Callable[[], dict[str, Any]]) -> bool:
        """Run `work` unless another worker ran it or is running it now; whether it ran here."""
        try:
            context = context_or_time_left(self.lambda_context, *JOB_FUNCTIONS)
            _, replayed = self.once.run_once(tenant_id, key, "", work, context)
        except RequestInProgressError:
            return False
        return not replayed

    def at(self, now: datetime) -> DocumentPorts:
        """The document ports with time stopped at `now`: the run's time, not the worker's."""
        invoices = dataclasses.replace(self.documents.invoices, clock=StoppedClock(now))
        return dataclasses.replace(self.documents, invoices=invoices)
