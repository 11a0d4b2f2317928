"""Races against the grant that DynamoDB itself checks: a revoke is final the moment it answers,
even for an editor writing in a tight loop, and one If-Match admits exactly one of many editors."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .conftest import Service
from .revocation_race import race_against


def _shared_item(service: Service, *editors: str) -> str:
    alice = service.auth("alice", "acme")
    item_id = str(
        service.http.post("/org/items", json={"name": "race"}, headers=alice).json()["item_id"]
    )
    for editor in editors:
        granted = service.http.put(
            f"/org/items/{item_id}/grants/{editor}", json={"role": "editor"}, headers=alice
        )
        assert granted.status_code == 200
    return item_id


def test_no_shared_request_succeeds_after_the_revoke_answered(service: Service) -> None:
    """Four threads of one editor PATCH (and a viewer-like GET) without pause while the owner
    revokes. Every request STARTED after the revoke's 204 arrived is refused, and the item's final
    version counts exactly the PATCHes that got a 200 (none was applied without telling)."""
    item_id = _shared_item(service, "eddie")
    alice = service.auth("alice", "acme")
    race = race_against(
        service,
        f"/shared/items/alice/{item_id}",
        service.auth("eddie", "acme"),
        lambda: (
            service.http.delete(f"/org/items/{item_id}/grants/eddie", headers=alice).status_code
        ),
    )
    assert len(race.late) >= 40
    assert {a.status for a in race.late} <= {404, -404}, "a request after the revoke got through"
    assert any(a.status == 404 for a in race.late), "no PATCH was sent after the revoke"
    assert race.patched >= 8
    final = service.http.get(f"/org/items/{item_id}", headers=alice)
    assert final.json()["version"] == 1 + race.patched


def test_thirty_two_editors_one_if_match_exactly_one_wins(service: Service) -> None:
    editors = [f"editor{n}" for n in range(32)]
    item_id = _shared_item(service, *editors)
    path = f"/shared/items/alice/{item_id}"

    def patch(editor: str) -> int:
        headers = {**service.auth(editor, "acme"), "If-Match": '"1"'}
        return service.http.patch(path, json={"name": editor}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(patch, editors))
    assert statuses.count(200) == 1
    assert statuses.count(412) == 31
    final = service.http.get(f"/org/items/{item_id}", headers=service.auth("alice", "acme"))
    assert final.json()["version"] == 2
    assert final.json()["name"] == editors[statuses.index(200)]
