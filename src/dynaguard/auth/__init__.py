"""Who is calling: JWT verification, the JWKS cache, the dev issuer and the FastAPI dependencies.

Route code asks for `Principal` or `AdminPrincipal`; keys are built from what those hold."""

from dynaguard.auth.claims import KEY_SEGMENT_PATTERN, valid_key_segment
from dynaguard.auth.dependencies import (
    AdminPrincipal,
    Principal,
    current_principal,
    require_admin,
)
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
    "AdminPrincipal",
    "AuthenticationError",
    "DevIssuer",
    "JwtVerifier",
    "KeySetUnavailable",
    "Principal",
    "TokenVerifier",
    "VerifiedPrincipal",
    "build_verifier",
    "current_principal",
    "describe_trust",
    "prefetch_signing_keys",
    "require_admin",
    "signing_keys_ready",
    "uses_dev_issuer",
    "valid_key_segment",
]
