"""Tenant settings use cases: read them (defaults when never saved), replace them, and set or
remove the logo. Each change writes over the version it read, so a replace and a logo racing
each other both land, and a caller's If-Match pins the version it saw."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.domain import files
from chalicelib.domain.errors import DomainError
from chalicelib.domain.files import logo_path
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor, new_id
from chalicelib.ports import StoredSettings, TenantSettingsRepository
from chalicelib.services.documents import DocumentPorts, Upload
from chalicelib.services.optimistic import write_over

MAX_LOGO_BYTES = 512 * 1024
Change = Callable[[TenantSettings], TenantSettings]


def get_settings(*, actor: Actor, repo: TenantSettingsRepository) -> StoredSettings:
    return repo.read(actor.tenant_id)


def replace_settings(
    settings: TenantSettings,
    *,
    actor: Actor,
    repo: TenantSettingsRepository,
    expected_version: int | None = None,
) -> StoredSettings:
    """Replaces every setting but the logo, which only its own endpoint sets."""

    def keeping_the_logo(current: TenantSettings) -> TenantSettings:
        return settings.model_copy(update={"logo": current.logo})

    return _changed(keeping_the_logo, actor=actor, repo=repo, expected_version=expected_version)


def set_logo(
    upload: Upload, *, actor: Actor, ports: DocumentPorts, expected_version: int | None = None
) -> StoredSettings:
    """A PNG or JPEG of at most 512 KB. Each logo is kept under its own id: invoices issued
    with the previous one still show it. A logo the settings never name is not kept."""
    from chalicelib.documents.uploads import LOGO_KINDS, check_upload

    check = check_upload(
        upload.name,
        upload.data,
        claimed_type=upload.claimed_type,
        allowed=LOGO_KINDS,
        limit=MAX_LOGO_BYTES,
    )
    blob_id = new_id()
    key = logo_path(actor.tenant_id, blob_id)
    ports.files.put(key, upload.data, media_type=check.media_type, filename=check.name)
    logo = files.blob_of(
        blob_id, name=check.name, extension=check.extension, size=check.size,
        kind=check.blob_type, now=ports.invoices.clock.now(),
    )  # fmt: skip
    try:
        return _changed(
            lambda current: current.model_copy(update={"logo": logo}),
            actor=actor,
            repo=ports.invoices.settings,
            expected_version=expected_version,
        )
    except DomainError:
        ports.files.delete(key)
        raise


def remove_logo(
    *, actor: Actor, repo: TenantSettingsRepository, expected_version: int | None = None
) -> StoredSettings:
    return _changed(
        lambda current: current.model_copy(update={"logo": None}),
        actor=actor,
        repo=repo,
        expected_version=expected_version,
    )


def _changed(
    change: Change,
    *,
    actor: Actor,
    repo: TenantSettingsRepository,
    expected_version: int | None,
) -> StoredSettings:
    tenant = actor.tenant_id

    def write(current: StoredSettings) -> StoredSettings:
        return repo.save(tenant, change(current.settings), version=current.version)

    return write_over(
        lambda: repo.read(tenant),
        write,
        name=("Settings of tenant", tenant),
        expected_version=expected_version,
    )
