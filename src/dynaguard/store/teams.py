"""Teams inside an organization: an org admin creates teams and adds members; members read their
own teams. Membership is stored (the admin is the authority), never read from token claims.

Every security-relevant fact is one item, written by one single-item request (durable on every
engine, unlike a transaction on DynamoDB Local):

- the team record `ORG#<org>#TEAMS` / `TEAM#<team_id>` carries a random `generation`; deleting the
  team is one DeleteItem of it, and every check compares generations, so a team re-created with
  the same id inherits neither the old members nor the old grants;
- the membership record lives in the member's own partition (`team#<team_id>`) and carries the
  team's generation; removing a member is one DeleteItem of it;
- the team's own partition indexes its members (written before, removed after, the membership)
  and the items shared with it; lists re-check every index entry against the records above."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dynaguard.store._engine import Condition, ConditionFailed, Engine
from dynaguard.store.codec import Wire, from_wire, to_wire
from dynaguard.store.entity import now_iso
from dynaguard.store.errors import InvalidRequest, NotFound
from dynaguard.store.keys import (
    MEMBER_PREFIX,
    TEAM_GRANT_PREFIX,
    Key,
    Owner,
    fellow_membership_key,
    is_key_segment,
    is_team_id,
    member_membership_key,
    membership_key,
    owner_partition,
    team_index_partition,
    team_key,
    team_member_index_key,
    teams_partition,
)

MAX_TEAM_NAME = 200
_BATCH_TEAMS = 50
"""Teams resolved per BatchGetItem: a team record and a membership record each, 100 keys."""


@dataclass(frozen=True)
class Team:
    """A team of one org."""

    team_id: str
    org_id: str
    name: str
    created_at: str
    generation: str

    def as_dict(self) -> dict[str, str]:
        return {
            "team_id": self.team_id,
            "org_id": self.org_id,
            "name": self.name,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Membership:
    """One member of one team."""

    team_id: str
    user_id: str
    added_at: str

    def as_dict(self) -> dict[str, str]:
        return {"team_id": self.team_id, "user_id": self.user_id, "added_at": self.added_at}


def _team_from(attributes: dict[str, Any]) -> Team:
    return Team(
        team_id=str(attributes["team_id"]),
        org_id=str(attributes["org_id"]),
        name=str(attributes["name"]),
        created_at=str(attributes["created_at"]),
        generation=str(attributes["generation"]),
    )


def _generation_is(generation: str) -> Condition:
    return Condition(
        "attribute_exists(pk) AND generation = :generation", {":generation": {"S": generation}}
    )


def find_team(engine: Engine, caller: Owner, team_id: str) -> Team:
    """The team `team_id` of the caller's own org (one consistent GetItem), or NotFound."""
    if not is_team_id(team_id):
        raise NotFound
    item = engine.get_item(team_key(caller, team_id).wire(), consistent=True)
    if item is None:
        raise NotFound
    return _team_from(from_wire(item))


def live_teams(engine: Engine, caller: Owner, team_ids: Iterable[str]) -> dict[str, Team]:
    """Of `team_ids`, the teams of the caller's org the caller is a member of right now: the team
    record exists and the caller's membership record carries its generation. Consistent
    BatchGetItems of both records (one per 50 teams), so a removal or deletion that has answered
    is seen at once."""
    wanted = sorted({team_id for team_id in team_ids if is_team_id(team_id)})
    live: dict[str, Team] = {}
    for start in range(0, len(wanted), _BATCH_TEAMS):
        chunk = wanted[start : start + _BATCH_TEAMS]
        keys = [team_key(caller, team_id) for team_id in chunk]
        keys += [membership_key(caller, team_id) for team_id in chunk]
        found = [
            from_wire(item)
            for item in engine.batch_get_item([k.wire() for k in keys], consistent=True)
        ]
        teams = {
            str(item["team_id"]): _team_from(item)
            for item in found
            if item.get("kind") == "team" and item.get("org_id") == caller.org_id
        }
        for item in found:
            team = teams.get(str(item.get("team_id")))
            if (
                item.get("kind") == "membership"
                and item.get("user_id") == caller.sub
                and team is not None
                and item.get("generation") == team.generation
            ):
                live[team.team_id] = team
    return live


class MyTeams:
    """What any member may see of teams: their own teams, and the members of a team they are in
    (an admin of the org sees the members of any team of it)."""

    def __init__(self, engine: Engine, caller: Owner) -> None:
        self._engine = engine
        self._caller = caller

    def my_team_ids(self) -> list[str]:
        """The team ids of the caller's membership records (one consistent Query of the
        caller's own partition); `live_teams` tells which of them still count."""
        ids: list[str] = []
        start: Wire | None = None
        while True:
            page = self._engine.query(
                "pk = :pk AND begins_with(sk, :prefix)",
                {
                    ":pk": {"S": owner_partition(self._caller)},
                    ":prefix": {"S": TEAM_GRANT_PREFIX},
                },
                start=start,
                projection="team_id",
                consistent=True,
            )
            ids += [str(from_wire(item).get("team_id")) for item in page.items]
            if page.last_key is None:
                return ids
            start = page.last_key

    def mine(self) -> list[Team]:
        """The caller's teams in the caller's org, by team id: a Query of the caller's own
        partition and a BatchGetItem of the teams and memberships."""
        live = live_teams(self._engine, self._caller, self.my_team_ids())
        return [live[team_id] for team_id in sorted(live)]

    def members(self, team_id: str) -> list[Membership]:
        """The members of `team_id`, for an admin of its org or a member of it; NotFound for
        everyone else (and for a team that does not exist)."""
        if self._caller.is_admin:
            team = find_team(self._engine, self._caller, team_id)
        else:
            if not is_team_id(team_id):
                raise NotFound
            found = live_teams(self._engine, self._caller, [team_id])
            if team_id not in found:
                raise NotFound
            team = found[team_id]
        return _members(self._engine, self._caller, team)


def _members(engine: Engine, caller: Owner, team: Team) -> list[Membership]:
    """The team's member index (one consistent Query per page), each entry confirmed by the
    member's own membership record (one consistent BatchGetItem per 100 entries)."""
    entries: list[dict[str, Any]] = []
    start: Wire | None = None
    while True:
        page = engine.query(
            "pk = :pk AND begins_with(sk, :prefix)",
            {
                ":pk": {"S": team_index_partition(caller, team.team_id)},
                ":prefix": {"S": MEMBER_PREFIX},
            },
            start=start,
            consistent=True,
        )
        entries += [from_wire(item) for item in page.items]
        if page.last_key is None:
            break
        start = page.last_key
    users = sorted(
        str(entry["user_id"])
        for entry in entries
        if entry.get("generation") == team.generation and is_key_segment(str(entry.get("user_id")))
    )
    members: list[Membership] = []
    for first in range(0, len(users), 100):
        keys = [
            fellow_membership_key(caller, team.team_id, user).wire()
            for user in users[first : first + 100]
        ]
        for record in engine.batch_get_item(keys, consistent=True):
            attributes = from_wire(record)
            if attributes.get("generation") == team.generation:
                user_id, added_at = str(attributes["user_id"]), str(attributes["added_at"])
                members.append(Membership(team.team_id, user_id, added_at))
    return sorted(members, key=lambda member: member.user_id)


class TeamDirectory:
    """An org admin's management of the teams of their own org (PermissionError for anyone
    else; the FastAPI dependency answers 403 first)."""

    def __init__(self, engine: Engine, admin: Owner) -> None:
        if not admin.is_admin:
            raise PermissionError("managing teams needs an org admin")
        self._engine = engine
        self._admin = admin

    def put(self, team_id: str, name: str) -> tuple[Team, bool]:
        """Create the team (True) or rename it (False). A create is one conditional PutItem; a
        rename one conditional UpdateItem that keeps the team's generation."""
        if not is_team_id(team_id):
            raise InvalidRequest("team_id must match [a-z0-9][a-z0-9-]{0,62}")
        if not name or len(name) > MAX_TEAM_NAME:
            raise InvalidRequest(f"name must have 1 to {MAX_TEAM_NAME} characters")
        key = team_key(self._admin, team_id)
        for _ in range(3):
            team = Team(team_id, self._admin.org_id, name, now_iso(), secrets.token_hex(16))
            item = {"pk": key.pk, "sk": key.sk, "kind": "team", **team.as_dict()}
            item["generation"] = team.generation
            try:
                self._engine.put_item(to_wire(item), "attribute_not_exists(pk)")
                return team, True
            except ConditionFailed as failed:
                if failed.resent and self._created_by_us(key, team):
                    return team, True
            try:
                renamed = self._engine.update_item(
                    key.wire(),
                    "SET #name = :name",
                    to_wire({":name": name}),
                    Condition("attribute_exists(pk)", {}),
                    {"#name": "name"},
                )
                return _team_from(from_wire(renamed)), False
            except ConditionFailed:
                continue  # deleted between the two requests: create it again
        raise NotFound  # pragma: no cover - three deletions racing one PUT

    def _created_by_us(self, key: Key, team: Team) -> bool:
        """After a refused create that the SDK had sent more than once (failure path only): one
        consistent read tells whether the record is the one our first attempt wrote."""
        found = self._engine.get_item(key.wire(), consistent=True)
        return found is not None and from_wire(found).get("generation") == team.generation

    def all(self) -> list[Team]:
        """The teams of the admin's org, by team id (one consistent Query per 1 MB page)."""
        teams: list[Team] = []
        start: Wire | None = None
        while True:
            page = self._engine.query(
                "pk = :pk",
                {":pk": {"S": teams_partition(self._admin)}},
                start=start,
                consistent=True,
            )
            teams += [_team_from(from_wire(item)) for item in page.items]
            if page.last_key is None:
                return teams
            start = page.last_key

    def delete(self, team_id: str) -> None:
        """One conditional DeleteItem of the team record: from the moment it answers, every
        membership and team grant of the team stops counting (they carry its generation).
        Membership records and index entries stay behind, inert; re-creating the team gives it
        a new generation, so they never come back to life."""
        if not is_team_id(team_id):
            raise NotFound
        try:
            self._engine.delete_item(
                team_key(self._admin, team_id).wire(), Condition("attribute_exists(pk)", {})
            )
        except ConditionFailed as failed:
            if not failed.resent:
                raise NotFound from None

    def add_member(self, team_id: str, user_id: str) -> Membership:
        """Add `user_id` (a member of the admin's org) to the team: a consistent read of the
        team, then two PutItems: the team's index entry first, the membership record (which
        every check reads) last."""
        team = find_team(self._engine, self._admin, team_id)
        if not is_key_segment(user_id):
            raise InvalidRequest("user_id is not a valid user id")
        membership = Membership(team_id, user_id, now_iso())
        index = team_member_index_key(self._admin, team_id, user_id)
        record = member_membership_key(self._admin, team_id, user_id)
        common = {**membership.as_dict(), "org_id": self._admin.org_id}
        common["generation"] = team.generation
        self._engine.put_item(
            to_wire({"pk": index.pk, "sk": index.sk, "kind": "team_member", **common}),
            None,
        )
        self._engine.put_item(
            to_wire({"pk": record.pk, "sk": record.sk, "kind": "membership", **common}),
            None,
        )
        return membership

    def remove_member(self, team_id: str, user_id: str) -> None:
        """Remove `user_id` from the team: one conditional DeleteItem of their membership record
        (the one every check reads), then the index entry. NotFound if they are not a member."""
        team = find_team(self._engine, self._admin, team_id)
        if not is_key_segment(user_id):
            raise NotFound
        record = member_membership_key(self._admin, team_id, user_id)
        try:
            self._engine.delete_item(record.wire(), _generation_is(team.generation))
        except ConditionFailed as failed:
            if not failed.resent or self._engine.get_item(record.wire(), consistent=True):
                raise NotFound from None
        self._engine.delete_item(
            team_member_index_key(self._admin, team_id, user_id).wire(),
            None,
        )

    def members(self, team_id: str) -> list[Membership]:
        return _members(self._engine, self._admin, find_team(self._engine, self._admin, team_id))
