"""Domain errors: each says what went wrong in the user's terms; the API maps them to statuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError


class DomainError(Exception):
    """Base of every error a caller can cause; its message is safe to show to the caller."""


class NotFoundError(DomainError):
    pass


class InvoiceNotFoundError(NotFoundError):
    def __init__(self, invoice_ids: Sequence[str]) -> None:
        self.invoice_ids = tuple(invoice_ids)
        listed = ", ".join(self.invoice_ids)
        noun = "Invoice" if len(self.invoice_ids) == 1 else "Invoices"
        super().__init__(f"{noun} not found: {listed}")


class CreditNoteNotFoundError(NotFoundError):
    def __init__(self, credit_note_id: str) -> None:
        super().__init__(f"Credit note not found: {credit_note_id}")


class RowNotFoundError(NotFoundError):
    def __init__(self, invoice_id: str, row_id: str) -> None:
        super().__init__(f"Invoice {invoice_id} has no row {row_id}")


class ConflictError(DomainError):
    pass


class ConcurrentModificationError(ConflictError):
    """A write over a version another writer moved on (or where another was first). `found` holds,
    by id, what the store found in the write's place as it refused it, where it read that: a new
    invoice's id taken is answered with the one stored. It goes stale at once under contention,
    so a retry reads again (services/optimistic.py)."""

    def __init__(
        self, entity_id: str, *, noun: str = "Invoice", found: Mapping[str, object] | None = None
    ) -> None:
        self.found: Mapping[str, object] = found or {}
        super().__init__(
            f"{noun} {entity_id} was changed by another request at the same time; "
            "read it again and retry"
        )


class InvalidStateError(ConflictError):
    """An action that the invoice's current status does not allow."""

    def __init__(self, invoice_id: str, status: str, action: str, allowed: Sequence[str]) -> None:
        self.status = status
        allowed_text = ", ".join(allowed) if allowed else "nothing"
        super().__init__(
            f"Cannot {action} while invoice {invoice_id} is {status}; "
            f"allowed from {status}: {allowed_text}"
        )


class FrozenFieldsError(ConflictError):
    """A change to what an issued invoice says: its rows, amounts, currency, dates or client."""

    def __init__(
        self, invoice_id: str, status: str, fields: Sequence[str], editable: Sequence[str]
    ) -> None:
        super().__init__(
            f"Cannot change {', '.join(fields)} while invoice {invoice_id} is {status}: once an "
            f"invoice leaves DRAFT only {', '.join(editable)} may change"
        )


class NumberedInvoiceError(ConflictError):
    def __init__(self, invoice_id: str, number: str) -> None:
        super().__init__(
            f"Cannot delete invoice {invoice_id}: it took the number {number}; cancel it instead, "
            "so the numbering keeps no gap"
        )


class SeriesNumberUsedError(ConflictError):
    """The next number of the tenant's own series is held already: by an invoice brought in with
    it before imported numbers were checked against the series (decision 0057)."""

    def __init__(self, numbers: Sequence[str]) -> None:
        self.numbers = tuple(dict.fromkeys(numbers))
        super().__init__(
            f"The next number of your series, {', '.join(self.numbers)}, is used already by an "
            "invoice or credit note brought in with it, and a number is used once; change the "
            "numbering format in the settings to one that does not give it, then try again"
        )


class PaymentExceedsBalanceError(ConflictError):
    def __init__(self, invoice_id: str, amount: object, balance: object, currency: str) -> None:
        super().__init__(
            f"A payment of {amount} {currency} exceeds the {balance} {currency} "
            f"still open on invoice {invoice_id}"
        )


class CreditBalanceError(ConflictError):
    """Marking as paid an invoice whose open balance is negative: a credit is settled by a
    credit note, not by a payment of a negative amount."""

    def __init__(self, invoice_id: str, balance: object, currency: str) -> None:
        super().__init__(
            f"Cannot mark invoice {invoice_id} as paid: it leaves {balance} {currency} open, a "
            "credit owed to the client, and a payment is never negative; credits are settled "
            "by credit notes"
        )


class CreditWithoutClientError(ConflictError):
    """A payment of method CREDIT on an invoice that names no client: there is no balance."""

    def __init__(self, invoice_id: str) -> None:
        super().__init__(
            f"Invoice {invoice_id} names no client of yours, so there is no client's credit to "
            "pay it with; pay it by another method"
        )


class InsufficientCreditError(ConflictError):
    """A move out of a client's credit balance (a CREDIT payment, a refund, a payment removed
    whose excess became credit) larger than the balance: nothing was written."""

    def __init__(self, client_id: str, currency: str, needed: object, available: object) -> None:
        self.client_id, self.currency = client_id, currency
        super().__init__(
            f"Client {client_id} has {available} {currency} of credit, less than the "
            f"{needed} {currency} this takes from it; nothing was written"
        )


class SettledByCreditNotesError(ConflictError):
    """Unmarking as paid an invoice its credit notes cover without the payment it would undo."""

    def __init__(self, invoice_id: str) -> None:
        super().__init__(
            f"Cannot unmark invoice {invoice_id} as paid: its credit notes cover it even without "
            "its last payment, so it stays PAID"
        )


class TransactionNotFoundError(NotFoundError):
    def __init__(self, invoice_id: str, transaction_id: str) -> None:
        super().__init__(f"Invoice {invoice_id} has no payment {transaction_id}")


class PreconditionFailedError(DomainError):
    """The caller's If-Match names a version the invoice (or record) has moved on from."""

    def __init__(
        self, entity_id: str, expected: int, current: int, *, noun: str = "Invoice"
    ) -> None:
        super().__init__(
            f"{noun} {entity_id} is at version {current}, not {expected} as If-Match requires; "
            "read it again before changing it"
        )


class IdempotencyKeyReusedError(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used with a different request; "
            "use a new key for a new request"
        )


class RequestInProgressError(ConflictError):
    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still being processed; retry shortly"
        )


class InvoiceTooLargeError(ConflictError):
    def __init__(self, invoice_id: str, size: int, limit: int) -> None:
        super().__init__(
            f"Invoice {invoice_id} would take {size} bytes, more than the {limit} bytes "
            "an invoice may hold; remove rows or shorten texts"
        )


class UnreadableInvoiceError(ConflictError):
    """A stored invoice this release cannot read back (a value out of the range it accepts):
    shown nowhere until it is corrected, and never the reason a whole list fails."""

    def __init__(self, invoice_id: str, fields: Sequence[str]) -> None:
        self.invoice_id = invoice_id
        named = f" ({', '.join(fields)})" if fields else ""
        super().__init__(
            f"Invoice {invoice_id} cannot be shown: it is stored with values out of the range "
            f"this service accepts{named}; it is left out of lists until it is corrected"
        )


class TemporarilyUnavailableError(DomainError):
    """A dependency is throttling or down; the same request may succeed when retried."""


class AuthenticationError(DomainError):
    """No credential, or one that does not verify. The message never says which part failed."""


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class InvalidInputError(DomainError):
    """Input that passed parsing but breaks a rule; names each offending field."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


def problems_of(error: ValidationError, prefix: str = "") -> list[FieldProblem]:
    """pydantic's complaints as field problems, each field a path such as rows[0].quantity."""
    return [
        FieldProblem(
            field=_field_path(prefix, item["loc"]),
            message=item["msg"].removeprefix("Value error, "),
        )
        for item in error.errors(include_url=False, include_input=False)
    ]


def _field_path(prefix: str, location: tuple[int | str, ...]) -> str:
    path = prefix
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path or "body"


class BatchNotFoundError(NotFoundError):
    def __init__(self, batch_id: str) -> None:
        super().__init__(f"Batch not found: {batch_id}")


class BatchIdTakenError(ConflictError):
    def __init__(self, batch_id: str) -> None:
        super().__init__(f"Batch id {batch_id} already names another kind of batch; choose another")


class BatchIdReusedError(ConflictError):
    """A batch id the client chose, sent again with another body: answering the batch it named
    would drop the new body unsaid, so it is refused (as a reused Idempotency-Key is)."""

    def __init__(self, batch_id: str) -> None:
        super().__init__(
            f"Batch id {batch_id} already names a batch queued with a different body, which "
            "stays as it was; send this body under a new batch_id"
        )


class ApiKeyNotFoundError(NotFoundError):
    def __init__(self, key_id: str) -> None:
        super().__init__(f"API key not found: {key_id}")


class ApiKeyAlreadyMadeError(ConflictError):
    """A retried request whose first try made a key: the key was answered once and is kept
    nowhere, so it cannot be answered again."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"This request already created API key {key_id}; its key was answered once and "
            "is not kept. If that answer was lost, revoke the key and create another"
        )


class ClientNotFoundError(NotFoundError):
    def __init__(self, client_id: str) -> None:
        super().__init__(f"Client not found: {client_id}")


class ClientInUseError(ConflictError):
    def __init__(self, client_id: str) -> None:
        super().__init__(
            f"Cannot delete client {client_id}: invoices name it; it can be deleted once none does"
        )


class UnknownClientError(InvalidInputError):
    """An invoice names a client the tenant does not have: never had, or deleted meanwhile."""

    def __init__(self, client_ids: Sequence[str]) -> None:
        self.client_ids = tuple(dict.fromkeys(client_ids))
        message = "names no client of yours: {}"
        super().__init__([FieldProblem("clientId", message.format(i)) for i in self.client_ids])


NUMBER_FIELD = "invoiceNumber"  # where an invoice's number is, in native terms


class NumberUsedError(InvalidInputError):
    """An invoice brought with a number an invoice or credit note of the tenant has already:
    a number is used once (decision 0057)."""

    def __init__(self, numbers: Sequence[str]) -> None:
        self.numbers = tuple(dict.fromkeys(numbers))
        message = "{} is used already by another invoice or credit note of yours"
        super().__init__([FieldProblem(NUMBER_FIELD, message.format(n)) for n in self.numbers])


class NumberOfTheSeriesError(InvalidInputError):
    """An invoice brought with a number the tenant's own numbering could still give: taken now,
    it would stop the series when the series reaches it (decision 0057)."""

    def __init__(self, numbers: Sequence[str]) -> None:
        self.numbers = tuple(dict.fromkeys(numbers))
        message = (
            "{} is a number your own numbering format gives, at a place it has not reached yet; "
            "bring it under a number your formats do not give, or change the formats first"
        )
        super().__init__([FieldProblem(NUMBER_FIELD, message.format(n)) for n in self.numbers])


class BlobNotFoundError(NotFoundError):
    def __init__(self, invoice_id: str, blob_id: str) -> None:
        super().__init__(f"Invoice {invoice_id} has no attachment {blob_id}")


class FileRefusedError(DomainError):
    """An uploaded file that is not what it claims, not of an allowed kind, or badly named."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        super().__init__(f"File {name!r} refused: {reason}")


class FileTooLargeError(DomainError):
    def __init__(self, name: str, size: int, limit: int) -> None:
        super().__init__(
            f"File {name!r} has {size} bytes, more than the {limit} bytes allowed; "
            "upload larger files through an upload link"
        )


class DeliveryFailedError(DomainError):
    """The mail service refused or failed to send; nothing about the invoice changed."""


class NoRecipientError(ConflictError):
    def __init__(self, invoice_id: str) -> None:
        super().__init__(
            f"Invoice {invoice_id} has no one to email: set its contactEmail, or name a client "
            "with an email address"
        )


class CreditNoteNoRecipientError(ConflictError):
    def __init__(self, credit_note_id: str) -> None:
        super().__init__(
            f"Credit note {credit_note_id} has no one to email: its invoice had no contactEmail "
            "and its client no email address when it was issued"
        )


class ContractNotFoundError(NotFoundError):
    def __init__(self, contract_id: str) -> None:
        super().__init__(f"Contract not found: {contract_id}")
