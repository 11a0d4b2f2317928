"""Server-level bounds (defect 15), on a real uvicorn server started with `uvicorn_limits`: a
request head is bounded in size and in time, so a client cannot make the process buffer an
unbounded header or hold a connection open by never finishing its request."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request

from dynaguard.config import Settings
from dynaguard.fastapi import attach_dynaguard
from dynaguard.fastapi.server import uvicorn_limits
from dynaguard.store.connection import dynamodb_client
from tests.service.edge_server import connect, read_until_closed, running, status_of

HEADER_TIMEOUT = 1.0


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


@pytest.fixture
def port() -> Iterator[int]:
    settings = Settings(header_timeout_seconds=HEADER_TIMEOUT, max_header_bytes=16 * 1024)
    with running(_app(), **uvicorn_limits(settings)) as port:
        yield port


def test_half_a_header_is_answered_408_and_closed(port: int) -> None:
    """Regression: with uvicorn's defaults this connection stayed open (the read timed out)."""
    with connect(port) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        response = read_until_closed(sock)
        elapsed = time.monotonic() - started
    assert status_of(response) == 408
    assert response.endswith(b'{"detail":"the request headers did not arrive in time"}')
    assert elapsed < 5


def test_a_header_trickled_byte_by_byte_is_cut_off(port: int) -> None:
    """Each byte arriving in time is not enough: the whole head has one deadline."""
    with connect(port) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n")
        closed = False
        while time.monotonic() - started < 5 and not closed:
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
            time.sleep(0.1)
        assert closed or status_of(read_until_closed(sock)) == 408


def test_a_silent_connection_is_closed(port: int) -> None:
    with connect(port) as sock:
        started = time.monotonic()
        assert read_until_closed(sock) == b""
        assert time.monotonic() - started < 5


def test_a_1_mib_header_is_refused_without_being_buffered(port: int) -> None:
    """Regression: uvicorn's default parser read a header of any size into memory."""
    with connect(port) as sock:
        # closed while we were still sending counts as refused
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * (1 << 20))
        response = read_until_closed(sock)
    assert response == b"" or status_of(response) == 431


def test_an_oversized_header_sent_whole_gets_431(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        response = read_until_closed(sock)
    assert status_of(response) == 431
    assert response.endswith(b'{"detail":"request headers are too large"}')


def test_ordinary_requests_and_keep_alive_still_work(port: int) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(3):  # one connection, reused
            assert client.get("/hello", headers={"X-Fine": "a" * 8000}).json() == {"hello": "world"}
            time.sleep(HEADER_TIMEOUT / 2)


def _attached_app(tmp_path: Path) -> FastAPI:
    """An app with dynaguard attached; its DynamoDB endpoint is never called here."""
    settings = Settings(dynamodb_endpoint="http://127.0.0.1:9", data_dir=tmp_path)
    app = FastAPI()
    attach_dynaguard(app, settings, dynamodb_client(settings))

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, str]:
        return {"request_id": request.state.request_id}

    return app


def test_request_id_is_on_request_state_and_on_uvicorn_access_lines(tmp_path: Path) -> None:
    """`request.state.request_id` is what `dynaguard.audit` lines can carry; the access log
    record of the same request has it as `record.request_id`."""
    records: list[logging.LogRecord] = []
    capture = logging.Handler()
    capture.emit = records.append  # type: ignore[method-assign]
    with running(_attached_app(tmp_path)) as port:
        access = logging.getLogger("uvicorn.access")  # configured by uvicorn at start
        access.addHandler(capture)
        level = access.level
        access.setLevel(logging.INFO)
        try:
            response = httpx.get(
                f"http://127.0.0.1:{port}/whoami", headers={"X-Request-ID": "edge-trace-7"}
            )
        finally:
            access.removeHandler(capture)
            access.setLevel(level)
    assert response.json() == {"request_id": "edge-trace-7"}
    assert response.headers["X-Request-ID"] == "edge-trace-7"
    assert [getattr(r, "request_id", None) for r in records] == ["edge-trace-7"]
