"""Teams through HTTP against DynamoDB Local: the exact DynamoDB requests of every team route, the
role a member gets (the highest of direct, team and org), what deleting a team or an item ends,
the grant limit shared by users and teams, and the race between a member's writes and their
removal (nothing that starts after the removal's 204 succeeds)."""

from __future__ import annotations

from typing import Any

import pytest

from dynaguard.service.models import MAX_GRANTS
from dynaguard.store.keys import SHARED_PREFIX

from .conftest import Headers, Service
from .revocation_race import race_against


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if status != 204 else None


def _item(service: Service, owner: str = "alice", **fields: Any) -> str:
    body = {"name": "x", **fields}
    created = service.http.post("/org/items", json=body, headers=service.auth(owner, "acme"))
    return str(_ok(created, 201)["item_id"])


def _team(service: Service, team_id: str, *members: str, org: str = "acme") -> None:
    admin = service.auth("carol", org, "admin")
    _ok(service.http.put(f"/org/teams/{team_id}", json={"name": team_id}, headers=admin), 201)
    for member in members:
        _ok(service.http.put(f"/org/teams/{team_id}/members/{member}", headers=admin))


def _team_grant(service: Service, item_id: str, team_id: str, role: str) -> int:
    path = f"/org/items/{item_id}/team-grants/{team_id}"
    response = service.http.put(path, json={"role": role}, headers=service.auth("alice", "acme"))
    return response.status_code


def test_exact_requests_per_team_route(service: Service) -> None:
    http, calls = service.http, service.calls
    admin, alice = service.auth("carol", "acme", "admin"), service.auth("alice", "acme")
    mia, bob = service.auth("mia", "acme"), service.auth("bob", "acme")

    def count(method: str, path: str, headers: Headers, **kwargs: Any) -> tuple[int, list[str]]:
        calls.reset()
        status = http.request(method, path, headers=headers, **kwargs).status_code
        return status, list(calls.operations)

    assert count("PUT", "/org/teams/red", admin, json={"name": "Red"}) == (201, ["PutItem"])
    assert count("PUT", "/org/teams/red", admin, json={"name": "R"}) == (
        200,
        ["PutItem", "UpdateItem"],
    )
    assert count("PUT", "/org/teams/red", mia, json={"name": "R"}) == (403, [])
    assert count("GET", "/org/teams", admin) == (200, ["Query"])
    assert count("PUT", "/org/teams/red/members/mia", admin) == (
        200,
        ["GetItem", "PutItem", "PutItem"],
    )
    assert count("PUT", "/org/teams/nope/members/mia", admin) == (404, ["GetItem"])
    assert count("GET", "/org/teams/red/members", admin) == (
        200,
        ["GetItem", "Query", "BatchGetItem"],
    )
    assert count("GET", "/org/teams/red/members", mia) == (
        200,
        ["BatchGetItem", "Query", "BatchGetItem"],
    )
    assert count("GET", "/org/teams/red/members", bob) == (404, ["BatchGetItem"])
    assert count("GET", "/teams/mine", mia) == (200, ["Query", "BatchGetItem"])
    assert count("GET", "/teams/mine", bob) == (200, ["Query"])

    item_id = _item(service)
    grants = f"/org/items/{item_id}/team-grants"
    assert count("PUT", f"{grants}/red", alice, json={"role": "editor"}) == (
        200,
        ["GetItem", "PutItem", "UpdateItem"],
    )
    assert count("PUT", f"{grants}/nope", alice, json={"role": "editor"}) == (404, ["GetItem"])
    assert count("PUT", f"{grants}/red", mia, json={"role": "editor"}) == (
        404,
        ["GetItem", "PutItem", "UpdateItem", "GetItem", "DeleteItem"],
    )
    assert count("GET", f"/org/items/{item_id}/grants", alice) == (200, ["GetItem", "GetItem"])

    shared = f"/shared/items/alice/{item_id}"
    assert count("GET", shared, mia) == (200, ["GetItem", "BatchGetItem"])
    assert count("GET", shared, bob) == (404, ["GetItem", "BatchGetItem"])
    assert count("PATCH", shared, mia, json={"name": "y"}) == (
        200,
        ["UpdateItem", "TransactWriteItems"],
    )
    assert count("PATCH", shared, bob, json={"name": "y"}) == (
        404,
        ["UpdateItem", "TransactWriteItems", "BatchGetItem"],
    )
    assert count("GET", "/shared/items", mia) == (
        200,
        ["Query", "Query", "BatchGetItem", "Query", "BatchGetItem"],
    )

    assert count("DELETE", f"{grants}/red", alice) == (204, ["UpdateItem", "DeleteItem"])
    assert count("DELETE", f"{grants}/red", alice) == (404, ["UpdateItem"])
    assert count("DELETE", "/org/teams/red/members/mia", admin) == (
        204,
        ["GetItem", "DeleteItem", "DeleteItem"],
    )
    assert count("DELETE", "/org/teams/red/members/mia", admin) == (404, ["GetItem", "DeleteItem"])
    assert count("DELETE", "/org/teams/red", admin) == (204, ["DeleteItem"])
    assert count("DELETE", "/org/teams/red", admin) == (404, ["DeleteItem"])
    assert count("GET", "/org/teams/Not_A_Team/members", admin) == (404, [])
    assert count("PUT", "/org/teams/Not_A_Team", admin, json={"name": "x"}) == (422, [])


def _shared(service: Service, item_id: str, user: str) -> Any:
    response = service.http.get(
        f"/shared/items/alice/{item_id}", headers=service.auth(user, "acme")
    )
    return response.json() if response.status_code == 200 else response.status_code


def test_my_role_is_the_highest_of_direct_team_and_org(service: Service) -> None:
    alice = service.auth("alice", "acme")
    _team(service, "red", "mia")
    _team(service, "blue", "mia")
    item_id = _item(service, visibility="org")
    assert (
        _shared(service, item_id, "mia")["my_role"],
        _shared(service, item_id, "mia")["via_team"],
    ) == ("org", None)
    assert _team_grant(service, item_id, "blue", "viewer") == 200
    seen = _shared(service, item_id, "mia")
    assert (seen["my_role"], seen["via_team"]) == ("viewer", "blue")
    assert _team_grant(service, item_id, "red", "editor") == 200
    seen = _shared(service, item_id, "mia")
    assert (seen["my_role"], seen["via_team"]) == ("editor", "red")
    _ok(
        service.http.put(f"/org/items/{item_id}/grants/mia", json={"role": "editor"}, headers=alice)
    )
    seen = _shared(service, item_id, "mia")
    assert (seen["my_role"], seen["via_team"]) == (
        "editor",
        None,
    )  # direct ties win: no team decided
    _ok(
        service.http.put(f"/org/items/{item_id}/grants/mia", json={"role": "viewer"}, headers=alice)
    )
    seen = _shared(service, item_id, "mia")
    assert (seen["my_role"], seen["via_team"]) == ("editor", "red")
    listed = service.http.get("/shared/items", headers=service.auth("mia", "acme")).json()["items"]
    assert [(i["item_id"], i["my_role"], i["via_team"]) for i in listed] == [
        (item_id, "editor", "red")
    ]


def test_a_team_grant_reaches_only_current_members_of_that_team_in_that_org(
    service: Service,
) -> None:
    _team(service, "red", "mia")
    _team(service, "red", "otto", org="globex")
    item_id = _item(service)
    assert _team_grant(service, item_id, "red", "viewer") == 200
    assert _shared(service, item_id, "mia")["my_role"] == "viewer"
    otto = service.auth("otto", "globex")
    assert service.http.get(f"/shared/items/alice/{item_id}", headers=otto).status_code == 404
    assert service.http.get("/shared/items", headers=otto).json()["items"] == []


def test_a_deleted_team_recreated_with_the_same_id_inherits_nothing(service: Service) -> None:
    admin = service.auth("carol", "acme", "admin")
    _team(service, "red", "mia")
    item_id = _item(service)
    assert _team_grant(service, item_id, "red", "editor") == 200
    _ok(service.http.delete("/org/teams/red", headers=admin), 204)
    assert _shared(service, item_id, "mia") == 404
    _team(service, "red")  # same id, new team: no members, and the old grant does not count
    mine = service.http.get("/teams/mine", headers=service.auth("mia", "acme")).json()
    assert mine == {"teams": []}
    assert _ok(service.http.get("/org/teams/red/members", headers=admin)) == {"members": []}
    _ok(service.http.put("/org/teams/red/members/mia", headers=admin))
    assert _shared(service, item_id, "mia") == 404, "the old team's grant came back"
    assert _team_grant(service, item_id, "red", "viewer") == 200
    assert _shared(service, item_id, "mia")["my_role"] == "viewer"


def test_deleting_an_item_ends_its_team_grants(service: Service, ddb: Any, table_name: str) -> None:
    """The grants end with the item, and the team's share index entry is deleted with it."""

    def shares_of_red() -> list[Any]:
        return ddb.query(
            TableName=table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :shared)",
            ExpressionAttributeValues={
                ":pk": {"S": "ORG#acme#TEAM#red"},
                ":shared": {"S": SHARED_PREFIX},
            },
            ConsistentRead=True,
        )["Items"]

    _team(service, "red", "mia")
    item_id = _item(service)
    assert _team_grant(service, item_id, "red", "editor") == 200
    assert len(shares_of_red()) == 1
    _ok(service.http.delete(f"/org/items/{item_id}", headers=service.auth("alice", "acme")), 204)
    assert shares_of_red() == []
    mia = service.auth("mia", "acme")
    assert _shared(service, item_id, "mia") == 404
    patch = service.http.patch(f"/shared/items/alice/{item_id}", json={"name": "z"}, headers=mia)
    assert patch.status_code == 404
    assert service.http.get("/shared/items", headers=mia).json()["items"] == []


def test_user_and_team_grants_share_the_limit(service: Service) -> None:
    alice = service.auth("alice", "acme")
    _team(service, "red")
    _team(service, "blue")
    item_id = _item(service)
    for n in range(MAX_GRANTS - 1):
        path = f"/org/items/{item_id}/grants/user{n}"
        _ok(service.http.put(path, json={"role": "viewer"}, headers=alice))
    assert _team_grant(service, item_id, "red", "viewer") == 200
    assert _team_grant(service, item_id, "blue", "viewer") == 409
    assert _team_grant(service, item_id, "red", "editor") == 200  # a replacement
    user = service.http.put(
        f"/org/items/{item_id}/grants/late", json={"role": "viewer"}, headers=alice
    )
    assert user.status_code == 409
    listed = _ok(service.http.get(f"/org/items/{item_id}/grants", headers=alice))
    assert (len(listed["grants"]), listed["team_grants"][0]["team_id"]) == (MAX_GRANTS - 1, "red")
    assert [g["role"] for g in listed["team_grants"]] == ["editor"]


def test_the_shared_list_pages_through_direct_and_team_items_each_once(service: Service) -> None:
    alice, mia = service.auth("alice", "acme"), service.auth("mia", "acme")
    _team(service, "red", "mia")
    _team(service, "blue", "mia")
    direct_only, both, red_and_blue, blue_only = (_item(service) for _ in range(4))
    for item_id in (direct_only, both):
        path = f"/org/items/{item_id}/grants/mia"
        _ok(service.http.put(path, json={"role": "viewer"}, headers=alice))
    for item_id, team in (
        (both, "red"),
        (red_and_blue, "red"),
        (red_and_blue, "blue"),
        (blue_only, "blue"),
    ):
        assert _team_grant(service, item_id, team, "viewer") == 200
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        query = "?limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = _ok(service.http.get(f"/shared/items{query}", headers=mia))
        seen += [item["item_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted([direct_only, both, red_and_blue, blue_only])
    assert len(seen) == len(set(seen)), "an item was listed twice"
    stolen = service.http.get(
        f"/shared/items?cursor={cursor or ''}", headers=service.auth("bob", "acme")
    )
    assert stolen.status_code in (200, 400)


@pytest.mark.parametrize("revocation", ["remove-member", "delete-team", "revoke-team-grant"])
def test_nothing_a_member_starts_after_the_revocation_answered_succeeds(
    service: Service, revocation: str
) -> None:
    """Four threads of one team member PATCH (and GET) without pause while the admin removes them
    from the team (or deletes the team, or the owner revokes the team's grant). Every request
    STARTED after the 204 arrived is refused, and the item's final version counts exactly the
    PATCHes that got a 200."""
    _team(service, "red", "mia")
    item_id = _item(service)
    assert _team_grant(service, item_id, "red", "editor") == 200
    admin, alice = service.auth("carol", "acme", "admin"), service.auth("alice", "acme")
    method, revoke_path, headers = {
        "remove-member": ("DELETE", "/org/teams/red/members/mia", admin),
        "delete-team": ("DELETE", "/org/teams/red", admin),
        "revoke-team-grant": ("DELETE", f"/org/items/{item_id}/team-grants/red", alice),
    }[revocation]
    race = race_against(
        service,
        f"/shared/items/alice/{item_id}",
        service.auth("mia", "acme"),
        lambda: service.http.request(method, revoke_path, headers=headers).status_code,
    )
    late = race.late
    assert {a.status for a in late} <= {404, -404}, "a request after the revocation got through"
    assert any(a.status == 404 for a in late), "no PATCH was sent after the revocation"
    version = _ok(service.http.get(f"/org/items/{item_id}", headers=alice))["version"]
    assert version == 1 + race.patched


def test_with_several_editor_teams_each_member_writes_through_their_own(service: Service) -> None:
    _team(service, "red", "mia")
    _team(service, "blue", "bea")
    item_id = _item(service)
    for team in ("red", "blue"):
        assert _team_grant(service, item_id, team, "editor") == 200
    path = f"/shared/items/alice/{item_id}"
    for user, team in (("mia", "red"), ("bea", "blue")):
        service.calls.reset()
        patch = service.http.patch(path, json={"name": user}, headers=service.auth(user, "acme"))
        assert (patch.status_code, patch.json()["via_team"]) == (200, team)
        assert service.calls.operations == ["UpdateItem", "BatchGetItem", "TransactWriteItems"]
    bob = service.http.patch(path, json={"name": "bob"}, headers=service.auth("bob", "acme"))
    assert bob.status_code == 404
    assert (
        _ok(service.http.get(f"/org/items/{item_id}", headers=service.auth("alice", "acme")))[
            "version"
        ]
        == 3
    )
