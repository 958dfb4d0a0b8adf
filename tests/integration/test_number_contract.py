"""A number is used once (decision 0057), as every invoice repository keeps it: the in-memory fake,
the DynamoDB adapter on moto and on DynamoDB Local, through the same assertions."""

from __future__ import annotations

import boto3
import pytest

from chalicelib.domain import transitions
from chalicelib.domain.errors import (
    DomainError,
    NumberOfTheSeriesError,
    NumberUsedError,
    SeriesNumberUsedError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.series import NumberFormats
from chalicelib.domain.settings import TenantSettings
from chalicelib.ports import Added, InvoiceRepository
from chalicelib.store.invoices import DynamoInvoiceRepository
from invoicing_cli.local import TABLE_NAME
from tests.fakes import InMemoryInvoiceRepository
from tests.integration.test_invoice_repository_contract import (
    ACME,
    NOW,
    credit_of,
    draft,
    issued_in,
)

FORMATS = NumberFormats.of(TenantSettings())  # INV-{YYYY}-{SEQ:04} and CN-{YYYY}-{SEQ:04}


@pytest.fixture(params=["memory", "moto", pytest.param("local", marks=pytest.mark.dynamodb_local)])
def repo(request: pytest.FixtureRequest) -> InvoiceRepository:
    if request.param == "memory":
        return InMemoryInvoiceRepository()
    if request.param == "moto":
        request.getfixturevalue("aws")
        return DynamoInvoiceRepository(boto3.client("dynamodb"), TABLE_NAME)
    table = request.getfixturevalue("ddb_local")
    return DynamoInvoiceRepository(table.client, table.table_name)


def brought(number: str) -> Invoice:
    """A new invoice under a number of its own, as an import brings it."""
    return draft().model_copy(update={"invoice_number": number})


def outcomes(added: list[Added | DomainError]) -> list[str]:
    return [
        type(o).__name__ if isinstance(o, Exception) else o.invoice.invoice_number or ""
        for o in added
    ]


def test_two_invoices_bringing_one_number_the_first_has_it(repo: InvoiceRepository) -> None:
    first, again, other = brought("R-1"), brought("R-1"), brought("R-2")
    made = repo.add_many([first, again, other], atomic=False)
    assert outcomes(made) == ["R-1", "NumberUsedError", "R-2"]
    later = repo.add_many([brought("R-2")], atomic=False)
    assert outcomes(later) == ["NumberUsedError"]
    assert repo.get("acme", again.id) is None


def test_a_number_used_refuses_an_atomic_write_whole(repo: InvoiceRepository) -> None:
    repo.add_many([brought("R-1")], atomic=True)
    fresh, taken = brought("R-2"), brought("R-1")
    with pytest.raises(NumberUsedError):
        repo.add_many([fresh, taken], atomic=True)
    assert repo.get_many("acme", [fresh.id, taken.id]) == []


def test_an_invoice_written_again_under_its_id_is_found_not_refused(
    repo: InvoiceRepository,
) -> None:
    invoice = brought("R-1")
    [made] = repo.add_many([invoice], atomic=False)
    [again] = repo.add_many([invoice], atomic=False)
    assert isinstance(made, Added) and isinstance(again, Added)
    assert (made.created, again.created, again.invoice.id) == (True, False, invoice.id)


def test_a_number_the_series_gave_or_could_still_give_is_refused(repo: InvoiceRepository) -> None:
    issued_in(repo)
    issued_in(repo)  # the series of 2026 is at 2
    numbers = ["INV-2026-0002", "INV-2026-0003", "INV-2025-0001", "CN-2026-0001", "INV-2026-2"]
    made = repo.add_many([brought(n) for n in numbers], atomic=False, formats=FORMATS)
    assert outcomes(made) == [
        "NumberUsedError",
        "NumberOfTheSeriesError",
        "NumberOfTheSeriesError",
        "NumberOfTheSeriesError",
        "INV-2026-2",
    ]
    with pytest.raises(NumberOfTheSeriesError):
        repo.add_many([brought("INV-2026-0009")], atomic=True, formats=FORMATS)


def test_the_series_reaching_a_number_held_is_refused_with_the_counter_unmoved(
    repo: InvoiceRepository,
) -> None:
    repo.add_many([brought("INV-2026-0001")], atomic=True)  # unchecked, as before 0057
    with pytest.raises(SeriesNumberUsedError):
        issued_in(repo)
    counter, _ = repo.get_for_new_issue("acme")
    assert counter.last == {}


def test_a_credit_note_number_held_refuses_the_credit_note(repo: InvoiceRepository) -> None:
    invoice = issued_in(repo)
    repo.add_many([brought("CN-2026-0001")], atomic=True)
    credited, counter, note, read = credit_of(repo, invoice)
    with pytest.raises(SeriesNumberUsedError):
        repo.save_credited(credited, previous=read, counter=counter, note=note)
    assert repo.get_credit_note("acme", note.id) is None
    assert repo.get("acme", invoice.id) == read


def test_a_saved_invoice_taking_another_number_is_checked_and_keeps_its_old_one(
    repo: InvoiceRepository,
) -> None:
    [first, second] = [
        o.invoice
        for o in repo.add_many([brought("A"), brought("B")], atomic=True)
        if isinstance(o, Added)
    ]
    with pytest.raises(NumberUsedError):
        repo.save(first.model_copy(update={"invoice_number": "B"}), previous=first)
    with pytest.raises(NumberOfTheSeriesError):
        renumbered = first.model_copy(update={"invoice_number": "INV-2026-0001"})
        repo.save(renumbered, previous=first, formats=FORMATS)
    moved = repo.save(first.model_copy(update={"invoice_number": "C"}), previous=first)
    back = repo.save(moved.model_copy(update={"invoice_number": "A"}), previous=moved)
    assert back.invoice_number == "A"  # its own number still
    made = repo.add_many([brought("C")], atomic=False)
    assert outcomes(made) == ["NumberUsedError"]  # a number once used stays used
    assert repo.get("acme", second.id) == second


def test_a_recurring_period_issued_holds_its_number_or_is_refused_whole(
    repo: InvoiceRepository,
) -> None:
    template = repo.add(draft())

    def period() -> tuple[Invoice, InvoiceCounter | None]:
        counter, settings = repo.get_for_new_issue("acme")
        issuing = transitions.Issuing(counter, settings)
        return transitions.mark_as_sent(draft(), issuing, actor=ACME, now=NOW)

    sent, advanced = period()
    stored, moved = repo.add_from_template(
        sent, template=template, previous=template, counter=advanced
    )
    assert outcomes(repo.add_many([brought("INV-2026-0001")], atomic=False)) == ["NumberUsedError"]
    repo.add_many([brought("INV-2026-0002")], atomic=True)  # held before the series reaches it
    sent, advanced = period()
    with pytest.raises(SeriesNumberUsedError):
        repo.add_from_template(sent, template=moved, previous=moved, counter=advanced)
    assert repo.get("acme", template.id) == moved
    assert repo.get("acme", sent.id) is None
    assert stored.invoice_number == "INV-2026-0001"
