"""The tenant's settings through HTTP: the seller's details, invoice defaults and reminder policy,
each checked by its own rules, and the numbering format used by the next invoice issued."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from urllib3 import encode_multipart_formdata

from chalicelib.bootstrap import get_deps
from chalicelib.domain.files import blob_of
from chalicelib.domain.invoice import BlobType
from chalicelib.domain.values import new_id
from chalicelib.ports import StoredSettings
from invoicing_cli.local import BUCKET_NAME
from tests.support import Api, Reply

SETTINGS = "/api/v1/settings"
BASE = "/api/v1/invoices"
DEFAULTS: dict[str, Any] = {
    "companyName": None,
    "address": None,
    "vatId": None,
    "senderEmail": None,
    "contact": None,
    "bankAccounts": [],
    "defaultCurrency": None,
    "paymentTermDays": None,
    "locale": "en",
    "timezone": "UTC",
    "numberingFormat": "INV-{YYYY}-{SEQ:04}",
    "creditNoteNumberingFormat": "CN-{YYYY}-{SEQ:04}",
    "reminderPolicy": {"steps": [-3, 1, 7, 14], "maximum": 4},
    "invoiceMailText": None,
    "reminderMailText": None,
    "eInvoiceAttachment": None,
    "taxRates": [],
    "logo": None,
}
SELLER: dict[str, Any] = {
    "companyName": "Zoë Müller GmbH",
    "address": {"street": "Hauptstraße 1", "postalCode": "10115", "city": "Berlin",
                "country": "de"},
    "vatId": "DE 136,695 976",
    "senderEmail": "billing@mueller.example",
    "contact": {"name": "Buchhaltung", "phone": "+49 30 1234567-0",
                "email": "buha@mueller.example"},
    "bankAccounts": [{"name": "Main", "iban": "DE89 3704 0044 0532 0130 00",
                      "bic": "COBADEFFXXX"}],
    "defaultCurrency": "EUR",
    "paymentTermDays": 30,
    "locale": "de_DE",
    "timezone": "Europe/Berlin",
    "numberingFormat": "RE-{YYYY}-{SEQ:05}",
    "reminderPolicy": {"steps": [14, -3, 7], "maximum": 2},
}  # fmt: skip


def issue(client: Api) -> str:
    invoice: dict[str, Any] = client.post(BASE, {"invoiceDate": "2026-11-21"}).json()
    number: str = client.patch(f"{BASE}/{invoice['id']}/mark-as-sent").json()["invoiceNumber"]
    return number


def test_a_tenant_that_saved_nothing_has_the_default_format(acme: Api) -> None:
    reply = acme.get(SETTINGS)
    assert (reply.status, reply.json()) == (200, DEFAULTS)


def test_a_saved_format_numbers_the_next_invoice_and_the_count_goes_on(acme: Api) -> None:
    assert issue(acme) == "INV-2026-0001"
    reply = acme.request("PUT", SETTINGS, {"numberingFormat": "RE/{YY}/{SEQ:05}"})
    assert (reply.status, reply.json()["numberingFormat"]) == (200, "RE/{YY}/{SEQ:05}")
    assert acme.get(SETTINGS).json() == {**DEFAULTS, "numberingFormat": "RE/{YY}/{SEQ:05}"}
    assert issue(acme) == "RE/26/00002"


@pytest.mark.parametrize(
    "number_format", ["INV-{YYYY}", "{SEQ}-{SEQ}", "INV-{DD}-{SEQ}", "A<script>{SEQ}", "", "x" * 65]
)
def test_an_unusable_format_is_a_400_and_changes_nothing(acme: Api, number_format: str) -> None:
    reply = acme.request("PUT", SETTINGS, {"numberingFormat": number_format})
    assert reply.status == 400
    assert [e["field"] for e in reply.json()["errors"]] == ["numberingFormat"]
    assert acme.get(SETTINGS).json() == DEFAULTS


def test_settings_belong_to_the_callers_tenant_only(acme: Api, api: Api) -> None:
    globex = api.as_tenant("globex")
    globex.request("PUT", SETTINGS, {"numberingFormat": "G-{SEQ}", "tenantId": "acme"})
    assert acme.get(SETTINGS).json() == DEFAULTS
    assert globex.get(SETTINGS).json()["numberingFormat"] == "G-{SEQ}"
    assert issue(acme) == "INV-2026-0001"


def test_every_setting_is_kept_and_written_in_its_canonical_form(acme: Api) -> None:
    reply = acme.request("PUT", SETTINGS, SELLER)
    assert reply.status == 200, reply.body
    expected = {
        **SELLER,
        "address": {**SELLER["address"], "addressLine2": None, "region": None, "country": "DE"},
        "vatId": "DE136695976",
        "bankAccounts": [{"name": "Main", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}],
        "locale": "de-DE",
        "creditNoteNumberingFormat": "CN-{YYYY}-{SEQ:04}",
        "reminderPolicy": {"steps": [-3, 7, 14], "maximum": 2},
        "invoiceMailText": None,
        "reminderMailText": None,
        "eInvoiceAttachment": None,
        "taxRates": [],
        "logo": None,
    }
    assert reply.json() == expected
    assert acme.get(SETTINGS).json() == expected


def test_a_put_replaces_the_whole_document(acme: Api) -> None:
    acme.request("PUT", SETTINGS, SELLER)
    assert acme.request("PUT", SETTINGS, {"companyName": "Renamed"}).status == 200
    assert acme.get(SETTINGS).json() == {**DEFAULTS, "companyName": "Renamed"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vatId": "DE 136,695 977"}, "vatId"),  # its check digit is wrong
        ({"vatId": "12"}, "vatId"),
        ({"bankAccounts": [{"iban": "DE89 3704 0044 0532 0130 01"}]}, "bankAccounts[0].iban"),
        ({"bankAccounts": [{"iban": "XX00"}]}, "bankAccounts[0].iban"),
        ({"bankAccounts": [{"iban": "DE89370400440532013000", "bic": "COBADEFF"}]}, None),
        ({"bankAccounts": [{"iban": "DE89370400440532013000", "bic": "BNPAFRPP"}]},
         "bankAccounts[0]"),  # a French bank for a German account
        ({"bankAccounts": [{"iban": "DE89370400440532013000", "bic": "NOTABIC!"}]},
         "bankAccounts[0].bic"),
        ({"bankAccounts": [{"iban": "DE89370400440532013000"}] * 6}, "bankAccounts"),
        ({"senderEmail": "not-an-address"}, "senderEmail"),
        ({"contact": {"phone": "call me"}}, "contact.phone"),
        ({"contact": {"phone": "12"}}, "contact.phone"),  # XRechnung wants 3 digits (BR-DE-27)
        ({"contact": {"email": "not-an-address"}}, "contact.email"),
        ({"contact": {"name": "Line\nbreak"}}, "contact.name"),
        ({"defaultCurrency": "EURO"}, "defaultCurrency"),
        ({"paymentTermDays": 366}, "paymentTermDays"),
        ({"locale": "xx-YY"}, "locale"),
        ({"locale": "ja-JP"}, "locale"),  # known to CLDR, but no document is written in it
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"address": {"country": "Germany"}}, "address.country"),
        ({"reminderPolicy": {"steps": [1, 1]}}, "reminderPolicy.steps"),
        ({"reminderPolicy": {"steps": [400]}}, "reminderPolicy.steps[0]"),
        ({"reminderPolicy": {"steps": [1], "maximum": 11}}, "reminderPolicy.maximum"),
        ({"reminderPolicy": {"steps": [True]}}, "reminderPolicy.steps[0]"),
        ({"reminderPolicy": {"maximum": False}}, "reminderPolicy.maximum"),
        ({"creditNoteNumberingFormat": "CN-{YYYY}"}, "creditNoteNumberingFormat"),
        # Credit notes count in a series of their own: never bearing an invoice's number.
        ({"numberingFormat": "F-{SEQ}", "creditNoteNumberingFormat": "F-{SEQ}"},
         "creditNoteNumberingFormat"),
        ({"creditNoteNumberingFormat": "RE-{YYYY}-{SEQ:05}"}, "creditNoteNumberingFormat"),
        ({"eInvoiceAttachment": "zugferd"}, "eInvoiceAttachment"),
    ],
)  # fmt: skip
def test_a_setting_that_breaks_its_rules_is_a_400_naming_it_and_changes_nothing(
    acme: Api, change: dict[str, Any], field: str | None
) -> None:
    acme.request("PUT", SETTINGS, SELLER)
    before = acme.get(SETTINGS).json()
    reply = acme.request("PUT", SETTINGS, {**SELLER, **change})
    if field is None:  # an 8-character BIC is valid: the branch code is optional
        assert reply.status == 200, reply.body
        return
    assert reply.status == 400, reply.body
    assert set(reply.json()) == {"title", "detail", "time", "errors"}
    assert field in [error["field"] for error in reply.json()["errors"]]
    assert acme.get(SETTINGS).json() == before


def test_a_logo_in_the_body_is_ignored_only_its_endpoint_sets_it(acme: Api) -> None:
    logo = {"blobId": "b", "created": "2026-11-21T00:00:00Z", "fileSize": 1, "name": "x.png",
            "type": "IMAGE"}  # fmt: skip
    reply = acme.request("PUT", SETTINGS, {**SELLER, "logo": logo})
    assert (reply.status, reply.json()["logo"]) == (200, None)
    assert acme.get(SETTINGS).json()["logo"] is None


def test_a_new_invoice_takes_the_tenants_defaults_where_the_request_is_silent(
    acme: Api, api: Api
) -> None:
    acme.request("PUT", SETTINGS, {"defaultCurrency": "CHF", "paymentTermDays": 45})
    silent = acme.post(BASE, {"invoiceDate": "2026-11-21"}).json()
    assert (silent["currency"], silent["paymentTermDays"]) == ("CHF", 45)
    assert silent["dueDate"] == "2027-01-05T00:00:00Z"
    given = acme.post(BASE, {"invoiceDate": "2026-11-21", "currency": "JPY",
                             "paymentTermDays": 0}).json()  # fmt: skip
    assert (given["currency"], given["paymentTermDays"]) == ("JPY", 0)
    theirs = api.as_tenant("globex").post(BASE, {"invoiceDate": "2026-11-21"}).json()
    assert (theirs["currency"], theirs["paymentTermDays"]) == ("EUR", 14)


def test_a_mail_text_with_template_code_is_refused_and_a_placeholder_kept(acme: Api) -> None:
    bad = acme.request("PUT", SETTINGS, {"invoiceMailText": "{{ ''.__class__ }}"})
    assert bad.status == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["invoiceMailText"]
    good = acme.request("PUT", SETTINGS, {"invoiceMailText": "Invoice {number} is attached."})
    assert good.json()["invoiceMailText"] == "Invoice {number} is attached."


TAX_RATES = [
    {"id": "vat-standard", "name": "USt. 19 %", "rate": 19},
    {"id": "vat-reduced", "name": "USt. 7 %", "rate": 7.0},
    {"id": "uae", "name": "VAT 5 %", "rate": 5.1234},
]


def test_tax_rates_are_kept_with_exact_rates_and_read_back(acme: Api) -> None:
    reply = acme.request("PUT", SETTINGS, {"taxRates": TAX_RATES})
    assert reply.status == 200, reply.body
    assert b'"rate": 7.0' in reply.body and b'"rate": 5.1234' in reply.body
    assert acme.get(SETTINGS).json()["taxRates"] == TAX_RATES


@pytest.mark.parametrize(
    ("tax_rates", "field"),
    [
        ([TAX_RATES[0], {**TAX_RATES[1], "id": "vat-standard"}], "taxRates"),
        ([{**TAX_RATES[0], "rate": 100.01}], "taxRates[0].rate"),
        ([{**TAX_RATES[0], "rate": 7.12345}], "taxRates[0].rate"),
        ([{**TAX_RATES[0], "id": ""}], "taxRates[0].id"),
        ([{"name": "no id", "rate": 1}], "taxRates[0].id"),
        ([{**TAX_RATES[0], "id": f"r{n}"} for n in range(51)], "taxRates"),
    ],
)
def test_bad_tax_rates_are_a_400_naming_them_and_change_nothing(
    acme: Api, tax_rates: list[dict[str, Any]], field: str
) -> None:
    acme.request("PUT", SETTINGS, {"taxRates": TAX_RATES})
    reply = acme.request("PUT", SETTINGS, {"taxRates": tax_rates})
    assert reply.status == 400, reply.body
    assert field in {error["field"] for error in reply.json()["errors"]}
    assert acme.get(SETTINGS).json()["taxRates"] == TAX_RATES


def test_another_tenant_does_not_see_the_tax_rates(acme: Api, api: Api) -> None:
    acme.request("PUT", SETTINGS, {"taxRates": TAX_RATES})
    assert api.as_tenant("globex").get(SETTINGS).json()["taxRates"] == []


def a_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 32), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def put_logo(client: Api, **headers: str) -> Reply:
    body, content_type = encode_multipart_formdata([("file", ("logo.png", a_png(), "image/png"))])
    all_headers = {"Content-Type": content_type, **headers}
    return client.request("PUT", f"{SETTINGS}/logo", body=body, headers=all_headers)


def logos_stored() -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET_NAME).get("Contents", [])
    return [item["Key"] for item in listed if "/logos/" in item["Key"]]


def test_settings_answer_their_version_as_the_etag_and_a_stale_if_match_is_a_412(
    acme: Api, globex: Api
) -> None:
    assert acme.get(SETTINGS).headers["ETag"] == '"0"'  # never saved
    saved = acme.request("PUT", SETTINGS, SELLER, headers={"If-Match": '"0"'})
    assert (saved.status, saved.headers["ETag"]) == (200, '"1"')
    expected = acme.get(SETTINGS).json()
    for reply in (
        acme.request("PUT", SETTINGS, {"companyName": "Stale"}, headers={"If-Match": '"0"'}),
        put_logo(acme, **{"If-Match": '"0"'}),
        acme.delete(f"{SETTINGS}/logo", headers={"If-Match": '"0"'}),
    ):
        assert reply.status == 412, reply.body
        assert set(reply.json()) == {"title", "detail", "time"}
    after = acme.get(SETTINGS)
    assert (after.json(), after.headers["ETag"]) == (expected, '"1"')
    assert logos_stored() == []  # the refused logo's file is not kept
    weak = acme.request("PUT", SETTINGS, SELLER, headers={"If-Match": 'W/"1"'})
    assert [e["field"] for e in weak.json()["errors"]] == ["If-Match"]
    # Another tenant's settings have their own version: acme's ETag pins nothing of theirs.
    assert globex.request("PUT", SETTINGS, SELLER, headers={"If-Match": '"1"'}).status == 412
    assert globex.get(SETTINGS).json() == DEFAULTS


def test_each_settings_write_moves_the_version_and_a_matching_if_match_goes_through(
    acme: Api,
) -> None:
    assert put_logo(acme, **{"If-Match": '"0"'}).headers["ETag"] == '"1"'
    replaced = acme.request("PUT", SETTINGS, SELLER, headers={"If-Match": '"1"'})
    assert (replaced.headers["ETag"], replaced.json()["logo"]["name"]) == ('"2"', "logo.png")
    removed = acme.delete(f"{SETTINGS}/logo", headers={"If-Match": '"2"'})
    assert (removed.status, removed.headers["ETag"], removed.json()["logo"]) == (200, '"3"', None)
    assert acme.request("PUT", SETTINGS, SELLER).headers["ETag"] == '"4"'  # no If-Match: latest


def test_a_replace_that_loses_a_race_to_a_logo_is_written_again_keeping_it(acme: Api) -> None:
    """A logo lands between the replace's read and its write: the replace's condition refuses
    it, and it reads again and is written over the logo, so both stay."""
    repo = get_deps().tenant_settings
    read = repo.read
    logo = blob_of(new_id(), name="logo.png", extension="png", size=1, kind=BlobType.IMAGE,
                   now=datetime(2026, 11, 21, tzinfo=UTC))  # fmt: skip
    raced = False

    def read_then_race(tenant_id: str) -> StoredSettings:
        nonlocal raced
        current = read(tenant_id)
        if not raced:
            raced = True  # another request's write, between this read and its write
            with_logo = current.settings.model_copy(update={"logo": logo})
            repo.save(tenant_id, with_logo, version=current.version)
        return current

    repo.read = read_then_race  # type: ignore[method-assign]
    reply = acme.request("PUT", SETTINGS, {"companyName": "Mine"})
    assert reply.status == 200, reply.body
    assert (reply.headers["ETag"], reply.json()["companyName"]) == ('"2"', "Mine")
    assert reply.json()["logo"]["blobId"] == logo.blob_id
    assert acme.get(SETTINGS).json() == reply.json()
