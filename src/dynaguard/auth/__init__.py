"""Who is calling: JWT verification, the JWKS cache, the dev issuer and the FastAPI dependencies.

Route code asks for `Principal` or `AdminPrincipal`; keys are built from what those hold. Names
load on first use, so `dynaguard.auth.claims` (the key-segment rule the store shares) can be
imported without pulling in FastAPI."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dynaguard.auth.claims import KEY_SEGMENT_PATTERN, valid_key_segment
    from dynaguard.auth.dependencies import (
        AdminPrincipal,
        Principal,
        current_principal,
        require_admin,
    )
    from dynaguard.auth.dev_issuer import DevIssuer
    from dynaguard.auth.errors import AuthenticationError, KeySetUnavailable
    from dynaguard.auth.factory import build_verifier
    from dynaguard.auth.principal import VerifiedPrincipal
    from dynaguard.auth.verifier import JwtVerifier, TokenVerifier

_HOMES = {
    "KEY_SEGMENT_PATTERN": "claims",
    "valid_key_segment": "claims",
    "AdminPrincipal": "dependencies",
    "Principal": "dependencies",
    "current_principal": "dependencies",
    "require_admin": "dependencies",
    "DevIssuer": "dev_issuer",
    "AuthenticationError": "errors",
    "KeySetUnavailable": "errors",
    "build_verifier": "factory",
    "VerifiedPrincipal": "principal",
    "JwtVerifier": "verifier",
    "TokenVerifier": "verifier",
}

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
    "require_admin",
    "valid_key_segment",
]


def __getattr__(name: str) -> Any:
    """Import the public name's module on first access (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"dynaguard.auth.{home}"), name)
    globals()[name] = value
    return value
