"""The local-mode token issuer: an ES256 key kept in the data directory, readable by its owner only.

It exists so the service can be exercised with real signed tokens and no identity provider; the
served app in local mode trusts exactly this key, issuer and audience."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import stat
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt import PyJWK

from dynaguard.auth.claims import valid_key_segment
from dynaguard.auth.errors import AuthenticationError
from dynaguard.auth.jwks import KeyMap, find_key
from dynaguard.auth.verifier import JwtVerifier
from dynaguard.config import Settings
from dynaguard.errors import DynaguardError

KEY_FILE_NAME: Final = "dev-signing-key.pem"
DEV_ALGORITHM: Final = "ES256"
MAX_TTL_SECONDS: Final = 7 * 24 * 3600


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The RFC 7638 required members of a P-256 public key, in lexicographic order."""
    numbers = public_key.public_numbers()
    return {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url) of the required members: a stable, derived kid."""
    canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode("ascii")
    return _b64url(hashlib.sha256(canonical).digest())


class DevIssuer:
    """Signs development tokens; `verifier()` accepts exactly what `issue()` produces."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, settings: Settings) -> None:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise DynaguardError("the dev signing key must be an EC P-256 key")
        self._private_key = private_key
        self._settings = settings
        public = _public_jwk(private_key.public_key())
        self.kid = jwk_thumbprint(public)
        self._public_jwk: dict[str, str] = {**public, "kid": self.kid, "alg": DEV_ALGORITHM}
        self._public_jwk["use"] = "sig"
        self._verification_key = PyJWK(dict(self._public_jwk), algorithm=DEV_ALGORITHM)

    @classmethod
    def key_path(cls, settings: Settings) -> Path:
        """Where the signing key lives: `<data_dir>/dev-signing-key.pem`."""
        return settings.data_dir / KEY_FILE_NAME

    @classmethod
    def load_or_create(cls, settings: Settings) -> DevIssuer:
        """Load the key, creating it atomically (mode 0600, never overwriting) on first use."""
        path = cls.key_path(settings)
        if not path.exists():
            _create_key_file(path)
        return cls(_load_key_file(path), settings)

    def issue(
        self, sub: str, org_id: str, roles: Iterable[str] = (), ttl_seconds: int = 3600
    ) -> str:
        """A signed token for `sub` in `org_id`; refuses values the verifier would reject."""
        if not valid_key_segment(sub):
            raise ValueError("sub must match the allowed key characters")
        if not valid_key_segment(org_id):
            raise ValueError("org_id must match the allowed key characters")
        if not 1 <= ttl_seconds <= MAX_TTL_SECONDS:
            raise ValueError(f"ttl must be between 1 and {MAX_TTL_SECONDS} seconds")
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self._settings.dev_issuer,
            "aud": self._settings.dev_audience,
            "sub": sub,
            self._settings.claim_sub: sub,
            self._settings.claim_org: org_id,
            self._settings.claim_roles: sorted(set(roles)),
            "iat": now,
            "nbf": now,
            "exp": now + ttl_seconds,
            "jti": secrets.token_urlsafe(12),
        }
        return jwt.encode(
            claims, self._private_key, algorithm=DEV_ALGORITHM, headers={"kid": self.kid}
        )

    def jwks(self) -> dict[str, Any]:
        """The public key set (one key), as a JWKS document an OIDC verifier could consume."""
        return {"keys": [dict(self._public_jwk)]}

    def verifier(self) -> JwtVerifier:
        """A verifier trusting exactly this key, with `dev_issuer` and `dev_audience`."""
        keys: KeyMap = {(self.kid, DEV_ALGORITHM): self._verification_key}

        def _key(kid: str | None, alg: str) -> PyJWK:
            found = find_key(keys, kid, alg)
            if found is None:
                raise AuthenticationError("unknown signing key")
            return found

        return JwtVerifier(
            keys=_key,
            issuer=self._settings.dev_issuer,
            algorithms=frozenset({DEV_ALGORITHM}),
            audience=self._settings.dev_audience,
            leeway_seconds=self._settings.jwt_leeway_seconds,
            claim_sub=self._settings.claim_sub,
            claim_org=self._settings.claim_org,
            claim_roles=self._settings.claim_roles,
        )


def _create_key_file(path: Path) -> None:
    """Write a new key to a private temporary file, then hard-link it into place; if another
    process got there first, its key wins and ours is discarded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    except OSError as error:
        raise DynaguardError(f"cannot create the dev signing key {path}: {error}") from None
    finally:
        temporary.unlink(missing_ok=True)


def _load_key_file(path: Path) -> ec.EllipticCurvePrivateKey:
    """Read the key, refusing one that group or others could read (as ssh does)."""
    try:
        mode = path.stat().st_mode
        if stat.S_IMODE(mode) & 0o077:
            raise DynaguardError(f"{path} is accessible by other users; run: chmod 600 {path}")
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as error:
        raise DynaguardError(f"cannot read the dev signing key {path}: {error}") from None
    except ValueError:
        raise DynaguardError(f"{path} is not a valid key; delete it to create a new one") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise DynaguardError(f"{path} is not an EC key; delete it to create a new one")
    return key
