"""Who is calling, as established by a verified token: the only source of DynamoDB key owners."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN_ROLE = "admin"


@dataclass(frozen=True, slots=True)
class VerifiedPrincipal:
    """A caller whose token passed signature, issuer, audience, expiry and claim checks.

    `sub` and `org_id` already satisfy `valid_key_segment`, so they may become key parts as is."""

    sub: str
    org_id: str
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        """Admin of `org_id` only: the role never reaches across tenants."""
        return ADMIN_ROLE in self.roles

    @property
    def label(self) -> str:
        """`org/sub`, the form audit lines use."""
        return f"{self.org_id}/{self.sub}"
