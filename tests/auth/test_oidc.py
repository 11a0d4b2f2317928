"""OIDC issuers through a real JWKS server: discovery, Cognito claims, and a refresh budget that
forged key ids cannot exhaust, with cached keys outliving an issuer outage."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from dynaguard.auth import AuthenticationError, JwtVerifier, build_verifier
from dynaguard.auth.jwks import JwksCache
from dynaguard.auth.remembered import RememberedTokens
from dynaguard.config import Mode, Settings
from dynaguard.errors import DynaguardError

from .conftest import JwksServer, bearer, public_jwk, tiny_app, wait_until

AUDIENCE = "orders-api"


def oidc_claims(issuer: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "org_id": "acme",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def rs256(key: rsa.RSAPrivateKey, claims: dict[str, Any], kid: str = "k1") -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def oidc_settings(server: JwksServer, **fields: Any) -> Settings:
    values: dict[str, Any] = {
        "mode": Mode.AWS,
        "oidc_issuer": server.url,
        "oidc_audience": AUDIENCE,
        "oidc_jwks_url": server.url + "/jwks",
    }
    values.update(fields)
    return Settings(**values)


def test_discovery_then_cached(jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    verifier = build_verifier(oidc_settings(jwks_server, oidc_jwks_url=None))
    client = TestClient(tiny_app(verifier))
    for _ in range(5):
        token = rs256(rsa_key, oidc_claims(jwks_server.url, roles=["admin"]))
        assert client.get("/admin", headers=bearer(token)).json() == {"admin_of": "acme"}
    assert jwks_server.hits == {"/.well-known/openid-configuration": 1, "/jwks": 1}


def test_discovery_naming_another_issuer_is_not_trusted(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    jwks_server.discovery_issuer = "https://evil.example"
    client = TestClient(tiny_app(build_verifier(oidc_settings(jwks_server, oidc_jwks_url=None))))
    response = client.get("/me", headers=bearer(rs256(rsa_key, oidc_claims(jwks_server.url))))
    assert response.status_code == 503
    assert response.json() == {"detail": "signing keys are unavailable"}
    assert jwks_server.hits["/jwks"] == 0


def test_issuer_down_from_the_start_is_503_not_500(jwks_server: JwksServer) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwks_server.status = 500
    client = TestClient(tiny_app(build_verifier(oidc_settings(jwks_server))))
    token = jwt.encode(oidc_claims(jwks_server.url), key, "ES256", headers={"kid": "k1"})
    assert client.get("/me", headers=bearer(token)).status_code == 503


def test_wrong_audience_and_issuer(jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    client = TestClient(tiny_app(build_verifier(oidc_settings(jwks_server))))
    other_aud = rs256(rsa_key, oidc_claims(jwks_server.url, aud="another-api"))
    assert client.get("/me", headers=bearer(other_aud)).json() == {"detail": "wrong audience"}
    other_iss = rs256(rsa_key, oidc_claims("https://elsewhere.example"))
    assert client.get("/me", headers=bearer(other_iss)).json() == {"detail": "wrong issuer"}


def test_algorithms_come_from_configuration(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    client = TestClient(
        tiny_app(build_verifier(oidc_settings(jwks_server, jwt_algorithms=["ES256"])))
    )
    response = client.get("/me", headers=bearer(rs256(rsa_key, oidc_claims(jwks_server.url))))
    assert response.json() == {"detail": "algorithm not allowed"}
    ps256 = jwt.encode(oidc_claims(jwks_server.url), rsa_key, "PS256", headers={"kid": "k1"})
    allowing_ps = build_verifier(oidc_settings(jwks_server, jwt_algorithms=["RS256", "PS256"]))
    assert TestClient(tiny_app(allowing_ps)).get("/me", headers=bearer(ps256)).status_code == 200


def cognito_settings(server: JwksServer, **fields: Any) -> Settings:
    values: dict[str, Any] = {
        "oidc_audience": None,
        "oidc_client_id": "app-client-1",
        "oidc_token_use": "access",
        "claim_org": "custom:org_id",
        "claim_roles": "cognito:groups",
    }
    values.update(fields)
    return oidc_settings(server, **values)


def cognito_access(issuer: str, **overrides: Any) -> dict[str, Any]:
    claims = {
        "aud": None,
        "org_id": None,
        "client_id": "app-client-1",
        "token_use": "access",
        "custom:org_id": "acme",
        "cognito:groups": ["admin"],
        "scope": "openid",
    }
    claims.update(overrides)
    return oidc_claims(issuer, **claims)


def test_cognito_access_token(jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    client = TestClient(tiny_app(build_verifier(cognito_settings(jwks_server))))
    url = jwks_server.url

    good = rs256(rsa_key, cognito_access(url))
    assert client.get("/admin", headers=bearer(good)).json() == {"admin_of": "acme"}

    other_client = rs256(rsa_key, cognito_access(url, client_id="app-client-2"))
    assert client.get("/me", headers=bearer(other_client)).json() == {"detail": "wrong client"}

    id_token = rs256(
        rsa_key, cognito_access(url, client_id=None, aud="app-client-1", token_use="id")
    )
    assert client.get("/me", headers=bearer(id_token)).json() == {"detail": "wrong token use"}


def test_cognito_id_token_checks_aud_as_client(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    client = TestClient(
        tiny_app(build_verifier(cognito_settings(jwks_server, oidc_token_use="id")))
    )
    url = jwks_server.url
    good = rs256(rsa_key, cognito_access(url, client_id=None, aud="app-client-1", token_use="id"))
    assert client.get("/me", headers=bearer(good)).status_code == 200
    bad = rs256(rsa_key, cognito_access(url, client_id=None, aud="app-client-9", token_use="id"))
    assert client.get("/me", headers=bearer(bad)).json() == {"detail": "wrong client"}


def forged(kid: str) -> str:
    attacker = ec.generate_private_key(ec.SECP256R1())
    return jwt.encode({"iss": "x", "sub": "a"}, attacker, "ES256", headers={"kid": kid})


def test_flood_of_forged_kids_costs_at_most_one_fetch(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    settings = oidc_settings(
        jwks_server, jwt_algorithms=["RS256", "ES256"], jwks_refresh_cooldown_seconds=60
    )
    verifier = build_verifier(settings)
    client = TestClient(tiny_app(verifier))
    good = rs256(rsa_key, oidc_claims(jwks_server.url))
    assert client.get("/me", headers=bearer(good)).status_code == 200
    assert jwks_server.hits["/jwks"] == 1

    tokens = [forged(f"forged-{n}") for n in range(200)]

    def attempt(token: str) -> str:
        try:
            verifier.verify(token)
        except AuthenticationError as error:
            return error.reason
        return "accepted"

    with ThreadPoolExecutor(max_workers=16) as pool:
        reasons = list(pool.map(attempt, tokens))
    for token in tokens[:20]:
        assert client.get("/me", headers=bearer(token)).json() == {"detail": "unknown signing key"}
    assert set(reasons) == {"unknown signing key"}
    assert jwks_server.hits["/jwks"] <= 2
    assert client.get("/me", headers=bearer(good)).status_code == 200


def test_rotated_key_is_picked_up_on_unknown_kid(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    verifier = build_verifier(oidc_settings(jwks_server, jwks_refresh_cooldown_seconds=0))
    client = TestClient(tiny_app(verifier))
    assert client.get(
        "/me", headers=bearer(rs256(rsa_key, oidc_claims(jwks_server.url)))
    ).is_success
    new_key = ec.generate_private_key(ec.SECP256R1())
    jwks_server.keys = [public_jwk(new_key, "k2")]
    token = jwt.encode(oidc_claims(jwks_server.url), new_key, "ES256", headers={"kid": "k2"})
    assert client.get("/me", headers=bearer(token)).status_code == 200
    assert jwks_server.hits["/jwks"] == 2


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_refresh_failure_keeps_cached_keys(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    clock = FakeClock()
    cache = JwksCache(
        issuer=jwks_server.url,
        jwks_url=jwks_server.url + "/jwks",
        algorithms=["RS256"],
        cache_seconds=300,
        cooldown_seconds=30,
        timeout_seconds=1.0,
        clock=clock,
    )
    verifier = JwtVerifier(
        keys=cache,
        issuer=jwks_server.url,
        algorithms=frozenset({"RS256"}),
        audience=AUDIENCE,
        remembered=RememberedTokens(max_entries=0),  # the same token must reach the key cache
    )
    client = TestClient(tiny_app(verifier))
    token = rs256(rsa_key, oidc_claims(jwks_server.url))
    assert client.get("/me", headers=bearer(token)).status_code == 200

    jwks_server.status = 500
    clock.now += 301
    assert client.get("/me", headers=bearer(token)).status_code == 200
    assert wait_until(lambda: jwks_server.hits["/jwks"] == 2, 3.0), "a refresh behind the request"
    assert client.get("/me", headers=bearer(token)).status_code == 200
    assert jwks_server.hits["/jwks"] == 2, "a failed refresh is not retried within the cooldown"

    jwks_server.stop()
    clock.now += 31
    assert client.get("/me", headers=bearer(token)).status_code == 200
    unknown = rs256(rsa_key, oidc_claims(jwks_server.url), kid="k9")
    assert client.get("/me", headers=bearer(unknown)).json() == {"detail": "unknown signing key"}
    cache.close()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"oidc_issuer": None}, "DYNAGUARD_OIDC_ISSUER"),
        ({"oidc_audience": None}, "DYNAGUARD_OIDC_AUDIENCE or DYNAGUARD_OIDC_CLIENT_ID"),
        ({"jwt_algorithms": ["HS256"]}, "unsupported JWT algorithm(s) HS256"),
        ({"jwt_algorithms": ["none", "RS256"]}, "unsupported JWT algorithm(s) none"),
        ({"jwt_algorithms": []}, "at least one JWT algorithm"),
    ],
)
def test_misconfiguration_fails_at_startup(fields: dict[str, Any], message: str) -> None:
    settings = oidc_settings(JwksServer(url="https://issuer.example"), **fields)
    with pytest.raises(DynaguardError) as raised:
        build_verifier(settings)
    assert message in str(raised.value)


def test_client_id_alone_means_access_tokens_only(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    """Issue 13, defect 11: with only DYNAGUARD_OIDC_CLIENT_ID set, a Cognito ID token (`aud` =
    the client id, `token_use: id`) passed as an access token."""
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    settings = cognito_settings(jwks_server, oidc_token_use=None)
    client = TestClient(tiny_app(build_verifier(settings)))
    url = jwks_server.url

    good = rs256(rsa_key, cognito_access(url))
    assert client.get("/admin", headers=bearer(good)).json() == {"admin_of": "acme"}

    id_token = rs256(
        rsa_key, cognito_access(url, client_id=None, aud="app-client-1", token_use="id")
    )
    assert client.get("/me", headers=bearer(id_token)).json() == {"detail": "wrong token use"}
    no_use = rs256(rsa_key, cognito_access(url, token_use=None))
    assert client.get("/me", headers=bearer(no_use)).json() == {"detail": "wrong token use"}
    aud_only = rs256(rsa_key, cognito_access(url, client_id=None, aud="app-client-1"))
    assert client.get("/me", headers=bearer(aud_only)).json() == {"detail": "wrong client"}
    response = client.get("/me", headers=bearer(id_token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_access_token_use_never_accepts_aud_in_place_of_client_id(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    client = TestClient(tiny_app(build_verifier(cognito_settings(jwks_server))))
    token = rs256(rsa_key, cognito_access(jwks_server.url, client_id=None, aud="app-client-1"))
    assert client.get("/me", headers=bearer(token)).json() == {"detail": "wrong client"}


def test_audience_only_does_not_require_token_use(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    client = TestClient(tiny_app(build_verifier(oidc_settings(jwks_server))))
    token = rs256(rsa_key, oidc_claims(jwks_server.url))
    assert client.get("/me", headers=bearer(token)).status_code == 200


def test_unknown_token_use_fails_at_startup(jwks_server: JwksServer) -> None:
    with pytest.raises(DynaguardError) as raised:
        build_verifier(cognito_settings(jwks_server, oidc_token_use="refresh"))
    assert "DYNAGUARD_OIDC_TOKEN_USE must be access or id" in str(raised.value)


def test_closing_the_verifier_closes_its_key_cache(jwks_server: JwksServer) -> None:
    """Regression (issue 19): the OIDC key cache's HTTP connections were never released;
    `attach_dynaguard` calls `close()` when the app shuts down."""
    cache = JwksCache(
        issuer=jwks_server.url,
        jwks_url=jwks_server.url + "/jwks",
        algorithms=["RS256"],
        cache_seconds=300,
        cooldown_seconds=30,
    )
    verifier = JwtVerifier(
        keys=cache, issuer=jwks_server.url, algorithms=frozenset({"RS256"}), audience=AUDIENCE
    )
    verifier.close()
    assert cache._http.is_closed
