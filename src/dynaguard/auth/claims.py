"""Turning verified claims into a principal, with the character rule that makes them key-safe.

`sub` and `org_id` end up inside DynamoDB keys such as `ORG#<org>#USER#<sub>`, so they must never
contain the `#` separator, whitespace, control characters or anything else unusual."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from dynaguard.auth.errors import AuthenticationError
from dynaguard.auth.principal import VerifiedPrincipal, mint
from dynaguard.identifiers import KEY_SEGMENT_PATTERN as KEY_SEGMENT_PATTERN
from dynaguard.identifiers import valid_key_segment as valid_key_segment

_ROLE_PATTERN: Final = re.compile(r"[A-Za-z0-9_.@:+|/-]{1,128}")


def claim_value(claims: Mapping[str, Any], name: str) -> Any:
    """The claim called `name`; a dotted name (`realm_access.roles`) walks nested objects when no
    top-level claim has that exact name (Auth0's namespaced URLs contain dots too)."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def parse_roles(raw: object) -> frozenset[str]:
    """Roles from a JSON list of strings or a space-separated string; absent means no roles.

    Identity providers put every group of a user in this claim, including names no service could
    use ("Org Admin"), so a name outside `_ROLE_PATTERN` is dropped rather than refusing the user;
    only a claim of the wrong type is malformed. The 8 KiB token limit bounds how many there are."""
    if raw is None:
        return frozenset()
    if isinstance(raw, str):
        return frozenset(item for item in raw.split() if _ROLE_PATTERN.fullmatch(item))
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise AuthenticationError(
            "roles claim must be a list of strings or a space-separated string"
        )
    return frozenset(item for item in raw if _ROLE_PATTERN.fullmatch(item))


def principal_from_claims(
    claims: Mapping[str, Any], *, claim_sub: str, claim_org: str, claim_roles: str
) -> VerifiedPrincipal:
    """Build the principal from already-verified claims, rejecting anything not key-safe."""
    sub = claim_value(claims, claim_sub)
    org_id = claim_value(claims, claim_org)
    if sub is None or sub == "":
        raise AuthenticationError("token has no subject")
    if org_id is None or org_id == "":
        raise AuthenticationError("token has no organization")
    if not valid_key_segment(sub):
        raise AuthenticationError("subject contains characters that are not allowed")
    if not valid_key_segment(org_id):
        raise AuthenticationError("organization contains characters that are not allowed")
    roles = parse_roles(claim_value(claims, claim_roles))
    return mint(sub, org_id, roles)
