"""The seed's hole is real, and the same attack fails on the secure service: a peer reads Alice's
profile, rewrites and deletes her item on the vulnerable routes, and gets 404s from dynaguard."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.service import create_app
from examples.seed_remediation_app import create_seed_remediation_app
from examples.vulnerable_app import create_vulnerable_app

PROFILE = {"email": "alice@acme.example", "display_name": "Alice"}


def _attack(http: TestClient, issuer: DevIssuer) -> dict[str, int]:
    """Alice stores data; Bob (same org) and Mallory (other org) go after it by id."""
    alice = {"Authorization": f"Bearer {issuer.issue('alice', 'acme')}"}
    bob = {"Authorization": f"Bearer {issuer.issue('bob', 'acme')}"}
    mallory = {"Authorization": f"Bearer {issuer.issue('mallory', 'globex')}"}
    assert http.put("/profiles/me", json=PROFILE, headers=alice).status_code == 200
    item_id = http.post("/org/items", json={"name": "alice-secret"}, headers=alice).json()[
        "item_id"
    ]
    path = f"/org/items/{item_id}"
    outcome = {
        "peer_reads_profile": http.get("/profiles/alice", headers=bob).status_code,
        "other_org_reads_item": http.get(path, headers=mallory).status_code,
        "peer_patches_item": http.patch(path, json={"name": "pwned"}, headers=bob).status_code,
    }
    after_patch = http.get(path, headers=alice).json()
    outcome["owner_sees_tamper"] = int(after_patch.get("name") == "pwned")
    outcome["peer_deletes_item"] = http.delete(path, headers=bob).status_code
    outcome["owner_still_has_item"] = int(http.get(path, headers=alice).status_code == 200)
    return outcome


def test_the_seed_hole_is_real(settings: Settings, ddb: Any) -> None:
    with TestClient(create_vulnerable_app(settings, ddb)) as http:
        outcome = _attack(http, DevIssuer.load_or_create(settings))
    assert outcome == {
        "peer_reads_profile": 200,
        "other_org_reads_item": 200,
        "peer_patches_item": 200,
        "owner_sees_tamper": 1,
        "peer_deletes_item": 204,
        "owner_still_has_item": 0,
    }


def test_the_same_attack_fails_on_dynaguard(settings: Settings, ddb: Any) -> None:
    with TestClient(create_app(settings, ddb)) as http:
        outcome = _attack(http, DevIssuer.load_or_create(settings))
    assert outcome == {
        "peer_reads_profile": 404,
        "other_org_reads_item": 404,
        "peer_patches_item": 404,
        "owner_sees_tamper": 0,
        "peer_deletes_item": 404,
        "owner_still_has_item": 1,
    }


def test_the_seed_remediation_also_holds(settings: Settings, ddb: Any) -> None:
    with TestClient(create_seed_remediation_app(settings, ddb)) as http:
        outcome = _attack(http, DevIssuer.load_or_create(settings))
    assert outcome["owner_still_has_item"] == 1
    assert outcome["owner_sees_tamper"] == 0
    assert outcome["peer_reads_profile"] == 404
