"""Production entry points: the ASGI factory under `uvicorn --factory` and under gunicorn with two
workers (cursors cross workers, one If-Match winner across workers), `serve --workers 2`, and
the Lambda handler answering API Gateway HTTP API (v2) events. Servers are real processes."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.errors import DynaguardError
from dynaguard.local.process import free_loopback_port

from .serve_support import Child, factory_env, serve

FACTORY = "dynaguard.entrypoints.asgi:create_app_from_env"
WITH_PID = "tests.serve_support:app_with_worker_pid"
WORKER = "dynaguard.entrypoints.gunicorn_worker.BoundedUvicornWorker"  # as in the Dockerfile


def _auth(settings: Settings, sub: str = "alice") -> dict[str, str]:
    token = DevIssuer.load_or_create(settings).issue(sub, "acme")
    return {"Authorization": f"Bearer {token}"}


def test_asgi_factory_under_uvicorn(settings: Settings) -> None:
    port = free_loopback_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", FACTORY, "--port", str(port)]
    child = Child(command, factory_env(settings), port)
    try:
        child.wait_ready()
        child.wait_for_line(r"^trusting tokens from the dev issuer ")
        auth = _auth(settings)
        created = httpx.post(f"{child.base}/org/items", json={"name": "via uvicorn"}, headers=auth)
        assert created.status_code == 201
        read = httpx.get(f"{child.base}/org/items/{created.json()['item_id']}", headers=auth)
        assert read.json()["name"] == "via uvicorn"
    finally:
        child.stop()


@pytest.fixture
def env_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test's settings as DYNAGUARD_* variables of this process (what Lambda gives)."""
    for name in list(os.environ):
        if name.startswith("DYNAGUARD_"):
            monkeypatch.delenv(name)
    for name, value in factory_env(settings).items():
        if name.startswith("DYNAGUARD_"):
            monkeypatch.setenv(name, value)
    return settings


def test_asgi_factory_never_starts_an_engine(
    env_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dynaguard.entrypoints.asgi import build_app_from_env, create_app_from_env

    monkeypatch.delenv("DYNAGUARD_DYNAMODB_ENDPOINT")
    with pytest.raises(DynaguardError, match="never starts DynamoDB Local"):
        build_app_from_env()
    with pytest.raises(SystemExit):
        create_app_from_env()


def test_asgi_factory_refuses_the_dev_issuer_unless_allowed(
    env_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dynaguard.entrypoints.asgi import build_app_from_env

    monkeypatch.delenv("DYNAGUARD_ALLOW_DEV_ISSUER")
    with pytest.raises(DynaguardError, match="refusing to serve on an unknown address"):
        build_app_from_env()


@pytest.fixture
def gunicorn(settings: Settings) -> Iterator[Child]:
    port = free_loopback_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--worker-class",
        WORKER,
        "--bind",
        f"127.0.0.1:{port}",
        f"{FACTORY}()",
    ]
    env = factory_env(
        settings,
        DYNAGUARD_APP=WITH_PID,
        DYNAGUARD_CURSOR_SECRET=secrets.token_urlsafe(48),
        DYNAGUARD_MAX_HEADER_BYTES="4096",
    )
    child = Child(command, env, port)
    try:
        child.wait_ready()
        yield child
    finally:
        child.stop()


def test_gunicorn_workers_apply_the_header_bounds(gunicorn: Child, settings: Settings) -> None:
    """Regression (issue 19): under `uvicorn_worker.UvicornWorker` a request head of any size
    was buffered; dynaguard's worker class refuses one over DYNAGUARD_MAX_HEADER_BYTES (4 KiB
    here) with 431, like `serve`, and serves the rest."""
    huge = httpx.get(f"{gunicorn.base}/healthz", headers={"X-Pad": "p" * 8192}, timeout=10)
    assert huge.status_code == 431
    assert httpx.get(f"{gunicorn.base}/healthz", timeout=10).status_code == 200
    dockerfile = (Path(__file__).resolve().parent.parent / "Dockerfile").read_text()
    assert WORKER in dockerfile


def _other_worker(url: str, headers: dict[str, str], not_pid: str) -> httpx.Response:
    """GET on fresh connections until a worker other than `not_pid` answers."""
    for _ in range(400):
        response = httpx.get(url, headers=headers, timeout=30)
        if response.headers["X-Worker-Pid"] != not_pid:
            return response
    raise AssertionError("the second worker never answered")


def test_gunicorn_two_workers_share_cursors_and_one_if_match_wins(
    gunicorn: Child, settings: Settings
) -> None:
    base, auth = gunicorn.base, _auth(settings)
    for index in range(5):
        made = httpx.post(f"{base}/org/items", json={"name": f"n{index}"}, headers=auth)
        assert made.status_code == 201
    first = httpx.get(f"{base}/org/items", params={"limit": 2}, headers=auth)
    cursor = first.json()["next_cursor"]
    assert cursor
    second = _other_worker(
        f"{base}/org/items?limit=2&cursor={cursor}", auth, first.headers["X-Worker-Pid"]
    )
    assert second.status_code == 200, second.text
    assert [item["name"] for item in second.json()["items"]] == ["n2", "n3"]

    target = first.json()["items"][0]
    url = f"{base}/org/items/{target['item_id']}"
    etag = httpx.get(url, headers=auth).headers["ETag"]
    racers = 16
    start = threading.Barrier(racers)
    results: list[tuple[int, str]] = []

    def patch(index: int) -> None:
        start.wait()
        response = httpx.patch(
            url, json={"name": f"winner-{index}"}, headers={**auth, "If-Match": etag}, timeout=60
        )
        results.append((response.status_code, response.headers.get("X-Worker-Pid", "")))

    threads = [threading.Thread(target=patch, args=(index,)) for index in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [412] * (racers - 1)
    final = httpx.get(url, headers=auth).json()
    assert final["version"] == target["version"] + 1


def test_serve_with_two_workers(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    child = serve(data_dir, "--workers", "2", DYNAGUARD_APP=WITH_PID)
    try:
        child.wait_ready()
        auth = _auth(Settings(data_dir=data_dir))
        made = httpx.post(f"{child.base}/org/items", json={"name": "w"}, headers=auth)
        assert made.status_code == 201
        url = f"{child.base}/org/items/{made.json()['item_id']}"
        other = _other_worker(url, auth, made.headers["X-Worker-Pid"])
        assert other.status_code == 200
    finally:
        child.stop()
    assert child.process.returncode == 0, child.lines


def _http_api_event(method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    """An API Gateway HTTP API (payload format 2.0) event, as Lambda receives it."""
    raw = json.dumps(body).encode() if body is not None else b""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "api.example", "content-type": "application/json", **headers},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example",
            "domainPrefix": "api",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "test",
            },
            "requestId": "r1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": 0,
        },
        "body": base64.b64encode(raw).decode(),
        "isBase64Encoded": True,
    }


def test_lambda_handler_answers_http_api_events(env_settings: Settings) -> None:
    from dynaguard.entrypoints import lambda_handler

    lambda_handler._adapter = None
    try:
        health = lambda_handler.handler(_http_api_event("GET", "/healthz", {}), None)
        assert health["statusCode"] == 200
        assert json.loads(health["body"]) == {"status": "ok"}
        auth = {"authorization": _auth(env_settings)["Authorization"]}
        made = lambda_handler.handler(
            _http_api_event("POST", "/org/items", auth, {"name": "from lambda"}), None
        )
        assert made["statusCode"] == 201, made
        item_id = json.loads(made["body"])["item_id"]
        read = lambda_handler.handler(_http_api_event("GET", f"/org/items/{item_id}", auth), None)
        assert read["statusCode"] == 200
        assert json.loads(read["body"])["name"] == "from lambda"
        anonymous_event = _http_api_event("GET", f"/org/items/{item_id}", {})
        anonymous = lambda_handler.handler(anonymous_event, None)
        assert anonymous["statusCode"] == 401
    finally:
        lambda_handler._adapter = None


def test_uvicorn_factory_misconfigured_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DYNAGUARD_")}
    env["DYNAGUARD_DATA_DIR"] = str(tmp_path)
    command = [sys.executable, "-m", "uvicorn", "--factory", FACTORY, "--port", "0"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1
    assert "error: the ASGI factory never starts DynamoDB Local" in done.stderr
    assert "Traceback" not in done.stderr
