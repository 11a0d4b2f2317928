"""Key refresh against an issuer that hangs (issue 13, defect 4): a request whose `kid` is cached
never waits on the issuer, refreshes run one at a time behind the requests, and readiness says
whether signing keys are loaded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from httpx import Response

from dynaguard.auth import (
    JwtVerifier,
    VerifiedPrincipal,
    build_verifier,
    prefetch_signing_keys,
    signing_keys_ready,
)
from dynaguard.auth.jwks import JwksCache
from dynaguard.auth.remembered import RememberedTokens
from dynaguard.auth.testing import principal

from .conftest import JwksServer, bearer, make_devkit, public_jwk, tiny_app, wait_until
from .test_oidc import AUDIENCE, FakeClock, oidc_claims, oidc_settings, rs256

QUICK = 0.5
"""A generous upper bound for a request that must not wait on the issuer (which hangs 5 s)."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache(jwks_server: JwksServer, clock: FakeClock) -> Iterator[JwksCache]:
    keys = JwksCache(
        issuer=jwks_server.url,
        jwks_url=jwks_server.url + "/jwks",
        algorithms=["RS256", "ES256"],
        cache_seconds=300,
        cooldown_seconds=30,
        timeout_seconds=3.0,
        clock=clock,
    )
    yield keys
    jwks_server.stop()
    keys.close()


def verifier_over(cache: JwksCache, issuer: str) -> JwtVerifier:
    """A verifier that asks the key cache on every request: token memory is off here, since these
    tests repeat one token to exercise the key set's refreshes (test_remembered_tokens.py)."""
    return JwtVerifier(
        keys=cache,
        issuer=issuer,
        algorithms=frozenset({"RS256", "ES256"}),
        audience=AUDIENCE,
        remembered=RememberedTokens(max_entries=0),
    )


def timed(call: Any, *args: Any) -> tuple[float, Any]:
    started = time.monotonic()
    result = call(*args)
    return time.monotonic() - started, result


def get_me(client: TestClient, token: str) -> Response:
    return client.get("/me", headers=bearer(token))


def test_cached_kid_is_answered_while_the_issuer_hangs(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey, cache: JwksCache, clock: FakeClock
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    verifier = verifier_over(cache, jwks_server.url)
    client = TestClient(tiny_app(verifier))
    token = rs256(rsa_key, oidc_claims(jwks_server.url))
    assert client.get("/me", headers=bearer(token)).status_code == 200

    jwks_server.hang_seconds = 5.0
    clock.now += 301  # the cached set is now due for a refresh, which will hang
    for _ in range(3):
        elapsed, response = timed(get_me, client, token)
        assert response.status_code == 200
        assert elapsed < QUICK, f"a cached kid waited {elapsed:.2f} s on a hanging issuer"

    def verify_timed(_: int) -> tuple[float, VerifiedPrincipal]:
        return timed(verifier.verify, token)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(verify_timed, range(32)))
    assert max(elapsed for elapsed, _ in results) < QUICK
    assert jwks_server.hits["/jwks"] == 2, "one refresh in flight, not one per request"


def test_rotated_kid_waits_for_the_fetch_while_cached_kids_flow(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey, cache: JwksCache, clock: FakeClock
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    verifier = verifier_over(cache, jwks_server.url)
    client = TestClient(tiny_app(verifier))
    old = rs256(rsa_key, oidc_claims(jwks_server.url))
    assert client.get("/me", headers=bearer(old)).status_code == 200

    new_key = ec.generate_private_key(ec.SECP256R1())
    jwks_server.keys = [public_jwk(rsa_key, "k1"), public_jwk(new_key, "k2")]
    jwks_server.hang_seconds = 1.5
    clock.now += 301
    rotated = jwt.encode(oidc_claims(jwks_server.url), new_key, "ES256", headers={"kid": "k2"})
    outcome: dict[str, Any] = {}

    def rotated_request() -> None:
        outcome["rotated"] = timed(get_me, client, rotated)

    waiting = threading.Thread(target=rotated_request)
    waiting.start()
    assert wait_until(lambda: jwks_server.hits["/jwks"] == 2, 2.0), "the new kid starts a fetch"
    elapsed, response = timed(get_me, client, old)
    assert response.status_code == 200
    assert elapsed < QUICK, f"a cached kid waited {elapsed:.2f} s behind another's fetch"
    waiting.join(10)
    rotated_elapsed, rotated_response = outcome["rotated"]
    assert rotated_response.status_code == 200, "the new kid is found once the fetch ends"
    assert 1.0 < rotated_elapsed < 3.0
    assert jwks_server.hits["/jwks"] == 2


def test_unknown_kid_waits_only_the_fetch_budget(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    cache = JwksCache(
        issuer=jwks_server.url,
        jwks_url=jwks_server.url + "/jwks",
        algorithms=["RS256"],
        cache_seconds=300,
        cooldown_seconds=0,
        timeout_seconds=0.3,
    )
    client = TestClient(tiny_app(verifier_over(cache, jwks_server.url)))
    assert client.get(
        "/me", headers=bearer(rs256(rsa_key, oidc_claims(jwks_server.url)))
    ).is_success
    jwks_server.hang_seconds = 5.0
    unknown = rs256(rsa_key, oidc_claims(jwks_server.url), kid="k9")
    elapsed, response = timed(get_me, client, unknown)
    assert response.json() == {"detail": "unknown signing key"}
    assert elapsed < 2.0
    jwks_server.stop()
    cache.close()


def test_no_keys_yet_and_a_hanging_issuer_is_a_bounded_503(jwks_server: JwksServer) -> None:
    jwks_server.hang_seconds = 5.0
    cache = JwksCache(
        issuer=jwks_server.url,
        jwks_url=jwks_server.url + "/jwks",
        algorithms=["RS256"],
        cache_seconds=300,
        cooldown_seconds=30,
        timeout_seconds=0.3,
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = TestClient(tiny_app(verifier_over(cache, jwks_server.url)))
    token = rs256(key, oidc_claims(jwks_server.url))
    elapsed, response = timed(get_me, client, token)
    assert response.status_code == 503
    assert response.json() == {"detail": "signing keys are unavailable"}
    assert elapsed < 2.0
    jwks_server.stop()
    cache.close()


def test_prefetch_loads_keys_and_readiness_reports_them(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    verifier = build_verifier(oidc_settings(jwks_server))
    assert jwks_server.hits["/jwks"] == 0, "building a verifier does no I/O"
    assert prefetch_signing_keys(verifier, timeout_seconds=3.0) is True
    assert signing_keys_ready(verifier) is True
    client = TestClient(tiny_app(verifier))
    assert client.get(
        "/me", headers=bearer(rs256(rsa_key, oidc_claims(jwks_server.url)))
    ).is_success
    assert jwks_server.hits["/jwks"] == 1


def test_readiness_probe_alone_loads_the_keys(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    verifier = build_verifier(oidc_settings(jwks_server))
    assert signing_keys_ready(verifier) is False, "nothing fetched yet"
    assert wait_until(lambda: signing_keys_ready(verifier), 3.0)
    assert jwks_server.hits["/jwks"] == 1


def test_prefetch_against_a_down_or_hanging_issuer_is_bounded(
    jwks_server: JwksServer,
) -> None:
    jwks_server.status = 500
    verifier = build_verifier(oidc_settings(jwks_server))
    assert prefetch_signing_keys(verifier, timeout_seconds=3.0) is False
    assert signing_keys_ready(verifier) is False

    jwks_server.status = 200
    jwks_server.hang_seconds = 5.0
    hanging = build_verifier(oidc_settings(jwks_server))
    elapsed, ready = timed(prefetch_signing_keys, hanging, 0.3)
    assert ready is False
    assert elapsed < 1.0
    assert signing_keys_ready(hanging) is False


def test_fixed_keys_are_always_ready(tmp_path: Path) -> None:
    dev = make_devkit(tmp_path).issuer.verifier()
    assert signing_keys_ready(dev) is True
    assert prefetch_signing_keys(dev, timeout_seconds=0.1) is True

    class OwnVerifier:
        def verify(self, token: str) -> VerifiedPrincipal:
            return principal("a", "b")

    assert signing_keys_ready(OwnVerifier()) is True


def test_readiness_sees_a_cache_given_as_its_key_method(
    jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey, cache: JwksCache
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    verifier = JwtVerifier(
        keys=cache.key, issuer=jwks_server.url, algorithms=frozenset({"RS256"}), audience=AUDIENCE
    )
    assert signing_keys_ready(verifier) is False
    assert prefetch_signing_keys(verifier, timeout_seconds=3.0) is True
    assert signing_keys_ready(verifier) is True
