"""Every team route and every shared route x every kind of caller, through HTTP against the app on
DynamoDB Local.

Org acme: Carol is its admin. Team `red` has Mia (a member) and had Rex (removed); team `blue`
has Bea (a member of another team); team `gone` had Gil and was deleted after Alice granted it.
Alice owns `plans` (red: editor, gone: editor) and `memo` (red: viewer). Org globex has its own
team `red` with Otto (the same team id in another org) and its admin Olga. Then Alice herself, an
anonymous caller and a forged token (right claims, signed by a key the service does not trust).
Every denied write is followed by a re-read of Alice's items, their grants and acme's teams
proving nothing changed; a write by globex never changes acme."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings

from .attack_matrix import Case, expect
from .conftest import Headers, Service

ACTORS = (
    "member",
    "removed",
    "other_team",
    "other_org_same_team",
    "deleted_team",
    "other_admin",
    "anonymous",
    "forged",
    "admin",
    "owner",
)
"""The admin and the owner come last: their successful writes must not change what the others'
attempts are measured against."""

ACME = ("member", "removed", "other_team", "deleted_team", "admin", "owner")
GLOBEX = ("other_org_same_team", "other_admin")


@dataclass
class World:
    service: Service
    headers: dict[str, Headers]
    plans: str
    memo: str

    def acme_state(self) -> dict[str, Any]:
        """Everything of acme a write could change: Alice's two items and their grants (as
        Alice), acme's teams and each team's members (as Carol)."""
        http = self.service.http
        owner, admin = self.headers["owner"], self.headers["admin"]
        state: dict[str, Any] = {}
        for item_id in (self.plans, self.memo):
            item = http.get(f"/org/items/{item_id}", headers=owner)
            grants = http.get(f"/org/items/{item_id}/grants", headers=owner)
            assert item.status_code == grants.status_code == 200
            state[item_id] = (item.json(), grants.json())
        teams = http.get("/org/teams", headers=admin)
        assert teams.status_code == 200
        state["teams"] = teams.json()
        for team in teams.json()["teams"]:
            members = http.get(f"/org/teams/{team['team_id']}/members", headers=admin)
            state[team["team_id"]] = members.json()
        return state


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response


@pytest.fixture
def world(service: Service, settings: Settings, tmp_path: Path) -> World:
    stranger = DevIssuer.load_or_create(settings.model_copy(update={"data_dir": tmp_path / "evil"}))
    headers = {
        "owner": service.auth("alice", "acme"),
        "member": service.auth("mia", "acme"),
        "removed": service.auth("rex", "acme"),
        "other_team": service.auth("bea", "acme"),
        "other_org_same_team": service.auth("otto", "globex"),
        "deleted_team": service.auth("gil", "acme"),
        "admin": service.auth("carol", "acme", "admin"),
        "other_admin": service.auth("olga", "globex", "admin"),
        "anonymous": {},
        "forged": {"Authorization": f"Bearer {stranger.issue('mia', 'acme', ['admin'])}"},
    }
    http, owner, admin = service.http, headers["owner"], headers["admin"]
    globex = headers["other_admin"]
    for team in ("red", "blue", "gone"):
        _ok(http.put(f"/org/teams/{team}", json={"name": team}, headers=admin), 201)
    _ok(http.put("/org/teams/red", json={"name": "red"}, headers=globex), 201)
    for team, user in (("red", "mia"), ("red", "rex"), ("blue", "bea"), ("gone", "gil")):
        _ok(http.put(f"/org/teams/{team}/members/{user}", headers=admin))
    _ok(http.put("/org/teams/red/members/otto", headers=globex))
    plans = _ok(http.post("/org/items", json={"name": "plans"}, headers=owner), 201)
    memo = _ok(http.post("/org/items", json={"name": "memo"}, headers=owner), 201)
    plans_id, memo_id = plans.json()["item_id"], memo.json()["item_id"]
    for item_id, team, role in ((plans_id, "red", "editor"), (plans_id, "gone", "editor")):
        path = f"/org/items/{item_id}/team-grants/{team}"
        _ok(http.put(path, json={"role": role}, headers=owner))
    _ok(http.put(f"/org/items/{memo_id}/team-grants/red", json={"role": "viewer"}, headers=owner))
    _ok(http.delete("/org/teams/red/members/rex", headers=admin), 204)
    _ok(http.delete("/org/teams/gone", headers=admin), 204)
    return World(service, headers, plans_id, memo_id)


def _expect(default: int, **overrides: int) -> dict[str, int]:
    return expect(ACTORS, default, **overrides)


NON_ADMINS = {actor: 403 for actor in ("member", "removed", "other_team", "deleted_team")}
NON_ADMINS.update(other_org_same_team=403, owner=403)

CASES = {
    # --- the org's teams: admins of the org only, and never across orgs ---------------------
    "put-team-rename": Case(
        "PUT", "/org/teams/red", _expect(200, **NON_ADMINS), {"name": "renamed"}, True
    ),
    "put-team-new": Case(
        "PUT", "/org/teams/green", _expect(201, **NON_ADMINS), {"name": "green"}, True
    ),
    "list-teams": Case("GET", "/org/teams", _expect(200, **NON_ADMINS)),
    "delete-team": Case(
        "DELETE", "/org/teams/blue", _expect(204, **NON_ADMINS, other_admin=404), write=True
    ),
    "delete-deleted-team": Case(
        "DELETE", "/org/teams/gone", _expect(404, **NON_ADMINS), write=True
    ),
    "add-member": Case(
        "PUT",
        "/org/teams/blue/members/bob",
        _expect(200, **NON_ADMINS, other_admin=404),
        write=True,
    ),
    "add-member-to-deleted-team": Case(
        "PUT", "/org/teams/gone/members/gil", _expect(404, **NON_ADMINS), write=True
    ),
    "remove-member": Case(
        "DELETE",
        "/org/teams/red/members/mia",
        _expect(204, **NON_ADMINS, other_admin=404),
        write=True,
    ),
    "remove-removed-member": Case(
        "DELETE", "/org/teams/red/members/rex", _expect(404, **NON_ADMINS), write=True
    ),
    "list-members": Case(
        "GET",
        "/org/teams/red/members",
        _expect(404, member=200, other_org_same_team=200, admin=200, other_admin=200),
    ),
    "list-members-of-deleted-team": Case("GET", "/org/teams/gone/members", _expect(404)),
    "my-teams": Case("GET", "/teams/mine", _expect(200)),
    # --- the owner's team grants --------------------------------------------------------------
    "put-team-grant": Case(
        "PUT",
        "/org/items/{plans}/team-grants/blue",
        _expect(404, owner=200),
        {"role": "viewer"},
        True,
    ),
    "put-team-grant-deleted-team": Case(
        "PUT", "/org/items/{plans}/team-grants/gone", _expect(404), {"role": "viewer"}, True
    ),
    "revoke-team-grant": Case(
        "DELETE", "/org/items/{plans}/team-grants/red", _expect(404, owner=204), write=True
    ),
    "revoke-absent-team-grant": Case(
        "DELETE", "/org/items/{plans}/team-grants/blue", _expect(404), write=True
    ),
    "list-grants": Case("GET", "/org/items/{plans}/grants", _expect(404, owner=200)),
    # --- reading and writing through a team -----------------------------------------------
    "list-shared": Case("GET", "/shared/items", _expect(200)),
    "list-org-items": Case("GET", "/shared/org-items", _expect(200)),
    "get-team-editor-item": Case(
        "GET", "/shared/items/alice/{plans}", _expect(404, member=200, owner=200)
    ),
    "get-team-viewer-item": Case(
        "GET", "/shared/items/alice/{memo}", _expect(404, member=200, owner=200)
    ),
    "patch-team-editor-item": Case(
        "PATCH",
        "/shared/items/alice/{plans}",
        _expect(404, member=200, owner=200),
        {"name": "changed"},
        True,
    ),
    "patch-team-viewer-item": Case(
        "PATCH",
        "/shared/items/alice/{memo}",
        _expect(404, member=403, owner=200),
        {"name": "changed"},
        True,
    ),
    "delete-as-team-member": Case(
        "DELETE", "/org/items/{plans}", _expect(404, owner=204), write=True
    ),
}


def _send(world: World, case: Case, actor: str) -> Any:
    path = case.path.format(plans=world.plans, memo=world.memo)
    return world.service.http.request(
        case.method, path, json=case.body, headers=world.headers[actor]
    )


@pytest.mark.parametrize("name", list(CASES))
def test_team_attack_matrix(world: World, name: str) -> None:
    """Each actor gets exactly the expected status; every denied write, and every write by
    another org, left Alice's items, their grants and acme's teams exactly as they were."""
    case = CASES[name]
    wrong = []
    for actor in ACTORS:
        before = world.acme_state() if case.write else None
        response = _send(world, case, actor)
        if response.status_code != case.expected[actor]:
            wrong.append((actor, response.status_code, case.expected[actor], response.text[:200]))
        if response.status_code >= 400:
            assert set(response.json()) == {"detail"}
        if case.write and (response.status_code >= 400 or actor in GLOBEX):
            assert world.acme_state() == before, f"{actor}'s {name} changed acme"
    assert wrong == []


def _get(world: World, path: str, actor: str) -> Any:
    response = world.service.http.get(path, headers=world.headers[actor])
    return response.json() if response.status_code == 200 else None


def test_lists_show_each_actor_exactly_their_teams_and_what_they_share(world: World) -> None:
    mine = {actor: _get(world, "/teams/mine", actor) for actor in ACTORS}
    assert {
        actor: [(t["org_id"], t["team_id"]) for t in found["teams"]]
        for actor, found in mine.items()
        if found
    } == {
        "member": [("acme", "red")],
        "removed": [],
        "other_team": [("acme", "blue")],
        "other_org_same_team": [("globex", "red")],
        "deleted_team": [],
        "other_admin": [],
        "admin": [],
        "owner": [],
    }
    assert [t["team_id"] for t in _get(world, "/org/teams", "admin")["teams"]] == ["blue", "red"]
    assert [t["org_id"] for t in _get(world, "/org/teams", "other_admin")["teams"]] == ["globex"]
    members = {
        actor: [m["user_id"] for m in found["members"]]
        for actor in ACTORS
        if (found := _get(world, "/org/teams/red/members", actor)) is not None
    }
    assert members == {
        "member": ["mia"],
        "admin": ["mia"],
        "other_org_same_team": ["otto"],
        "other_admin": ["otto"],
    }
    shared = {
        actor: sorted(
            (item["item_id"], item["my_role"], item["via_team"]) for item in found["items"]
        )
        for actor in ACTORS
        if (found := _get(world, "/shared/items", actor)) is not None
    }
    expected_member = sorted([(world.plans, "editor", "red"), (world.memo, "viewer", "red")])
    assert shared == {
        actor: expected_member if actor == "member" else []
        for actor in ACTORS
        if actor not in ("anonymous", "forged")
    }


def test_team_changes_are_audited(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="dynaguard.audit")
    http, headers = world.service.http, world.headers
    assert (
        http.get(f"/shared/items/alice/{world.plans}", headers=headers["removed"]).status_code
        == 404
    )
    assert http.put("/org/teams/blue/members/bob", headers=headers["admin"]).status_code == 200
    revoke = http.delete(f"/org/items/{world.memo}/team-grants/red", headers=headers["owner"])
    assert revoke.status_code == 204
    joined = "\n".join(r.getMessage() for r in caplog.records if r.name == "dynaguard.audit")
    assert '"principal":"acme/rex"' in joined and '"outcome":404' in joined
    assert '"action":"add team member"' in joined
    assert '"event":"revoke"' in joined and '"grantee":"team:red"' in joined
    assert "Bearer" not in joined
