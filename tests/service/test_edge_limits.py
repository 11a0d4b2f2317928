"""Request bodies are bounded in size and in time, on a real uvicorn server: a body over the
limit is a 413 whether announced by Content-Length or streamed chunked (defect 7), and a body
that does not arrive in time is a 408 (defect 15)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.fastapi.limits import BodyDeadline, may_stream_a_body
from dynaguard.service import create_app
from dynaguard.store.connection import dynamodb_client
from tests.service.edge_server import connect, read_until_closed, running, status_of

LIMIT = 1024
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def edge(settings: Settings) -> Iterator[tuple[str, dict[str, str]]]:
    """The reference service with a 1 KiB body limit and a 1 s body deadline, and a token."""
    limited = settings.model_copy(update={"max_body_bytes": LIMIT, "body_timeout_seconds": 1.0})
    token = DevIssuer.load_or_create(limited).issue("alice", "acme")
    with running(create_app(limited, dynamodb_client(limited))) as port:
        yield f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}


def _item(size: int) -> bytes:
    return json.dumps({"name": "n", "data": {"blob": "x" * size}}).encode()


def test_chunked_body_over_the_limit_is_413(edge: tuple[str, dict[str, str]]) -> None:
    """Regression (defect 7): this was a 400 "There was an error parsing the body"."""
    base, headers = edge
    body = _item(3 * LIMIT)
    chunks = iter([body[i : i + 256] for i in range(0, len(body), 256)])
    response = httpx.post(f"{base}/org/items", content=chunks, headers={**headers, **JSON})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 413
    assert response.json() == {"detail": f"request body is larger than {LIMIT} bytes"}


def test_announced_body_over_the_limit_is_413(edge: tuple[str, dict[str, str]]) -> None:
    base, headers = edge
    response = httpx.post(
        f"{base}/org/items", content=_item(3 * LIMIT), headers={**headers, **JSON}
    )
    assert response.status_code == 413
    assert response.json() == {"detail": f"request body is larger than {LIMIT} bytes"}


def test_chunked_body_within_the_limit_is_accepted(edge: tuple[str, dict[str, str]]) -> None:
    base, headers = edge
    body = _item(LIMIT // 2)
    chunks = iter([body[i : i + 100] for i in range(0, len(body), 100)])
    response = httpx.post(f"{base}/org/items", content=chunks, headers={**headers, **JSON})
    assert response.status_code == 201


def test_body_that_stops_arriving_is_408_and_closed(edge: tuple[str, dict[str, str]]) -> None:
    """Regression (defect 15): a client that announces 500 bytes and sends 10 held the request
    (and a worker's attention) for as long as it liked."""
    base, headers = edge
    port = int(base.rsplit(":", 1)[1])
    head = (
        f"POST /org/items HTTP/1.1\r\nHost: t\r\nAuthorization: {headers['Authorization']}\r\n"
        "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n"
    )
    with connect(port) as sock:
        started = time.monotonic()
        sock.sendall(head.encode() + b'{"name": "')
        response = read_until_closed(sock)
        elapsed = time.monotonic() - started
    assert status_of(response) == 408
    assert json.loads(response.partition(b"\r\n\r\n")[2]) == {
        "detail": "the request body did not arrive in time"
    }
    assert elapsed < 5  # the deadline is 1 s; the socket timeout (10 s) would fail it otherwise


def test_chunked_body_that_stops_arriving_is_408(edge: tuple[str, dict[str, str]]) -> None:
    """A body announced by `Transfer-Encoding` alone keeps its deadline (a request announcing
    no body skips it)."""
    base, headers = edge
    port = int(base.rsplit(":", 1)[1])
    head = (
        f"POST /org/items HTTP/1.1\r\nHost: t\r\nAuthorization: {headers['Authorization']}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    with connect(port) as sock:
        sock.sendall(head.encode() + b'a\r\n{"name": "\r\n')
        response = read_until_closed(sock)
    assert status_of(response) == 408


def test_a_body_without_framing_headers_over_http2_keeps_its_deadline() -> None:
    """Over HTTP/2 a body needs neither `Content-Length` nor `Transfer-Encoding`: a request with
    neither still gets the body deadline there (over HTTP/1.1 it has no body at all)."""
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

    async def never() -> Message:
        await asyncio.sleep(30)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "http_version": "2", "method": "POST", "headers": []}
    asyncio.run(asyncio.wait_for(BodyDeadline(app, 0.05)(scope, never, send), 5))
    assert sent[0]["status"] == 408
    assert may_stream_a_body(scope)
    assert not may_stream_a_body({**scope, "http_version": "1.1"})
    announced = {**scope, "http_version": "1.1", "headers": [(b"content-length", b"3")]}
    assert may_stream_a_body(announced)
