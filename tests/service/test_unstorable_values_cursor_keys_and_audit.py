"""The store's refusals and its cursor key: values DynamoDB cannot hold, updates of the wrong type,
unambiguous cursor bindings, the cursor key file and secret, and at the HTTP edge weak If-Match,
page limits and audit lines."""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from dynaguard.auth import DevIssuer
from dynaguard.auth.testing import principal
from dynaguard.clikit import load_settings
from dynaguard.config import Settings
from dynaguard.errors import DynaguardError
from dynaguard.fastapi import attach_dynaguard, owned_by_caller, tenant_of_admin
from dynaguard.service.models import ProfileFields
from dynaguard.store import (
    BadCursor,
    CursorSealer,
    EntityType,
    InvalidRequest,
    OwnedCollection,
    Store,
    TenantView,
    UnstorableValue,
    cursor_binding,
    load_or_create_secret,
)
from dynaguard.store.connection import dynamodb_client

from .conftest import Service


# --- a library app with a permissive model (no storability checks of its own) ---------------
class CounterFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "c"
    count: int = 0
    value: Any = None


COUNTERS = EntityType(kind="COUNTER", fields=CounterFields)
Counters = Annotated[OwnedCollection[CounterFields], Depends(owned_by_caller(COUNTERS))]
OrgCounters = Annotated[TenantView[CounterFields], Depends(tenant_of_admin(COUNTERS))]


def build_counter_app(settings: Settings, client: Any) -> FastAPI:
    app = FastAPI()
    attach_dynaguard(app, settings, client)

    @app.post("/counters", status_code=201)
    def create(body: CounterFields, counters: Counters) -> dict[str, Any]:
        return counters.create(body).as_dict()

    @app.patch("/counters/{item_id}")
    def update(item_id: str, body: dict[str, Any], counters: Counters) -> dict[str, Any]:
        return counters.update(item_id, body).as_dict()

    @app.get("/counters")
    def page(counters: Counters, limit: int = 10) -> dict[str, Any]:
        return {"items": [r.as_dict() for r in counters.page(limit).records]}

    @app.get("/admin/counters")
    def org_page(counters: OrgCounters) -> dict[str, Any]:
        return {"items": [r.as_dict() for r in counters.page(50).records]}

    return app


@dataclass
class App:
    http: TestClient
    issuer: DevIssuer

    def auth(self, sub: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(sub, 'acme', roles)}"}


@pytest.fixture
def app(settings: Settings) -> Iterator[App]:
    with TestClient(build_counter_app(settings, dynamodb_client(settings))) as http:
        yield App(http, DevIssuer.load_or_create(settings))


def _raw(body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """Send JSON that Python's encoder writes but strict JSON forbids (NaN, Infinity)."""
    return {"content": json.dumps(body), "headers": {**headers, "Content-Type": "application/json"}}


POISON = [
    ("nan", float("nan")),
    ("inf", float("inf")),
    ("1e400", float("1e400")),
    ("45 digits", 10**44 + 1),
    ("lone surrogate", "a\ud800b"),
    ("nested nan", {"x": [1, float("nan")]}),
    ("empty key", {"": 1}),
]


@pytest.mark.parametrize(("label", "value"), POISON, ids=[label for label, _ in POISON])
def test_a_library_app_refuses_values_dynamodb_cannot_hold(
    app: App, label: str, value: Any
) -> None:
    """Defect 2: 422 with the rule, nothing written, and the admin's org-wide list still works."""
    alice, admin = app.auth("alice"), app.auth("root", "admin")
    created = app.http.post("/counters", **_raw({"value": value}, alice))
    assert created.status_code == 422, created.text
    assert "cannot be stored" in created.json()["detail"]
    good = app.http.post("/counters", json={"value": 1}, headers=alice).json()
    patched = app.http.patch(f"/counters/{good['item_id']}", **_raw({"value": value}, alice))
    assert patched.status_code == 422, patched.text
    assert app.http.get("/counters", headers=alice).json()["items"] == [good]
    assert app.http.get("/admin/counters", headers=admin).json()["items"] == [good]


def test_the_store_refuses_unstorable_values_for_every_entity(store: Store) -> None:
    with pytest.raises(UnstorableValue, match="38 significant digits"):
        store.owned(ALICE, COUNTERS).create(CounterFields(value=10**44 + 1))
    with pytest.raises(UnstorableValue, match="Unicode"):
        store.profiles(ALICE, ProfileFields).put_own(
            ProfileFields.model_construct(email="a@example.com", display_name="\udc00")
        )
    assert store.owned(ALICE, COUNTERS).page(10).records == []


def test_an_update_of_the_wrong_type_is_422_and_changes_nothing(app: App) -> None:
    """Defect 3: the changes are validated against the entity's fields."""
    alice = app.auth("alice")
    item = app.http.post("/counters", json={"count": 1}, headers=alice).json()
    path = f"/counters/{item['item_id']}"
    for bad in ({"count": "not a number"}, {"name": ["x"]}, {"owner_id": "bob"}, {"nope": 1}, {}):
        refused = app.http.patch(path, json=bad, headers=alice)
        assert refused.status_code == 422, (bad, refused.text)
    assert app.http.get("/counters", headers=alice).json()["items"] == [item]
    ok = app.http.patch(path, json={"count": "7"}, headers=alice)
    assert ok.status_code == 200 and ok.json()["count"] == 7, "coerced as a create would be"
    [stored] = app.http.get("/counters", headers=alice).json()["items"]
    assert CounterFields.model_validate({k: stored[k] for k in ("name", "count", "value")})


def test_an_update_runs_the_models_field_validators(store: Store) -> None:
    from dynaguard.service.models import ITEMS

    items = store.owned(ALICE, ITEMS)
    record = items.create(ITEMS.fields(name="n"))
    with pytest.raises(InvalidRequest, match="name"):
        items.update(record.item_id, {"name": ""})
    with pytest.raises(InvalidRequest, match="data"):
        items.update(record.item_id, {"data": {"": 1}})
    assert items.get(record.item_id).version == 1


@pytest.mark.parametrize("limit", [0, -1, 1001])
def test_a_page_limit_out_of_range_is_422_not_503(app: App, limit: int) -> None:
    """Defect 11: `page(limit=0)` answered 503 'database is unavailable'."""
    response = app.http.get(f"/counters?limit={limit}", headers=app.auth("alice"))
    assert response.status_code == 422
    assert "limit" in response.json()["detail"]


# --- cursors ------------------------------------------------------------------------------

ALICE = principal("alice", "acme")


@pytest.fixture
def store(ddb: Any, table_name: str) -> Store:
    return Store(ddb, table_name, CursorSealer(os.urandom(32), ttl_seconds=60))


def test_bindings_are_unambiguous() -> None:
    """Defect 6: `a|b` + `c` and `a` + `b|c` joined with `|` were the same binding."""
    assert cursor_binding("tenant", "a|b@acme", "x") != cursor_binding("tenant", "a", "b@acme|x")
    assert cursor_binding("t", "a", "b") != cursor_binding("t", "a|b")
    assert cursor_binding("t", "a") == cursor_binding("t", "a")


def test_an_admin_cursor_does_not_open_for_an_admin_whose_name_shifts_the_separator(
    store: Store,
) -> None:
    """Admin `a|b` in org `c` and admin `a` in org... the org and sub are separate parts now."""
    first = principal("a|b", "acme", ["admin"])
    second = principal("a", "acme", ["admin"])
    for index in range(3):
        store.owned(principal(f"u{index}", "acme"), COUNTERS).create(CounterFields())
    page = store.tenant(first, COUNTERS).page(1, owner_id=None)
    assert page.next_cursor is not None
    with pytest.raises(BadCursor):
        store.tenant(second, COUNTERS).page(1, page.next_cursor, owner_id="b")


def test_cursor_key_is_created_0600_and_atomically(tmp_path: Path) -> None:
    path = tmp_path / "data" / "cursor.key"
    secret = load_or_create_secret(path)
    assert len(secret) == 32 and path.read_bytes() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == secret
    assert [p.name for p in path.parent.iterdir()] == ["cursor.key"], "no temporary left behind"


@pytest.mark.parametrize("content", [b"", b"short", os.urandom(33)])
def test_a_truncated_cursor_key_is_a_one_line_error(tmp_path: Path, content: bytes) -> None:
    """Defect 8: an empty key file (a crash mid-write) made `serve` die with a traceback."""
    path = tmp_path / "cursor.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(DynaguardError, match="delete it"):
        load_or_create_secret(path)


@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602, 0o640])
def test_a_cursor_key_others_can_access_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "cursor.key"
    path.write_bytes(os.urandom(32))
    path.chmod(mode)
    with pytest.raises(DynaguardError, match="chmod 600"):
        load_or_create_secret(path)


@pytest.mark.parametrize(
    "secret",
    ["s" * 16, "0123456789abcdef", "a" * 64, "0123456789abcdef" * 4, "x" * 43, "short-b64"],
)
def test_a_weak_cursor_secret_is_refused_in_one_line(secret: str) -> None:
    with pytest.raises(DynaguardError, match=r"cursor_secret.*32 random bytes"):
        load_settings(cursor_secret=secret)


@pytest.mark.parametrize(
    "secret",
    [os.urandom(32).hex(), base64.b64encode(os.urandom(32)).decode(), secrets.token_urlsafe(32)],
)
def test_a_random_cursor_secret_is_accepted(secret: str) -> None:
    assert load_settings(cursor_secret=secret).cursor_secret is not None


# --- HTTP glue: If-Match, audit --------------------------------------------------------------
def _item(service: Service, sub: str = "alice") -> Any:
    return service.http.post(
        "/org/items", json={"name": "n"}, headers=service.auth(sub, "acme")
    ).json()


def test_a_weak_etag_in_if_match_is_412(service: Service) -> None:
    """Defect 11: RFC 9110 compares If-Match strongly; `W/"1"` never matches."""
    item = _item(service)
    path = f"/org/items/{item['item_id']}"
    alice = service.auth("alice", "acme")
    for method in ("patch", "delete"):
        kwargs: dict[str, Any] = {"json": {"name": "x"}} if method == "patch" else {}
        response = getattr(service.http, method)(
            path, headers={**alice, "If-Match": 'W/"1"'}, **kwargs
        )
        assert response.status_code == 412
    assert service.http.get(path, headers=alice).json()["version"] == 1


def _audit(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "dynaguard.audit"]


def test_malformed_ids_reach_the_audit_log_only_as_a_placeholder(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dynaguard.audit")
    hostile = "x" * 300 + "%0Aevil\u202e"
    response = service.http.get(f"/org/items/{hostile}", headers=service.auth("bob", "acme"))
    assert response.status_code == 404
    [line] = _audit(caplog)
    assert "evil" not in json.dumps(line) and "x" * 200 not in json.dumps(line)
    assert line["path"] == "/org/items/<malformed>"


def test_admin_deletes_and_admin_profile_reads_are_audited(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    item = _item(service)
    service.http.put(
        "/profiles/me",
        json={"email": "a@example.com", "display_name": "A"},
        headers=service.auth("alice", "acme"),
    )
    admin = service.auth("root", "acme", "admin")
    caplog.set_level(logging.INFO, logger="dynaguard.audit")
    assert (
        service.http.delete(f"/org/admin/items/{item['item_id']}", headers=admin).status_code == 204
    )
    assert service.http.get("/profiles/alice", headers=admin).status_code == 200
    assert (
        service.http.get("/profiles/me", headers=service.auth("alice", "acme")).status_code == 200
    )
    lines = _audit(caplog)
    assert [(line["event"], line["principal"], line["outcome"]) for line in lines] == [
        ("admin_action", "acme/root", 204),
        ("admin_action", "acme/root", 200),
    ]
    assert lines[0]["path"] == f"/org/admin/items/{item['item_id']}"
    assert lines[1]["path"] == "/profiles/alice"


def test_a_change_of_visibility_is_audited(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression (issue 19): making an item org-visible changes who may read it, like a grant,
    but wrote no audit line. A patch that leaves visibility alone writes none."""
    item = _item(service)
    path = f"/org/items/{item['item_id']}"
    alice = service.auth("alice", "acme")
    caplog.set_level(logging.INFO, logger="dynaguard.audit")
    assert service.http.patch(path, json={"visibility": "org"}, headers=alice).status_code == 200
    assert service.http.patch(path, json={"name": "m"}, headers=alice).status_code == 200
    assert (
        service.http.patch(path, json={"visibility": "private"}, headers=alice).status_code == 200
    )
    lines = _audit(caplog)
    assert [(line["event"], line["principal"], line["visibility"]) for line in lines] == [
        ("visibility", "acme/alice", "org"),
        ("visibility", "acme/alice", "private"),
    ]
    assert {line["item_id"] for line in lines} == {item["item_id"]}
