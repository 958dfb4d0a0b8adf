"""Tenant settings use cases: read them (defaults when never saved) and replace them."""

from __future__ import annotations

from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import Actor
from chalicelib.services.ports import TenantSettingsRepository


def get_settings(*, actor: Actor, repo: TenantSettingsRepository) -> TenantSettings:
    return repo.get(actor.tenant_id)


def replace_settings(
    settings: TenantSettings, *, actor: Actor, repo: TenantSettingsRepository
) -> TenantSettings:
    """Replaces every setting but the logo, which only its own endpoint sets."""
    current = repo.get(actor.tenant_id)
    replaced = settings.model_copy(update={"logo": current.logo})
    repo.put(actor.tenant_id, replaced)
    return replaced
