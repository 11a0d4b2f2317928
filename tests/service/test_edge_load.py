"""Overload fails fast (defect 16) and liveness never waits on the thread pool, on a real uvicorn
server: requests are held inside slow sync routes that occupy worker threads."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.fastapi import Principal, attach_dynaguard
from dynaguard.fastapi.server import uvicorn_limits
from dynaguard.fastapi.shedding import ShedLog
from dynaguard.store.connection import dynamodb_client
from tests.service.edge_server import connect, read_until_closed, running, status_of
from tests.service.stalling import StallPlan, stalling_proxy

POOL_THREADS = 2


@dataclass
class Held:
    """A slow sync route: each call occupies a worker thread until `release` is set."""

    entered: threading.Semaphore
    release: threading.Event

    def wait_entered(self, count: int) -> None:
        for _ in range(count):
            assert self.entered.acquire(timeout=10), "the slow route was not entered"


def _app(settings: Settings, held: Held) -> FastAPI:
    @asynccontextmanager
    async def small_pool(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = POOL_THREADS
        yield

    app = FastAPI(lifespan=small_pool)
    attach_dynaguard(app, settings, dynamodb_client(settings))

    @app.get("/slow")
    def slow() -> dict[str, str]:
        held.entered.release()
        held.release.wait(30)
        return {"status": "done"}

    return app


@pytest.fixture
def held() -> Iterator[Held]:
    held = Held(threading.Semaphore(0), threading.Event())
    yield held
    held.release.set()


def _get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=30)


def test_beyond_the_limit_requests_get_503_at_once(settings: Settings, held: Held) -> None:
    """Regression (defect 16): the third request queued behind the first two."""
    limited = settings.model_copy(update={"max_concurrent_requests": 2})
    with running(_app(limited, held)) as port, ThreadPoolExecutor(4) as pool:
        base = f"http://127.0.0.1:{port}"
        first: list[Future[httpx.Response]] = [pool.submit(_get, f"{base}/slow") for _ in "ab"]
        held.wait_entered(2)

        started = time.monotonic()
        third = httpx.get(f"{base}/slow", timeout=5)
        assert time.monotonic() - started < 2  # not held: the slow route holds for up to 30 s
        assert third.status_code == 503
        assert third.headers["Retry-After"] == "1"
        assert third.json() == {"detail": "the service is at capacity; retry shortly"}
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200  # exempt

        held.release.set()
        assert [f.result().status_code for f in first] == [200, 200]
        assert httpx.get(f"{base}/slow", timeout=5).status_code == 200  # capacity is back


def test_healthz_answers_while_the_thread_pool_is_saturated(settings: Settings, held: Held) -> None:
    """Regression: `/healthz` was a sync route, so it queued behind the pool like everything."""
    limited = settings.model_copy(update={"max_concurrent_requests": POOL_THREADS + 2})
    with running(_app(limited, held)) as port, ThreadPoolExecutor(4) as pool:
        base = f"http://127.0.0.1:{port}"
        slow = [pool.submit(_get, f"{base}/slow") for _ in range(POOL_THREADS + 2)]
        held.wait_entered(POOL_THREADS + 2)  # every thread busy (the pool grew to the limit)

        with httpx.Client(base_url=base, timeout=2) as client:
            latencies = []
            for _ in range(3):
                started = time.monotonic()
                assert client.get("/healthz").json() == {"status": "ok"}
                latencies.append(time.monotonic() - started)
        assert min(latencies) < 0.1
        assert not any(f.done() for f in slow)  # the pool really was saturated throughout
        held.release.set()
        assert all(f.result().status_code == 200 for f in slow)


class Note(BaseModel):
    text: str


def _guarded_app(settings: Settings) -> FastAPI:
    app = FastAPI()
    attach_dynaguard(app, settings, dynamodb_client(settings))

    @app.post("/notes")
    def create_note(note: Note, principal: Principal) -> dict[str, str]:
        return {"owner": principal.sub, "text": note.text}

    @app.get("/threads")
    async def threads(principal: Principal) -> dict[str, float]:
        return {"pool": anyio.to_thread.current_default_thread_limiter().total_tokens}

    @app.get("/late")
    def late(request: Request, principal: Principal) -> dict[str, str]:
        time.sleep(settings.dynamodb_deadline_seconds + 0.1)
        request.app.state.store.ping()  # one GetItem, after the request's deadline has passed
        return {"status": "sent"}

    return app


def test_slow_bodies_without_a_token_do_not_take_the_slots(settings: Settings) -> None:
    """Regression (issue 19, item 2): requests whose body never comes, with no token, held a
    load-shedding slot each until the body deadline, so every other request got 503. A request
    is admitted only once its body has arrived."""
    limited = settings.model_copy(update={"max_concurrent_requests": 4})
    token = DevIssuer.load_or_create(settings).issue("alice", "acme", ())
    head = b"POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    with running(_guarded_app(limited)) as port:
        silent = [connect(port) for _ in range(10)]
        for sock in silent:
            sock.sendall(head + b"Content-Length: 100\r\n\r\n")  # and then nothing
        response = httpx.post(
            f"http://127.0.0.1:{port}/notes",
            json={"text": "hi"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"owner": "alice", "text": "hi"}
        for sock in silent:
            sock.close()


def test_the_thread_pool_holds_every_admitted_request(settings: Settings) -> None:
    """Regression (issue 19, item 3): 64 requests were admitted but the pool had 40 threads, so
    the rest waited for a thread before their deadline started."""
    token = DevIssuer.load_or_create(settings).issue("alice", "acme", ())
    with running(_guarded_app(settings)) as port:
        pool = httpx.get(
            f"http://127.0.0.1:{port}/threads",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        ).json()["pool"]
    assert pool >= settings.max_concurrent_requests


def test_the_dynamodb_deadline_counts_from_the_requests_arrival(settings: Settings) -> None:
    """Regression (issue 19, item 3): the deadline started at the first DynamoDB call, however
    long the request had waited before it. A call made after the request's deadline is not sent:
    503 at once."""
    token = DevIssuer.load_or_create(settings).issue("alice", "acme", ())
    plan = StallPlan()  # stalls nothing: it records what reaches the engine
    assert settings.dynamodb_endpoint is not None
    with stalling_proxy(settings.dynamodb_endpoint, plan) as endpoint:
        quick = settings.model_copy(
            update={"dynamodb_deadline_seconds": 0.3, "dynamodb_endpoint": endpoint}
        )
        with running(_guarded_app(quick)) as port:
            response = httpx.get(
                f"http://127.0.0.1:{port}/late",
                headers={"Authorization": f"Bearer {token}"},
                timeout=5,
            )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert plan.seen == []


def _busy_app(settings: Settings, log: list[str]) -> FastAPI:
    app = FastAPI()
    attach_dynaguard(app, settings, dynamodb_client(settings))

    @app.get("/busy")
    async def busy() -> dict[str, str]:
        time.sleep(0.02)  # holds the event loop, as hundreds of requests to answer do
        log.append("busy")
        return {"status": "done"}

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        log.append("hello")
        return {"status": "hello"}

    return app


def _keep_busy(port: int, stop: threading.Event) -> None:
    with connect(port) as sock:
        while not stop.is_set():
            sock.sendall(b"GET /busy HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while not answer.endswith(b'{"status":"done"}'):
                chunk = sock.recv(4096)
                assert chunk, "the server closed a busy connection"
                answer += chunk


def test_a_busy_server_accepts_waiting_connections_at_once(settings: Settings) -> None:
    """Regression (issue 19, item 3): under uvloop (libuv accepts one connection per turn of the
    event loop), with the loop busy answering, new connections waited in the accept queue while
    the connections already accepted were answered again and again: at 1,024 connections about
    700 waited 10 s or more. Counted in turns, not time: new connections opened while four
    connections keep the loop busy are all answered before those four are answered many times."""
    log: list[str] = []
    new = 40
    with running(_busy_app(settings, log), **uvicorn_limits(settings)) as port:
        stop = threading.Event()
        with ThreadPoolExecutor(4) as busy:
            hammers = [busy.submit(_keep_busy, port, stop) for _ in range(4)]
            while log.count("busy") < 20:
                time.sleep(0.01)
            socks = [connect(port) for _ in range(new)]
            for sock in socks:
                sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answers = [read_until_closed(sock) for sock in socks]
            stop.set()
            for hammer in hammers:
                hammer.result()
        for sock in socks:
            sock.close()
    assert [status_of(answer) for answer in answers] == [200] * new
    first, last = log.index("hello"), len(log) - 1 - log[::-1].index("hello")
    busy_meanwhile = log[first:last].count("busy")
    assert busy_meanwhile < new, f"{busy_meanwhile} busy answers while {new} connections waited"


def test_shedding_logs_one_line_a_second_with_a_count(caplog: pytest.LogCaptureFixture) -> None:
    """A line per shed request cost the event loop time the refusals needed (about 8 % of it at
    1,024 connections) and wrote thousands of lines a second; one line a second says as much."""
    now = [0.0]
    log = ShedLog(interval=1.0, clock=lambda: now[0])
    scope = {"method": "GET", "path": "/org/items/x"}
    with caplog.at_level(logging.WARNING, logger="dynaguard.fastapi"):
        for step in range(250):
            now[0] = step * 0.01  # 250 refusals over 2.5 s
            log.shed(scope, 64)
    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        "shedding GET /org/items/x: 64 requests in flight; 1 shed since the last such line",
        "shedding GET /org/items/x: 64 requests in flight; 100 shed since the last such line",
        "shedding GET /org/items/x: 64 requests in flight; 100 shed since the last such line",
    ]


def test_overload_on_the_served_stack_is_answered_fast_and_in_json(
    settings: Settings, held: Held
) -> None:
    """With the server as `dynaguard serve` runs it, 100 connections at once against 4 slots held
    by slow requests: every other connection gets the JSON 503 with `Retry-After` (none is left
    waiting or dropped), `/healthz` answers meanwhile, and once the slots are free an
    authenticated request succeeds."""
    limited = settings.model_copy(update={"max_concurrent_requests": 4})
    app = _app(limited, held)
    token = DevIssuer.load_or_create(settings).issue("alice", "acme", ())

    @app.get("/me")
    def me(principal: Principal) -> dict[str, str]:
        return {"sub": principal.sub}

    with running(app, **uvicorn_limits(limited)) as port:
        socks = [connect(port) for _ in range(100)]
        for sock in socks:
            sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        held.wait_entered(4)
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        answers: dict[int, bytes] = {}
        for index, sock in enumerate(socks):
            sock.settimeout(0.5)
            try:
                answers[index] = read_until_closed(sock)
            except TimeoutError:
                continue  # one of the 4 held requests
        held.release.set()
        for index, sock in enumerate(socks):
            if index not in answers:
                sock.settimeout(10)
                answers[index] = read_until_closed(sock)
            sock.close()
        after = httpx.get(
            f"http://127.0.0.1:{port}/me",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
    assert health.status_code == 200
    statuses = sorted(status_of(answer) or 0 for answer in answers.values())
    assert statuses == [200] * 4 + [503] * 96
    for answer in answers.values():
        if status_of(answer) == 503:
            head, _, body = answer.partition(b"\r\n\r\n")
            assert b"\r\nretry-after: 1\r\n" in head.lower()
            assert b"content-type: application/json" in head.lower()
            assert json.loads(body) == {"detail": "the service is at capacity; retry shortly"}
    assert after.status_code == 200
    assert after.json() == {"sub": "alice"}
