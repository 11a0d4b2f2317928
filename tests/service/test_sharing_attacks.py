"""Every sharing route x every kind of caller, through HTTP against the app on DynamoDB Local.

Alice (org acme) owns a private item shared with Vera (viewer) and Eddie (editor); Fred was an
editor and has been revoked; Bob is a member of acme with no grant; a second user called `eddie`
lives in org globex; Carol is acme's admin, Olga globex's; then an anonymous caller and a forged
token (right claims, signed by a key the service does not trust). Alice also owns an item visible
to all of acme. Every denied write is followed by a re-read as Alice proving nothing changed."""

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
    "viewer",
    "editor",
    "former",
    "member",
    "other_org_same_id",
    "admin",
    "other_admin",
    "anonymous",
    "forged",
    "owner",
)
"""The owner comes last: a write that succeeds for the owner must not change what others saw."""


@dataclass
class World:
    service: Service
    headers: dict[str, Headers]
    private_id: str
    visible_id: str

    def as_owner(self) -> dict[str, Any]:
        """Everything Alice can see of her two items: fields, versions, grants."""
        http, owner = self.service.http, self.headers["owner"]
        state = {}
        for item_id in (self.private_id, self.visible_id):
            item = http.get(f"/org/items/{item_id}", headers=owner)
            grants = http.get(f"/org/items/{item_id}/grants", headers=owner)
            assert item.status_code == grants.status_code == 200
            state[item_id] = (item.json(), grants.json())
        return state


@pytest.fixture
def world(service: Service, settings: Settings, tmp_path: Path) -> World:
    stranger = DevIssuer.load_or_create(settings.model_copy(update={"data_dir": tmp_path / "evil"}))
    headers = {
        "owner": service.auth("alice", "acme"),
        "viewer": service.auth("vera", "acme"),
        "editor": service.auth("eddie", "acme"),
        "former": service.auth("fred", "acme"),
        "member": service.auth("bob", "acme"),
        "other_org_same_id": service.auth("eddie", "globex"),
        "admin": service.auth("carol", "acme", "admin"),
        "other_admin": service.auth("olga", "globex", "admin"),
        "anonymous": {},
        "forged": {"Authorization": f"Bearer {stranger.issue('eddie', 'acme', ['admin'])}"},
    }
    http, owner = service.http, headers["owner"]
    private = http.post("/org/items", json={"name": "plans"}, headers=owner).json()["item_id"]
    visible = http.post(
        "/org/items", json={"name": "handbook", "visibility": "org"}, headers=owner
    ).json()["item_id"]
    for user, role in (("vera", "viewer"), ("eddie", "editor"), ("fred", "editor")):
        granted = http.put(
            f"/org/items/{private}/grants/{user}", json={"role": role}, headers=owner
        )
        assert granted.status_code == 200
    assert http.delete(f"/org/items/{private}/grants/fred", headers=owner).status_code == 204
    return World(service, headers, private, visible)


def _expect(default: int, **overrides: int) -> dict[str, int]:
    return expect(ACTORS, default, **overrides)


ACME = ("owner", "viewer", "editor", "former", "member", "admin")
CASES = {
    "put-grant": Case(
        "PUT", "/org/items/{private}/grants/zoe", _expect(404, owner=200), {"role": "editor"}, True
    ),
    "put-grant-visible": Case(
        "PUT", "/org/items/{visible}/grants/zoe", _expect(404, owner=200), {"role": "viewer"}, True
    ),
    "list-grants": Case("GET", "/org/items/{private}/grants", _expect(404, owner=200)),
    "revoke-grant": Case(
        "DELETE", "/org/items/{private}/grants/vera", _expect(404, owner=204), write=True
    ),
    "revoke-revoked-grant": Case(
        "DELETE", "/org/items/{private}/grants/fred", _expect(404), write=True
    ),
    "list-shared": Case("GET", "/shared/items", _expect(200)),
    "list-org-items": Case("GET", "/shared/org-items", _expect(200)),
    "get-shared": Case(
        "GET", "/shared/items/alice/{private}", _expect(404, owner=200, viewer=200, editor=200)
    ),
    "get-org-visible": Case(
        "GET", "/shared/items/alice/{visible}", _expect(404, **dict.fromkeys(ACME, 200))
    ),
    "patch-shared": Case(
        "PATCH",
        "/shared/items/alice/{private}",
        _expect(404, owner=200, editor=200, viewer=403),
        {"name": "changed"},
        True,
    ),
    "patch-org-visible": Case(
        "PATCH",
        "/shared/items/alice/{visible}",
        _expect(404, owner=200, **dict.fromkeys(ACME[1:], 403)),
        {"name": "changed"},
        True,
    ),
    "patch-shared-visibility": Case(
        "PATCH",
        "/shared/items/alice/{private}",
        _expect(422),
        {"visibility": "org"},
        True,
    ),
    "patch-own-visibility": Case(
        "PATCH", "/org/items/{private}", _expect(404, owner=200), {"visibility": "org"}, True
    ),
    "delete-as-grantee": Case(
        "DELETE", "/org/items/{private}", _expect(404, owner=204), write=True
    ),
    "admin-get": Case(
        "GET",
        "/org/admin/items/{private}",
        _expect(403, admin=200, other_admin=404),
    ),
}


def _send(world: World, case: Case, actor: str) -> Any:
    path = case.path.format(private=world.private_id, visible=world.visible_id)
    return world.service.http.request(
        case.method, path, json=case.body, headers=world.headers[actor]
    )


@pytest.mark.parametrize("name", list(CASES))
def test_sharing_attack_matrix(world: World, name: str) -> None:
    """Each actor gets exactly the expected status; every denied write left Alice's items and
    grants exactly as they were."""
    case = CASES[name]
    wrong = []
    for actor in ACTORS:
        before = world.as_owner() if case.write else None
        response = _send(world, case, actor)
        if response.status_code != case.expected[actor]:
            wrong.append((actor, response.status_code, case.expected[actor], response.text[:200]))
        if response.status_code >= 400:
            assert set(response.json()) == {"detail"}
            if case.write:
                assert world.as_owner() == before, f"{actor}'s denied {name} changed something"
    assert wrong == []


def _listed(world: World, path: str, actor: str) -> set[str]:
    response = world.service.http.get(path, headers=world.headers[actor])
    if response.status_code != 200:
        return set()
    return {item["item_id"] for item in response.json()["items"]}


def test_lists_show_each_actor_exactly_what_is_shared_with_them(world: World) -> None:
    private, visible = world.private_id, world.visible_id
    direct = {actor: _listed(world, "/shared/items", actor) for actor in ACTORS}
    org = {actor: _listed(world, "/shared/org-items", actor) for actor in ACTORS}
    assert direct == {
        actor: {private} if actor in ("viewer", "editor") else set() for actor in ACTORS
    }
    assert org == {actor: {visible} if actor in ACME else set() for actor in ACTORS}
    for actor in ("viewer", "editor"):
        page = world.service.http.get("/shared/items", headers=world.headers[actor]).json()
        assert [(item["owner_id"], item["my_role"]) for item in page["items"]] == [("alice", actor)]


def test_denied_shared_access_is_audited(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="dynaguard.audit")
    http, headers = world.service.http, world.headers
    assert (
        http.get(f"/shared/items/alice/{world.private_id}", headers=headers["former"]).status_code
        == 404
    )
    patch = http.patch(
        f"/shared/items/alice/{world.private_id}", json={"name": "x"}, headers=headers["viewer"]
    )
    assert patch.status_code == 403
    grant = http.put(
        f"/org/items/{world.private_id}/grants/bob",
        json={"role": "viewer"},
        headers=headers["owner"],
    )
    assert grant.status_code == 200
    revoke = http.delete(f"/org/items/{world.private_id}/grants/bob", headers=headers["owner"])
    assert revoke.status_code == 204
    lines = [record.getMessage() for record in caplog.records if record.name == "dynaguard.audit"]
    joined = "\n".join(lines)
    assert '"principal":"acme/fred"' in joined and '"outcome":404' in joined
    assert '"principal":"acme/vera"' in joined and '"outcome":403' in joined
    assert '"event":"grant"' in joined and '"grantee":"bob"' in joined
    assert '"event":"revoke"' in joined
    assert "Bearer" not in joined
