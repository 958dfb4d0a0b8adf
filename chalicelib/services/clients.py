"""Client use cases: create, read, replace, list, and delete a client no invoice names. A replace
or delete writes over the version read (retried when another writer came first), and only over
the version an If-Match names."""

from __future__ import annotations

from chalicelib.domain.clients import Client, ClientInput, new_client, replaced_client
from chalicelib.domain.derived_ids import made_by_request
from chalicelib.domain.errors import ClientNotFoundError, ConcurrentModificationError
from chalicelib.domain.values import Actor
from chalicelib.ports import ClientRepository, Clock, Page
from chalicelib.retry import RetryPolicy
from chalicelib.services.optimistic import write_over


def create_client(
    given: ClientInput, *, actor: Actor, repo: ClientRepository, clock: Clock
) -> Client:
    """A new client; a retryable request that made it already finds it (named after it)."""
    client_id = made_by_request(actor, "client")
    made = new_client(given, actor=actor, now=clock.now(), client_id=client_id)
    try:
        return repo.add(made)
    except ConcurrentModificationError:  # a retry whose first try made it
        found = repo.get(actor.tenant_id, made.id) if client_id else None
        if found is None:
            raise
        return found


def get_client(client_id: str, *, actor: Actor, repo: ClientRepository) -> Client:
    found = repo.get(actor.tenant_id, client_id)
    if found is None:
        raise ClientNotFoundError(client_id)
    return found


def list_clients(
    *, actor: Actor, repo: ClientRepository, limit: int, cursor: str | None
) -> Page[Client]:
    return repo.list_page(actor.tenant_id, limit=limit, cursor=cursor)


def replace_client(
    client_id: str,
    given: ClientInput,
    *,
    actor: Actor,
    repo: ClientRepository,
    clock: Clock,
    expected_version: int | None = None,
    retry: RetryPolicy | None = None,
) -> Client:
    """Issued invoices keep the details they were issued with; drafts show the new ones."""

    def replace(current: Client) -> Client:
        replaced = replaced_client(current, given, actor=actor, now=clock.now())
        return repo.save(replaced, previous=current)

    return write_over(
        lambda: get_client(client_id, actor=actor, repo=repo),
        replace,
        name=("Client", client_id),
        expected_version=expected_version,
        retry=retry,
    )


def delete_client(
    client_id: str,
    *,
    actor: Actor,
    repo: ClientRepository,
    expected_version: int | None = None,
    retry: RetryPolicy | None = None,
) -> None:
    """Refused (409) while an invoice names it: the delete's own condition, not an earlier read,
    decides, so an invoice written at the same moment is never left naming nothing."""
    write_over(
        lambda: get_client(client_id, actor=actor, repo=repo),
        repo.delete,
        name=("Client", client_id),
        expected_version=expected_version,
        retry=retry,
    )
