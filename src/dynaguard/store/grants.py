"""The owner's side of sharing: grant a member of the owner's org a role on one item, list and
revoke grants. The grant lives ON the item (attribute `grants`, a map user_id -> {role,
granted_at}), so the condition of every shared write can re-state it inside DynamoDB; a small
index record in the grantee's own partition lets the grantee list what was shared with them.
The map entry is one single-item write and the index record follows it (`grant_map.py`): a
record left stale by a crash between them never grants anything, since every list re-reads the
items. A whole grant or revoke, failure path included, shares one deadline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic

from dynaguard.store._engine import ConditionFailed, Engine
from dynaguard.store.access import ROLES, first_grant_by, grantable_by, revocable_by
from dynaguard.store.codec import from_wire, to_wire
from dynaguard.store.deadline import store_deadline
from dynaguard.store.entity import EntityType, FieldsT, now_iso
from dynaguard.store.errors import InvalidGrant, NotFound, TooManyGrants
from dynaguard.store.grant_map import delete_index, put_index, remove_entry, set_entry
from dynaguard.store.keys import (
    TEAM_GRANT_PREFIX,
    Key,
    Owner,
    entity_key,
    grant_record_key,
    is_item_id,
    is_key_segment,
)
from dynaguard.store.visibility import GRANTS

GRANT_RECORD_KIND = "shared"


@dataclass(frozen=True)
class Grant:
    """One member's role on one item."""

    user_id: str
    role: str
    granted_at: str

    def as_dict(self) -> dict[str, str]:
        return {"user_id": self.user_id, "role": self.role, "granted_at": self.granted_at}


class OwnerGrants(Generic[FieldsT]):
    """Grant management for one owner's items of one entity type. Every key is built from the
    owner's principal, the item id and (for the grantee's index record) the grantee's id, all
    inside the owner's org."""

    def __init__(self, engine: Engine, owner: Owner, entity: EntityType[FieldsT]) -> None:
        if entity.sharing is None:
            raise ValueError(f"entity kind {entity.kind} does not declare sharing")
        self._engine = engine
        self._owner = owner
        self._entity = entity
        self._max = entity.sharing.max_grants

    @property
    def max_grants(self) -> int:
        return self._max

    def _key(self, item_id: str) -> Key:
        if not is_item_id(item_id):
            raise NotFound
        return entity_key(self._owner, self._entity.kind, item_id)

    def _grantee(self, key: Key, user_id: str) -> str:
        """`user_id` if it can be granted. A grant to oneself is a 422 on one's own item and the
        usual 404 on anyone else's: one consistent read of the caller's OWN key tells which."""
        if user_id == self._owner.sub:
            if self._engine.get_item(key.wire(), consistent=True) is None:
                raise NotFound
            raise InvalidGrant("you cannot grant yourself a role on your own item")
        if not is_key_segment(user_id):
            raise InvalidGrant("user_id is not a valid user id")
        return user_id

    def put(self, item_id: str, user_id: str, role: str) -> Grant:
        """Grant (or replace) `user_id`'s role: one conditional UpdateItem of the item's grant
        map (owned by the caller, in their org, under the grant limit), then the grantee's index
        record (`grant_map.py`)."""
        if role not in ROLES:
            raise InvalidGrant(f"role must be one of {sorted(ROLES)}")
        key = self._key(item_id)
        grantee = self._grantee(key, user_id)
        grant = Grant(grantee, role, now_iso())
        entry = {"role": role, "granted_at": grant.granted_at}
        with store_deadline():
            try:
                set_entry(
                    self._engine,
                    key,
                    GRANTS,
                    grantee,
                    entry,
                    grantable_by(self._owner, grantee, self._max),
                )
            except ConditionFailed:
                self._first_or_refused(key, grant)
            put_index(self._engine, self._index_record(item_id, grant))
        return grant

    def _index_record(self, item_id: str, grant: Grant) -> dict[str, Any]:
        record_key = grant_record_key(self._owner, grant.user_id, self._entity.kind, item_id)
        return {
            "pk": record_key.pk,
            "sk": record_key.sk,
            "kind": GRANT_RECORD_KIND,
            "org_id": self._owner.org_id,
            "owner_id": self._owner.sub,
            "item_id": item_id,
            "grantee_id": grant.user_id,
            "role": grant.role,
            "granted_at": grant.granted_at,
        }

    def _first_or_refused(self, key: Key, grant: Grant) -> None:
        """Failure path only: one consistent read of the owner's OWN key tells 404 from 409. An
        item stored before it had a grant map gets one, in one UpdateItem conditioned on the
        owner, the org and the map's absence."""
        item = self._engine.get_item(key.wire(), consistent=True)
        if item is None:
            raise NotFound
        attributes = from_wire(item)
        if attributes.get("owner_id") != self._owner.sub:
            raise NotFound
        grants = attributes.get(GRANTS)
        if grants is None:
            entries = {grant.user_id: {"role": grant.role, "granted_at": grant.granted_at}}
            try:
                self._engine.update_item(
                    key.wire(),
                    "SET #grants = :grants",
                    to_wire({":grants": entries}),
                    first_grant_by(self._owner),
                )
            except ConditionFailed:
                raise NotFound from None
            return
        if isinstance(grants, dict) and grant.user_id not in grants and len(grants) >= self._max:
            raise TooManyGrants(f"an item can be shared with at most {self._max} members")
        raise NotFound

    def list(self, item_id: str) -> list[Grant]:
        """The item's grants, by user id: one consistent GetItem of the owner's own key."""
        item = self._engine.get_item(self._key(item_id).wire(), consistent=True)
        if item is None:
            raise NotFound
        grants = from_wire(item).get(GRANTS) or {}
        return [
            Grant(user_id, str(grant.get("role")), str(grant.get("granted_at")))
            for user_id, grant in sorted(grants.items())
            if not user_id.startswith(TEAM_GRANT_PREFIX)  # a team's entry (team_grants.py)
        ]

    def revoke(self, item_id: str, user_id: str) -> None:
        """Remove `user_id`'s grant: one conditional UpdateItem of the item's grant map (owned by
        the caller, in their org, currently granting `user_id`), then the index record's delete.
        From the moment it answers, every condition and every read of the grantee sees no
        grant. A refused revoke still deletes the index record (a crash between the two writes
        of an earlier revoke may have left it; it is the caller's own record of this item)."""
        key = self._key(item_id)
        if user_id == self._owner.sub or not is_key_segment(user_id):
            raise NotFound
        record_key = grant_record_key(self._owner, user_id, self._entity.kind, item_id)
        with store_deadline():
            try:
                remove_entry(self._engine, key, GRANTS, user_id, revocable_by(self._owner, user_id))
            except ConditionFailed as failed:
                delete_index(self._engine, record_key)
                if failed.resent and self._revoked(key, user_id):
                    return  # the SDK resent our revoke, and its first attempt was applied
                raise NotFound from None
            delete_index(self._engine, record_key)

    def _revoked(self, key: Key, user_id: str) -> bool:
        """The owner's own item exists and grants `user_id` nothing (one consistent read)."""
        item = self._engine.get_item(key.wire(), consistent=True)
        if item is None:
            return False
        attributes = from_wire(item)
        grants = attributes.get(GRANTS)
        return (
            attributes.get("owner_id") == self._owner.sub
            and isinstance(grants, dict)
            and user_id not in grants
        )
