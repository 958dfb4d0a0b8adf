"""A tenant's clients: who its invoices are addressed to. An invoice copies its client's
details when it leaves DRAFT, so editing or deleting a client never changes an issued invoice."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from chalicelib.domain.base import TenantRecord
from chalicelib.domain.commands import Command
from chalicelib.domain.parties import (
    BUYER_REFERENCE_TEXT,
    AddressInput,
    PartyDetails,
    PostalAddress,
)
from chalicelib.domain.settings import LocaleTag, VatId
from chalicelib.domain.text import MailAddress, OneLine
from chalicelib.domain.values import Actor, Timestamp, new_id

ClientName = Annotated[str, Field(min_length=1, max_length=255), OneLine]
# A Leitweg-ID has up to 46 characters; other buyers' references are as short.
BuyerReference = Annotated[str, Field(min_length=1, max_length=100), OneLine]


class ClientInput(Command):
    """What a caller sends to create a client or replace one (PUT replaces every field)."""

    name: ClientName
    email: MailAddress | None = None
    address: AddressInput | None = None
    vat_id: VatId | None = None
    locale: LocaleTag | None = None
    buyer_reference: BuyerReference | None = Field(default=None, description=BUYER_REFERENCE_TEXT)


class Client(TenantRecord):
    name: str
    email: str | None = None
    address: PostalAddress | None = None
    vat_id: str | None = None
    locale: str | None = None
    buyer_reference: str | None = Field(default=None, description=BUYER_REFERENCE_TEXT)
    created: Timestamp
    created_by: str
    updated: Timestamp
    updated_by: str

    def details(self) -> PartyDetails:
        return PartyDetails(
            name=self.name,
            email=self.email,
            address=self.address,
            vat_id=self.vat_id,
            locale=self.locale,
            buyer_reference=self.buyer_reference,
        )


def new_client(
    given: ClientInput, *, actor: Actor, now: datetime, client_id: str | None = None
) -> Client:
    """A new client, under `client_id` when given (a retryable request names it), else a new id."""
    return Client(
        id=client_id or new_id(),
        tenant_id=actor.tenant_id,
        name=given.name,
        created=now,
        created_by=actor.user_id,
        updated=now,
        updated_by=actor.user_id,
    ).model_copy(update=_details_of(given))


def replaced_client(client: Client, given: ClientInput, *, actor: Actor, now: datetime) -> Client:
    """PUT replaces every detail; a field left out is cleared."""
    return client.model_copy(
        update={**_details_of(given), "updated": now, "updated_by": actor.user_id}
    )


def _details_of(given: ClientInput) -> dict[str, object]:
    names = ("name", "email", "address", "vat_id", "locale", "buyer_reference")
    return {name: getattr(given, name) for name in names}
