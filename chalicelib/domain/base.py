"""The base of every domain model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class DomainModel(BaseModel):
    """camelCase on the wire and in the table, snake_case in Python; immutable once built."""

    # Answered whole (null where unknown), so a field with a default is still always there.
    model_config = ConfigDict(
        # Built on first use, not at import: a cold start pays for no schema (decision 0046).
        defer_build=True,
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="ignore",
        json_schema_serialization_defaults_required=True,
    )


class TenantRecord(DomainModel):
    """Something a tenant owns, stored by its id and changed only over the version read."""

    id: str
    tenant_id: str
    # Optimistic-locking counter: stored and sent as the ETag, not part of the JSON body.
    version: int = Field(default=0, exclude=True)
