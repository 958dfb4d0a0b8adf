"""Who is calling: verify a JWT or an API key and turn it into an Actor (tenant and user)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.errors import (
    ApiKeyAlreadyMadeError,
    ApiKeyNotFoundError,
    AuthenticationError,
    FieldProblem,
    InvalidInputError,
)
from chalicelib.domain.values import TENANT_ID_PATTERN, Actor
from chalicelib.ports import ApiKeyRecord, ApiKeyRepository, Clock

if TYPE_CHECKING:
    # PyJWT pulls in cryptography: imported when a bearer token is verified, not at cold start.
    import jwt

API_KEY_PREFIX = "ik_"
KEY_ID_LENGTH = 16  # hex digits of the key's hash (keys made before have 8)
HINT_LENGTH = 4  # the key's last characters, kept for a person to tell keys apart
LAST_USED_PRECISION = timedelta(hours=1)
_HMAC_ALGORITHMS = ("HS256",)
_JWKS_ALGORITHMS = ("RS256",)


class SigningKeys(Protocol):
    """Where RS256 public keys come from: PyJWT's PyJWKClient in production."""

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK: ...


@dataclass(frozen=True)
class JwtRules:
    """What a token must satisfy. Algorithms are fixed here, never taken from the token."""

    secret: str | None = None
    audience: str | None = None
    issuer: str | None = None
    tenant_claim: str = "tenant_id"
    user_claim: str = "sub"
    leeway_seconds: int = 30


class JwtVerifier:
    def __init__(self, rules: JwtRules, signing_keys: SigningKeys | None = None) -> None:
        self._rules = rules
        self._signing_keys = signing_keys

    def verify(self, token: str) -> Actor:
        import jwt

        try:
            claims = self._decode(token)
        except jwt.PyJWTError as exc:
            raise AuthenticationError("The bearer token is not valid") from exc
        _require_numeric_dates(claims)
        return Actor(
            tenant_id=_tenant_id(claims.get(self._rules.tenant_claim)),
            user_id=_user_id(claims.get(self._rules.user_claim)),
        )

    def _decode(self, token: str) -> dict[str, Any]:
        import jwt

        algorithm = jwt.get_unverified_header(token).get("alg")
        key: Any
        if algorithm in _HMAC_ALGORITHMS and self._rules.secret:
            key, allowed = self._rules.secret, _HMAC_ALGORITHMS
        elif algorithm in _JWKS_ALGORITHMS and self._signing_keys is not None:
            key, allowed = self._signing_keys.get_signing_key_from_jwt(token).key, _JWKS_ALGORITHMS
        else:
            raise jwt.InvalidAlgorithmError(f"tokens signed with {algorithm} are not accepted")
        return jwt.decode(
            token,
            key,
            algorithms=list(allowed),
            audience=self._rules.audience,
            issuer=self._rules.issuer,
            leeway=self._rules.leeway_seconds,
            options={"require": ["exp"], "verify_aud": self._rules.audience is not None},
        )


def authenticate(
    credentials: Sequence[str],
    *,
    jwt_verifier: JwtVerifier,
    api_keys: ApiKeyRepository,
    clock: Clock | None = None,
) -> Actor:
    """Every credential presented must verify, and all must name the same tenant. With a
    `clock`, an API key's use is noted (at most once an hour)."""
    if not credentials:
        raise AuthenticationError(
            "Authentication required: send 'Authorization: Bearer <token>' or 'x-api-key: <key>'"
        )
    actors = [
        verify_api_key(credential, repo=api_keys, clock=clock)
        if credential.startswith(API_KEY_PREFIX)
        else jwt_verifier.verify(credential)
        for credential in credentials
    ]
    if len({actor.tenant_id for actor in actors}) != 1:
        raise AuthenticationError("The credentials presented belong to different tenants")
    return actors[0]


def create_api_key(
    tenant_id: str,
    *,
    created_by: str,
    repo: ApiKeyRepository,
    clock: Clock,
    name: str | None = None,
) -> str:
    """Make a key for the tenant and store only its hash; the key is shown this once."""
    key, _ = new_api_key(tenant_id, created_by=created_by, repo=repo, clock=clock, name=name)
    return key


def new_api_key(
    tenant_id: str,
    *,
    created_by: str,
    repo: ApiKeyRepository,
    clock: Clock,
    name: str | None = None,
    request: str | None = None,
) -> tuple[str, ApiKeyRecord]:
    """A new key for the tenant, and what is stored of it (its hash, never the key). A retried
    `request` (Actor.request) that made one already is refused, naming it: the key was answered
    once and is kept nowhere."""
    if not TENANT_ID_PATTERN.fullmatch(tenant_id):
        raise InvalidInputError([FieldProblem("tenant", _TENANT_RULE)])
    if request is not None:
        made = next((r for r in repo.list(tenant_id) if r.request == request), None)
        if made is not None:
            raise ApiKeyAlreadyMadeError(made.key_id)
    secret = secrets.token_urlsafe(32)
    key = f"{API_KEY_PREFIX}{_encode(tenant_id)}.{secret}"
    key_hash = hash_api_key(key)
    record = ApiKeyRecord(
        tenant_id=tenant_id,
        key_hash=key_hash,
        # From the hash, not the secret: the id is stored in plain text and shown as an author.
        key_id=key_hash[:KEY_ID_LENGTH],
        created=clock.now(),
        created_by=created_by,
        name=name,
        hint=f"...{key[-HINT_LENGTH:]}",
        request=request,
    )
    repo.add(record)
    return key, record


def verify_api_key(key: str, *, repo: ApiKeyRepository, clock: Clock | None = None) -> Actor:
    """The key's tenant and author id. A revoked key is refused at once: it is read as stored
    now, never from a cache. With a `clock`, its use is noted when an hour has passed since."""
    tenant_id = _tenant_of_key(key)
    record = None if tenant_id is None else repo.find(tenant_id, hash_api_key(key))
    if record is None:
        raise AuthenticationError("The API key is not valid")
    if clock is not None:
        _note_use(record, repo, clock.now())
    return Actor(tenant_id=record.tenant_id, user_id=f"api-key:{record.key_id}")


def list_api_keys(*, actor: Actor, repo: ApiKeyRepository) -> list[ApiKeyRecord]:
    return repo.list(actor.tenant_id)


def revoke_api_key(key_id: str, *, actor: Actor, repo: ApiKeyRepository) -> None:
    """Delete one of the caller's tenant's keys: from now on it answers 401."""
    if not repo.delete(actor.tenant_id, key_id):
        raise ApiKeyNotFoundError(key_id)


def _note_use(record: ApiKeyRecord, repo: ApiKeyRepository, now: datetime) -> None:
    """lastUsedAt moves at most once an hour per key, so a key costs no write per request."""
    since = now - LAST_USED_PRECISION
    if record.last_used_at is None or record.last_used_at < since:
        repo.touch(record, now, since=since)


def hash_api_key(key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough: slow hashes guard guessable passwords.
    return hashlib.sha256(key.encode()).hexdigest()


_TENANT_RULE = "1 to 128 letters, digits or . _ : @ -, starting with a letter or digit"
# RFC 7519 section 2: a NumericDate is a JSON number. PyJWT also takes a string of digits.
_DATE_CLAIMS = ("exp", "nbf", "iat")


def _require_numeric_dates(claims: dict[str, Any]) -> None:
    for name in _DATE_CLAIMS:
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise AuthenticationError("The bearer token is not valid")


def _tenant_id(claim: object) -> str:
    if not isinstance(claim, str) or not TENANT_ID_PATTERN.fullmatch(claim):
        raise AuthenticationError("The bearer token does not name a valid tenant")
    return claim


def _user_id(claim: object) -> str:
    # Every change records its author: a token that names nobody cannot act.
    if not isinstance(claim, str | int) or isinstance(claim, bool) or not str(claim).strip():
        raise AuthenticationError("The bearer token does not name a user")
    return str(claim)[:256]


def _encode(tenant_id: str) -> str:
    return base64.urlsafe_b64encode(tenant_id.encode()).decode().rstrip("=")


def _tenant_of_key(key: str) -> str | None:
    encoded, dot, secret = key.removeprefix(API_KEY_PREFIX).partition(".")
    if not dot or not secret:
        return None
    try:
        tenant_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except ValueError:  # binascii.Error, UnicodeDecodeError, and non-ASCII input to b64decode
        return None
    return tenant_id if TENANT_ID_PATTERN.fullmatch(tenant_id) else None
