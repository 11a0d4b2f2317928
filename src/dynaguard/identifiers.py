"""The character rule for anything that becomes one segment of a DynamoDB key (`sub`, `org_id`,
an admin's `owner_id` filter). Shared by auth (which refuses such tokens) and the key schema
(which refuses such keys), so the two can never disagree."""

from __future__ import annotations

import re
from typing import Final

KEY_SEGMENT_PATTERN: Final = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.@:+|-]{0,127}")
"""ASCII letters, digits and `_ . @ : + | -`; not starting with `.`, `@`, `:`, `+`, `|`; 1-128
characters. Covers Cognito and Keycloak UUIDs, Auth0 `auth0|...`, Entra ids and e-mail-like ids.
Never `#` (the key delimiter), whitespace, control characters or non-ASCII."""


def valid_key_segment(value: object) -> bool:
    """True when `value` is a string that may be used verbatim as one part of a DynamoDB key."""
    return isinstance(value, str) and KEY_SEGMENT_PATTERN.fullmatch(value) is not None
