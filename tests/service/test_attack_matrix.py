"""Every route x every kind of caller, through HTTP against the app on DynamoDB Local.

Alice (org acme) owns a profile and an item. The same request is sent as Alice, as a peer in acme,
as a member of another org, as acme's admin, as the other org's admin, anonymously and with a forged
token (right claims, signed by a key the service does not trust). Each denied write is followed by
a re-read as Alice to prove that nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings

from .conftest import Headers, Service

ACTORS = ("owner", "peer", "other_org", "admin", "other_admin", "anonymous", "forged")


@dataclass
class World:
    service: Service
    headers: dict[str, Headers]
    item_id: str

    def alice_item(self) -> tuple[int, dict[str, object]]:
        response = self.service.http.get(
            f"/org/items/{self.item_id}", headers=self.headers["owner"]
        )
        return response.status_code, response.json()

    def alice_profile(self) -> dict[str, object]:
        response = self.service.http.get("/profiles/me", headers=self.headers["owner"])
        assert response.status_code == 200
        return dict(response.json())


@pytest.fixture
def world(service: Service, settings: Settings, tmp_path: Path) -> World:
    stranger = DevIssuer.load_or_create(settings.model_copy(update={"data_dir": tmp_path / "evil"}))
    headers = {
        "owner": service.auth("alice", "acme"),
        "peer": service.auth("bob", "acme"),
        "other_org": service.auth("mallory", "globex"),
        "admin": service.auth("carol", "acme", "admin"),
        "other_admin": service.auth("olga", "globex", "admin"),
        "anonymous": {},
        "forged": {"Authorization": f"Bearer {stranger.issue('alice', 'acme', ['admin'])}"},
    }
    http = service.http
    profile = {"email": "alice@acme.example", "display_name": "Alice"}
    assert http.put("/profiles/me", json=profile, headers=headers["owner"]).status_code == 200
    created = http.post("/org/items", json={"name": "alice-secret"}, headers=headers["owner"])
    assert created.status_code == 201
    return World(service, headers, created.json()["item_id"])


def _expect(owner: int, peer: int, other: int, admin: int, other_admin: int) -> dict[str, int]:
    table = dict(zip(ACTORS[:5], (owner, peer, other, admin, other_admin), strict=True))
    return {**table, "anonymous": 401, "forged": 401}


def _cases(route: str, expected: dict[str, int]) -> list[object]:
    return [pytest.param(route, actor, expected[actor], id=f"{route}-{actor}") for actor in ACTORS]


READS = [
    *_cases("GET /profiles/me", _expect(200, 404, 404, 404, 404)),
    *_cases("GET /profiles/alice", _expect(200, 404, 404, 200, 404)),
    *_cases("GET /org/items", _expect(200, 200, 200, 200, 200)),
    *_cases("GET /org/items/{id}", _expect(200, 404, 404, 404, 404)),
    *_cases("GET /org/admin/items", _expect(403, 403, 403, 200, 200)),
]

SEES_ALICE = {
    "GET /profiles/me": {"owner"},
    "GET /profiles/alice": {"owner", "admin"},
    "GET /org/items": {"owner"},
    "GET /org/items/{id}": {"owner"},
    "GET /org/admin/items": {"admin"},
}


@pytest.mark.parametrize(("route", "actor", "status"), READS)
def test_reads(world: World, route: str, actor: str, status: int) -> None:
    method, path = route.split(" ")
    response = world.service.http.request(
        method, path.replace("{id}", world.item_id), headers=world.headers[actor]
    )
    assert response.status_code == status, response.text
    leaked = "alice-secret" in response.text or "alice@acme.example" in response.text
    sees_alice = actor in SEES_ALICE[route]
    assert leaked == sees_alice, f"{actor} {'did not see' if sees_alice else 'saw'} Alice's data"
    if status == 404:
        assert response.json() == {"detail": "Not Found"}
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


WRITES = [
    *_cases("PATCH /org/items/{id}", _expect(200, 404, 404, 404, 404)),
    *_cases("DELETE /org/items/{id}", _expect(204, 404, 404, 404, 404)),
    *_cases("DELETE /org/admin/items/{id}", _expect(403, 403, 403, 204, 404)),
    *_cases("PUT /profiles/me", _expect(200, 200, 200, 200, 200)),
    *_cases("DELETE /profiles/me", _expect(204, 404, 404, 404, 404)),
    *_cases("POST /org/items", _expect(201, 201, 201, 201, 201)),
]

_BODIES = {
    "PATCH": {"name": "tampered"},
    "PUT": {"email": "attacker@evil.example", "display_name": "Mallory"},
    "POST": {"name": "attacker-item"},
}

CHANGES_ALICE_ITEM = {
    ("PATCH /org/items/{id}", "owner"),
    ("DELETE /org/items/{id}", "owner"),
    ("DELETE /org/admin/items/{id}", "admin"),
}
CHANGES_ALICE_PROFILE = {("PUT /profiles/me", "owner"), ("DELETE /profiles/me", "owner")}


@pytest.mark.parametrize(("route", "actor", "status"), WRITES)
def test_writes(world: World, route: str, actor: str, status: int) -> None:
    before_item = world.alice_item()
    before_profile = world.alice_profile()
    method, path = route.split(" ")
    response = world.service.http.request(
        method,
        path.replace("{id}", world.item_id),
        headers=world.headers[actor],
        json=_BODIES.get(method),
    )
    assert response.status_code == status, response.text
    if (route, actor) in CHANGES_ALICE_ITEM:
        assert world.alice_item() != before_item
    else:
        assert world.alice_item() == before_item, f"{actor}'s {route} changed Alice's item"
    if (route, actor) in CHANGES_ALICE_PROFILE:
        assert status == 204 or world.alice_profile() != before_profile
    else:
        assert world.alice_profile() == before_profile, f"{actor}'s {route} changed Alice's profile"
    if status == 404:
        assert response.json() == {"detail": "Not Found"}
