"""The environment, read once and validated: what the app is configured with per stage."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    table_name: str
    bucket_name: str  # the documents bucket: PDFs, attachments, large exports
    # HS256 tokens are accepted only when a secret is set (local stack, tests).
    auth_jwt_secret: SecretStr | None = None
    # RS256 tokens are verified against this JWKS, for example a Cognito user pool's.
    auth_jwks_url: str | None = None
    auth_audience: str | None = None
    auth_issuer: str | None = None
    auth_tenant_claim: str = "tenant_id"
    auth_user_claim: str = "sub"
    # The verified SES identity emails are sent from, in the seller's name; replies go to the
    # tenant's sender email.
    mail_from: str = "invoices@invoicing.localhost"
    # The SES configuration set every email is sent with (its event destinations report bounces
    # and complaints); none locally.
    ses_configuration_set: str | None = None
    # The SQS queue that carries the scheduled jobs' chunks to their worker.
    jobs_queue_url: str = ""
    # The stack's EventBridge bus, which the relay puts every integration event on (0064).
    event_bus_name: str = ""
    # The queue of (endpoint, event) deliveries the relay fills and the webhook worker takes.
    webhook_queue_url: str = ""
    # The local stack (`invoicing serve`, the tests): webhooks may also go to its own loopback
    # over http (decision 0063). Never set in a deployed stage.
    local_stack: bool = False
    default_currency: str = "EUR"
    default_payment_term_days: int = 14
