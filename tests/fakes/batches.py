"""Queued batches in memory: where they are kept (store/batches), and a ChunkCreator that notes
each chunk it is given and can fail as a worker does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.domain.batches import Batch
from chalicelib.domain.errors import BatchNotFoundError, ConcurrentModificationError
from chalicelib.domain.values import Actor
from chalicelib.services.batches import BatchPorts, ChunkCreator, ItemOutcome, create_native_chunk
from tests.fakes.records import InMemoryTenantRecords


class InMemoryBatchRepository:
    def __init__(self) -> None:
        self._records = InMemoryTenantRecords(Batch, BatchNotFoundError)

    def get(self, tenant_id: str, batch_id: str) -> Batch | None:
        return self._records.get(tenant_id, batch_id)

    def add(self, batch: Batch) -> Batch | None:
        try:
            return self._records.add(batch)
        except ConcurrentModificationError:
            return None

    def save(self, batch: Batch, *, previous: Batch) -> Batch:
        return self._records.save(batch, previous=previous)


class RecordingChunkCreator:
    """A ChunkCreator making a chunk's invoices as `create` does (the native body's by default),
        noting each chunk it is given as (start, size); from call `fail_from` on it raises `failure`
        instead: a RuntimeError as a worker that dies half way through a batch, a DomainError as a
    chunk that cannot be written."""

    def __init__(
        self,
        create: ChunkCreator = create_native_chunk,
        *,
        fail_from: int | None = None,
        failure: Exception | None = None,
    ) -> None:
        self._create = create
        self._fail_from = fail_from
        self._failure = failure or RuntimeError("the worker stopped")
        self.calls: list[tuple[int, int]] = []

    def __call__(
        self,
        items: Sequence[Any],
        *,
        atomic: bool,
        actor: Actor,
        ports: BatchPorts,
        start: int,
        batch_id: str,
        id_scheme: int,
    ) -> list[ItemOutcome]:
        self.calls.append((start, len(items)))
        if self._fail_from is not None and len(self.calls) >= self._fail_from:
            raise self._failure
        return self._create(
            items,
            atomic=atomic,
            actor=actor,
            ports=ports,
            start=start,
            batch_id=batch_id,
            id_scheme=id_scheme,
        )
