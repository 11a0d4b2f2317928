"""The service's wire models. Request models forbid unknown fields, so ownership attributes
(`owner_id`, `org_id`, `pk`, `sk`, `version`) can never be set by a client."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from dynaguard.store import EntityType, Sharing, Visibility, check_storable

MAX_DATA_BYTES = 16 * 1024


def _bounded(data: dict[str, Any]) -> dict[str, Any]:
    # a Decimal (an exact request number) counts as its digits plus two quotes: a bound, not less
    if len(json.dumps(data, separators=(",", ":"), default=str).encode()) > MAX_DATA_BYTES:
        raise ValueError(f"data must serialise to at most {MAX_DATA_BYTES} bytes of JSON")
    check_storable(data)
    return data


def _storable_text(text: str) -> str:
    check_storable(text)
    return text


class ItemFields(BaseModel):
    """The fields of an org item that its owner controls."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict)
    visibility: Visibility = "private"

    _check_data = field_validator("data")(_bounded)
    _check_name = field_validator("name")(_storable_text)


class SharedItemPatch(BaseModel):
    """An editor's partial update of an item shared with them: name and data only (visibility and
    grants stay the owner's; sending them is a 422). No field may be null."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    data: dict[str, Any] | None = None

    @field_validator("name", "data", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be omitted but not null")
        return value

    @field_validator("data")
    @classmethod
    def _bounded_data(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else _bounded(value)

    @field_validator("name")
    @classmethod
    def _storable_name(cls, value: str | None) -> str | None:
        return None if value is None else _storable_text(value)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ItemPatch(SharedItemPatch):
    """The owner's partial update: also the item's visibility."""

    visibility: Visibility | None = None

    @field_validator("visibility", mode="before")
    @classmethod
    def _visibility_not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be omitted but not null")
        return value


class Item(BaseModel):
    """An org item as returned to callers."""

    item_id: str
    org_id: str
    owner_id: str
    name: str
    data: dict[str, Any]
    visibility: Visibility
    version: int
    created_at: str
    updated_at: str


class ItemPage(BaseModel):
    items: list[Item]
    next_cursor: str | None


class SharedItem(Item):
    """An item as seen through sharing, with the caller's role on it (the highest of the direct
    grant, the caller's team grants and org visibility) and the team whose grant decided it."""

    my_role: Literal["owner", "editor", "viewer", "org"]
    via_team: str | None


class SharedItemPage(BaseModel):
    items: list[SharedItem]
    next_cursor: str | None


class GrantRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["viewer", "editor"]


class GrantOut(BaseModel):
    user_id: str
    role: Literal["viewer", "editor"]
    granted_at: str


class TeamGrantOut(BaseModel):
    team_id: str
    role: Literal["viewer", "editor"]
    granted_at: str


class GrantList(BaseModel):
    grants: list[GrantOut]
    team_grants: list[TeamGrantOut]


class TeamRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)

    _check_name = field_validator("name")(_storable_text)


class TeamOut(BaseModel):
    team_id: str
    org_id: str
    name: str
    created_at: str


class TeamList(BaseModel):
    teams: list[TeamOut]


class MemberOut(BaseModel):
    team_id: str
    user_id: str
    added_at: str


class MemberList(BaseModel):
    members: list[MemberOut]


MAX_GRANTS = 50
"""The documented maximum of grants per item, user and team grants together (409 beyond it)."""

ITEMS = EntityType(
    kind="ITEM",
    fields=ItemFields,
    sharing=Sharing(max_grants=MAX_GRANTS, org_visibility=True),
)


class ProfileFields(BaseModel):
    """What a caller may set on their own profile; identity comes from the token."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)

    _check_name = field_validator("display_name")(_storable_text)


class Profile(BaseModel):
    """A stored profile as returned to callers."""

    user_id: str
    org_id: str
    email: str
    display_name: str
    created_at: str
    updated_at: str
