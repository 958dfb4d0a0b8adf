"""OpenAPI links: an answer that is one of the tenant's things (an invoice, a client, a contract,
a credit note, a new API key, a queued batch) links to every operation on that one thing, its id
taken from the answer, so a generated client or a stateful test goes from a create to the read,
the update, the issue, the payment, the credit note and the PDF (the PDF's read from the answer
that renders it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openapi_pydantic import Link, Reference

from chalicelib.api import operations
from chalicelib.api.api_keys import NewApiKeyAnswer
from chalicelib.api.batches import QueuedBatchAnswer
from chalicelib.api.compat.hyperline import QueuedAnswer
from chalicelib.domain.clients import Client
from chalicelib.domain.contracts import Contract
from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.invoice import Invoice

if TYPE_CHECKING:
    from chalicelib.api.openapi.document import Route

# Each answered thing: the path parameter that names it, and where its answer says its id.
IDS_OF: dict[Any, tuple[str, str]] = {
    Invoice: ("invoiceId", "/id"),
    Client: ("clientId", "/id"),
    Contract: ("contractId", "/id"),
    CreditNote: ("creditNoteId", "/id"),
    NewApiKeyAnswer: ("keyId", "/id"),
    QueuedBatchAnswer: ("batchId", "/batchId"),
    QueuedAnswer: ("batch_id", "/batch_id"),
}
_POINTER_OF = dict(IDS_OF.values())
# Operations that read what the thing has only once another operation made it, by the operations
# that make it: a link from any other answer (a new draft's) would lead to "no PDF yet", a 404.
_MADE_BY = {"getPdf": frozenset({"generatePdf"})}


class LinkTable:
    """Which operations act on one thing named by one path parameter, by that parameter."""

    def __init__(self, routes: list[Route]) -> None:
        self._targets: dict[str, list[str]] = {}
        for route in routes:
            names = [part[1:-1] for part in route.path.split("/") if part.startswith("{")]
            if len(names) == 1 and names[0] in _POINTER_OF:
                self._targets.setdefault(names[0], []).append(route.operation.id)

    def from_answer(self, source: str, answer: operations.Answer) -> dict[str, Link | Reference]:
        """The links of the answer `answer` of the operation `source`."""
        if not 200 <= answer.status < 300:
            return {}
        for type_ in answer.content.values():
            if type_ in IDS_OF:
                name, _ = IDS_OF[type_]
                return {
                    target: Reference.model_validate({"$ref": f"#/components/links/{target}"})
                    for target in self._targets.get(name, [])
                    if source in _MADE_BY.get(target, (source,))
                }
        return {}

    def components(self) -> dict[str, Link | Reference]:
        return {
            target: Link(
                operationId=target,
                parameters={name: f"$response.body#{_POINTER_OF[name]}"},
            )
            for name, targets in self._targets.items()
            for target in targets
        }
