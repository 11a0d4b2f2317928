"""Races against the grant that DynamoDB itself checks: a revoke is final the moment it answers,
even for an editor writing in a tight loop, and one If-Match admits exactly one of many editors."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .conftest import Service


@dataclass(frozen=True)
class Attempt:
    started: float
    status: int


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
    path = f"/shared/items/alice/{item_id}"
    eddie = service.auth("eddie", "acme")
    attempts: list[Attempt] = []
    lock = threading.Lock()
    stop = threading.Event()
    after_revoke = threading.Event()
    revoked_at: list[float] = []

    def hammer(thread: int) -> None:
        n = 0
        while not stop.is_set():
            started = time.perf_counter()
            if n % 3 == 2:
                status = service.http.get(path, headers=eddie).status_code
            else:
                body = {"name": f"t{thread}-{n}"}
                status = service.http.patch(path, json=body, headers=eddie).status_code
            with lock:
                attempts.append(Attempt(started, status if n % 3 != 2 else -status))
                late = [a for a in attempts if revoked_at and a.started > revoked_at[0]]
                if len(late) >= 40:
                    after_revoke.set()
            n += 1

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(hammer, thread) for thread in range(4)]
        while sum(1 for a in list(attempts) if a.status == 200) < 8:
            time.sleep(0.01)
        revoke = service.http.delete(
            f"/org/items/{item_id}/grants/eddie", headers=service.auth("alice", "acme")
        )
        revoked_at.append(time.perf_counter())
        assert revoke.status_code == 204
        assert after_revoke.wait(120), "the editor threads stopped sending"
        stop.set()
        for future in futures:
            future.result()

    late = [a for a in attempts if a.started > revoked_at[0]]
    assert len(late) >= 40
    assert {a.status for a in late} <= {404, -404}, "a request after the revoke got through"
    assert any(a.status == 404 for a in late), "no PATCH was sent after the revoke"
    patched = sum(1 for a in attempts if a.status == 200)
    assert patched >= 8
    final = service.http.get(f"/org/items/{item_id}", headers=service.auth("alice", "acme"))
    assert final.json()["version"] == 1 + patched


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
