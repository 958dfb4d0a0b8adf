"""Safe retries on DynamoDB with Powertools' idempotency utility: one record per tenant and
Idempotency-Key, kept 24 hours, in the tenant's own partition."""

from __future__ import annotations

import functools
import logging
import time
import warnings
from collections.abc import Callable
from contextvars import ContextVar
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
COMPLETION_ATTEMPTS = 3
StoredResponse = dict[str, Any]
REQUEST = "request"  # the keyword Powertools hashes: {"key": ..., "fingerprint": ...}

_tenant: ContextVar[str] = ContextVar("idempotency_tenant")
# Callers pass Lambda's context or a stand-in with the configured time limit (time_limits.py);
# a caller without either leaves the record in progress until it expires, and need not be warned.
warnings.filterwarnings("ignore", message="Couldn't determine the remaining time left")
log = logging.getLogger(__name__)


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
        if hasattr(lambda_context, "get_remaining_time_in_millis"):
            # A record left "in progress" by a request that died expires with its time limit.
            config.register_lambda_context(lambda_context)
        done: list[StoredResponse] = []

        def run(request: dict[str, str]) -> StoredResponse:  # noqa: ARG001 - Powertools hashes it
            done.append(work())
            return done[-1]

        persistence = self._layer
        once = cast(
            Callable[..., StoredResponse],
            idempotent_function(
                data_keyword_argument=REQUEST,
                persistence_store=persistence,
                config=config,
                key_prefix=keys.IDEMPOTENCY_PREFIX,
            )(run),
        )
        request = {"key": key, "fingerprint": fingerprint}
        token = _tenant.set(tenant_id)
        try:
            return once(request=request), not done
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReusedError() from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise RequestInProgressError() from exc
        except IdempotencyPersistenceLayerError as exc:
            if not done:
                raise TemporarilyUnavailableError("Safe-retry records are unavailable") from exc
            # The work is done: answer with it, never with an error that invites a retry.
            _complete(persistence, request, done[-1], key)
            return done[-1], False
        finally:
            _tenant.reset(token)

    @functools.cached_property
    def _persistence_class(self) -> type[Any]:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        class TenantPartitionedLayer(DynamoDBPersistenceLayer):
            """Powertools' layer, with its partition key taken per request from the tenant
            instead of one static partition for every tenant (a hot key)."""

            @property
            def static_pk_value(self) -> str:
                return keys.tenant_pk(_tenant.get())

            @static_pk_value.setter
            def static_pk_value(self, _: str) -> None:
                """Set once by the constructor; the request's tenant decides instead."""

        return TenantPartitionedLayer

    @functools.cached_property
    def _layer(self) -> Any:
        # Built once: Powertools' constructor registers a handler on the client it is given.
        return self._persistence_class(
            table_name=self._table,
            key_attr="PK",
            sort_key_attr="SK",
            expiry_attr="expiresAt",
            in_progress_expiry_attr="inProgressExpiresAt",
            status_attr="idempotencyStatus",
            data_attr="response",
            validation_key_attr="fingerprint",
            boto3_client=self._client,
        )


def _complete(persistence: Any, request: dict[str, str], result: StoredResponse, key: str) -> None:
    """Try again to mark the record completed, so that a retry replays instead of re-running."""
    for attempt in range(COMPLETION_ATTEMPTS):
        time.sleep(0.1 * 2**attempt)
        try:
            persistence.save_success(data=request, result=result)
            return
        except Exception:
            log.warning("Completing the idempotency record for key %r failed", key, exc_info=True)
    log.error("Idempotency record for key %r left in progress after its work succeeded", key)
