"""The services outside the table, in memory: the clock, metrics, the documents bucket, the mail
service, the jobs' queue, the once-only guard and who signs tokens."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parseaddr
from itertools import count
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import jwt
from jwt.algorithms import RSAAlgorithm

from chalicelib.documents.mime import mime_message
from chalicelib.domain.due import Job
from chalicelib.domain.errors import (
    DeliveryFailedError,
    DomainError,
    IdempotencyKeyReusedError,
    RequestInProgressError,
)
from chalicelib.domain.mail import OutgoingMail
from chalicelib.domain.work import Chunk, WorkItem
from chalicelib.ports import Clock, KeptExport
from chalicelib.store import keys


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 11, 21, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class CountingMetrics:
    """The Metrics port in memory: what was counted, by name."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count(self, name: str, value: int = 1) -> None:
        if value:  # as EmfMetrics: a count of nothing is not a metric
            self.counts[name] += value


# The documents bucket, the mail service, the jobs' queue and the once-only guard


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    media_type: str
    filename: str | None
    short_lived: bool  # tagged to expire a day later, as exports and unregistered uploads are


@dataclass(frozen=True)
class _Form:
    media_type: str
    max_bytes: int


class InMemoryDocumentStore:
    """The documents bucket (store/documents). A link or an upload form names its key in a URL
    of this store, which `fetch` and `post` answer as S3 answers a browser."""

    URL = "https://documents.test/"

    def __init__(self) -> None:
        self.objects: dict[str, StoredObject] = {}
        self._forms: dict[str, _Form] = {}

    def keep_export(
        self, tenant_id: str, export: KeptExport, parts: Iterable[bytes], *, filename: str
    ) -> str:
        key = keys.export_key(tenant_id, export.export_id, export.extension)
        data = b"".join(parts)
        self.objects[key] = StoredObject(data, export.media_type, filename, short_lived=True)
        return key

    def put(self, key: str, data: bytes, *, media_type: str, filename: str) -> None:
        self.objects[key] = StoredObject(data, media_type, filename, short_lived=False)

    def get(self, key: str) -> bytes | None:
        stored = self.objects.get(key)
        return None if stored is None else stored.data

    def delete(self, *object_keys: str) -> None:
        for key in object_keys:
            self.objects.pop(key, None)

    def link(self, key: str, *, seconds: int) -> str:
        return f"{self.URL}{quote(key)}?expires={seconds}"

    def upload_form(
        self, key: str, *, media_type: str, max_bytes: int, seconds: int
    ) -> dict[str, Any]:
        self._forms[key] = _Form(media_type, max_bytes)
        return {"url": self.URL, "fields": {"key": key, "Content-Type": media_type}}

    def fetch(self, url: str) -> bytes | None:
        """What following a link serves: the object's bytes, or None (S3's 404)."""
        return self.get(unquote(urlsplit(url).path.removeprefix("/")))

    def post(self, form: Mapping[str, Any], data: bytes) -> bool:
        """A browser's POST of `form` with `data`: kept (short-lived) only when the form's own
        conditions hold, as S3 holds a presigned POST to them; whether it was kept."""
        key = form["fields"]["key"]
        allowed = self._forms.get(key)
        if allowed is None or not 1 <= len(data) <= allowed.max_bytes:
            return False
        self.objects[key] = StoredObject(data, allowed.media_type, None, short_lived=True)
        return True


_UNVERIFIED = (
    "The mail service refused the message (MessageRejected): "
    "the sender address may not be verified, or a recipient is refused"
)


class RecordingMailer:
    """The mail service (store/mailer): each message is written as SES would be sent it (so one
    SesMailer refuses is refused here too), then kept in `sent`. With `verified`, only senders
    at those addresses or domains are accepted, as SES accepts; `refusal`, when set, is what
    the next sends raise (the service refusing or not answering)."""

    def __init__(self, clock: Clock | None = None, verified: Iterable[str] | None = None) -> None:
        self._clock = clock or FixedClock()
        self._verified = None if verified is None else {v.casefold() for v in verified}
        self.sent: list[OutgoingMail] = []
        self.refusal: DomainError | None = None

    def send(self, mail: OutgoingMail) -> str:
        mime_message(mail, sent_at=self._clock.now())
        if self.refusal is not None:
            raise self.refusal
        address = parseaddr(mail.sender)[1].casefold()
        domain = address.rpartition("@")[2]
        if self._verified is not None and not {address, domain} & self._verified:
            raise DeliveryFailedError(_UNVERIFIED)
        self.sent.append(mail)
        return f"message-{len(self.sent)}"


class InMemoryQueue:
    """The jobs' queue (store/queue), both a ChunkQueue and a BatchQueue: each chunk travels as
    the message it is written to (so its time keeps milliseconds only); one sent with a delay
    stays out of reach until `release_delayed`, and one received stays hidden until deleted."""

    MAX_DELAY_SECONDS = 900

    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []  # every message sent, with its delay
        self.visible: list[str] = []
        self.delayed: list[str] = []
        self.in_flight: dict[str, str] = {}
        self.refusal: DomainError | None = None
        self._handles = count()

    def send(self, chunks: Iterable[Chunk], *, delay_seconds: int = 0) -> int:
        if self.refusal is not None:
            raise self.refusal
        bodies = [chunk.to_message() for chunk in chunks]
        delay = min(delay_seconds, self.MAX_DELAY_SECONDS)
        self.log += [(body, delay) for body in bodies]
        (self.delayed if delay else self.visible).extend(bodies)
        return len(bodies)

    def send_batch(self, tenant_id: str, batch_id: str, now: datetime) -> None:
        self.send([Chunk(Job.BATCH, now, (WorkItem(tenant_id, batch_id),))])

    def sent(self) -> list[Chunk]:
        """Every chunk ever sent, in order."""
        return [Chunk.from_message(body) for body, _ in self.log]

    def receive(self, *, wait_seconds: int = 0) -> list[tuple[Chunk, str]]:
        taken, self.visible = self.visible[:10], self.visible[10:]
        received = []
        for body in taken:
            handle = f"handle-{next(self._handles)}"
            self.in_flight[handle] = body
            received.append((Chunk.from_message(body), handle))
        return received

    def delete(self, receipt_handle: str) -> None:
        self.in_flight.pop(receipt_handle, None)

    def release_delayed(self) -> None:
        self.visible += self.delayed
        self.delayed = []


def _as_powertools_writes(value: object) -> str:
    """Decimals as text, as Powertools' encoder stores a result; anything else it cannot store
    fails as it fails there."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class InMemoryOnceGuard:
    """Powertools' idempotency on DynamoDB (store/idempotency): one record per tenant and key,
    the fingerprint checked before anything else, a replay answered from the stored JSON (so it
    reads as JSON does), a record in progress refused, and nothing kept when the work fails.
    Records do not expire here (they do after 24 hours there)."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], tuple[str, str | None]] = {}

    def run_once(
        self,
        tenant_id: str,
        key: str,
        fingerprint: str,
        work: Callable[[], dict[str, Any]],
        lambda_context: Any = None,
    ) -> tuple[dict[str, Any], bool]:
        found = self._records.get((tenant_id, key))
        if found is not None:
            stored_fingerprint, response = found
            if stored_fingerprint != fingerprint:
                raise IdempotencyKeyReusedError()
            if response is None:
                raise RequestInProgressError()
            replayed: dict[str, Any] = json.loads(response)
            return replayed, True
        self._records[(tenant_id, key)] = (fingerprint, None)
        try:
            result = work()
            stored = json.dumps(result, default=_as_powertools_writes, sort_keys=True)
        except BaseException:
            del self._records[(tenant_id, key)]
            raise
        self._records[(tenant_id, key)] = (fingerprint, stored)
        return result, False


# Who signs tokens


class StaticSigningKeys:
    """RS256 public keys by `kid`, as PyJWKClient finds them in a JWKS document (`jwks` is that
    document, for a server to hand PyJWKClient)."""

    def __init__(self, public_keys: Mapping[str, Any]) -> None:
        self.jwks: dict[str, list[dict[str, Any]]] = {"keys": []}
        self._keys: dict[str, jwt.PyJWK] = {}
        for kid, public_key in public_keys.items():
            jwk = {**RSAAlgorithm.to_jwk(public_key, as_dict=True), "kid": kid, "use": "sig"}
            self.jwks["keys"].append(jwk)
            self._keys[kid] = jwt.PyJWK(jwk, algorithm="RS256")

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._keys:
            raise jwt.PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
        return self._keys[kid]
