"""The composition root: builds clients and adapters on first use, never at import time."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import jwt

from chalicelib.domain.invoicing import InvoiceDefaults
from chalicelib.services.authentication import JwtRules, JwtVerifier
from chalicelib.services.ports import ApiKeyRepository, Clock, InvoiceRepository, SystemClock
from chalicelib.settings import Settings
from chalicelib.store.api_keys import DynamoApiKeyRepository
from chalicelib.store.dynamo import dynamodb_client
from chalicelib.store.invoices import DynamoInvoiceRepository

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@dataclass(frozen=True)
class Deps:
    settings: Settings
    dynamodb: DynamoDBClient
    invoices: InvoiceRepository
    api_keys: ApiKeyRepository
    clock: Clock
    jwt_verifier: JwtVerifier
    invoice_defaults: InvoiceDefaults


@functools.cache
def get_deps() -> Deps:
    settings = Settings()  # filled from the environment
    client = dynamodb_client()
    return Deps(
        settings=settings,
        dynamodb=client,
        invoices=DynamoInvoiceRepository(client, settings.table_name),
        api_keys=DynamoApiKeyRepository(client, settings.table_name),
        clock=SystemClock(),
        jwt_verifier=_jwt_verifier(settings),
        invoice_defaults=InvoiceDefaults(
            currency=settings.default_currency,
            payment_term_days=settings.default_payment_term_days,
        ),
    )


def _jwt_verifier(settings: Settings) -> JwtVerifier:
    secret = settings.auth_jwt_secret.get_secret_value() if settings.auth_jwt_secret else None
    rules = JwtRules(
        secret=secret or None,
        audience=settings.auth_audience or None,
        issuer=settings.auth_issuer or None,
        tenant_claim=settings.auth_tenant_claim,
        user_claim=settings.auth_user_claim,
    )
    keys = jwt.PyJWKClient(settings.auth_jwks_url) if settings.auth_jwks_url else None
    return JwtVerifier(rules, keys)
