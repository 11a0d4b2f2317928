"""Inputs a client can get wrong or forge: every one is a 4xx with a JSON detail, never a 500,
and never a partial write."""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.local.process import free_loopback_port
from dynaguard.service import create_app
from dynaguard.store.connection import dynamodb_client
from dynaguard.store.keys import is_key_segment

from .conftest import Service


def _create(service: Service, sub: str = "alice", name: str = "thing") -> dict[str, Any]:
    response = service.http.post(
        "/org/items", json={"name": name}, headers=service.auth(sub, "acme")
    )
    assert response.status_code == 201
    return dict(response.json())


def _count_items(service: Service, sub: str) -> int:
    listed = service.http.get("/org/items?limit=100", headers=service.auth(sub, "acme"))
    return len(listed.json()["items"])


@pytest.mark.parametrize(
    "extra",
    [
        {"owner_id": "bob"},
        {"org_id": "globex"},
        {"pk": "ORG#globex#USER#bob"},
        {"sk": "ITEM#x"},
        {"version": 99},
        {"item_id": "01900000-0000-7000-8000-000000000000"},
        {"is_admin": True},
    ],
)
def test_mass_assignment_is_refused_and_writes_nothing(
    service: Service, extra: dict[str, Any]
) -> None:
    alice = service.auth("alice", "acme")
    item = _create(service)
    created = service.http.post("/org/items", json={"name": "x", **extra}, headers=alice)
    assert created.status_code == 422
    assert _count_items(service, "alice") == 1
    patched = service.http.patch(
        f"/org/items/{item['item_id']}", json={"name": "y", **extra}, headers=alice
    )
    assert patched.status_code == 422
    after = service.http.get(f"/org/items/{item['item_id']}", headers=alice).json()
    assert after == item
    profile = service.http.put(
        "/profiles/me", json={"email": "a@b.example", "display_name": "A", **extra}, headers=alice
    )
    assert profile.status_code == 422
    assert service.http.get("/profiles/me", headers=alice).status_code == 404


@pytest.mark.parametrize(
    "raw",
    [
        "a#b",
        "../../etc/passwd",
        "ITEM#x",
        "\u00fc\u2603",
        "x" * 10_000,
        "01900000-0000-7000-8000-00000000000G",
        "\x00",
        "ORG#acme#USER#bob",
        "01900000-0000-7000-8000-000000000000 ",
    ],
)
def test_hostile_ids_are_404_without_a_dynamodb_call(service: Service, raw: str) -> None:
    hostile = quote(raw, safe="")
    alice = service.auth("alice", "acme")
    admin = service.auth("carol", "acme", "admin")
    service.calls.reset()
    for method, path, headers in [
        ("GET", f"/org/items/{hostile}", alice),
        ("PATCH", f"/org/items/{hostile}", alice),
        ("DELETE", f"/org/items/{hostile}", alice),
        ("DELETE", f"/org/admin/items/{hostile}", admin),
        ("GET", f"/profiles/{hostile}", admin if not is_key_segment(raw) else alice),
    ]:
        body = {"name": "n"} if method == "PATCH" else None
        response = service.http.request(method, path, headers=headers, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"detail": "Not Found"}
    assert service.calls.operations == []


def test_validation_errors_are_422(service: Service) -> None:
    alice = service.auth("alice", "acme")
    item = _create(service)
    path = f"/org/items/{item['item_id']}"
    for body in ({}, {"name": ""}, {"name": "x" * 201}, {"name": 5}, {"data": []}):
        assert service.http.post("/org/items", json=body, headers=alice).status_code == 422
    for body in ({"name": None}, {"data": None}, {"name": ""}):
        assert service.http.patch(path, json=body, headers=alice).status_code == 422
    not_json = service.http.post(
        "/org/items", content=b"{nope", headers={**alice, "Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    assert (
        service.http.put(
            "/profiles/me", json={"email": "nope", "display_name": "A"}, headers=alice
        ).status_code
        == 422
    )
    for query in ("limit=0", "limit=101", "limit=x"):
        assert service.http.get(f"/org/items?{query}", headers=alice).status_code == 422
    big_data = {"name": "x", "data": {"blob": "y" * 20_000}}
    assert service.http.post("/org/items", json=big_data, headers=alice).status_code == 422
    assert _count_items(service, "alice") == 1


@pytest.mark.parametrize(
    "raw_body",
    [
        b'{"name": "x", "data": {"n": 1e126}}',
        b'{"name": "x", "data": {"n": 1e-131}}',
        b'{"name": "x", "data": {"n": 1e-400}}',  # was parsed as 0.0 and stored as 0
        b'{"name": "x", "data": {"n": 0.123456789012345678901234567890123456789}}',
        b'{"name": "x", "data": {"n": NaN}}',
        b'{"name": "x", "data": {"n": Infinity}}',
        b'{"name": "x", "data": {"n": 123456789012345678901234567890123456789}}',
        b'{"name": "\\ud800"}',
        b'{"name": "x", "data": {"\\udfff": 1}}',
        b'{"name": "x", "data": {"": 1}}',
        b'{"name": "x", "data": ' + b'{"a": ' * 20 + b"1" + b"}" * 20 + b"}",
    ],
)
def test_values_dynamodb_cannot_store_are_422(service: Service, raw_body: bytes) -> None:
    alice = {**service.auth("alice", "acme"), "Content-Type": "application/json"}
    response = service.http.post("/org/items", content=raw_body, headers=alice)
    assert response.status_code == 422, response.text
    assert _count_items(service, "alice") == 0


def test_numbers_round_trip_exactly(service: Service) -> None:
    alice = service.auth("alice", "acme")
    data = {"big": 10**40, "exact": 12345678901234567890123456789012345678, "f": 0.1, "neg": -2.5}
    created = service.http.post("/org/items", json={"name": "n", "data": data}, headers=alice)
    assert created.status_code == 201
    read = service.http.get(f"/org/items/{created.json()['item_id']}", headers=alice)
    assert read.json()["data"] == data


def _exact(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def test_numbers_are_stored_as_sent_and_every_answer_shows_what_was_stored(
    service: Service,
) -> None:
    """Regression (issue 19): request JSON was parsed to floats, so 23 significant digits were
    stored as 17 and `12345678901234567890.5` came back as `12345678901234567000`; and the create
    answered `1.0`, `-0.0`, `1e+20` while a read of the same version answered `1`, `0`,
    `100000000000000000000` (one ETag, two bodies). Numbers are parsed exactly, and every answer
    is the stored item."""
    alice = {**service.auth("alice", "acme"), "Content-Type": "application/json"}
    sent = (
        b'{"name": "n", "data": {"small": 0.12345678901234567890123, '
        b'"large": 12345678901234567890.5, "one": 1.0, "zero": -0.0, "big": 1e+20, '
        b'"list": [2.50, -7E-3]}}'
    )
    created = service.http.post("/org/items", content=sent, headers=alice)
    assert created.status_code == 201, created.text
    stored = {
        "small": Decimal("0.12345678901234567890123"),
        "large": Decimal("12345678901234567890.5"),
        "one": 1,
        "zero": 0,
        "big": 100000000000000000000,
        "list": [Decimal("2.5"), Decimal("-0.007")],
    }
    item_id = created.json()["item_id"]
    path = f"/org/items/{item_id}"
    read = service.http.get(path, headers=alice)
    shared = service.http.get(f"/shared/items/alice/{item_id}", headers=alice)
    listed = service.http.get("/org/items", headers=alice)
    for answer in (created, read, shared):
        assert _exact(answer.text)["data"] == stored, answer.text
    assert _exact(listed.text)["items"][0]["data"] == stored
    assert '"one":1.0' not in created.text and '"zero":-0' not in created.text
    assert created.headers["ETag"] == read.headers["ETag"]
    patched = service.http.patch(path, content=b'{"data": {"x": 1.10}}', headers=alice)
    assert patched.status_code == 200 and _exact(patched.text)["data"] == {"x": Decimal("1.1")}


def test_oversized_body_is_413(service: Service) -> None:
    alice = service.auth("alice", "acme")
    huge = json.dumps({"name": "x", "data": {"blob": "y" * 100_000}})
    response = service.http.post(
        "/org/items", content=huge, headers={**alice, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "detail" in response.json()
    assert _count_items(service, "alice") == 0


def test_if_match_rules(service: Service) -> None:
    alice = service.auth("alice", "acme")
    item = _create(service)
    path = f"/org/items/{item['item_id']}"
    read = service.http.get(path, headers=alice)
    assert read.headers["ETag"] == '"1"'
    bad = service.http.patch(path, json={"name": "b"}, headers={**alice, "If-Match": "garbage"})
    assert bad.status_code == 400
    ok = service.http.patch(path, json={"name": "b"}, headers={**alice, "If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.headers["ETag"] == '"2"'
    stale = service.http.delete(path, headers={**alice, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert service.http.get(path, headers=alice).status_code == 200
    peer_stale = service.http.delete(
        path, headers={**service.auth("bob", "acme"), "If-Match": '"1"'}
    )
    assert peer_stale.status_code == 404, "a foreign item never reveals a version conflict"
    assert service.http.delete(path, headers={**alice, "If-Match": '"2"'}).status_code == 204


def test_parallel_patches_with_one_etag_let_exactly_one_win(service: Service) -> None:
    alice = service.auth("alice", "acme")
    item = _create(service)
    path = f"/org/items/{item['item_id']}"

    def patch(n: int) -> int:
        headers = {**alice, "If-Match": '"1"'}
        return service.http.patch(path, json={"name": f"writer-{n}"}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(patch, range(32)))
    assert statuses.count(200) == 1
    assert statuses.count(412) == 31
    final = service.http.get(path, headers=alice).json()
    assert final["version"] == 2


def test_cursor_tampering_over_http(service: Service) -> None:
    for n in range(3):
        _create(service, name=f"n{n}")
    alice = service.auth("alice", "acme")
    first = service.http.get("/org/items?limit=1", headers=alice).json()
    cursor = first["next_cursor"]
    assert cursor
    second = service.http.get(f"/org/items?limit=1&cursor={cursor}", headers=alice).json()
    assert second["items"][0]["name"] == "n1"
    bob = service.auth("bob", "acme")
    for headers, bad in [(bob, cursor), (alice, cursor[::-1]), (alice, "e30"), (alice, "x" * 3000)]:
        response = service.http.get("/org/items", params={"cursor": bad}, headers=headers)
        assert response.status_code == 400
        assert "alice" not in response.text
    admin = service.auth("carol", "acme", "admin")
    replayed = service.http.get("/org/admin/items", params={"cursor": cursor}, headers=admin)
    assert replayed.status_code == 400


def test_admin_cursors_are_bound_to_the_admin_and_the_filter(service: Service) -> None:
    """An admin's page cursor opens for that admin and that query only: not for a second admin of
    the same org, not for another org's admin, not for a member, not under another filter."""
    for n in range(3):
        _create(service, "alice", f"a{n}")
    carol = service.auth("carol", "acme", "admin")
    first = service.http.get("/org/admin/items?limit=1", headers=carol).json()
    cursor = first["next_cursor"]
    assert cursor
    second = service.http.get(
        "/org/admin/items", params={"limit": 1, "cursor": cursor}, headers=carol
    )
    assert [i["name"] for i in second.json()["items"]] == ["a1"]
    for headers, params in [
        (service.auth("dora", "acme", "admin"), {"cursor": cursor}),
        (service.auth("olga", "globex", "admin"), {"cursor": cursor}),
        (carol, {"cursor": cursor, "owner_id": "alice"}),
    ]:
        replayed = service.http.get("/org/admin/items", params=params, headers=headers)
        assert replayed.status_code == 400, (headers, params, replayed.text)
        assert "a1" not in replayed.text and "a2" not in replayed.text
    member = service.http.get(
        "/org/items", params={"cursor": cursor}, headers=service.auth("alice", "acme")
    )
    assert member.status_code == 400
    filtered = service.http.get("/org/admin/items?limit=1&owner_id=alice", headers=carol).json()
    assert filtered["next_cursor"]
    unfiltered = service.http.get(
        "/org/admin/items", params={"cursor": filtered["next_cursor"]}, headers=carol
    )
    assert unfiltered.status_code == 400


def test_admin_list_filters_by_member_and_stays_in_org(service: Service) -> None:
    _create(service, "alice", "a1")
    _create(service, "bob", "b1")
    service.http.post("/org/items", json={"name": "g1"}, headers=service.auth("gina", "globex"))
    admin = service.auth("carol", "acme", "admin")
    everything = service.http.get("/org/admin/items", headers=admin).json()["items"]
    assert sorted(i["name"] for i in everything) == ["a1", "b1"]
    only_bob = service.http.get("/org/admin/items?owner_id=bob", headers=admin).json()["items"]
    assert [i["name"] for i in only_bob] == ["b1"]
    gina = service.http.get("/org/admin/items?owner_id=gina", headers=admin).json()["items"]
    assert gina == [], "owner_id names a member of the admin's own org only"
    hostile = service.http.get("/org/admin/items", params={"owner_id": "a#b"}, headers=admin)
    assert hostile.status_code == 200 and hostile.json()["items"] == []


def test_unreachable_dynamodb_is_503_with_retry_after(settings: Settings) -> None:
    dead = settings.model_copy(
        update={"dynamodb_endpoint": f"http://127.0.0.1:{free_loopback_port()}"}
    )
    app = create_app(dead, dynamodb_client(dead))
    token = DevIssuer.load_or_create(dead).issue("alice", "acme")
    with TestClient(app) as http:
        response = http.get("/org/items", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "detail" in response.json()


class _Throttling(BaseHTTPRequestHandler):
    """Answers every DynamoDB call the way DynamoDB does when a partition is over its capacity."""

    seen = 0

    def do_POST(self) -> None:
        type(self).seen += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "provisioned throughput exceeded",
            }
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_throttling_beyond_retries_is_503(settings: Settings) -> None:
    _Throttling.seen = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Throttling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        throttled = settings.model_copy(update={"dynamodb_endpoint": endpoint})
        app = create_app(throttled, dynamodb_client(throttled))
        token = DevIssuer.load_or_create(throttled).issue("alice", "acme")
        with TestClient(app) as http:
            response = http.get("/org/items", headers={"Authorization": f"Bearer {token}"})
    finally:
        server.shutdown()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert _Throttling.seen == 3, "the store's three attempts within its deadline"


def test_denials_write_one_audit_line(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    item = _create(service)
    caplog.set_level(logging.WARNING, logger="dynaguard.audit")
    caplog.clear()
    service.http.get(f"/org/items/{item['item_id']}", headers=service.auth("bob", "acme"))
    service.http.get("/org/admin/items", headers=service.auth("bob", "acme"))
    service.http.get("/org/items")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "dynaguard.audit"]
    assert [(line["outcome"], line["principal"]) for line in lines] == [
        (404, "acme/bob"),
        (403, "acme/bob"),
        (401, None),
    ]
    assert lines[0]["route"] == "/org/items/{item_id}"
    assert all("token" not in json.dumps(line).lower() for line in lines)


def test_owner_http_operations_are_one_request_each(service: Service) -> None:
    alice = service.auth("alice", "acme")
    service.calls.reset()
    item = _create(service)
    path = f"/org/items/{item['item_id']}"
    service.http.get(path, headers=alice)
    service.http.patch(path, json={"name": "z"}, headers={**alice, "If-Match": '"1"'})
    service.http.get("/org/items", headers=alice)
    service.http.delete(path, headers=alice)
    service.http.put(
        "/profiles/me", json={"email": "a@b.example", "display_name": "A"}, headers=alice
    )
    service.http.get("/profiles/me", headers=alice)
    assert service.calls.operations == [
        "PutItem",
        "GetItem",
        "UpdateItem",
        "Query",
        "DeleteItem",
        "PutItem",
        "GetItem",
    ]
