"""Token verification: one explicit policy (issuer, audience, algorithm allow-list, leeway)
applied to a key source, yielding a `VerifiedPrincipal` or an `AuthenticationError`, only."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import jwt
from jwt import PyJWK

from dynaguard.auth.claims import principal_from_claims
from dynaguard.auth.errors import AuthenticationError
from dynaguard.auth.jwks import ASYMMETRIC_ALGORITHMS, JwksCache
from dynaguard.auth.principal import VerifiedPrincipal
from dynaguard.auth.remembered import RememberedTokens

MAX_TOKEN_BYTES: Final = 8 * 1024
TOKEN_USES: Final = frozenset({"access", "id"})
_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]+")

KeySource = Callable[[str | None, str], PyJWK]
"""Returns the verification key for a header's (`kid`, `alg`) or raises `AuthenticationError`."""

_JWT_REASONS: Final[list[tuple[type[jwt.PyJWTError], str]]] = [
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.exceptions.InvalidSubjectError, "subject must be a string"),
    (jwt.DecodeError, "malformed token"),
]


class TokenVerifier(Protocol):
    """Anything that turns a bearer token into a principal; `app.state.token_verifier` holds one."""

    def verify(self, token: str) -> VerifiedPrincipal:
        """Return the caller, or raise `AuthenticationError` with a safe reason."""
        ...


@dataclass(frozen=True, slots=True)
class JwtVerifier:
    """Verifies signed JWTs against one issuer. Algorithms come from configuration only; the
    header's `alg` merely selects among them. Keys arrive pre-parsed from `keys`."""

    keys: KeySource
    issuer: str
    algorithms: frozenset[str]
    audience: str | None = None
    client_id: str | None = None
    token_use: str | None = None
    leeway_seconds: int = 30
    claim_sub: str = "sub"
    claim_org: str = "org_id"
    claim_roles: str = "roles"
    remembered: RememberedTokens = field(default_factory=RememberedTokens, compare=False)
    """Tokens verified lately (`remembered.py`): a repeated token skips the signature check."""
    _options: dict[str, Any] = field(init=False, repr=False, compare=False)
    _expected_use: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.algorithms:
            raise ValueError("at least one algorithm must be allowed")
        if self.audience is None and self.client_id is None:
            raise ValueError("an audience or a client id must be checked")
        if self.token_use is not None and self.token_use not in TOKEN_USES:
            raise ValueError("token_use must be access or id")
        options = {"require": ["exp", "iss"], "verify_aud": self.audience is not None}
        object.__setattr__(self, "_options", options)
        # A client id without a stated token use means access tokens: an ID token (meant for the
        # client, `aud` = client id) must never authorize calls to the API.
        expected = self.token_use or ("access" if self.client_id is not None else None)
        object.__setattr__(self, "_expected_use", expected)

    def remembered_principal(self, token: str) -> VerifiedPrincipal | None:
        """The principal of a token this verifier accepted lately and that is still current;
        never blocks (no key fetch, no signature check). None: call `verify`."""
        return self.remembered.get(token)

    def verify(self, token: str) -> VerifiedPrincipal:
        """Check size, header, key, signature and registered claims, then build the principal."""
        known = self.remembered.get(token)
        if known is not None:
            return known
        if len(token) > MAX_TOKEN_BYTES:
            raise AuthenticationError("token too large")
        try:
            header = _unverified_header(token)
            alg = header.get("alg")
            if not isinstance(alg, str) or alg not in self.algorithms:
                raise AuthenticationError("algorithm not allowed")
            kid = header.get("kid")
            if kid is not None and not isinstance(kid, str):
                raise AuthenticationError("malformed token")
            claims = jwt.decode(
                token,
                self.keys(kid, alg),
                algorithms=[alg],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway_seconds,
                options=self._options,  # type: ignore[arg-type]
            )
        except AuthenticationError:
            raise
        except jwt.MissingRequiredClaimError as error:
            raise AuthenticationError(f"token lacks the {error.claim} claim") from None
        except jwt.PyJWTError as error:
            raise AuthenticationError(_reason(error)) from None
        except (ValueError, TypeError, KeyError, ArithmeticError, RecursionError):
            # PyJWT parses the payload itself: a hostile one must not escape as a 500.
            raise AuthenticationError("malformed token") from None
        self._check_client(claims)
        principal = principal_from_claims(
            claims,
            claim_sub=self.claim_sub,
            claim_org=self.claim_org,
            claim_roles=self.claim_roles,
        )
        self.remembered.put(token, principal, float(claims["exp"]))
        return principal

    def keys_ready(self) -> bool:
        """Whether verification keys are loaded: always for fixed keys (the dev issuer); for an
        OIDC key set once fetched (asking starts a fetch if none is loaded)."""
        cache = _cache_of(self.keys)
        return cache is None or cache.ready()

    def prefetch_keys(self, timeout_seconds: float) -> bool:
        """Fetch an OIDC key set now, waiting at most `timeout_seconds`; `keys_ready()` after."""
        cache = _cache_of(self.keys)
        return cache is None or cache.prefetch(timeout_seconds)

    def close(self) -> None:
        """At shutdown: release the OIDC key cache's HTTP connections (nothing for fixed keys)."""
        cache = _cache_of(self.keys)
        if cache is not None:
            cache.close()

    def _check_client(self, claims: dict[str, Any]) -> None:
        """Cognito access tokens name their app client in `client_id` (no `aud`), ID tokens in
        `aud`; `token_use` says which one a token is. Each kind is checked only its own way, so
        an ID token cannot pass as an access token, nor the other way round."""
        if self._expected_use is not None and claims.get("token_use") != self._expected_use:
            raise AuthenticationError("wrong token use")
        if self.client_id is None:
            return
        if self._expected_use == "id":
            aud = claims.get("aud")
            audiences = [aud] if isinstance(aud, str) else aud
            if not isinstance(audiences, list) or self.client_id not in audiences:
                raise AuthenticationError("wrong client")
        elif claims.get("client_id") != self.client_id:
            raise AuthenticationError("wrong client")


def _cache_of(keys: KeySource) -> JwksCache | None:
    """The OIDC key cache behind a key source, given as the cache or its bound `key` method."""
    owner = getattr(keys, "__self__", keys)
    return owner if isinstance(owner, JwksCache) else None


def signing_keys_ready(verifier: TokenVerifier) -> bool:
    """For a readiness probe: False while an OIDC verifier has no signing keys yet, True for the
    dev issuer and for verifiers that are not a `JwtVerifier` (they manage their own keys)."""
    return not isinstance(verifier, JwtVerifier) or verifier.keys_ready()


def prefetch_signing_keys(verifier: TokenVerifier, timeout_seconds: float = 5.0) -> bool:
    """At start-up: load the OIDC signing keys before the first request needs them, waiting at
    most `timeout_seconds` (a hanging issuer delays start-up by that much, no more). Returns
    `signing_keys_ready(verifier)`; on False the fetch is retried by requests and probes."""
    return not isinstance(verifier, JwtVerifier) or verifier.prefetch_keys(timeout_seconds)


def _unverified_header(token: str) -> dict[str, Any]:
    """Only the header, to pick the key; PyJWT then checks the whole token. Parsing it here
    instead of `jwt.get_unverified_header` avoids decoding the token twice per request."""
    segments = token.split(".")
    if len(segments) != 3 or not _BASE64URL.fullmatch(segments[0]):
        raise AuthenticationError("malformed token")
    try:
        raw = base64.urlsafe_b64decode(segments[0] + "=" * (-len(segments[0]) % 4))
        header = json.loads(raw)
    except (ValueError, RecursionError):
        # json raises RecursionError, not ValueError, for deep nesting such as `[[[[...`:
        # it is input like any other malformed header, so it gets the same 401.
        raise AuthenticationError("malformed token") from None
    if not isinstance(header, dict):
        raise AuthenticationError("malformed token")
    return header


def _reason(error: jwt.PyJWTError) -> str:
    """A fixed phrase for a PyJWT failure; its own message may quote token content."""
    for kind, reason in _JWT_REASONS:
        if isinstance(error, kind):
            return reason
    return "invalid token"


def allowed_algorithms(names: Iterable[str]) -> frozenset[str]:
    """Validate a configured allow-list: asymmetric algorithms only, never `none` or HS*."""
    chosen = frozenset(names)
    unknown = sorted(chosen - ASYMMETRIC_ALGORITHMS)
    if unknown:
        raise ValueError(
            f"unsupported JWT algorithm(s) {', '.join(unknown)}; "
            f"choose from {', '.join(sorted(ASYMMETRIC_ALGORITHMS))}"
        )
    if not chosen:
        raise ValueError("at least one JWT algorithm must be allowed")
    return chosen
