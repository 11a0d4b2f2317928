"""The key schema: the only module that builds DynamoDB keys.

Partitions come from the principal (`ORG#<org>#USER#<sub>`); the client can only contribute an item
id, which must be a server-generated UUIDv7. Every segment is checked here again, so no input can
carry the `#` delimiter into a key and move it into another partition."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from dynaguard.auth.principal import VerifiedPrincipal
from dynaguard.identifiers import valid_key_segment
from dynaguard.store.codec import Wire

_ITEM_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_KIND = re.compile(r"[A-Z][A-Z0-9_]{0,31}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_RESERVED_KINDS = frozenset({"PROFILE", "IDEMPOTENCY"})
_TEAM_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


Owner: TypeAlias = VerifiedPrincipal
"""Whose keys a view builds: a verified principal, never a structural stand-in. Only a verifier
(or `dynaguard.auth.testing`) makes one, so no route can hand the store an owner it made up."""


def is_key_segment(value: str) -> bool:
    """True if `value` may be an org or user segment of a key: no delimiter, no control chars."""
    return valid_key_segment(value)


def is_item_id(value: str) -> bool:
    """True if `value` is shaped like an id this server generated (lowercase UUIDv7)."""
    return _ITEM_ID.fullmatch(value) is not None


def _segment(value: str) -> str:
    if not is_key_segment(value):
        raise ValueError("not a valid key segment")
    return value


def check_kind(kind: str) -> str:
    """An entity kind is a sort-key prefix: upper-case, no delimiter."""
    if _KIND.fullmatch(kind) is None or kind in _RESERVED_KINDS:
        raise ValueError(
            f"entity kind {kind!r} must match {_KIND.pattern} and not be one of "
            f"{sorted(_RESERVED_KINDS)}"
        )
    return kind


@dataclass(frozen=True, slots=True)
class Key:
    """A primary key in the dynaguard table."""

    pk: str
    sk: str

    def wire(self) -> Wire:
        return {"pk": {"S": self.pk}, "sk": {"S": self.sk}}


def owner_partition(owner: Owner) -> str:
    """The caller's own partition: everything they own lives here."""
    return f"ORG#{_segment(owner.org_id)}#USER#{_segment(owner.sub)}"


def member_partition(admin: Owner, member_sub: str) -> str:
    """A member's partition inside the admin's own org (the org always comes from the token)."""
    if not admin.is_admin:
        raise PermissionError("only an org admin may address another member's partition")
    return f"ORG#{_segment(admin.org_id)}#USER#{_segment(member_sub)}"


def tenant_partition(owner: Owner) -> str:
    """The org-wide GSI partition of the caller's own org."""
    return f"ORG#{_segment(owner.org_id)}"


def profile_key(owner: Owner) -> Key:
    return Key(owner_partition(owner), "PROFILE")


def member_profile_key(admin: Owner, member_sub: str) -> Key:
    """A member's profile in the admin's own org (raises PermissionError for a non-admin)."""
    return Key(member_partition(admin, member_sub), "PROFILE")


def entity_prefix(kind: str) -> str:
    """The sort-key prefix of every entity of `kind`, for `begins_with` in a Query."""
    return f"{check_kind(kind)}#"


def _item_id(item_id: str) -> str:
    if not is_item_id(item_id):
        raise ValueError("not an item id")
    return item_id


def entity_sort_key(kind: str, item_id: str) -> str:
    return f"{entity_prefix(kind)}{_item_id(item_id)}"


def entity_key(owner: Owner, kind: str, item_id: str) -> Key:
    return Key(owner_partition(owner), entity_sort_key(kind, item_id))


def idempotency_key(owner: Owner, kind: str, digest: str) -> Key:
    """The record of a create made with an Idempotency-Key, in the caller's own partition (so
    keys of different callers never meet). `digest` is the SHA-256 of the client's key, hex, so
    no client text reaches a key."""
    if _DIGEST.fullmatch(digest) is None:
        raise ValueError("not a SHA-256 hex digest")
    return Key(owner_partition(owner), f"IDEMPOTENCY#{check_kind(kind)}#{digest}")


def shared_item_key(caller: Owner, owner_id: str, kind: str, item_id: str) -> Key:
    """An item of `owner_id` inside the CALLER's own org (the org always comes from the token).

    Whether the caller may read or write it is decided by DynamoDB (the item's own grant map), not
    by this key: the key only guarantees that no input leaves the caller's org."""
    return Key(
        f"ORG#{_segment(caller.org_id)}#USER#{_segment(owner_id)}",
        entity_sort_key(kind, item_id),
    )


SHARED_PREFIX = "shared#"
"""Sort-key prefix of grant records. Lower case, so no entity kind (upper case) can ever collide."""


def grant_record_key(owner: Owner, grantee_id: str, kind: str, item_id: str) -> Key:
    """The per-grantee index record of a grant: in the GRANTEE's partition of the owner's org, so
    a grantee lists what was shared with them by one Query on their own partition."""
    if grantee_id == owner.sub:
        raise ValueError("an owner cannot be their own grantee")
    return _grant_record(owner.org_id, owner.sub, grantee_id, kind, item_id)


def grant_records_of(stored: Mapping[str, Any], kind: str, grantees: Iterable[str]) -> list[Key]:
    """The index records of the grant map's entries on a stored item (as read back, e.g. the old
    image of a delete): keys from the item's own org, owner and id, for cleaning them up. A user
    grant's record is in the grantee's partition, a team grant's (`team#<id>`) in the team's."""
    org_id, owner_id, item_id = stored["org_id"], stored["owner_id"], stored["item_id"]
    return [
        _team_share_record(org_id, owner_id, grantee.removeprefix(TEAM_GRANT_PREFIX), kind, item_id)
        if grantee.startswith(TEAM_GRANT_PREFIX)
        else _grant_record(org_id, owner_id, grantee, kind, item_id)
        for grantee in grantees
        if grantee != owner_id
    ]


def _grant_record(org_id: str, owner_id: str, grantee_id: str, kind: str, item_id: str) -> Key:
    return Key(
        f"ORG#{_segment(org_id)}#USER#{_segment(grantee_id)}",
        f"{shared_prefix(kind)}{_segment(owner_id)}#{_item_id(item_id)}",
    )


def shared_prefix(kind: str) -> str:
    """The sort-key prefix of the caller's grant records for one entity kind."""
    return f"{SHARED_PREFIX}{entity_prefix(kind)}"


def visible_partition(owner: Owner) -> str:
    """The sparse `gsi2` partition of the org-visible items of the caller's own org."""
    return f"ORG#{_segment(owner.org_id)}#VISIBLE"


# --- teams ------------------------------------------------------------------------------------
# A team lives in its org's team partition; the authoritative membership record lives in the
# MEMBER's own partition (one item, so adding or removing it is one single-item write); the team's
# partition holds an index of its members and of the items shared with it, which every list
# re-checks against the authoritative records. Every org segment comes from the principal.

TEAM_GRANT_PREFIX = "team#"
"""Prefix of a team's entry in an item's `grants` map (and of membership sort keys). A user id
can never contain `#`, so a team entry never collides with a user's grant."""


def is_team_id(value: str) -> bool:
    """True if `value` may name a team: lower-case letters, digits and `-`, 1-63 characters."""
    return _TEAM_ID.fullmatch(value) is not None


def _team_id(team_id: str) -> str:
    if not is_team_id(team_id):
        raise ValueError("not a team id")
    return team_id


def teams_partition(owner: Owner) -> str:
    """Where the teams of the caller's own org are listed."""
    return f"ORG#{_segment(owner.org_id)}#TEAMS"


def team_key(owner: Owner, team_id: str) -> Key:
    """The team record of `team_id` in the caller's own org."""
    return Key(teams_partition(owner), f"TEAM#{_team_id(team_id)}")


def team_grant_name(team_id: str) -> str:
    """The name of a team's entry in an item's grant map."""
    return f"{TEAM_GRANT_PREFIX}{_team_id(team_id)}"


def membership_key(caller: Owner, team_id: str) -> Key:
    """The caller's own membership record of `team_id` (in the caller's partition)."""
    return Key(owner_partition(caller), team_grant_name(team_id))


def member_membership_key(admin: Owner, team_id: str, member_sub: str) -> Key:
    """A member's membership record, written by an admin of the same org (PermissionError
    otherwise)."""
    return Key(member_partition(admin, member_sub), team_grant_name(team_id))


def fellow_membership_key(caller: Owner, team_id: str, member_sub: str) -> Key:
    """`member_sub`'s membership record of `team_id` in the CALLER's own org, read (never
    written) to confirm a team's member list."""
    return Key(
        f"ORG#{_segment(caller.org_id)}#USER#{_segment(member_sub)}", team_grant_name(team_id)
    )


def team_index_partition(owner: Owner, team_id: str) -> str:
    """The partition indexing a team's members and the items shared with it."""
    return f"ORG#{_segment(owner.org_id)}#TEAM#{_team_id(team_id)}"


MEMBER_PREFIX = "MEMBER#"


def team_member_index_key(admin: Owner, team_id: str, member_sub: str) -> Key:
    """A team's index entry for one member (written by an admin of the same org)."""
    if not admin.is_admin:
        raise PermissionError("only an org admin may change a team's members")
    return Key(team_index_partition(admin, team_id), f"{MEMBER_PREFIX}{_segment(member_sub)}")


def team_share_key(owner: Owner, team_id: str, kind: str, item_id: str) -> Key:
    """A team's index entry for one of `owner`'s items shared with it."""
    return _team_share_record(owner.org_id, owner.sub, team_id, kind, item_id)


def _team_share_record(org_id: str, owner_id: str, team_id: str, kind: str, item_id: str) -> Key:
    return Key(
        f"ORG#{_segment(org_id)}#TEAM#{_team_id(team_id)}",
        f"{shared_prefix(kind)}{_segment(owner_id)}#{_item_id(item_id)}",
    )


class _UUID7:
    """UUIDv7 ids: 48-bit millisecond time, then a per-process counter, then 62 random bits.

    Lexicographic order is creation order within a process, and ids are unguessable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0

    def __call__(self) -> str:
        with self._lock:
            now = time.time_ns() // 1_000_000
            if now <= self._last_ms:
                self._counter += 1
                if self._counter > 0xFFF:
                    self._last_ms += 1
                    self._counter = 0
                now = self._last_ms
            else:
                self._counter = 0
            self._last_ms = now
            counter = self._counter
        tail = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        value = (now << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | tail
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


new_item_id = _UUID7()
