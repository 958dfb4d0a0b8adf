"""Safe retries on DynamoDB with Powertools' idempotency utility: one record per tenant and
Idempotency-Key, kept 24 hours, in the tenant's own partition."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from chalicelib.domain.errors import (
    IdempotencyKeyReusedError,
    RequestInProgressError,
    TemporarilyUnavailableError,
)
from chalicelib.store import keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RETENTION_SECONDS = 24 * 3600
StoredResponse = dict[str, Any]


class DynamoIdempotencyStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def run_once(
        self,
        tenant_id: str,
        key: str,
        fingerprint: str,
        work: Callable[[], StoredResponse],
        lambda_context: Any = None,
    ) -> tuple[StoredResponse, bool]:
        """Run `work` once per tenant and key; later calls get its stored result. Returns the
        result and whether it is a replay. Raises when the key came with another request, or
        while the first call still runs. An exception from `work` stores nothing."""
        # Imported on the first request that carries a key: reads never pay for Powertools.
        from aws_lambda_powertools.utilities.idempotency import (
            IdempotencyConfig,
            idempotent_function,
        )
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyPersistenceLayerError,
            IdempotencyValidationError,
        )

        config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="fingerprint",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=RETENTION_SECONDS,
        )
        if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
            # A record left "in progress" by a timed-out Lambda expires with that invocation.
            config.register_lambda_context(lambda_context)
        ran = False

        def run(request: dict[str, str]) -> StoredResponse:  # noqa: ARG001 - Powertools hashes it
            nonlocal ran
            ran = True
            return work()

        once = cast(
            Callable[..., StoredResponse],
            idempotent_function(
                data_keyword_argument="request",
                persistence_store=self._persistence(tenant_id),
                config=config,
                key_prefix=keys.IDEMPOTENCY_PREFIX,
            )(run),
        )
        try:
            result = once(request={"key": key, "fingerprint": fingerprint})
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReusedError() from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise RequestInProgressError() from exc
        except IdempotencyPersistenceLayerError as exc:
            raise TemporarilyUnavailableError("Safe-retry records are unavailable") from exc
        return result, not ran

    def _persistence(self, tenant_id: str) -> Any:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
        )

        # The tenant's partition, not Powertools' default single static partition: no hot key,
        # and a key is scoped to its tenant by construction.
        return DynamoDBPersistenceLayer(
            table_name=self._table,
            key_attr="PK",
            sort_key_attr="SK",
            static_pk_value=keys.tenant_pk(tenant_id),
            expiry_attr="expiresAt",
            in_progress_expiry_attr="inProgressExpiresAt",
            status_attr="idempotencyStatus",
            data_attr="response",
            validation_key_attr="fingerprint",
            boto3_client=self._client,
        )
