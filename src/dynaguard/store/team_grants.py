"""The owner's side of sharing with a team of their org: grant a team a role on one item, list
and revoke team grants. The grant is an entry of the item's own `grants` map (see
`team_access.py`), written and removed by one conditional UpdateItem of the item: a single-item
write, durable on every engine. An index entry in the team's partition (written before the grant,
removed after the revoke) lets members list what was shared with their teams; lists re-read the
items, so a leftover entry shows nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic

from dynaguard.store._engine import ConditionFailed, Engine
from dynaguard.store.access import ROLES, first_grant_by, grantable_by, revocable_by
from dynaguard.store.codec import from_wire, to_wire
from dynaguard.store.entity import EntityType, FieldsT, now_iso
from dynaguard.store.errors import InvalidGrant, NotFound, StoreError, TooManyGrants
from dynaguard.store.keys import (
    Key,
    Owner,
    entity_key,
    is_item_id,
    is_team_id,
    team_grant_name,
    team_share_key,
)
from dynaguard.store.team_access import team_entries
from dynaguard.store.teams import Team, find_team
from dynaguard.store.visibility import GRANTS

TEAM_SHARE_KIND = "team_shared"


@dataclass(frozen=True)
class TeamGrant:
    """One team's role on one item."""

    team_id: str
    role: str
    granted_at: str

    def as_dict(self) -> dict[str, str]:
        return {"team_id": self.team_id, "role": self.role, "granted_at": self.granted_at}


class TeamGrants(Generic[FieldsT]):
    """Team grant management for one owner's items of one entity type; every key is built from
    the owner's principal, in the owner's org."""

    def __init__(self, engine: Engine, owner: Owner, entity: EntityType[FieldsT]) -> None:
        if entity.sharing is None:
            raise ValueError(f"entity kind {entity.kind} does not declare sharing")
        self._engine = engine
        self._owner = owner
        self._entity = entity
        self._max = entity.sharing.max_grants

    def _key(self, item_id: str) -> Key:
        if not is_item_id(item_id):
            raise NotFound
        return entity_key(self._owner, self._entity.kind, item_id)

    def put(self, item_id: str, team_id: str, role: str) -> TeamGrant:
        """Grant (or replace) the team's role: a consistent read of the team (NotFound unless it
        is a team of the owner's org), the team's index entry, then one UpdateItem of the item
        conditioned on the owner, the org and the grant limit (user and team grants together)."""
        if role not in ROLES:
            raise InvalidGrant(f"role must be one of {sorted(ROLES)}")
        key = self._key(item_id)
        team = find_team(self._engine, self._owner, team_id)
        grant = TeamGrant(team_id, role, now_iso())
        index = team_share_key(self._owner, team_id, self._entity.kind, item_id)
        entry = {
            "pk": index.pk,
            "sk": index.sk,
            "kind": TEAM_SHARE_KIND,
            "org_id": self._owner.org_id,
            "owner_id": self._owner.sub,
            "item_id": item_id,
            "team_id": team_id,
        }
        self._engine.put_item(to_wire(entry), None)
        value = {"role": role, "granted_at": grant.granted_at, "generation": team.generation}
        name = team_grant_name(team_id)
        try:
            self._engine.update_item(
                key.wire(),
                "SET #grants.#grantee = :grant",
                to_wire({":grant": value}),
                grantable_by(self._owner, name, self._max),
            )
        except ConditionFailed:
            try:
                self._refused(key, team, value)
            except StoreError:
                self._engine.delete_item(index.wire(), None)  # nothing was granted
                raise
        return grant

    def _refused(self, key: Key, team: Team, value: dict[str, str]) -> None:
        """Failure path only: one consistent read of the owner's own key tells 404 from 409; an
        item stored before it had a grant map gets one, conditioned on the map's absence."""
        item = self._engine.get_item(key.wire(), consistent=True)
        attributes = from_wire(item) if item is not None else {}
        if attributes.get("owner_id") != self._owner.sub:
            raise NotFound
        grants = attributes.get(GRANTS)
        name = team_grant_name(team.team_id)
        if grants is None:
            try:
                self._engine.update_item(
                    key.wire(),
                    "SET #grants = :grants",
                    to_wire({":grants": {name: value}}),
                    first_grant_by(self._owner),
                )
            except ConditionFailed:
                raise NotFound from None
            return
        if isinstance(grants, dict) and name not in grants and len(grants) >= self._max:
            raise TooManyGrants(
                f"an item can be shared with at most {self._max} members and teams together"
            )
        raise NotFound

    def list(self, item_id: str) -> list[TeamGrant]:
        """The item's team grants, by team id: one consistent GetItem of the owner's own key."""
        item = self._engine.get_item(self._key(item_id).wire(), consistent=True)
        if item is None:
            raise NotFound
        attributes = from_wire(item)
        grants = attributes.get(GRANTS) or {}
        return [
            TeamGrant(team_id, role, str(grants[team_grant_name(team_id)].get("granted_at")))
            for team_id, (role, _) in sorted(team_entries(attributes).items())
        ]

    def revoke(self, item_id: str, team_id: str) -> None:
        """Remove the team's grant: one UpdateItem of the item conditioned on the owner, the org
        and the grant's presence (from its answer on, no member reads or writes through it),
        then the team's index entry."""
        key = self._key(item_id)
        if not is_team_id(team_id):
            raise NotFound
        name = team_grant_name(team_id)
        try:
            self._engine.update_item(
                key.wire(), "REMOVE #grants.#grantee", {}, revocable_by(self._owner, name)
            )
        except ConditionFailed as failed:
            if not failed.resent:
                raise NotFound from None
        index = team_share_key(self._owner, team_id, self._entity.kind, item_id)
        self._engine.delete_item(index.wire(), None)
