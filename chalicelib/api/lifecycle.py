"""Lifecycle endpoints under /api/v1: issue, cancel and the payments of an invoice."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api.http import body_bytes, json_body, no_content, query_str, validated
from chalicelib.api.operations import Operation, Param, json_request, no_content_answer
from chalicelib.api.representations import INVOICE_CHANGE_REFUSALS, invoice_answer, invoice_response
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import write_context
from chalicelib.bootstrap import use_cases
from chalicelib.domain.commands import Command
from chalicelib.domain.credit_notes import CancelInput
from chalicelib.domain.invoice import PaymentMethod
from chalicelib.domain.payments import PaymentDate, PaymentInput

lifecycle = ApiBlueprint(__name__)
# A move the invoice's status may forbid (409), of an invoice that may not be there (404).
MOVE_REFUSALS = (404, 409)


class MarkAsPaidQuery(Command):
    date: PaymentDate | None = None
    payment_method: PaymentMethod = PaymentMethod.OTHER


@lifecycle.route(
    "/invoices/{invoiceId}/mark-as-sent",
    methods=["PATCH"],
    operation=Operation(
        "markAsSent",
        "Issue the invoice: SENT, with the next number of its series",
        (invoice_answer("The invoice, issued"),),
        refuses=MOVE_REFUSALS,
        if_match=True,
    ),
)
def mark_as_sent(invoiceId: str) -> Response:
    request = lifecycle.current_request
    return invoice_response(use_cases().lifecycle.mark_as_sent(invoiceId, **write_context(request)))


@lifecycle.route(
    "/invoices/{invoiceId}/cancel",
    methods=["PATCH"],
    operation=Operation(
        "cancelInvoice",
        "Cancel the invoice (final): an issued one by a credit note for all it has open",
        (invoice_answer("The invoice, CANCELLED; `credited` lists the credit note"),),
        refuses=(400, *MOVE_REFUSALS, 413),
        body=json_request(
            CancelInput,
            "Why (optional, as is the body): the credit note cancelling a SENT or OVERDUE "
            "invoice says it after the invoice's number",
            required=False,
        ),
        if_match=True,
    ),
)
def cancel_invoice(invoiceId: str) -> Response:
    """A SENT or OVERDUE invoice keeps its number and what was paid on it; a credit note in the
    tenant's credit note series credits all that is neither paid nor credited, written with
    it. A draft or a scheduled invoice (given to no one yet) is just CANCELLED."""
    request = lifecycle.current_request
    given = json_body(request, CancelInput) if body_bytes(request).strip() else CancelInput()
    cancelled = use_cases().lifecycle.cancel(
        invoiceId, reason=given.reason, **write_context(request)
    )
    return invoice_response(cancelled)


@lifecycle.route(
    "/invoices/{invoiceId}/add-payment",
    methods=["PATCH"],
    operation=Operation(
        "addPayment",
        "Record a payment; beyond what is open, the excess becomes the client's credit",
        (
            invoice_answer(
                "The invoice, the payment among its transactions; `clientCredit` is what its "
                "payments and credit notes brought beyond its total, kept as its client's credit"
            ),
        ),
        refuses=(*INVOICE_CHANGE_REFUSALS, 413),
        body=json_request(PaymentInput, "The payment"),
        if_match=True,
    ),
)
def add_payment(invoiceId: str) -> Response:
    """An invoice that names a client takes a payment above what is open: it is PAID, and the
    excess is its client's credit in the invoice's currency (GET /clients/{clientId}/balance).
    Method CREDIT pays from that credit, at most what is open, in the same write as the invoice:
    409, with nothing written, when the client's credit in the invoice's currency is short."""
    request = lifecycle.current_request
    payment = json_body(request, PaymentInput)
    invoice = use_cases().lifecycle.add_payment(invoiceId, payment, **write_context(request))
    return invoice_response(invoice)


@lifecycle.route(
    "/invoices/{invoiceId}/{transactionId}/remove-payment",
    methods=["DELETE"],
    operation=Operation(
        "removePayment",
        "Remove a payment",
        (no_content_answer("Removed"),),
        refuses=MOVE_REFUSALS,
        if_match=True,
    ),
)
def remove_payment(invoiceId: str, transactionId: str) -> Response:
    request = lifecycle.current_request
    use_cases().lifecycle.remove_payment(invoiceId, transactionId, **write_context(request))
    return no_content()


@lifecycle.route(
    "/invoices/{invoiceId}/mark-as-paid",
    methods=["PATCH"],
    operation=Operation(
        "markAsPaid",
        "Record one payment for the open balance",
        (invoice_answer("The invoice, PAID"),),
        refuses=INVOICE_CHANGE_REFUSALS,
        query=(
            Param("date", PaymentDate, "When it was paid: a date or a date-time (default: now)"),
            Param("paymentMethod", PaymentMethod, "How it was paid (default OTHER)"),
        ),
        if_match=True,
    ),
)
def mark_as_paid(invoiceId: str) -> Response:
    """Optional query: `date` (when it was paid) and `paymentMethod`."""
    request = lifecycle.current_request
    given = {name: query_str(request, name) for name in ("date", "paymentMethod")}
    query = validated(MarkAsPaidQuery, {k: v for k, v in given.items() if v is not None})
    invoice = use_cases().lifecycle.mark_as_paid(
        invoiceId, paid_on=query.date, method=query.payment_method, **write_context(request)
    )
    return invoice_response(invoice)


@lifecycle.route(
    "/invoices/{invoiceId}/unmark-as-paid",
    methods=["PATCH"],
    operation=Operation(
        "unmarkAsPaid",
        "Undo the payment that settled the invoice",
        (invoice_answer("The invoice, open again"),),
        refuses=MOVE_REFUSALS,
        if_match=True,
    ),
)
def unmark_as_paid(invoiceId: str) -> Response:
    request = lifecycle.current_request
    invoice = use_cases().lifecycle.unmark_as_paid(invoiceId, **write_context(request))
    return invoice_response(invoice)
