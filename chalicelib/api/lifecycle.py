"""Lifecycle endpoints under /api/v1: issue, cancel and the payments of an invoice."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api.http import json_body, no_content, query_str, validated
from chalicelib.api.operations import Operation, Param, json_request, no_content_answer
from chalicelib.api.representations import INVOICE_CHANGE_REFUSALS, invoice_answer, invoice_response
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import write_context
from chalicelib.bootstrap import use_cases
from chalicelib.domain.commands import Command
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
        "Cancel the invoice (final)",
        (invoice_answer("The invoice, CANCELLED"),),
        refuses=MOVE_REFUSALS,
        if_match=True,
    ),
)
def cancel_invoice(invoiceId: str) -> Response:
    request = lifecycle.current_request
    return invoice_response(use_cases().lifecycle.cancel(invoiceId, **write_context(request)))


@lifecycle.route(
    "/invoices/{invoiceId}/add-payment",
    methods=["PATCH"],
    operation=Operation(
        "addPayment",
        "Record a payment",
        (invoice_answer("The invoice, the payment among its transactions"),),
        refuses=(*INVOICE_CHANGE_REFUSALS, 413),
        body=json_request(PaymentInput, "The payment"),
        if_match=True,
    ),
)
def add_payment(invoiceId: str) -> Response:
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
