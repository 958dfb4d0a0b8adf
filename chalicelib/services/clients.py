"""Client use cases: create, read, replace, list, and delete a client no invoice names."""

from __future__ import annotations

from chalicelib.domain.clients import Client, ClientInput, new_client, replaced_client
from chalicelib.domain.errors import ClientInUseError, ClientNotFoundError
from chalicelib.domain.values import Actor
from chalicelib.services.ports import ClientRepository, Clock, Page


def create_client(
    given: ClientInput, *, actor: Actor, repo: ClientRepository, clock: Clock
) -> Client:
    return repo.add(new_client(given, actor=actor, now=clock.now()))


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
    client_id: str, given: ClientInput, *, actor: Actor, repo: ClientRepository, clock: Clock
) -> Client:
    """Issued invoices keep the details they were issued with; drafts show the new ones."""
    current = get_client(client_id, actor=actor, repo=repo)
    replaced = replaced_client(current, given, actor=actor, now=clock.now())
    return repo.save(replaced, previous=current)


def delete_client(client_id: str, *, actor: Actor, repo: ClientRepository) -> None:
    current = get_client(client_id, actor=actor, repo=repo)
    if repo.is_named_by_invoices(actor.tenant_id, client_id):
        raise ClientInUseError(client_id)
    repo.delete(current)
