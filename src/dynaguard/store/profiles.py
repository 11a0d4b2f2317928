"""Profiles: one per principal at `ORG#<org>#USER#<sub>` / `PROFILE` (the seed's `/profiles/me`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from dynaguard.store._engine import ConditionFailed, Engine
from dynaguard.store.codec import check_storable, from_wire, to_wire
from dynaguard.store.entity import now_iso
from dynaguard.store.errors import NotFound
from dynaguard.store.keys import Key, Owner, is_key_segment, member_profile_key, profile_key


class ProfileFields(BaseModel):
    """What a caller may set on their own profile; identity comes from the token."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)

    @field_validator("display_name")
    @classmethod
    def _storable(cls, value: str) -> str:
        check_storable(value)
        return value


class Profile(BaseModel):
    """A stored profile as returned to callers."""

    user_id: str
    org_id: str
    email: str
    display_name: str
    created_at: str
    updated_at: str


def _profile(attributes: dict[str, Any]) -> Profile:
    return Profile.model_validate(attributes)


class Profiles:
    """Profile operations for one principal: their own, or (admins) a member of their own org."""

    def __init__(self, engine: Engine, owner: Owner) -> None:
        self._engine = engine
        self._owner = owner

    def get_own(self) -> Profile:
        return self._get(profile_key(self._owner))

    def get_member(self, user_id: str) -> Profile:
        """The caller's own profile, or an org member's if the caller is an admin; else NotFound."""
        if user_id == self._owner.sub:
            return self.get_own()
        if not self._owner.is_admin or not is_key_segment(user_id):
            raise NotFound
        return self._get(member_profile_key(self._owner, user_id))

    def _get(self, key: Key) -> Profile:
        item = self._engine.call("get_item", Key=key.wire()).get("Item")
        if item is None:
            raise NotFound
        return _profile(from_wire(item))

    def put_own(self, fields: ProfileFields) -> Profile:
        """Create or replace the caller's profile in one PutItem that re-states identity."""
        key = profile_key(self._owner)
        stamp = now_iso()
        attributes = {
            **fields.model_dump(mode="json"),
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
            response = self._put(attributes)
        except ConditionFailed:
            raise NotFound from None
        previous = response.get("Attributes")
        if previous is not None:
            attributes["created_at"] = from_wire(previous)["created_at"]
        return _profile(attributes)

    def _put(self, attributes: dict[str, Any]) -> dict[str, Any]:
        return self._engine.call(
            "put_item",
            Item=to_wire(attributes),
            ConditionExpression="attribute_not_exists(pk) OR (owner_id = :owner AND org_id = :org)",
            ExpressionAttributeValues={
                ":owner": {"S": self._owner.sub},
                ":org": {"S": self._owner.org_id},
            },
            ReturnValues="ALL_OLD",
        )

    def delete_own(self) -> None:
        try:
            self._engine.call(
                "delete_item",
                Key=profile_key(self._owner).wire(),
                ConditionExpression="attribute_exists(pk) AND owner_id = :owner AND org_id = :org",
                ExpressionAttributeValues={
                    ":owner": {"S": self._owner.sub},
                    ":org": {"S": self._owner.org_id},
                },
            )
        except ConditionFailed:
            raise NotFound from None
