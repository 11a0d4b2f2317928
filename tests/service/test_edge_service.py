"""The reference service's edge: readiness tells anonymous callers only the status (defect 11)
and checks the signing keys; request ids; the If-Match requirement; `Location` under a
`root_path`; CORS by settings; offline API docs; refusals declared in the OpenAPI document."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.fastapi import health
from dynaguard.service import create_app
from dynaguard.store.connection import dynamodb_client

Headers = dict[str, str]


def _app(settings: Settings, **changes: Any) -> FastAPI:
    changed = settings.model_copy(update=changes)
    return create_app(changed, dynamodb_client(changed))


def _auth(settings: Settings, sub: str = "alice", org: str = "acme") -> Headers:
    return {"Authorization": f"Bearer {DevIssuer.load_or_create(settings).issue(sub, org)}"}


@pytest.fixture
def http(settings: Settings) -> Iterator[TestClient]:
    with TestClient(_app(settings)) as client:
        yield client


# -- readiness ------------------------------------------------------------------------------


def test_readyz_tells_anonymous_callers_only_the_status(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression (defect 11): the 503 body carried the table name and the AWS error code."""
    with TestClient(_app(settings, table="no-such-table")) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert "no-such-table" not in response.text
    assert any("not ready" in r.getMessage() for r in caplog.records), "the reason is logged"


def test_readyz_when_ready_names_no_table(http: TestClient, settings: Settings) -> None:
    response = http.get("/readyz")
    assert response.json() == {"status": "ready"}
    assert settings.table not in response.text


class _KeysNotLoaded:
    """A verifier whose signing keys are not loaded yet (the optional `keys_ready` method)."""

    def keys_ready(self) -> bool:
        return False


def test_readyz_is_503_until_the_signing_keys_are_loaded(settings: Settings) -> None:
    app = _app(settings)
    app.state.token_verifier = _KeysNotLoaded()
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_healthz_is_a_coroutine_without_dependencies() -> None:
    """Liveness runs on the event loop, never in the thread pool (tested under load in
    test_edge_load); this pins the route's shape for every app built with attach_dynaguard."""
    assert inspect.iscoroutinefunction(health.healthz)
    assert inspect.signature(health.healthz).parameters == {}


# -- request ids ----------------------------------------------------------------------------


def test_every_response_carries_a_request_id(http: TestClient) -> None:
    first = http.get("/healthz").headers["X-Request-ID"]
    second = http.get("/org/items").headers["X-Request-ID"]  # a refusal (401) too
    assert first != second
    assert len(first) == 32


def test_a_sane_incoming_request_id_is_kept_and_an_odd_one_replaced(http: TestClient) -> None:
    kept = http.get("/healthz", headers={"X-Request-ID": "trace-42.a:b"})
    assert kept.headers["X-Request-ID"] == "trace-42.a:b"
    for odd in ("x" * 129, "a b", '"}{forged', ""):
        replaced = http.get("/healthz", headers={"X-Request-ID": odd})
        assert replaced.headers["X-Request-ID"] != odd
        assert len(replaced.headers["X-Request-ID"]) == 32


def test_log_records_of_a_request_carry_its_id(
    http: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="dynaguard.audit"):
        response = http.get("/org/items", headers={"X-Request-ID": "req-denied-1"})
    assert response.status_code == 401
    audit = [r for r in caplog.records if r.name == "dynaguard.audit"]
    assert audit, "the denial was audited"
    assert {getattr(r, "request_id", None) for r in audit} == {"req-denied-1"}


# -- shutdown --------------------------------------------------------------------------------


def test_the_token_verifier_is_closed_when_the_app_shuts_down(settings: Settings) -> None:
    """Regression (issue 19): an OIDC verifier's key cache was never closed."""
    closed: list[bool] = []

    class Verifier:
        def close(self) -> None:
            closed.append(True)

    app = _app(settings)
    with TestClient(app):
        app.state.token_verifier = Verifier()
        assert closed == []
    assert closed == [True]


# -- If-Match required ----------------------------------------------------------------------


@pytest.mark.parametrize("if_match", [None, "*"])
def test_required_if_match_holds_on_the_shared_patch_too(
    strict: TestClient, settings: Settings, if_match: str | None
) -> None:
    """Regression (issue 19): owner and editors patched `/shared/items/...` without If-Match."""
    owner, editor = _auth(settings), _auth(settings, "eddie")
    item_id, etag = _create(strict, owner)
    put = strict.put(f"/org/items/{item_id}/grants/eddie", json={"role": "editor"}, headers=owner)
    assert put.status_code == 200
    path = f"/shared/items/alice/{item_id}"
    for headers in (owner, editor):
        sent = headers if if_match is None else {**headers, "If-Match": if_match}
        assert strict.patch(path, json={"name": "lost"}, headers=sent).status_code == 428
    assert strict.get(path, headers=editor).json()["name"] == "n"
    matched = strict.patch(path, json={"name": "m"}, headers={**editor, "If-Match": etag})
    assert matched.status_code == 200


@pytest.fixture
def strict(settings: Settings) -> Iterator[TestClient]:
    with TestClient(_app(settings, require_if_match=True)) as client:
        yield client


def _create(client: TestClient, headers: Headers) -> tuple[str, str]:
    created = client.post("/org/items", json={"name": "n"}, headers=headers)
    assert created.status_code == 201
    return created.json()["item_id"], created.headers["ETag"]


@pytest.mark.parametrize("if_match", [None, "*", " * "])
def test_required_if_match_refuses_writes_without_an_etag(
    strict: TestClient, settings: Settings, if_match: str | None
) -> None:
    owner = _auth(settings)
    item_id, _ = _create(strict, owner)
    headers = owner if if_match is None else {**owner, "If-Match": if_match}
    patch = strict.patch(f"/org/items/{item_id}", json={"name": "m"}, headers=headers)
    delete = strict.delete(f"/org/items/{item_id}", headers=headers)
    for response in (patch, delete):
        assert response.status_code == 428
        assert "If-Match" in response.json()["detail"]
    assert strict.get(f"/org/items/{item_id}", headers=owner).json()["name"] == "n"


def test_required_if_match_accepts_the_current_etag(strict: TestClient, settings: Settings) -> None:
    owner = _auth(settings)
    item_id, etag = _create(strict, owner)
    patched = strict.patch(
        f"/org/items/{item_id}", json={"name": "m"}, headers={**owner, "If-Match": etag}
    )
    assert patched.status_code == 200
    deleted = strict.delete(
        f"/org/items/{item_id}", headers={**owner, "If-Match": patched.headers["ETag"]}
    )
    assert deleted.status_code == 204


def test_required_if_match_checks_the_caller_first(strict: TestClient, settings: Settings) -> None:
    """Anonymous and foreign callers learn nothing new from the rule: 401, and 404 for a peer
    (who sends an ETag) exactly as without it."""
    item_id, etag = _create(strict, _auth(settings))
    assert strict.patch(f"/org/items/{item_id}", json={"name": "m"}).status_code == 401
    peer = {**_auth(settings, "mallory"), "If-Match": etag}
    assert strict.delete(f"/org/items/{item_id}", headers=peer).status_code == 404


def test_if_match_stays_optional_by_default(http: TestClient, settings: Settings) -> None:
    owner = _auth(settings)
    item_id, _ = _create(http, owner)
    patched = http.patch(f"/org/items/{item_id}", json={"name": "m"}, headers=owner)
    assert patched.status_code == 200


# -- Location and root_path -----------------------------------------------------------------


def test_location_includes_the_root_path(settings: Settings) -> None:
    """Regression: behind a proxy that mounts the service at /api, Location lacked the /api."""
    with TestClient(_app(settings), root_path="/api") as client:
        created = client.post("/api/org/items", json={"name": "n"}, headers=_auth(settings))
        assert created.status_code == 201
        location = created.headers["Location"]
        assert location == f"/api/org/items/{created.json()['item_id']}"
        assert client.get(location, headers=_auth(settings)).status_code == 200


def test_location_without_a_root_path(http: TestClient, settings: Settings) -> None:
    created = http.post("/org/items", json={"name": "n"}, headers=_auth(settings))
    assert created.headers["Location"] == f"/org/items/{created.json()['item_id']}"


# -- CORS -----------------------------------------------------------------------------------

ORIGIN = "https://app.example.com"
PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "PATCH",
    "Access-Control-Request-Headers": "authorization,if-match",
}


def test_cors_is_off_by_default(http: TestClient) -> None:
    response = http.options("/org/items", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in http.get("/healthz", headers=PREFLIGHT).headers


def test_cors_allows_the_configured_origins_only(settings: Settings) -> None:
    with TestClient(_app(settings, cors_origins=[ORIGIN])) as client:
        allowed = client.options("/org/items", headers=PREFLIGHT)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == ORIGIN
        allowed_headers = allowed.headers["access-control-allow-headers"].lower()
        assert "if-match" in allowed_headers
        assert "idempotency-key" in allowed_headers  # regression (issue 19)
        create = {
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        }
        assert client.options("/org/items", headers=create).status_code == 200
        other = client.options("/org/items", headers={**PREFLIGHT, "Origin": "https://evil.test"})
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers
        read = client.get("/org/items", headers={"Origin": ORIGIN})  # a refusal is readable too
        assert read.status_code == 401
        assert read.headers["access-control-allow-origin"] == ORIGIN
        exposed = read.headers["access-control-expose-headers"].lower()
        assert "etag" in exposed and "location" in exposed


@pytest.mark.parametrize("origin", ["app.example.com", "https://app.example.com/path", "ftp://x"])
def test_cors_origins_are_validated(origin: str) -> None:
    with pytest.raises(ValidationError, match="CORS origin"):
        Settings(cors_origins=[origin])


# -- offline docs ---------------------------------------------------------------------------


def test_swagger_ui_loads_its_assets_from_the_service(http: TestClient) -> None:
    """Regression: /docs loaded swagger-ui from a CDN, so it was blank offline."""
    page = http.get("/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text
    assert "/static-offline-docs/swagger-ui-bundle.js" in page.text
    script = http.get("/static-offline-docs/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text
    assert http.get("/static-offline-docs/swagger-ui.css").status_code == 200
    assert "cdn." not in http.get("/redoc").text


# -- OpenAPI --------------------------------------------------------------------------------


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_refusals_are_declared_for_every_route_that_can_give_them(http: TestClient) -> None:
    """Regression: no route declared 401 or 503."""
    document = http.get("/openapi.json").json()
    detail = {"$ref": "#/components/schemas/ErrorDetail"}
    data_routes = 0
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        if path == "/healthz":
            assert "503" not in responses, "liveness is never shed"
            continue
        assert "Retry-After" in responses["503"]["headers"], (path, method)
        if path.startswith(("/org", "/profiles")):
            data_routes += 1
            unauthorized = responses["401"]
            assert unauthorized["content"]["application/json"]["schema"] == detail
            assert "WWW-Authenticate" in unauthorized["headers"]
            assert responses["503"]["content"]["application/json"]["schema"] == detail
        if "requestBody" in operation:
            assert {"408", "413"} <= set(responses), (path, method)
    assert data_routes >= 9
    assert "401" not in document["paths"]["/readyz"]["get"]["responses"]
    assert "428" in document["paths"]["/org/items/{item_id}"]["patch"]["responses"]
