"""One contract for every invoice repository: each backend subclasses it with its own fixture."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import boto3
import pytest

from chalicelib.domain import payments, transitions
from chalicelib.domain.commands import InvoiceFields, RowInput
from chalicelib.domain.credit_note_events import sent_by_mail
from chalicelib.domain.credit_notes import (
    CreditNote,
    credit_note_input,
    issue_credit_note,
    next_credit_note_number,
)
from chalicelib.domain.errors import (
    ConcurrentModificationError,
    CreditNoteNotFoundError,
    InvalidInputError,
    InvoiceNotFoundError,
    InvoiceTooLargeError,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.invoicing import InvoiceDefaults, new_invoice
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.values import Actor, new_id
from chalicelib.ports import InvoiceRepository
from chalicelib.store.invoices import DynamoInvoiceRepository
from invoicing_cli.dynamodb_local import LocalTable
from invoicing_cli.local import TABLE_NAME
from tests.fakes import InMemoryInvoiceRepository

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="bob")


def draft(actor: Actor = ACME, note: str = "", rows: int = 1) -> Invoice:
    fields = InvoiceFields(
        note=note or None,
        rows=[
            RowInput(description=f"Item {n}", quantity=Decimal(1), unit_price=Decimal(10))
            for n in range(rows)
        ],
    )
    return new_invoice(fields, actor=actor, now=NOW, defaults=InvoiceDefaults())


def issued_in(repo: InvoiceRepository, actor: Actor = ACME) -> Invoice:
    """A draft of two rows of 10.00, issued with the next number of its tenant's series."""
    counter, settings = repo.get_for_new_issue(actor.tenant_id)
    issuing = transitions.Issuing(counter, settings)
    sent, advanced = transitions.mark_as_sent(draft(actor, rows=2), issuing, actor=actor, now=NOW)
    return repo.add_issued(sent, counter=advanced).invoice


def credit_of(
    repo: InvoiceRepository, invoice: Invoice, note_id: str | None = None
) -> tuple[Invoice, InvoiceCounter, CreditNote, Invoice]:
    """What crediting the invoice's next row writes, from a fresh read: the invoice credited,
    the counter advanced, the credit note, and the invoice as read."""
    context = repo.get_for_credit(invoice.tenant_id, invoice.id)
    assert context is not None
    number, counter = next_credit_note_number(
        context.counter, context.settings.credit_note_numbering_format, NOW.date()
    )
    row = context.invoice.rows[len(context.invoice.credited.credit_notes) % 2]
    body = {"reason": "Returned", "rows": [{"rowId": row.id}]}
    note, summary = issue_credit_note(
        context.invoice,
        credit_note_input(body),
        summary=context.invoice.credited,
        number=number,
        note_id=note_id or new_id(),
        actor=ACME,
        now=NOW,
    )
    credited = payments.credited(context.invoice, note.reference(), summary, actor=ACME, now=NOW)
    return credited, counter, note, context.invoice


class InvoiceRepositoryContract:
    """What the services rely on from any place that stores invoices."""

    @pytest.fixture
    def repo(self) -> InvoiceRepository:
        raise NotImplementedError

    def test_added_invoice_reads_back_equal_at_version_1(self, repo: InvoiceRepository) -> None:
        invoice = draft()
        stored = repo.add(invoice)
        assert stored.version == 1
        assert repo.get("acme", invoice.id) == stored
        assert stored.model_dump() == invoice.model_dump()

    def test_amounts_and_dates_survive_storage_exactly(self, repo: InvoiceRepository) -> None:
        invoice = repo.add(draft())
        read = repo.get("acme", invoice.id)
        assert read is not None
        assert str(read.rows[0].total) == "10.00"
        assert str(read.total_with_tax) == "10.00"
        assert read.invoice_date == invoice.invoice_date
        assert read.created == NOW

    def test_unknown_or_malformed_id_reads_as_none(self, repo: InvoiceRepository) -> None:
        assert repo.get("acme", "0198a2b3-0000-7000-8000-000000000000") is None
        assert repo.get("acme", "INV#../" + "x" * 2000) is None

    def test_another_tenants_invoice_is_invisible(self, repo: InvoiceRepository) -> None:
        invoice = repo.add(draft(GLOBEX))
        assert repo.get("acme", invoice.id) is None
        assert repo.get_many("acme", [invoice.id]) == []
        assert repo.list_page("acme", limit=10, cursor=None).items == []

    def test_save_at_the_read_version_bumps_it(self, repo: InvoiceRepository) -> None:
        stored = repo.add(draft())
        changed = stored.model_copy(update={"note": "changed"})
        saved = repo.save(changed, previous=stored)
        assert saved.version == 2
        read = repo.get("acme", stored.id)
        assert read is not None
        assert (read.note, read.version) == ("changed", 2)

    def test_save_at_a_stale_version_conflicts_and_writes_nothing(
        self, repo: InvoiceRepository
    ) -> None:
        stored = repo.add(draft())
        repo.save(stored.model_copy(update={"note": "first"}), previous=stored)
        with pytest.raises(ConcurrentModificationError):
            repo.save(stored.model_copy(update={"note": "second"}), previous=stored)
        read = repo.get("acme", stored.id)
        assert read is not None
        assert (read.note, read.version) == ("first", 2)

    def test_save_of_a_missing_invoice_is_not_found(self, repo: InvoiceRepository) -> None:
        with pytest.raises(InvoiceNotFoundError):
            repo.save(draft(), previous=draft().model_copy(update={"version": 1}))

    def test_an_invoice_added_issued_moves_the_counter_that_numbered_it(
        self, repo: InvoiceRepository
    ) -> None:
        counter, _ = repo.get_for_new_issue("acme")
        numbered = draft().model_copy(update={"invoice_number": "INV-1"})
        moved = counter.model_copy(update={"last": {"2026": 1}})

        added = repo.add_issued(numbered, counter=moved)

        assert added.created and added.invoice.version == 1
        assert repo.get("acme", numbered.id) == added.invoice
        after, _ = repo.get_for_new_issue("acme")
        assert (after.last, after.version) == ({"2026": 1}, counter.version + 1)

    def test_added_issued_over_a_moved_counter_conflicts_and_writes_nothing(
        self, repo: InvoiceRepository
    ) -> None:
        counter, _ = repo.get_for_new_issue("acme")
        first = draft().model_copy(update={"invoice_number": "INV-1"})
        repo.add_issued(first, counter=counter.model_copy(update={"last": {"2026": 1}}))
        second = draft().model_copy(update={"invoice_number": "INV-1"})
        with pytest.raises(ConcurrentModificationError):
            repo.add_issued(second, counter=counter.model_copy(update={"last": {"2026": 1}}))
        assert repo.get("acme", second.id) is None

    def test_added_issued_under_a_taken_id_answers_the_stored_one(
        self, repo: InvoiceRepository
    ) -> None:
        stored = repo.add(draft(note="first"))
        counter, _ = repo.get_for_new_issue("acme")
        again = stored.model_copy(update={"note": "second", "invoice_number": "INV-1"})

        found = repo.add_issued(again, counter=counter.model_copy(update={"last": {"2026": 1}}))

        assert (found.created, found.invoice) == (False, stored)
        assert repo.get_for_new_issue("acme")[0] == counter  # not moved

    def test_get_many_returns_only_existing_invoices_of_the_tenant(
        self, repo: InvoiceRepository
    ) -> None:
        first, second = repo.add(draft()), repo.add(draft())
        other = repo.add(draft(GLOBEX))
        found = repo.get_many("acme", [second.id, "missing", first.id, other.id, second.id])
        assert sorted(i.id for i in found) == sorted([first.id, second.id])

    def test_pages_walk_all_invoices_in_creation_order(self, repo: InvoiceRepository) -> None:
        created = [repo.add(draft()).id for _ in range(5)]
        seen, cursor = [], None
        for _ in range(10):
            page = repo.list_page("acme", limit=2, cursor=cursor)
            seen += [invoice.id for invoice in page.items]
            cursor = page.cursor
            if cursor is None:
                break
        assert seen == created

    def test_a_cursor_it_did_not_issue_is_refused(self, repo: InvoiceRepository) -> None:
        with pytest.raises(InvalidInputError):
            repo.list_page("acme", limit=2, cursor="ü")

    def test_delete_at_the_read_version_removes_it(self, repo: InvoiceRepository) -> None:
        stored = repo.add(draft())
        repo.delete(stored)
        assert repo.get("acme", stored.id) is None

    def test_delete_at_a_stale_version_conflicts_and_keeps_it(
        self, repo: InvoiceRepository
    ) -> None:
        stored = repo.add(draft())
        repo.save(stored.model_copy(update={"note": "newer"}), previous=stored)
        with pytest.raises(ConcurrentModificationError):
            repo.delete(stored)
        assert repo.get("acme", stored.id) is not None

    def test_delete_all_is_all_or_nothing(self, repo: InvoiceRepository) -> None:
        first, second = repo.add(draft()), repo.add(draft())
        repo.save(second.model_copy(update={"note": "newer"}), previous=second)
        with pytest.raises(ConcurrentModificationError):
            repo.delete_all([first, second])
        assert repo.get("acme", first.id) is not None
        current = repo.get("acme", second.id)
        assert current is not None
        repo.delete_all([first, current])
        assert repo.get_many("acme", [first.id, second.id]) == []

    def test_delete_all_of_a_vanished_invoice_names_it(self, repo: InvoiceRepository) -> None:
        kept, gone = repo.add(draft()), repo.add(draft())
        repo.delete(gone)
        with pytest.raises(InvoiceNotFoundError) as raised:
            repo.delete_all([kept, gone])
        assert raised.value.invoice_ids == (gone.id,)
        assert repo.get("acme", kept.id) is not None

    # Credit notes (issue 21): one transaction with the counter and the invoice they credit.

    def test_a_credit_note_is_written_with_the_invoice_it_credits_and_its_counter(
        self, repo: InvoiceRepository
    ) -> None:
        invoice = issued_in(repo)
        credited, counter, note, previous = credit_of(repo, invoice)

        saved = repo.save_credited(credited, previous=previous, counter=counter, note=note)

        assert saved.version == invoice.version + 1
        assert repo.get("acme", invoice.id) == saved
        assert [n.id for n in saved.credited.credit_notes] == [note.id]
        assert str(saved.credited.total_with_tax) == "10.00"
        read = repo.get_credit_note("acme", note.id)
        assert read is not None
        assert (read.model_dump(), read.version) == (note.model_dump(), 1)
        assert (read.credit_note_number, str(read.total_with_tax)) == ("CN-2026-0001", "10.00")
        context = repo.get_for_credit("acme", invoice.id, note_id=note.id)
        assert context is not None
        assert (context.made, context.invoice) == (read, saved)
        assert context.counter.last == {"2026": 1, "CN:2026": 1}
        assert repo.figures("acme")["credited#EUR"] == Decimal("10.00")

    def test_credit_notes_read_in_the_order_asked_and_only_the_tenants_own(
        self, repo: InvoiceRepository
    ) -> None:
        invoice = issued_in(repo)
        notes = []
        for _ in range(2):
            credited, counter, note, previous = credit_of(repo, invoice)
            invoice = repo.save_credited(credited, previous=previous, counter=counter, note=note)
            notes.append(note)
        ids = [note.id for note in notes]
        found = repo.get_credit_notes("acme", [ids[1], "missing", ids[0]])
        assert [n.model_dump() for n in found] == [n.model_dump() for n in notes[::-1]]
        assert repo.get_credit_notes("globex", ids) == []
        assert repo.get_credit_note("globex", ids[0]) is None
        assert repo.get_credit_note("acme", "../" + "x" * 2000) is None
        assert repo.get_for_credit("globex", invoice.id) is None

    def test_a_credit_note_over_a_moved_counter_conflicts_and_writes_nothing(
        self, repo: InvoiceRepository
    ) -> None:
        invoice = issued_in(repo)
        credited, counter, note, previous = credit_of(repo, invoice)
        issued_in(repo)  # another invoice took a number meanwhile: the counter moved on
        with pytest.raises(ConcurrentModificationError):
            repo.save_credited(credited, previous=previous, counter=counter, note=note)
        assert repo.get("acme", invoice.id) == invoice
        assert repo.get_credit_note("acme", note.id) is None
        assert "credited#EUR" not in repo.figures("acme")

    def test_a_credit_note_over_a_changed_invoice_conflicts_and_writes_nothing(
        self, repo: InvoiceRepository
    ) -> None:
        invoice = issued_in(repo)
        credited, counter, note, previous = credit_of(repo, invoice)
        changed = repo.save(invoice.model_copy(update={"note": "newer"}), previous=invoice)
        with pytest.raises(ConcurrentModificationError):
            repo.save_credited(credited, previous=previous, counter=counter, note=note)
        assert repo.get("acme", invoice.id) == changed
        assert repo.get_credit_note("acme", note.id) is None
        context = repo.get_for_credit("acme", invoice.id)
        assert context is not None
        assert context.counter == counter.model_copy(update={"last": {"2026": 1}})

    def test_a_credit_note_whose_id_is_taken_conflicts_and_writes_nothing(
        self, repo: InvoiceRepository
    ) -> None:
        invoice = issued_in(repo)
        credited, counter, note, previous = credit_of(repo, invoice)
        saved = repo.save_credited(credited, previous=previous, counter=counter, note=note)
        again, counter, second, previous = credit_of(repo, saved, note_id=note.id)
        with pytest.raises(ConcurrentModificationError):
            repo.save_credited(again, previous=previous, counter=counter, note=second)
        assert repo.get("acme", invoice.id) == saved
        kept = repo.get_credit_note("acme", note.id)
        assert kept is not None
        assert kept.model_dump() == note.model_dump()

    def test_a_credit_note_sent_is_written_over_the_version_read_and_a_stale_write_conflicts(
        self, repo: InvoiceRepository
    ) -> None:
        invoice = issued_in(repo)
        credited, counter, note, previous = credit_of(repo, invoice)
        repo.save_credited(credited, previous=previous, counter=counter, note=note)
        read = repo.get_credit_note("acme", note.id)
        assert read is not None
        retried = Actor(tenant_id="acme", user_id="alice", request="request-1")

        saved = repo.save_credit_note(
            sent_by_mail(read, "ap@example.com", actor=retried, now=NOW), previous=read
        )

        again = repo.get_credit_note("acme", note.id)
        assert again is not None
        assert (again, again.version) == (saved, 2)
        assert [event.type for event in again.events] == ["ISSUED", "SENT"]
        assert again.is_written_by("request-1") and not again.is_written_by("request-2")
        assert again.model_dump(exclude={"events"}) == note.model_dump(exclude={"events"})
        stale = sent_by_mail(read, "other@example.com", actor=ACME, now=NOW)
        with pytest.raises(ConcurrentModificationError):
            repo.save_credit_note(stale, previous=read)
        with pytest.raises(CreditNoteNotFoundError):
            repo.save_credit_note(stale.model_copy(update={"tenant_id": "globex"}), previous=read)
        assert repo.get_credit_note("acme", note.id) == saved
        assert repo.get_credit_note("globex", note.id) is None


class TestInMemoryInvoiceRepository(InvoiceRepositoryContract):
    @pytest.fixture
    def repo(self) -> InvoiceRepository:
        return InMemoryInvoiceRepository()


class TestDynamoInvoiceRepository(InvoiceRepositoryContract):
    @pytest.fixture
    def repo(self, aws: None) -> InvoiceRepository:
        return DynamoInvoiceRepository(boto3.client("dynamodb"), TABLE_NAME)

    def test_an_invoice_too_large_for_one_item_is_refused_before_writing(
        self, repo: InvoiceRepository
    ) -> None:
        invoice = draft(note="x" * 5000)
        row = invoice.rows[0].model_copy(update={"description": "y" * 1000})
        # More than any valid request can build: the guard protects against DynamoDB's 400 KB.
        rows = [row.model_copy(update={"id": f"row-{n}"}) for n in range(400)]
        huge = invoice.model_copy(update={"rows": rows})
        with pytest.raises(InvoiceTooLargeError):
            repo.add(huge)
        assert repo.get("acme", huge.id) is None

    def test_items_carry_tenant_prefixed_keys_and_the_version(
        self, repo: InvoiceRepository
    ) -> None:
        stored = repo.add(draft())
        item = boto3.client("dynamodb").get_item(
            TableName=TABLE_NAME, Key={"PK": {"S": "T#acme"}, "SK": {"S": f"INV#{stored.id}"}}
        )["Item"]
        assert item["version"] == {"N": "1"}
        assert item["tenantId"] == {"S": "acme"}
        assert item["total"] == {"N": "10.00"}


@pytest.mark.dynamodb_local
class TestDynamoInvoiceRepositoryOnDynamoDBLocal(InvoiceRepositoryContract):
    @pytest.fixture
    def repo(self, ddb_local: LocalTable) -> InvoiceRepository:
        return DynamoInvoiceRepository(ddb_local.client, ddb_local.table_name)
