"""Who is calling: bearer tokens and API keys turned into an Actor, or refused."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from chalicelib.domain.errors import AuthenticationError, InvalidInputError
from chalicelib.domain.values import Actor
from chalicelib.ports import ApiKeyRecord
from chalicelib.services.authentication import (
    JwtRules,
    JwtVerifier,
    authenticate,
    create_api_key,
    hash_api_key,
    verify_api_key,
)
from tests.fakes import FixedClock, InMemoryApiKeyRepository

SECRET = "unit-test-secret-" + "0123456789abcdef" * 4  # 64 bytes: long enough for HS512 too
KID = "test-key"


def _hours_from_now(hours: float) -> int:
    return int((datetime.now(UTC) + timedelta(hours=hours)).timestamp())


def _claims(**overrides: Any) -> dict[str, Any]:
    claims = {
        "sub": "user-1",
        "tenant_id": "acme",
        "exp": _hours_from_now(1),
        **overrides,
    }
    return {name: value for name, value in claims.items() if value is not None}


def _hs256(key: str = SECRET, **overrides: Any) -> str:
    return jwt.encode(_claims(**overrides), key, algorithm="HS256")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _segment(document: dict[str, Any]) -> str:
    return _b64(json.dumps(document).encode())


def _hmac_forged(header: dict[str, Any], claims: dict[str, Any], key: bytes) -> str:
    """A token signed by hand, as an attacker would: PyJWT itself refuses such keys."""
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _verifier(**rules: Any) -> JwtVerifier:
    return JwtVerifier(JwtRules(secret=SECRET, **rules))


class FakeSigningKeys:
    """Stands in for PyJWKClient: finds the public key by the token's `kid`."""

    def __init__(self, public_key: rsa.RSAPublicKey) -> None:
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
        assert isinstance(jwk, dict)
        self._keys = {KID: jwt.PyJWK({**jwk, "kid": KID}, algorithm="RS256")}

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._keys:
            raise jwt.PyJWKClientError(f"Unable to find a signing key that matches: {kid}")
        return self._keys[kid]


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_verifier(rsa_key: rsa.RSAPrivateKey) -> JwtVerifier:
    return JwtVerifier(JwtRules(), signing_keys=FakeSigningKeys(rsa_key.public_key()))


def _rs256(key: rsa.RSAPrivateKey, **overrides: Any) -> str:
    return jwt.encode(_claims(**overrides), key, algorithm="RS256", headers={"kid": KID})


class RecordingApiKeyRepository(InMemoryApiKeyRepository):
    """Keeps what the service hands to the repository, to check nothing secret is in it."""

    def __init__(self) -> None:
        super().__init__()
        self.added: list[ApiKeyRecord] = []

    def add(self, record: ApiKeyRecord) -> None:
        self.added.append(record)
        super().add(record)


@pytest.fixture
def api_keys() -> RecordingApiKeyRepository:
    return RecordingApiKeyRepository()


def _new_key(repo: InMemoryApiKeyRepository, tenant: str = "acme") -> str:
    return create_api_key(tenant, created_by="admin", repo=repo, clock=FixedClock())


def _authenticate(credentials: list[str], repo: InMemoryApiKeyRepository) -> Actor:
    return authenticate(credentials, jwt_verifier=_verifier(), api_keys=repo)


# Bearer tokens signed with a shared secret (HS256)


def test_valid_hs256_token_names_the_tenant_and_user() -> None:
    assert _verifier().verify(_hs256()) == Actor(tenant_id="acme", user_id="user-1")


def test_expired_token_is_refused() -> None:
    token = _hs256(exp=_hours_from_now(-1))

    with pytest.raises(AuthenticationError, match="not valid"):
        _verifier().verify(token)


def test_token_without_expiry_is_refused() -> None:
    token = jwt.encode({"sub": "user-1", "tenant_id": "acme"}, SECRET, algorithm="HS256")

    with pytest.raises(AuthenticationError):
        _verifier().verify(token)


def test_token_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(AuthenticationError):
        _verifier().verify(_hs256(key="another-secret-that-is-also-long-enough-0123"))


def test_token_with_a_tampered_payload_is_refused() -> None:
    header, _, signature = _hs256().split(".")
    forged_claims = _segment(_claims(tenant_id="evil"))

    with pytest.raises(AuthenticationError):
        _verifier().verify(f"{header}.{forged_claims}.{signature}")


def test_unsigned_token_with_alg_none_is_refused() -> None:
    token = f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(_claims())}."

    with pytest.raises(AuthenticationError):
        _verifier().verify(token)


def test_token_with_an_algorithm_not_fixed_in_code_is_refused() -> None:
    token = jwt.encode(_claims(), SECRET, algorithm="HS512")

    with pytest.raises(AuthenticationError):
        _verifier().verify(token)


@pytest.mark.parametrize("garbage", ["", "not-a-token", "a.b.c", "é.é.é"])
def test_garbage_bearer_token_is_refused(garbage: str) -> None:
    with pytest.raises(AuthenticationError):
        _verifier().verify(garbage)


def test_token_without_a_tenant_claim_is_refused() -> None:
    with pytest.raises(AuthenticationError, match="tenant"):
        _verifier().verify(_hs256(tenant_id=None))


@pytest.mark.parametrize("user", [None, "", "  ", True, ["u"]])
def test_token_that_names_no_user_is_refused(user: object) -> None:
    token = jwt.encode({**_claims(), "sub": user}, SECRET, algorithm="HS256")

    with pytest.raises(AuthenticationError):
        _verifier().verify(token)


@pytest.mark.parametrize("tenant", ["", "acme#1", "T#acme", "-acme", "a b", "a" * 129, 42, None])
def test_token_with_an_invalid_tenant_is_refused(tenant: object) -> None:
    token = jwt.encode({**_claims(), "tenant_id": tenant}, SECRET, algorithm="HS256")

    with pytest.raises(AuthenticationError, match="tenant"):
        _verifier().verify(token)


def test_audience_is_enforced_when_configured() -> None:
    verifier = _verifier(audience="invoicing-api")

    assert verifier.verify(_hs256(aud="invoicing-api")).tenant_id == "acme"
    for token in (_hs256(aud="another-api"), _hs256()):
        with pytest.raises(AuthenticationError):
            verifier.verify(token)


def test_audience_is_ignored_when_not_configured() -> None:
    assert _verifier().verify(_hs256(aud="whatever")).tenant_id == "acme"


def test_issuer_is_enforced_when_configured() -> None:
    verifier = _verifier(issuer="https://issuer.example")

    assert verifier.verify(_hs256(iss="https://issuer.example")).tenant_id == "acme"
    for token in (_hs256(iss="https://evil.example"), _hs256()):
        with pytest.raises(AuthenticationError):
            verifier.verify(token)


def test_issuer_is_ignored_when_not_configured() -> None:
    assert _verifier().verify(_hs256(iss="https://anyone.example")).tenant_id == "acme"


def test_tenant_and_user_claims_can_be_renamed() -> None:
    verifier = _verifier(tenant_claim="custom:tenant", user_claim="email")
    token = _hs256(tenant_id="ignored", **{"custom:tenant": "globex", "email": "ann@globex.test"})

    assert verifier.verify(token) == Actor(tenant_id="globex", user_id="ann@globex.test")


def test_hs256_token_is_refused_when_no_secret_is_configured() -> None:
    with pytest.raises(AuthenticationError):
        JwtVerifier(JwtRules()).verify(_hs256())


# Bearer tokens signed with a key pair (RS256, keys from a JWKS)


def test_valid_rs256_token_is_verified_with_the_published_key(
    rsa_key: rsa.RSAPrivateKey, jwks_verifier: JwtVerifier
) -> None:
    assert jwks_verifier.verify(_rs256(rsa_key)) == Actor(tenant_id="acme", user_id="user-1")


def test_rs256_token_signed_with_another_key_is_refused(jwks_verifier: JwtVerifier) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    with pytest.raises(AuthenticationError):
        jwks_verifier.verify(_rs256(stranger))


def test_rs256_token_with_an_unknown_key_id_is_refused(
    rsa_key: rsa.RSAPrivateKey, jwks_verifier: JwtVerifier
) -> None:
    token = jwt.encode(_claims(), rsa_key, algorithm="RS256", headers={"kid": "other"})

    with pytest.raises(AuthenticationError):
        jwks_verifier.verify(token)


def test_rs256_token_is_refused_when_no_key_set_is_configured(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    with pytest.raises(AuthenticationError):
        _verifier().verify(_rs256(rsa_key))


def test_hs256_token_keyed_with_the_public_key_is_refused(
    rsa_key: rsa.RSAPrivateKey, jwks_verifier: JwtVerifier
) -> None:
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": KID}
    forged = _hmac_forged(header, _claims(), public_pem)

    with pytest.raises(AuthenticationError):
        jwks_verifier.verify(forged)


def test_hs256_token_keyed_with_the_public_key_is_refused_alongside_a_secret(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    verifier = JwtVerifier(JwtRules(secret=SECRET), FakeSigningKeys(rsa_key.public_key()))
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = _hmac_forged({"alg": "HS256", "typ": "JWT"}, _claims(), public_pem)

    with pytest.raises(AuthenticationError):
        verifier.verify(forged)
    assert verifier.verify(_rs256(rsa_key)).tenant_id == "acme"
    assert verifier.verify(_hs256()).tenant_id == "acme"


def test_forged_token_helper_produces_tokens_the_secret_verifies() -> None:
    # Guards the attack tests above: a hand-signed token is refused for its key, not its shape.
    token = _hmac_forged({"alg": "HS256", "typ": "JWT"}, _claims(), SECRET.encode())

    assert _verifier().verify(token).tenant_id == "acme"


# API keys


def test_created_api_key_starts_with_its_prefix_and_authenticates_as_its_tenant(
    api_keys: InMemoryApiKeyRepository,
) -> None:
    key = _new_key(api_keys, "globex")

    assert key.startswith("ik_")
    actor = verify_api_key(key, repo=api_keys)
    assert actor.tenant_id == "globex"
    assert actor.user_id.startswith("api-key:")


def test_only_the_hash_of_an_api_key_is_stored(api_keys: RecordingApiKeyRepository) -> None:
    key = _new_key(api_keys)
    secret = key.partition(".")[2]

    [record] = api_keys.added
    assert record.key_hash == hashlib.sha256(key.encode()).hexdigest() == hash_api_key(key)
    assert (record.tenant_id, record.created_by) == ("acme", "admin")
    assert record.created == FixedClock().now()
    stored_text = [value for value in dataclasses.astuple(record) if isinstance(value, str)]
    assert not any(key in text or secret[:8] in text for text in stored_text)


def test_each_api_key_is_different(api_keys: InMemoryApiKeyRepository) -> None:
    assert _new_key(api_keys) != _new_key(api_keys)


def test_api_key_for_an_invalid_tenant_is_not_created(api_keys: InMemoryApiKeyRepository) -> None:
    with pytest.raises(InvalidInputError, match="tenant"):
        _new_key(api_keys, "acme#1")


def test_api_key_with_another_tenant_swapped_in_is_refused(
    api_keys: InMemoryApiKeyRepository,
) -> None:
    key = _new_key(api_keys, "acme")
    _new_key(api_keys, "globex")
    secret = key.partition(".")[2]
    swapped = f"ik_{_b64(b'globex')}.{secret}"

    with pytest.raises(AuthenticationError, match="API key is not valid"):
        verify_api_key(swapped, repo=api_keys)


def test_api_key_with_a_changed_secret_is_refused(api_keys: InMemoryApiKeyRepository) -> None:
    key = _new_key(api_keys)
    changed = key[:-1] + ("A" if key[-1] != "A" else "B")

    with pytest.raises(AuthenticationError):
        verify_api_key(changed, repo=api_keys)


@pytest.mark.parametrize(
    "garbage",
    ["ik_", "ik_.", "ik_YWNtZQ", "ik_YWNtZQ.", "ik_!!!.secret", "ik_é.secret", "ik_\x00.x"],
)
def test_garbage_api_key_is_refused(api_keys: InMemoryApiKeyRepository, garbage: str) -> None:
    _new_key(api_keys)

    with pytest.raises(AuthenticationError, match="API key is not valid"):
        verify_api_key(garbage, repo=api_keys)


# Several credentials at once


def test_no_credential_is_refused_saying_how_to_authenticate(
    api_keys: InMemoryApiKeyRepository,
) -> None:
    with pytest.raises(AuthenticationError) as refused:
        _authenticate([], api_keys)

    assert "Authorization: Bearer" in str(refused.value)
    assert "x-api-key" in str(refused.value)


def test_a_token_or_a_key_alone_authenticates(api_keys: InMemoryApiKeyRepository) -> None:
    key = _new_key(api_keys, "acme")

    assert _authenticate([_hs256()], api_keys) == Actor("acme", "user-1")
    assert _authenticate([key], api_keys).tenant_id == "acme"


def test_credentials_naming_the_same_tenant_authenticate_as_the_first(
    api_keys: InMemoryApiKeyRepository,
) -> None:
    key = _new_key(api_keys, "acme")

    assert _authenticate([_hs256(), key], api_keys) == Actor("acme", "user-1")


def test_credentials_naming_different_tenants_are_refused(
    api_keys: InMemoryApiKeyRepository,
) -> None:
    key = _new_key(api_keys, "globex")

    with pytest.raises(AuthenticationError, match="different tenants"):
        _authenticate([_hs256(), key], api_keys)


def test_every_credential_presented_must_verify(api_keys: InMemoryApiKeyRepository) -> None:
    key = _new_key(api_keys, "acme")

    with pytest.raises(AuthenticationError):
        _authenticate([key, _hs256(key="wrong-secret-but-long-enough-for-hs256-0123")], api_keys)
    with pytest.raises(AuthenticationError):
        _authenticate([_hs256(), key + "x"], api_keys)
