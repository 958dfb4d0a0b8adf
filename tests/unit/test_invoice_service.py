"""Invoice use cases over the in-memory store: tenancy, lost races, all-or-nothing deletes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from chalicelib.domain.commands import InvoiceFields, NewInvoice, RowInput
from chalicelib.domain.errors import (
    ConcurrentModificationError,
    FrozenFieldsError,
    InvalidStateError,
    InvoiceNotFoundError,
)
from chalicelib.domain.invoice import EventType, Invoice, InvoiceStatus
from chalicelib.domain.series import NumberFormats
from chalicelib.domain.values import Actor
from chalicelib.ports import InvoicePorts, InvoiceRepository
from chalicelib.retry import RetryPolicy
from chalicelib.services import invoices as service
from tests.fakes import FixedClock, InMemoryInvoiceRepository, InMemoryTenantSettings

ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="gina")


class RacingRepository(InMemoryInvoiceRepository):
    """Lets another writer change the invoice just before each of the first `races` writes."""

    def __init__(self, races: int, rival: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.races = races
        self.rival = rival
        self.attempts = 0

    def save(
        self, invoice: Invoice, *, previous: Invoice, formats: NumberFormats | None = None
    ) -> Invoice:
        self._race(invoice.tenant_id, invoice.id)
        return super().save(invoice, previous=previous, formats=formats)

    def delete_all(self, invoices: Sequence[Invoice]) -> None:
        for invoice in invoices:
            self._race(invoice.tenant_id, invoice.id)
        super().delete_all(invoices)

    def _race(self, tenant_id: str, invoice_id: str) -> None:
        self.attempts += 1
        if self.attempts > self.races:
            return
        current = self.get(tenant_id, invoice_id)
        assert current is not None
        rival = current.model_copy(update=self.rival or {"client_id": f"rival-{self.attempts}"})
        super().save(rival, previous=current)


@pytest.fixture
def repo() -> InMemoryInvoiceRepository:
    return InMemoryInvoiceRepository()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


RETRIES = 3


def _ports(repo: InvoiceRepository, clock: FixedClock | None = None) -> InvoicePorts:
    """No pauses between retries: a test does not wait for jitter."""
    no_pause = RetryPolicy(attempts=RETRIES, sleep=lambda _: None)
    settings = InMemoryTenantSettings(
        repo.settings if isinstance(repo, InMemoryInvoiceRepository) else {}
    )
    return InvoicePorts(repo=repo, clock=clock or FixedClock(), settings=settings, retry=no_pause)


def _create(repo: InMemoryInvoiceRepository, actor: Actor = ACME, **data: Any) -> Invoice:
    return service.create_invoice(
        NewInvoice.model_validate(data),
        actor=actor,
        ports=_ports(repo),
    ).invoice


def _update(repo: InMemoryInvoiceRepository, invoice_id: str, **data: Any) -> Invoice:
    return service.update_invoice(
        invoice_id, InvoiceFields.model_validate(data), actor=ACME, ports=_ports(repo)
    )


def _stored_as(repo: InMemoryInvoiceRepository, status: InvoiceStatus) -> Invoice:
    draft = _create(repo)
    return repo.save(draft.model_copy(update={"status": status}), previous=draft)


def test_created_invoice_is_stored_at_version_one(
    repo: InMemoryInvoiceRepository, clock: FixedClock
) -> None:
    created = _create(repo, note="hello")

    assert created.version == 1
    assert created.created == clock.now()
    assert service.get_invoice(created.id, actor=ACME, ports=_ports(repo)) == created


def test_getting_an_unknown_invoice_names_it(repo: InMemoryInvoiceRepository) -> None:
    with pytest.raises(InvoiceNotFoundError, match="Invoice not found: missing") as refused:
        service.get_invoice("missing", actor=ACME, ports=_ports(repo))

    assert refused.value.invoice_ids == ("missing",)


def test_another_tenants_invoice_is_not_found(repo: InMemoryInvoiceRepository) -> None:
    theirs = _create(repo, GLOBEX)

    with pytest.raises(InvoiceNotFoundError):
        service.get_invoice(theirs.id, actor=ACME, ports=_ports(repo))


def test_find_keeps_the_order_asked_and_collapses_duplicates(
    repo: InMemoryInvoiceRepository,
) -> None:
    first, second, third = _create(repo), _create(repo), _create(repo)

    found = service.find_invoices(
        [third.id, first.id, third.id, second.id], actor=ACME, ports=_ports(repo)
    )

    assert [invoice.id for invoice in found] == [third.id, first.id, second.id]


def test_find_leaves_out_unknown_and_other_tenants_ids(repo: InMemoryInvoiceRepository) -> None:
    ours = _create(repo)
    theirs = _create(repo, GLOBEX)

    found = service.find_invoices(["missing", theirs.id, ours.id], actor=ACME, ports=_ports(repo))

    assert [invoice.id for invoice in found] == [ours.id]


def test_update_writes_the_change_at_the_next_version(repo: InMemoryInvoiceRepository) -> None:
    created = _create(repo)

    updated = _update(repo, created.id, note="changed")

    assert (updated.note, updated.version) == ("changed", 2)
    assert service.get_invoice(created.id, actor=ACME, ports=_ports(repo)) == updated


def test_empty_update_writes_nothing() -> None:
    repo = RacingRepository(races=0)
    created = _create(repo)

    unchanged = _update(repo, created.id)

    assert unchanged == created
    assert repo.attempts == 0


def test_update_retries_on_top_of_a_rival_write() -> None:
    repo = RacingRepository(races=1)
    created = _create(repo)

    updated = _update(repo, created.id, note="mine")

    assert repo.attempts == 2
    assert (updated.note, updated.client_id) == ("mine", "rival-1")
    assert updated.version == 3
    assert service.get_invoice(created.id, actor=ACME, ports=_ports(repo)) == updated


def test_update_gives_up_after_the_last_attempt() -> None:
    repo = RacingRepository(races=RETRIES)
    created = _create(repo)

    with pytest.raises(ConcurrentModificationError, match=created.id):
        _update(repo, created.id, note="mine")

    assert repo.attempts == RETRIES
    assert service.get_invoice(created.id, actor=ACME, ports=_ports(repo)).note is None


def test_updating_another_tenants_invoice_is_not_found(repo: InMemoryInvoiceRepository) -> None:
    theirs = _create(repo, GLOBEX)

    with pytest.raises(InvoiceNotFoundError):
        _update(repo, theirs.id, note="mine")

    assert service.get_invoice(theirs.id, actor=GLOBEX, ports=_ports(repo)).note is None


def test_changing_the_content_of_a_sent_invoice_is_refused_and_writes_nothing(
    repo: InMemoryInvoiceRepository,
) -> None:
    sent = _stored_as(repo, InvoiceStatus.SENT)

    with pytest.raises(FrozenFieldsError):
        _update(repo, sent.id, note="late", currency="USD")

    assert service.get_invoice(sent.id, actor=ACME, ports=_ports(repo)) == sent


def test_rows_are_added_and_removed_through_the_repository(
    repo: InMemoryInvoiceRepository, clock: FixedClock
) -> None:
    created = _create(repo)
    row = RowInput.model_validate({"quantity": "2", "unitPrice": "1.25"})

    added = service.add_row(created.id, row, actor=ACME, ports=_ports(repo, clock))
    removed = service.remove_row(
        created.id, added.rows[0].id, actor=ACME, ports=_ports(repo, clock)
    )

    assert (str(added.total), added.version) == ("2.50", 2)
    assert (str(removed.total), removed.rows, removed.version) == ("0.00", [], 3)


def test_a_sent_invoice_can_still_be_commented(
    repo: InMemoryInvoiceRepository, clock: FixedClock
) -> None:
    sent = _stored_as(repo, InvoiceStatus.SENT)

    commented = service.add_comment(sent.id, "Reminder", actor=ACME, ports=_ports(repo, clock))

    assert commented.events[-1].type is EventType.COMMENT
    assert commented.version == sent.version + 1


def test_delete_removes_every_invoice_given(repo: InMemoryInvoiceRepository) -> None:
    first, second = _create(repo), _create(repo)

    service.delete_invoices([first.id, second.id, first.id], actor=ACME, ports=_ports(repo))

    assert service.find_invoices([first.id, second.id], actor=ACME, ports=_ports(repo)) == []


def test_delete_of_a_single_invoice(repo: InMemoryInvoiceRepository) -> None:
    created = _create(repo)

    service.delete_invoice(created.id, actor=ACME, ports=_ports(repo))

    with pytest.raises(InvoiceNotFoundError):
        service.get_invoice(created.id, actor=ACME, ports=_ports(repo))


def test_delete_with_one_missing_id_names_it_and_deletes_nothing(
    repo: InMemoryInvoiceRepository,
) -> None:
    first, second = _create(repo), _create(repo)
    theirs = _create(repo, GLOBEX)

    with pytest.raises(InvoiceNotFoundError) as refused:
        service.delete_invoices(
            [first.id, "missing", theirs.id, second.id], actor=ACME, ports=_ports(repo)
        )

    assert refused.value.invoice_ids == ("missing", theirs.id)
    assert len(service.find_invoices([first.id, second.id], actor=ACME, ports=_ports(repo))) == 2
    assert service.get_invoice(theirs.id, actor=GLOBEX, ports=_ports(repo)) == theirs


def test_delete_with_one_invoice_not_in_draft_deletes_nothing(
    repo: InMemoryInvoiceRepository,
) -> None:
    draft = _create(repo)
    paid = _stored_as(repo, InvoiceStatus.PAID)

    with pytest.raises(InvalidStateError, match="PAID"):
        service.delete_invoices([draft.id, paid.id], actor=ACME, ports=_ports(repo))

    assert len(service.find_invoices([draft.id, paid.id], actor=ACME, ports=_ports(repo))) == 2


def test_delete_rechecks_invoices_after_a_rival_write() -> None:
    repo = RacingRepository(races=1)
    first, second = _create(repo), _create(repo)

    service.delete_invoices([first.id, second.id], actor=ACME, ports=_ports(repo))

    assert service.find_invoices([first.id, second.id], actor=ACME, ports=_ports(repo)) == []


def test_delete_refuses_an_invoice_sent_by_a_rival_meanwhile_and_deletes_nothing() -> None:
    repo = RacingRepository(races=1, rival={"status": InvoiceStatus.SENT})
    first, second = _create(repo), _create(repo)

    with pytest.raises(InvalidStateError, match="SENT"):
        service.delete_invoices([first.id, second.id], actor=ACME, ports=_ports(repo))

    assert len(service.find_invoices([first.id, second.id], actor=ACME, ports=_ports(repo))) == 2


def test_delete_gives_up_after_the_last_attempt_and_deletes_nothing() -> None:
    repo = RacingRepository(races=RETRIES)
    created = _create(repo)

    with pytest.raises(ConcurrentModificationError):
        service.delete_invoices([created.id], actor=ACME, ports=_ports(repo))

    assert service.get_invoice(created.id, actor=ACME, ports=_ports(repo)).id == created.id
