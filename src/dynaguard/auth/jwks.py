"""Signing keys of an OIDC issuer, fetched once and parsed once, refreshed on a budget.

An unknown `kid` may trigger at most one fetch per cooldown period, so forged key ids cannot turn
into a flood of requests to the issuer; a failed refresh keeps serving the keys already known."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from dynaguard.auth.errors import AuthenticationError, KeySetUnavailable

logger = logging.getLogger("dynaguard.auth")

ASYMMETRIC_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_EC_CURVE_ALGORITHM: Final = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_MAX_DOCUMENT_BYTES: Final = 512 * 1024

KeyMap = Mapping[tuple[str | None, str], PyJWK]
"""Parsed public keys by (`kid`, algorithm): one PyJWK per algorithm the key may verify."""


def _algorithms_for(jwk: Mapping[str, Any], allowed: frozenset[str]) -> set[str]:
    """The allowed algorithms this key type can verify (the JWK's own `alg` narrows it further)."""
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "RSA":
        fits = {alg for alg in allowed if alg[:2] in {"RS", "PS"}}
    elif kty == "EC" and isinstance(crv, str) and crv in _EC_CURVE_ALGORITHM:
        fits = {_EC_CURVE_ALGORITHM[crv]} & allowed
    elif kty == "OKP" and crv == "Ed25519":
        fits = {"EdDSA"} & allowed
    else:
        fits = set()
    declared = jwk.get("alg")
    return fits & {declared} if isinstance(declared, str) else fits


def parse_key_set(document: object, allowed: Iterable[str]) -> dict[tuple[str | None, str], PyJWK]:
    """Parse a JWKS document into verification keys; private, symmetric or odd keys are skipped."""
    allowed_set = frozenset(allowed) & ASYMMETRIC_ALGORITHMS
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK set")
    keys: dict[tuple[str | None, str], PyJWK] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, Mapping) or "d" in jwk or jwk.get("use", "sig") != "sig":
            continue
        kid = jwk.get("kid")
        if kid is not None and not isinstance(kid, str):
            continue
        for alg in _algorithms_for(jwk, allowed_set):
            try:
                keys[(kid, alg)] = PyJWK(dict(jwk), algorithm=alg)
            except (PyJWKError, ValueError, TypeError):
                logger.warning("skipping unusable key %r in the JWK set", kid)
    return keys


def find_key(keys: KeyMap, kid: str | None, alg: str) -> PyJWK | None:
    """The key for (`kid`, `alg`); a token without `kid` matches only an unambiguous key."""
    if kid is not None:
        return keys.get((kid, alg))
    candidates = [key for (_, key_alg), key in keys.items() if key_alg == alg]
    return candidates[0] if len(candidates) == 1 else None


@dataclass(frozen=True, slots=True)
class _State:
    """What the cache holds, swapped as one object so lock-free readers see a consistent view."""

    keys: KeyMap | None
    fetched_at: float


def discovery_url(issuer: str) -> str:
    """Where an OIDC issuer publishes its metadata (OpenID Connect Discovery 1.0, section 4)."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


class JwksCache:
    """Thread-safe cache of one issuer's parsed keys, with discovery when no JWKS URL is given.

    Fetches run in a background thread, one at a time (single flight), so no request ever waits
    on the issuer for a key it already has: a stale key set is served while it is refreshed
    behind the request. Only a request whose `kid` is unknown (or that finds no keys at all)
    waits for the fetch, and at most `2 * timeout_seconds`. It is a `KeySource` (callable)."""

    def __init__(
        self,
        *,
        issuer: str,
        jwks_url: str | None,
        algorithms: Iterable[str],
        cache_seconds: float,
        cooldown_seconds: float,
        timeout_seconds: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuer = issuer
        self._jwks_url = jwks_url
        self._algorithms = frozenset(algorithms)
        self._cache_seconds = cache_seconds
        self._cooldown_seconds = cooldown_seconds
        # Discovery and the key set are two requests, each bounded by the HTTP timeout.
        self._wait_seconds = 2 * timeout_seconds
        self._clock = clock
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds, connect=min(2.0, timeout_seconds)),
            follow_redirects=False,
            headers={"Accept": "application/json"},
        )
        self._lock = threading.Lock()  # guards the two fields below; never held during I/O
        self._in_flight: threading.Event | None = None
        self._last_attempt: float | None = None
        self._state = _State(keys=None, fetched_at=0.0)

    def __call__(self, kid: str | None, alg: str) -> PyJWK:
        return self.key(kid, alg)

    def key(self, kid: str | None, alg: str) -> PyJWK:
        """The verification key for a token header; a known `kid` never waits on the issuer."""
        state = self._state
        if state.keys is not None:
            found = find_key(state.keys, kid, alg)
            if found is not None:
                if self._clock() - state.fetched_at >= self._cache_seconds:
                    self._start_fetch()
                return found
        done = self._start_fetch()
        if done is not None:
            done.wait(self._wait_seconds)
        keys = self._state.keys
        if keys is None:
            raise KeySetUnavailable("signing keys are unavailable")
        found = find_key(keys, kid, alg)
        if found is None:
            raise AuthenticationError("unknown signing key")
        return found

    def ready(self) -> bool:
        """True once a key set is loaded. While none is, asking starts a fetch (within the
        cooldown), so a readiness probe alone brings an instance up even if start-up failed."""
        if self._state.keys is not None:
            return True
        self._start_fetch()
        return False

    def prefetch(self, timeout_seconds: float) -> bool:
        """Fetch now (or join the fetch in flight), wait at most `timeout_seconds`; `ready()`."""
        done = self._start_fetch()
        if done is not None:
            done.wait(timeout_seconds)
        return self._state.keys is not None

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._http.close()

    def _start_fetch(self) -> threading.Event | None:
        """The fetch in flight, or a new one if the cooldown allows; None when it does not.
        An unknown `kid` therefore costs at most one fetch per cooldown period."""
        with self._lock:
            if self._in_flight is not None:
                return self._in_flight
            now = self._clock()
            if self._last_attempt is not None and now - self._last_attempt < self._cooldown_seconds:
                return None
            self._last_attempt = now
            done = self._in_flight = threading.Event()
        threading.Thread(
            target=self._fetch, args=(done,), name="dynaguard-jwks-fetch", daemon=True
        ).start()
        return done

    def _fetch(self, done: threading.Event) -> None:
        """Fetch and parse the key set; a failure keeps the keys already known."""
        try:
            keys = parse_key_set(self._get_json(self._resolve_jwks_url()), self._algorithms)
            if not keys:
                raise ValueError("no usable signing keys")
            self._state = _State(keys=keys, fetched_at=self._clock())
        except Exception as error:  # a background thread: nobody else could report it
            reason = f"{type(error).__name__}: {error}"
            logger.warning("JWK set refresh failed, keeping cached keys: %s", reason)
        finally:
            with self._lock:
                self._in_flight = None
            done.set()

    def _resolve_jwks_url(self) -> str:
        """The configured JWKS URL, or the `jwks_uri` of the issuer's discovery document."""
        if self._jwks_url is None:
            metadata = self._get_json(discovery_url(self._issuer))
            if not isinstance(metadata, Mapping) or not isinstance(metadata.get("jwks_uri"), str):
                raise ValueError("discovery document has no jwks_uri")
            if metadata.get("issuer") != self._issuer:
                raise ValueError("discovery document names a different issuer")
            self._jwks_url = metadata["jwks_uri"]
        return self._jwks_url

    def _get_json(self, url: str) -> object:
        """GET a small JSON document; a redirect, an error status or an oversized body fails."""
        with self._http.stream("GET", url) as response:
            response.raise_for_status()
            if response.status_code != 200:
                raise ValueError(f"unexpected status {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > _MAX_DOCUMENT_BYTES:
                    raise ValueError("document too large")
        return json.loads(bytes(body))
