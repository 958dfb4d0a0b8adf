"""The rules for text that reaches a document, a header or a bank transfer (domain/text.py): each
refuses what used to break a document or a send, names the character, and lets through what a
person writes; a value read back from the table passes as it was stored."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from chalicelib.domain.clients import ClientInput
from chalicelib.domain.commands import NewInvoice
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.text import (
    STORED,
    one_line,
    one_line_problem,
    printable_problem,
    sending_problem,
    transfer_problem,
)


@pytest.mark.parametrize("text", ["A\r\nB", "A\nB", "A\tB", "A\x00B", "A\x85B", "A\u2028B"])
def test_a_line_break_or_control_character_is_not_one_line(text: str) -> None:
    assert "must be one line" in (one_line_problem(text) or "")
    assert "U+" in (one_line_problem(text) or "")


@pytest.mark.parametrize("text", ["Zoë Müller GmbH", "Ελληνική ΑΕ", "請求書 😀", "a\xa0b", ""])
def test_names_in_any_script_are_one_line(text: str) -> None:
    assert one_line_problem(text) is None


@pytest.mark.parametrize("text", ["X\r\nY", "RE\t1", "A\u200bB", "A\xa0B", "A\u202eB"])
def test_an_invoice_number_with_anything_unprintable_is_refused(text: str) -> None:
    assert "printable" in (printable_problem(text) or "")


@pytest.mark.parametrize("text", ["RE-€-1", 'Q";x="y', "INV 2026/0001", "Ρ-17"])
def test_an_invoice_number_that_prints_as_it_stands_is_taken(text: str) -> None:
    assert printable_problem(text) is None


@pytest.mark.parametrize("text", ["請求", "😀", "a\nb", "€ 12"])
def test_a_reference_no_transfer_carries_is_named(text: str) -> None:
    assert "a bank transfer cannot carry" in (transfer_problem(text) or "")


@pytest.mark.parametrize(
    "text", ["RF18539007547034", "Rechnung 2026/17, Müller (Zoë)", "Ωμέγα Москва", "Cafe\u0301"]
)
def test_a_reference_in_latin_greek_or_cyrillic_is_carried(text: str) -> None:
    assert transfer_problem(text) is None


def test_only_the_mailbox_name_must_be_ascii() -> None:
    assert sending_problem("kunde@bücher.de") is None
    assert "before the @" in (sending_problem("zoë@example.com") or "")


@given(st.text())
def test_one_line_leaves_no_line_break_whatever_it_is_given(text: str) -> None:
    written = one_line(text)

    assert len(written.splitlines()) <= 1
    assert one_line_problem(written) is None


def test_each_input_names_the_field_at_fault() -> None:
    cases: list[tuple[type[BaseModel], dict[str, Any], tuple[str | int, ...]]] = [
        (TenantSettings, {"companyName": "A\r\nB"}, ("companyName",)),
        (TenantSettings, {"address": {"city": "A\nB"}}, ("address", "city")),
        (TenantSettings, {"bankAccounts": [{"iban": "DE89370400440532013000", "name": "A\nB"}]},
         ("bankAccounts", 0, "name")),
        (TenantSettings, {"senderEmail": "zoë@example.com"}, ("senderEmail",)),
        (ClientInput, {"name": "A\r\nB"}, ("name",)),
        (ClientInput, {"name": "C", "address": {"street": "A\x00B"}}, ("address", "street")),
        (NewInvoice, {"paymentReference": "請" * 100}, ("paymentReference",)),
        (NewInvoice, {"contactEmail": "zoë@example.com"}, ("contactEmail",)),
    ]  # fmt: skip
    for model, body, field in cases:
        with pytest.raises(ValidationError) as refused:
            model.model_validate(body)
        assert [error["loc"] for error in refused.value.errors()] == [field]


def test_settings_stored_before_the_rules_read_back_as_they_were() -> None:
    stored = {"companyName": "A\r\nB", "senderEmail": "zoë@example.com",
              "address": {"street": "Hof\n2"}}  # fmt: skip

    settings = TenantSettings.model_validate(stored, context=STORED)

    assert (settings.company_name, settings.sender_email) == ("A\r\nB", "zoë@example.com")
    assert settings.seller_details().address is not None
