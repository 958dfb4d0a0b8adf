"""Derived ids: whatever a client sends as its externalId, in any tenant, it never names an id
the app derives for hevn, Leanpay, a queued batch's items or a retried request, and the ids the
first scheme derived keep their values."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import derived_ids
from chalicelib.domain.values import TENANT_ID_PATTERN

tenants = st.from_regex(TENANT_ID_PATTERN, fullmatch=True)
indexes = st.integers(min_value=0, max_value=10_000)
batch_ids = st.from_regex(r"^[A-Za-z0-9_-]{1,64}$", fullmatch=True)
contracts = st.uuids().map(str)
texts = st.text(min_size=1, max_size=128)


def app_keys(batch: str, contract: str, period: int, text: str) -> list[str]:
    """The keys the app derives ids from, spelled as a client could send them."""
    return [f"{batch}#{period}", f"hevn:{contract}:{period}", f"leanpay:{text}", text]


@given(
    tenant=tenants,
    other=tenants,
    batch=batch_ids,
    contract=contracts,
    period=indexes,
    text=texts,
    request=texts,
)
def test_no_client_external_id_names_an_id_the_app_derives(
    tenant: str, other: str, batch: str, contract: str, period: int, text: str, request: str
) -> None:
    derived = {
        derived_ids.hevn_invoice_id(tenant, contract, period),
        derived_ids.leanpay_invoice_id(tenant, text),
        derived_ids.batch_item_id(tenant, batch, period, scheme=derived_ids.BATCH_ITEM_SCHEME),
        derived_ids.request_id(tenant, request, "invoice", period),
    }
    for key in app_keys(batch, contract, period, text):
        for owner in {tenant, other}:
            assert derived_ids.external_invoice_id(owner, key) not in derived


@given(tenant=tenants, other=tenants, key=texts)
def test_an_external_id_names_one_invoice_per_tenant(tenant: str, other: str, key: str) -> None:
    ours = derived_ids.external_invoice_id(tenant, key)
    assert ours == derived_ids.external_invoice_id(tenant, key)
    assert (ours == derived_ids.external_invoice_id(other, key)) == (tenant == other)
    assert uuid.UUID(ours).version in (5, 8)


def test_the_first_schemes_ids_keep_their_values() -> None:
    """Invoices stored under these ids must still be found by the same keys."""
    namespace = uuid.UUID("5f0c3a52-8e8d-4a43-9d2b-6f1c0e7d2b19")
    contract = "0b5d2a7e-4c61-4f0e-9a8a-1f3c7e2d9b44"
    assert derived_ids.external_invoice_id("acme", "erp-42") == str(
        uuid.uuid5(namespace, "acme\nerp-42")
    )
    assert derived_ids.hevn_invoice_id("acme", contract, 3) == str(
        uuid.uuid5(namespace, f"acme\nhevn:{contract}:3")
    )
    assert derived_ids.leanpay_invoice_id("acme", "lp-1") == str(
        uuid.uuid5(namespace, "acme\nleanpay:lp-1")
    )
    assert derived_ids.batch_item_id("acme", "b-1", 0, scheme=1) == str(
        uuid.uuid5(namespace, "acme\nb-1#0")
    )


def test_second_scheme_ids_are_well_formed_uuids_of_version_8() -> None:
    made = uuid.UUID(derived_ids.batch_item_id("acme", "b-1", 0, scheme=2))
    assert (made.version, made.variant) == (8, uuid.RFC_4122)
