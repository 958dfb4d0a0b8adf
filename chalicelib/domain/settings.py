"""A tenant's settings, as far as invoices depend on them today: how they are numbered."""

from __future__ import annotations

from chalicelib.domain.invoice import DomainModel
from chalicelib.domain.numbering import DEFAULT_FORMAT


class TenantSettings(DomainModel):
    numbering_format: str = DEFAULT_FORMAT
