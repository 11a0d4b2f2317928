"""Who is calling, as established by a verified token: the only source of DynamoDB key owners.

Only the verifier (`claims.principal_from_claims`) and the test helper `dynaguard.auth.testing`
make one. Direct construction needs a private token: mypy reports the missing argument, and at
run time `VerifiedPrincipal(...)` raises, so route code cannot name another owner by building a
principal from request data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

ADMIN_ROLE = "admin"


class _Minting:
    """The type of the one private construction token; nothing outside this package holds one."""

    __slots__ = ()


_MINTING: Final = _Minting()


@dataclass(frozen=True, slots=True)
class VerifiedPrincipal:
    """A caller whose token passed signature, issuer, audience, expiry and claim checks.

    `sub` and `org_id` already satisfy `valid_key_segment`, so they may become key parts as is."""

    sub: str
    org_id: str
    roles: frozenset[str]
    _minting: _Minting = field(repr=False, compare=False, kw_only=True)

    def __post_init__(self) -> None:
        if self._minting is not _MINTING:
            raise TypeError(
                "a VerifiedPrincipal comes from a verified token only "
                "(tests: dynaguard.auth.testing.principal)"
            )

    @property
    def is_admin(self) -> bool:
        """Admin of `org_id` only: the role never reaches across tenants."""
        return ADMIN_ROLE in self.roles

    @property
    def label(self) -> str:
        """`org/sub`, the form audit lines use."""
        return f"{self.org_id}/{self.sub}"


def mint(sub: str, org_id: str, roles: frozenset[str]) -> VerifiedPrincipal:
    """For the verifier and the test helper only: a principal from already-checked values."""
    return VerifiedPrincipal(sub, org_id, roles, _minting=_MINTING)
