"""What the vendors' answers say is still due once credit notes credited part of an invoice: the
native balance (total - paid - credited), never a refund shown as due; Leanpay offsets what was
credited."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain.compat.heffl import HefflInvoiceInput
from chalicelib.domain.compat.heffl_answer import heffl_answer
from chalicelib.domain.compat.hyperline_answer import invoice_answer
from chalicelib.domain.compat.leanpay_answer import leanpay_answer
from chalicelib.domain.invoice import Invoice
from tests.unit.test_credit_notes import SIMPLE, credit, issued
from tests.unit.test_heffl import BODY as HEFFL_BODY

D = Decimal


def credited_part(rows_body: dict[str, object]) -> Invoice:
    """The SIMPLE invoice (161.20 EUR) with one credit note of `rows_body` recorded on it."""
    invoice = issued(SIMPLE)
    _, summary = credit(invoice, rows_body)
    return invoice.model_copy(update={"credited": summary})


def test_leanpay_offsets_what_was_credited_and_leaves_the_rest_remaining() -> None:
    invoice = credited_part({"rows": [{"rowId": "b"}]})  # 37.20 of 161.20

    answer = leanpay_answer(invoice)

    assert (answer["amount"], answer["offsetAmount"], answer["remainingAmount"]) == (
        D("161.20"),
        D("37.20"),
        D("124.00"),
    )
    assert str(answer["offsetAmount"]) == "37.20"


def test_hyperline_and_heffl_owe_only_what_credit_notes_left_open() -> None:
    invoice = credited_part({"rows": [{"rowId": "b"}]})

    assert invoice_answer(invoice)["amount_due"] == 12400  # cents, as Hyperline writes them
    assert heffl_answer(invoice, HefflInvoiceInput.model_validate(HEFFL_BODY))["pendingTotal"] == D(
        "124.00"
    )


def test_a_wholly_credited_invoice_has_nothing_due_anywhere() -> None:
    invoice = credited_part({})

    assert leanpay_answer(invoice)["remainingAmount"] == D("0.00")
    assert invoice_answer(invoice)["amount_due"] == 0
