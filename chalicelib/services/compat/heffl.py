"""Heffl's create-invoice use case, carried out by the native ones: the invoice is created as a
native draft or, when Heffl's status is SENT, created issued as mark-as-sent issues it (a
gapless number, no email) in the same single write. Nothing is stored apart from the native
invoice."""

from __future__ import annotations

from chalicelib.domain import transitions
from chalicelib.domain.compat import heffl
from chalicelib.domain.compat.heffl import HefflInvoiceInput
from chalicelib.domain.errors import FieldProblem, InvalidInputError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import Actor
from chalicelib.ports import ClientRepository, InvoicePorts
from chalicelib.services import invoices, lifecycle


def create_invoice(
    body: HefflInvoiceInput, *, actor: Actor, ports: InvoicePorts, clients: ClientRepository
) -> Invoice:
    """Refuses, writing nothing, a client that is not one of the tenant's, a tax rate id its
    settings do not define, or a rule the native invoice breaks, each named in Heffl's terms."""
    # Read afresh: tax rates decide amounts (and this also refreshes the defaults a create uses).
    settings = ports.settings.get(actor.tenant_id)
    problems = []
    client = clients.get(actor.tenant_id, body.client_id)
    if client is None:
        problems.append(FieldProblem("clientId", "names no client of yours"))
    try:
        fields = heffl.native_fields(body, settings)
    except InvalidInputError as exc:
        problems += exc.problems
    if problems or client is None:
        raise InvalidInputError(problems)
    try:
        if body.status == "SENT":
            sent = lifecycle.create_issued(
                fields, transitions.mark_as_sent, actor=actor, ports=ports, client=client.details()
            )
            return sent.invoice
        return invoices.create_invoice(fields, actor=actor, ports=ports).invoice
    except InvalidInputError as exc:
        raise InvalidInputError(heffl.heffl_problems(exc.problems)) from exc
