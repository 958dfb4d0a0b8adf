"""The fake webhook repository against its DynamoDB adapter on moto (issue 23): endpoints kept to
MAX_WEBHOOKS per tenant, an id taken answered with the one stored, deliveries written only over
the attempts read and listed newest first a page at a time. Both backends pass the same
assertions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import ConcurrentModificationError
from chalicelib.domain.values import new_id
from chalicelib.domain.webhook_retries import Health
from chalicelib.domain.webhooks import (
    MAX_WEBHOOKS,
    Attempt,
    DeliveryNotFoundError,
    TooManyWebhooksError,
    Webhook,
    WebhookDelivery,
    attempted,
    first_delivery,
)
from chalicelib.ports import WebhookRepository
from chalicelib.store.webhooks import DynamoWebhookRepository
from invoicing_cli.local import TABLE_NAME
from tests.integration.test_fakes_conform import BACKENDS, dynamodb, on_moto
from tests.webhook_fakes import InMemoryWebhookRepository

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def repo(request: pytest.FixtureRequest) -> WebhookRepository:
    if on_moto(request):
        return DynamoWebhookRepository(dynamodb(), TABLE_NAME)
    return InMemoryWebhookRepository()


def endpoint(tenant: str = "acme", n: int = 0) -> Webhook:
    return Webhook(
        tenant_id=tenant,
        id=new_id(),
        url=f"https://hooks.example.com/{n}",
        event_types=("invoice.paid", "invoice.overdue"),
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        created=NOW + timedelta(seconds=n),
        created_by="alice",
        description="ERP" if n % 2 else None,
    )


def delivery(to: Webhook, body: str = '{"type":"webhook.test"}') -> WebhookDelivery:
    made = first_delivery(to, (new_id(), f"evt_{new_id()}"), "webhook.test", body)
    return attempted(made, Attempt(status=500), NOW)


def test_an_endpoint_is_kept_read_listed_and_deleted_per_tenant(repo: WebhookRepository) -> None:
    first, second, theirs = endpoint(n=1), endpoint(n=2), endpoint("globex")
    for made in (second, first, theirs):
        assert repo.add(made) == made

    assert repo.get("acme", first.id) == first
    assert repo.get("globex", first.id) is None
    assert repo.list("acme") == [first, second]
    assert repo.delete("globex", first.id) is False
    assert repo.delete("acme", first.id) is True
    assert repo.delete("acme", first.id) is False
    assert (repo.get("acme", first.id), repo.list("acme")) == (None, [second])
    assert repo.list("globex") == [theirs]


def test_an_id_taken_is_refused_with_the_endpoint_stored(repo: WebhookRepository) -> None:
    stored = repo.add(endpoint())

    with pytest.raises(ConcurrentModificationError) as refused:
        repo.add(replace(stored, url="https://other.example.com/"))

    assert refused.value.found == {stored.id: stored}
    assert repo.list("acme") == [stored]


def test_a_tenant_has_at_most_its_limit_of_endpoints_and_a_delete_frees_one(
    repo: WebhookRepository,
) -> None:
    made = [repo.add(endpoint(n=n)) for n in range(MAX_WEBHOOKS)]
    repo.add(endpoint("globex"))  # another tenant's count is its own

    with pytest.raises(TooManyWebhooksError):
        repo.add(endpoint(n=99))
    assert repo.delete("acme", made[0].id)
    assert repo.add(endpoint(n=100)).url.endswith("/100")
    assert len(repo.list("acme")) == MAX_WEBHOOKS


def test_a_delivery_is_written_where_none_is_then_only_over_the_attempts_read(
    repo: WebhookRepository,
) -> None:
    to = repo.add(endpoint())
    first = repo.add_delivery(delivery(to))
    assert repo.get_delivery("acme", to.id, first.id) == first
    assert repo.get_delivery("globex", to.id, first.id) is None

    with pytest.raises(ConcurrentModificationError) as taken:
        repo.add_delivery(replace(first, attempts=5))
    assert taken.value.found == {first.id: first}

    again = attempted(first, Attempt(status=204), NOW + timedelta(minutes=1))
    assert repo.save_delivery(again, previous=first) == again
    assert repo.get_delivery("acme", to.id, first.id) == again
    with pytest.raises(ConcurrentModificationError):
        repo.save_delivery(attempted(first, Attempt(error="timeout"), NOW), previous=first)
    gone = replace(delivery(to), id=new_id())
    with pytest.raises(DeliveryNotFoundError):
        repo.save_delivery(attempted(gone, Attempt(status=200), NOW), previous=gone)


def test_deliveries_are_listed_newest_first_a_page_at_a_time(repo: WebhookRepository) -> None:
    to, other = repo.add(endpoint(n=1)), repo.add(endpoint(n=2))
    made = [repo.add_delivery(delivery(to)) for _ in range(3)]
    repo.add_delivery(delivery(other))
    large = repo.add_delivery(delivery(to, body='{"data":"' + "x" * 100_000 + '"}'))

    first = repo.deliveries("acme", to.id, limit=2, cursor=None)
    assert first.items == [large, made[2]] and first.cursor is not None
    rest = repo.deliveries("acme", to.id, limit=2, cursor=first.cursor)
    assert rest.items == made[1::-1]
    if rest.cursor is not None:  # DynamoDB may answer one after a page that ends the list
        assert repo.deliveries("acme", to.id, limit=2, cursor=rest.cursor).items == []
    assert repo.deliveries("globex", to.id, limit=10, cursor=None).items == []


def test_health_is_written_only_over_the_health_read_and_enabling_clears_it(
    repo: WebhookRepository,
) -> None:
    stored = repo.add(endpoint())
    failing = Health(failing_since=NOW)
    off = Health(NOW, NOW + timedelta(days=5, microseconds=1500), "Every delivery failed")

    assert repo.save_health("acme", stored.id, failing, previous=Health()) is True
    assert repo.save_health("acme", stored.id, failing, previous=Health()) is False  # moved on
    assert repo.save_health("globex", stored.id, failing, previous=Health()) is False
    assert repo.save_health("acme", stored.id, off, previous=failing) is True
    found = repo.get("acme", stored.id)
    assert found is not None and found.disabled
    assert found.health == Health(NOW, NOW + timedelta(days=5, milliseconds=1), off.disabled_reason)
    assert repo.list("acme") == [found]
    assert repo.save_health("acme", stored.id, Health(), previous=failing) is False
    assert repo.save_health("acme", stored.id, Health(), previous=found.health) is True

    assert repo.save_health("acme", stored.id, off, previous=Health()) is True
    enabled = repo.enable("acme", stored.id)
    assert enabled == stored == repo.get("acme", stored.id)
    assert repo.enable("globex", stored.id) is None
    assert repo.enable("acme", new_id()) is None
