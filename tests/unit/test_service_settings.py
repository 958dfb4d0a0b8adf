"""Tenant settings use cases on the fakes: defaults until saved, each write over the version read
(and the one an If-Match names), the logo kept under its own id and set only by its own use
case; another tenant's settings are never read nor changed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.errors import FileRefusedError, PreconditionFailedError
from chalicelib.domain.files import logo_path
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.ports import StoredSettings
from chalicelib.services import settings as service
from chalicelib.services.documents import Upload
from tests.fakes import FakeWorld, InMemoryTenantSettings
from tests.images import image_bytes

ACME = Actor(tenant_id="acme", user_id="alice")
GLOBEX = Actor(tenant_id="globex", user_id="gina")
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
LOGO = image_bytes("PNG", (16, 8))
PNG_LOGO = Upload("logo.png", "image/png", LOGO)


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld(NOW)


def chosen(**fields: object) -> TenantSettings:
    return TenantSettings.model_validate(
        {
            "companyName": "Acme GmbH",
            "defaultCurrency": "eur",
            "timezone": "Europe/Berlin",
            **fields,
        }
    )


def set_logo(
    world: FakeWorld,
    actor: Actor = ACME,
    upload: Upload = PNG_LOGO,
    expected_version: int | None = None,
) -> StoredSettings:
    return service.set_logo(
        upload, actor=actor, ports=world.documents, expected_version=expected_version
    )


def test_a_tenant_that_saved_nothing_reads_the_defaults_at_version_0(world: FakeWorld) -> None:
    assert service.get_settings(actor=ACME, repo=world.settings) == StoredSettings(
        TenantSettings(), 0
    )


def test_a_replace_is_kept_in_canonical_form_for_the_tenant_alone(world: FakeWorld) -> None:
    saved = service.replace_settings(chosen(), actor=ACME, repo=world.settings)

    assert saved.version == 1
    assert (saved.settings.default_currency, saved.settings.company_name) == ("EUR", "Acme GmbH")
    assert service.get_settings(actor=ACME, repo=world.settings) == saved
    assert service.get_settings(actor=GLOBEX, repo=world.settings) == StoredSettings(
        TenantSettings(), 0
    )


def test_a_replace_over_a_stale_if_match_changes_nothing(world: FakeWorld) -> None:
    first = service.replace_settings(chosen(), actor=ACME, repo=world.settings)
    service.replace_settings(chosen(companyName="Second"), actor=ACME, repo=world.settings)

    with pytest.raises(PreconditionFailedError, match="at version 2, not 1"):
        service.replace_settings(
            chosen(companyName="Third"), actor=ACME, repo=world.settings, expected_version=1
        )

    assert world.settings.read("acme").settings.company_name == "Second"
    assert first.version == 1


def test_a_logo_is_kept_under_its_own_id_and_named_by_the_settings(world: FakeWorld) -> None:
    service.replace_settings(chosen(), actor=ACME, repo=world.settings)

    saved = set_logo(world)

    logo = saved.settings.logo
    assert logo is not None
    assert (logo.name, logo.file_size, logo.created) == ("logo.png", len(LOGO), NOW)
    assert world.files.get(logo_path("acme", logo.blob_id)) == LOGO
    assert saved.settings.company_name == "Acme GmbH"  # the other settings stay
    assert saved.version == 2


def test_a_new_logo_leaves_the_previous_one_for_invoices_issued_with_it(
    world: FakeWorld,
) -> None:
    first = set_logo(world).settings.logo
    second = set_logo(
        world, upload=Upload("logo.jpg", None, image_bytes("JPEG", (4, 4)))
    ).settings.logo

    assert first is not None and second is not None and first.blob_id != second.blob_id
    assert world.files.get(logo_path("acme", first.blob_id)) == LOGO
    assert world.settings.read("acme").settings.logo == second


def test_a_file_that_is_not_an_image_is_refused_and_nothing_kept(world: FakeWorld) -> None:
    with pytest.raises(FileRefusedError):
        set_logo(world, upload=Upload("logo.png", "image/png", b"%PDF-1.7 not a logo"))

    assert world.files.objects == {}
    assert world.settings.read("acme") == StoredSettings(TenantSettings(), 0)


def test_a_logo_over_a_stale_if_match_is_refused_and_its_bytes_not_kept(
    world: FakeWorld,
) -> None:
    service.replace_settings(chosen(), actor=ACME, repo=world.settings)

    with pytest.raises(PreconditionFailedError):
        set_logo(world, expected_version=0)

    assert world.files.objects == {}
    assert world.settings.read("acme").settings.logo is None


def test_a_replace_keeps_the_logo_only_its_own_use_case_sets(world: FakeWorld) -> None:
    logo = set_logo(world).settings.logo

    saved = service.replace_settings(chosen(companyName="Renamed"), actor=ACME, repo=world.settings)

    assert (saved.settings.company_name, saved.settings.logo) == ("Renamed", logo)


def test_removing_the_logo_clears_it_from_the_settings_only(world: FakeWorld) -> None:
    logo = set_logo(world).settings.logo
    assert logo is not None

    saved = service.remove_logo(actor=ACME, repo=world.settings)

    assert saved.settings.logo is None
    assert world.files.get(logo_path("acme", logo.blob_id)) == LOGO  # issued invoices show it


def test_another_tenants_logo_lands_in_its_own_settings_and_prefix(world: FakeWorld) -> None:
    mine = set_logo(world).settings.logo
    theirs = set_logo(world, GLOBEX).settings.logo

    assert mine is not None and theirs is not None
    assert world.settings.read("acme").settings.logo == mine
    assert set(world.files.objects) == {
        logo_path("acme", mine.blob_id),
        logo_path("globex", theirs.blob_id),
    }


class LogoRacingSettings(InMemoryTenantSettings):
    """A logo is set by another request just before our first write of the settings."""

    def __init__(self, logo_settings: TenantSettings) -> None:
        super().__init__()
        self._rival = logo_settings
        self.raced = False

    def save(self, tenant_id: str, settings: TenantSettings, *, version: int) -> StoredSettings:
        if not self.raced:
            self.raced = True
            super().save(tenant_id, self._rival, version=version)
        return super().save(tenant_id, settings, version=version)


def test_a_replace_that_loses_a_race_to_a_logo_is_written_again_keeping_it(
    world: FakeWorld,
) -> None:
    logo = set_logo(world).settings.logo
    racing = LogoRacingSettings(TenantSettings(logo=logo))

    saved = service.replace_settings(chosen(), actor=ACME, repo=racing)

    assert (saved.version, saved.settings.company_name, saved.settings.logo) == (
        2,
        "Acme GmbH",
        logo,
    )
