"""What a team grant gives, read from the item itself: its `grants` map holds one entry per team
(`team#<team_id>` -> {role, granted_at, generation}) beside the user grants, so the grant limit
counts both and deleting the item ends both. A team entry counts for a caller only while the
team exists with that generation and the caller's membership record carries it (`live_teams`)."""

from __future__ import annotations

from typing import Any

from dynaguard.store._engine import Condition
from dynaguard.store.access import EDITOR, ROLES
from dynaguard.store.codec import Wire
from dynaguard.store.keys import TEAM_GRANT_PREFIX, Owner, is_team_id, team_grant_name
from dynaguard.store.teams import Team
from dynaguard.store.visibility import GRANTS

RANK = {"org": 1, "viewer": 2, "editor": 3, "owner": 4}
"""`my_role` values from least to most: org visibility, viewer, editor, owner."""


def team_entries(attributes: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The item's team grants: team_id -> (role, generation)."""
    grants = attributes.get(GRANTS)
    if not isinstance(grants, dict):
        return {}
    entries: dict[str, tuple[str, str]] = {}
    for name, grant in grants.items():
        team_id = name[len(TEAM_GRANT_PREFIX) :]
        if (
            name.startswith(TEAM_GRANT_PREFIX)
            and is_team_id(team_id)
            and isinstance(grant, dict)
            and grant.get("role") in ROLES
        ):
            entries[team_id] = (str(grant["role"]), str(grant.get("generation")))
    return entries


def granting_teams(attributes: dict[str, Any], live: dict[str, Team]) -> dict[str, str]:
    """team_id -> role of the item's team grants that count for a caller whose live teams are
    `live`: the grant was made to the team as it exists now (same generation)."""
    return {
        team_id: role
        for team_id, (role, generation) in team_entries(attributes).items()
        if team_id in live and live[team_id].generation == generation
    }


def best_team_role(attributes: dict[str, Any], live: dict[str, Team]) -> tuple[str, str] | None:
    """The highest role a live team grant gives, and the (smallest) team id that gives it."""
    granting = granting_teams(attributes, live)
    if not granting:
        return None
    team_id = min(granting, key=lambda team: (-RANK[granting[team]], team))
    return granting[team_id], team_id


def team_editable_by(
    caller: Owner, owner_id: str, team_id: str, generation: str, version: int
) -> Condition:
    """The item is `owner_id`'s in the caller's org, still grants the team (this generation) the
    editor role, and is at `version` (the one the caller's read saw)."""
    values: Wire = {
        ":owner": {"S": owner_id},
        ":org": {"S": caller.org_id},
        ":editor": {"S": EDITOR},
        ":generation": {"S": generation},
        ":read_version": {"N": str(version)},
    }
    expression = (
        "attribute_exists(pk) AND owner_id = :owner AND org_id = :org"
        " AND #grants.#team.#role = :editor AND #grants.#team.#generation = :generation"
        " AND version = :read_version"
    )
    names = {
        "#grants": GRANTS,
        "#team": team_grant_name(team_id),
        "#role": "role",
        "#generation": "generation",
    }
    return Condition(expression, values, names)


def generation_is(generation: str) -> Condition:
    """A team or membership record that exists with this generation."""
    return Condition(
        "attribute_exists(pk) AND generation = :generation", {":generation": {"S": generation}}
    )
