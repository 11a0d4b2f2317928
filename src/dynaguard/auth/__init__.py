"""Who is calling: JWT verification, the JWKS cache and the dev issuer. Framework-free (it
imports neither FastAPI nor Typer): the FastAPI dependencies `Principal` and `AdminPrincipal`
live in `dynaguard.fastapi`, the `dynaguard token` command in the CLI. A `VerifiedPrincipal` is
made by a verifier only (tests: `dynaguard.auth.testing.principal`)."""

from dynaguard.auth.claims import KEY_SEGMENT_PATTERN, valid_key_segment
from dynaguard.auth.dev_issuer import DevIssuer
from dynaguard.auth.errors import AuthenticationError, KeySetUnavailable
from dynaguard.auth.factory import build_verifier, describe_trust, uses_dev_issuer
from dynaguard.auth.principal import VerifiedPrincipal
from dynaguard.auth.verifier import (
    JwtVerifier,
    TokenVerifier,
    prefetch_signing_keys,
    signing_keys_ready,
)

__all__ = [
    "KEY_SEGMENT_PATTERN",
    "AuthenticationError",
    "DevIssuer",
    "JwtVerifier",
    "KeySetUnavailable",
    "TokenVerifier",
    "VerifiedPrincipal",
    "build_verifier",
    "describe_trust",
    "prefetch_signing_keys",
    "signing_keys_ready",
    "uses_dev_issuer",
    "valid_key_segment",
]
