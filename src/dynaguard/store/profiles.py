"""Profiles: one record per principal at `ORG#<org>#USER#<sub>` / `PROFILE` (the seed's
`/profiles/me`). The application declares the profile's fields; identity comes from the token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic

from dynaguard.store._engine import ConditionFailed, Engine
from dynaguard.store.codec import from_wire, model_values, to_wire
from dynaguard.store.conditions import absent_or_owned_by, owned_by
from dynaguard.store.entity import RESERVED_ATTRIBUTES, FieldsT, now_iso
from dynaguard.store.errors import NotFound
from dynaguard.store.keys import Key, Owner, is_key_segment, member_profile_key, profile_key


@dataclass(frozen=True)
class ProfileRecord(Generic[FieldsT]):
    """A stored profile: the application's fields plus the identity the store maintains."""

    user_id: str
    org_id: str
    created_at: str
    updated_at: str
    fields: FieldsT

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "org_id": self.org_id,
            **self.fields.model_dump(mode="json"),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class Profiles(Generic[FieldsT]):
    """Profile operations for one principal: their own, or (admins) a member of their own org."""

    def __init__(self, engine: Engine, owner: Owner, fields: type[FieldsT]) -> None:
        clash = RESERVED_ATTRIBUTES & set(fields.model_fields) | {"user_id"} & set(
            fields.model_fields
        )
        if clash:
            raise ValueError(f"{fields.__name__} declares reserved attributes {sorted(clash)}")
        self._engine = engine
        self._owner = owner
        self._fields = fields

    def get_own(self) -> ProfileRecord[FieldsT]:
        return self._get(profile_key(self._owner))

    def get_member(self, user_id: str) -> ProfileRecord[FieldsT]:
        """The caller's own profile, or an org member's if the caller is an admin; else NotFound."""
        if user_id == self._owner.sub:
            return self.get_own()
        if not self._owner.is_admin or not is_key_segment(user_id):
            raise NotFound
        return self._get(member_profile_key(self._owner, user_id))

    def _get(self, key: Key) -> ProfileRecord[FieldsT]:
        item = self._engine.get_item(key.wire())
        if item is None:
            raise NotFound
        return self._record(from_wire(item))

    def _record(self, attributes: dict[str, Any]) -> ProfileRecord[FieldsT]:
        values = {
            name: attributes[name] for name in self._fields.model_fields if name in attributes
        }
        return ProfileRecord(
            user_id=attributes["user_id"],
            org_id=attributes["org_id"],
            created_at=attributes["created_at"],
            updated_at=attributes["updated_at"],
            fields=self._fields.model_validate(values),
        )

    def put_own(self, fields: FieldsT) -> ProfileRecord[FieldsT]:
        """Create or replace the caller's profile in one PutItem that re-states identity."""
        key = profile_key(self._owner)
        stamp = now_iso()
        attributes = {
            **model_values(fields),
            "pk": key.pk,
            "sk": key.sk,
            "kind": "PROFILE",
            "user_id": self._owner.sub,
            "owner_id": self._owner.sub,
            "org_id": self._owner.org_id,
            "created_at": stamp,
            "updated_at": stamp,
        }
        try:
            previous = self._engine.put_item(
                to_wire(attributes), absent_or_owned_by(self._owner), return_old=True
            )
        except ConditionFailed:
            raise NotFound from None
        if previous is not None:
            attributes["created_at"] = from_wire(previous)["created_at"]
        return self._record(attributes)

    def delete_own(self) -> None:
        """One conditional DeleteItem; a resent delete that finds the profile gone succeeded."""
        key = profile_key(self._owner).wire()
        try:
            self._engine.delete_item(key, owned_by(self._owner))
        except ConditionFailed as failed:
            if not failed.resent or self._engine.get_item(key, consistent=True) is not None:
                raise NotFound from None
