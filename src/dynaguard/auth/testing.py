"""For tests only: a principal without a token, for exercising the store directly.

The name says what it is; `dynaguard lint` flags a call of it in route code, and an application
never needs it (its routes get principals from `dynaguard.fastapi.Principal`)."""

from __future__ import annotations

from collections.abc import Iterable

from dynaguard.auth.principal import VerifiedPrincipal, mint


def principal(sub: str, org_id: str, roles: Iterable[str] = ()) -> VerifiedPrincipal:
    """A principal with these claims, as if a token carrying them had been verified. Unlike the
    verifier it does not check the values: tests use it to prove that the key schema refuses a
    hostile segment on its own."""
    return mint(sub, org_id, frozenset(roles))
