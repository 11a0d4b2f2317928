"""Writes stay correct when they are sent twice, by the SDK (DynamoDB answers
after the client's read timeout and botocore resends a write the engine already applied) or by
the client (a retried POST with the same Idempotency-Key). Each SDK case runs through the test's
own stalling proxy in front of DynamoDB Local (`stalling.py`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dynaguard.auth import DevIssuer
from dynaguard.auth.testing import principal
from dynaguard.config import Settings
from dynaguard.service import create_app
from dynaguard.service.models import ProfileFields
from dynaguard.store import CursorSealer, Store
from dynaguard.store.connection import dynamodb_client
from tests.counting import RequestCounter

from .stalling import StallPlan, stalling_proxy

DEADLINE = 3.0
"""The proxied service's deadline: an attempt may take 1.2 s, so a stalled first attempt leaves
0.6 s of slack for the resend to be started (a loaded test machine needs some)."""
STALL = 3.5
"""Longer than an attempt may take, shorter than a test."""


@dataclass
class Proxied:
    http: TestClient
    issuer: DevIssuer
    plan: StallPlan
    calls: RequestCounter
    store: Store

    def auth(self, sub: str, org: str = "acme", *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(sub, org, roles)}"}


@contextmanager
def _proxied(settings: Settings, deadline: float) -> Iterator[Proxied]:
    plan = StallPlan()
    assert settings.dynamodb_endpoint is not None
    with stalling_proxy(settings.dynamodb_endpoint, plan) as endpoint:
        through = settings.model_copy(
            update={"dynamodb_endpoint": endpoint, "dynamodb_deadline_seconds": deadline}
        )
        client = dynamodb_client(through)
        calls = RequestCounter()
        client.meta.events.register("before-call.dynamodb", calls)
        store = Store(client, settings.table, CursorSealer(b"k" * 32, 60))
        with TestClient(create_app(through, client)) as http:
            yield Proxied(http, DevIssuer.load_or_create(settings), plan, calls, store)


@pytest.fixture
def proxied(settings: Settings) -> Iterator[Proxied]:
    with _proxied(settings, DEADLINE) as service:
        yield service


def _create(proxied: Proxied, sub: str = "alice", **headers: str) -> Any:
    response = proxied.http.post(
        "/org/items", json={"name": "n", "data": {"k": 1}}, headers={**proxied.auth(sub), **headers}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _list(proxied: Proxied, sub: str = "alice") -> list[Any]:
    items: list[Any] = proxied.http.get("/org/items", headers=proxied.auth(sub)).json()["items"]
    return items


def test_a_resent_create_answers_201_with_the_one_item_stored(proxied: Proxied) -> None:
    proxied.plan.arm("PutItem", STALL)
    created = _create(proxied)
    assert proxied.plan.count("PutItem") == 2, "botocore resent the applied PutItem"
    assert _list(proxied) == [created]


def test_a_resent_patch_with_if_match_is_applied_once_and_answers_200(proxied: Proxied) -> None:
    item = _create(proxied)
    path = f"/org/items/{item['item_id']}"
    proxied.plan.arm("UpdateItem", STALL)
    patched = proxied.http.patch(
        path, json={"name": "b"}, headers={**proxied.auth("alice"), "If-Match": '"1"'}
    )
    assert proxied.plan.count("UpdateItem") == 2
    assert patched.status_code == 200, patched.text
    assert (patched.json()["version"], patched.headers["ETag"]) == (2, '"2"')
    assert proxied.http.get(path, headers=proxied.auth("alice")).json() == patched.json()


def test_a_resent_patch_without_if_match_is_applied_once(proxied: Proxied) -> None:
    item = _create(proxied)
    path = f"/org/items/{item['item_id']}"
    proxied.plan.arm("UpdateItem", STALL)
    patched = proxied.http.patch(path, json={"name": "b"}, headers=proxied.auth("alice"))
    assert proxied.plan.count("UpdateItem") == 2
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2, "applied once, not twice"
    assert proxied.http.get(path, headers=proxied.auth("alice")).json()["version"] == 2


@pytest.mark.parametrize("if_match", [None, '"1"'])
def test_a_resent_delete_answers_204(proxied: Proxied, if_match: str | None) -> None:
    item = _create(proxied)
    path = f"/org/items/{item['item_id']}"
    proxied.plan.arm("DeleteItem", STALL)
    headers = proxied.auth("alice") | ({"If-Match": if_match} if if_match else {})
    assert proxied.http.delete(path, headers=headers).status_code == 204
    assert proxied.plan.count("DeleteItem") == 2
    assert proxied.http.get(path, headers=proxied.auth("alice")).status_code == 404


def test_a_resent_admin_delete_answers_204(proxied: Proxied) -> None:
    item = _create(proxied)
    proxied.plan.arm("DeleteItem", STALL)
    admin = proxied.auth("root", "acme", "admin")
    gone = proxied.http.delete(f"/org/admin/items/{item['item_id']}", headers=admin)
    assert gone.status_code == 204
    assert proxied.plan.count("DeleteItem") == 2
    assert _list(proxied) == []


def test_a_resent_profile_put_and_delete_succeed(proxied: Proxied) -> None:
    me = proxied.auth("alice")
    proxied.plan.arm("PutItem", STALL)
    body = {"email": "a@example.com", "display_name": "A"}
    put = proxied.http.put("/profiles/me", json=body, headers=me)
    assert put.status_code == 200 and proxied.plan.count("PutItem") == 2
    assert proxied.http.get("/profiles/me", headers=me).json() == put.json()
    proxied.plan.arm("DeleteItem", STALL)
    assert proxied.http.delete("/profiles/me", headers=me).status_code == 204
    assert proxied.plan.count("DeleteItem") == 2
    assert proxied.http.get("/profiles/me", headers=me).status_code == 404


def test_a_resent_update_in_the_library_is_applied_once(proxied: Proxied) -> None:
    from dynaguard.service.models import ITEMS

    carol = principal("carol", "acme")
    items = proxied.store.owned(carol, ITEMS)
    record = items.create(ITEMS.fields(name="x"))
    proxied.plan.arm("UpdateItem", STALL)
    updated = items.update(record.item_id, {"data": {"n": 1}})
    assert (updated.version, updated.fields.data) == (2, {"n": 1})
    assert items.get(record.item_id).version == 2
    profiles = proxied.store.profiles(carol, ProfileFields)
    profiles.put_own(ProfileFields(email="c@example.com", display_name="C"))


# --- a client's own retry: Idempotency-Key -------------------------------------------------


def test_a_retried_create_with_the_same_idempotency_key_returns_the_same_item(
    proxied: Proxied,
) -> None:
    proxied.calls.reset()
    first = _create(proxied, **{"Idempotency-Key": "order-7"})
    assert proxied.calls.operations == ["PutItem", "PutItem", "UpdateItem"], (
        "claim the key, create the item, mark the claim done: single-item writes"
    )
    again = proxied.http.post(
        "/org/items",
        json={"name": "n", "data": {"k": 1}},
        headers={**proxied.auth("alice"), "Idempotency-Key": "order-7"},
    )
    assert again.status_code == 201
    assert again.json() == first
    assert again.headers["Location"] == f"/org/items/{first['item_id']}"
    assert _list(proxied) == [first]
    other = _create(proxied, **{"Idempotency-Key": "order-8"})
    assert other["item_id"] != first["item_id"]


def test_an_idempotency_key_reused_with_other_fields_is_422(proxied: Proxied) -> None:
    _create(proxied, **{"Idempotency-Key": "k1"})
    reused = proxied.http.post(
        "/org/items",
        json={"name": "different"},
        headers={**proxied.auth("alice"), "Idempotency-Key": "k1"},
    )
    assert reused.status_code == 422
    assert "Idempotency-Key" in reused.json()["detail"]
    assert len(_list(proxied)) == 1


def test_idempotency_keys_are_per_caller(proxied: Proxied) -> None:
    """Bob's key `k` is not Alice's `k`: his create makes his own item and learns nothing."""
    alice = _create(proxied, "alice", **{"Idempotency-Key": "k"})
    bob = _create(proxied, "bob", **{"Idempotency-Key": "k"})
    assert bob["owner_id"] == "bob" and bob["item_id"] != alice["item_id"]
    other_org = _create(proxied, "alice-at-globex", **{"Idempotency-Key": "k"})
    assert other_org["item_id"] not in {alice["item_id"], bob["item_id"]}


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9".encode("latin-1"), "a b"])
def test_a_malformed_idempotency_key_is_422(proxied: Proxied, key: str | bytes) -> None:
    response = proxied.http.post(
        "/org/items",
        json={"name": "n"},
        headers={**proxied.auth("alice"), "Idempotency-Key": key},
    )
    assert response.status_code == 422
    assert _list(proxied) == []


def test_a_resent_create_with_an_idempotency_key_answers_201_once(proxied: Proxied) -> None:
    proxied.plan.arm("PutItem", STALL)  # the claim of the key, applied and resent
    created = _create(proxied, **{"Idempotency-Key": "order-9"})
    assert proxied.plan.count("PutItem") == 3, "claim, its resend, the item"
    assert _list(proxied) == [created]


def test_a_retry_completes_a_create_that_stopped_after_claiming_its_key(proxied: Proxied) -> None:
    """The key was claimed, then every attempt to create the item failed (as if the engine had
    died between the two writes): the client's retry with the same key creates the item under
    the claimed id, once."""
    proxied.plan.refuse("PutItem", skip=1, times=3)
    failed = proxied.http.post(
        "/org/items",
        json={"name": "n", "data": {"k": 1}},
        headers={**proxied.auth("alice"), "Idempotency-Key": "order-10"},
    )
    assert failed.status_code == 503
    assert _list(proxied) == []
    created = _create(proxied, **{"Idempotency-Key": "order-10"})
    again = _create(proxied, **{"Idempotency-Key": "order-10"})
    assert again == created
    assert _list(proxied) == [created]


def test_an_idempotent_retry_of_an_equal_body_is_the_same_request(proxied: Proxied) -> None:
    """`1.0` and `1` are the same stored number: the retry is a replay, not a reused key."""
    headers = {**proxied.auth("alice"), "Idempotency-Key": "order-11"}
    first = proxied.http.post("/org/items", json={"name": "n", "data": {"k": 1.0}}, headers=headers)
    again = proxied.http.post("/org/items", json={"name": "n", "data": {"k": 1}}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["item_id"] == first.json()["item_id"]


# --- bounded latency ----------------------------------------------------------------------


def test_a_stalled_dynamodb_answers_503_within_the_deadline(settings: Settings) -> None:
    """The default deadline is 2 s, retries included; the engine stalls 30 s."""
    default = Settings().dynamodb_deadline_seconds
    assert default == 2.0
    with _proxied(settings, default) as proxied:
        headers = proxied.auth("alice")
        proxied.plan.stall_all_seconds = 30
        started = time.monotonic()
        response = proxied.http.get("/org/items", headers=headers)
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert elapsed < 3, f"answered after {elapsed:.1f} s"
    assert proxied.plan.count("Query") == 2, "a stalled attempt leaves room for one resend"
