"""Not a test: measures the edge figures of issue 19 on a real uvicorn server (its own process,
default settings, the server's header bounds) over DynamoDB Local in memory, and prints them.

    .venv/bin/python -m tests.service.edge_figures slow-clients --clients 1000
    .venv/bin/python -m tests.service.edge_figures stalled --connections 64

`slow-clients`: N connections send a request head with `Content-Length: 100` and no token, then
nothing; meanwhile one authenticated client reads an item in a loop. Prints the reads' statuses
and latency beside the same loop without the slow clients.

`stalled`: every DynamoDB request is held 30 s by a proxy; C connections send item reads in a
loop. Prints how many got 503 and how long each took to get its answer (max, p99, p50)."""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.fastapi.server import uvicorn_limits
from dynaguard.local import DynamoDBLocal, install_dynamodb_local
from dynaguard.local.process import free_loopback_port
from dynaguard.service import create_app
from dynaguard.store.connection import dynamodb_client
from dynaguard.store.keys import new_item_id
from dynaguard.store.table import create_table
from tests.conftest import CACHE_DIR
from tests.service.stalling import StallPlan, stalling_proxy


def _serve(settings: Settings, port: int) -> None:
    import uvicorn

    app = create_app(settings, dynamodb_client(settings))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", **uvicorn_limits(settings))


@contextmanager
def _server(settings: Settings) -> Iterator[str]:
    port = free_loopback_port()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(settings, port), daemon=True
    )
    process.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        process.join(10)


@contextmanager
def _engine() -> Iterator[tuple[Settings, Path]]:
    with (
        DynamoDBLocal(install_dynamodb_local(CACHE_DIR)) as engine,
        tempfile.TemporaryDirectory() as data,
    ):
        settings = Settings(dynamodb_endpoint=engine.endpoint, table="figures", data_dir=Path(data))
        create_table(dynamodb_client(settings), "figures")
        yield settings, Path(data)


def _item(base: str, headers: dict[str, str]) -> str:
    response = httpx.post(f"{base}/org/items", json={"name": "n"}, headers=headers, timeout=10)
    response.raise_for_status()
    return str(response.json()["item_id"])


def _reads(url: str, headers: dict[str, str], seconds: float) -> tuple[list[int], list[float]]:
    statuses, latencies = [], []
    end = time.monotonic() + seconds
    with httpx.Client(headers=headers, timeout=30) as client:
        while time.monotonic() < end:
            started = time.monotonic()
            statuses.append(client.get(url).status_code)
            latencies.append(time.monotonic() - started)
    return statuses, latencies


def _summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {ordered[-1] * 1000:.1f} ms"
    )


def slow_clients(count: int, seconds: float) -> None:
    with _engine() as (settings, _), _server(settings) as base:
        token = DevIssuer.load_or_create(settings).issue("alice", "acme", ())
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{base}/org/items/{_item(base, headers)}"
        _, quiet = _reads(url, headers, seconds)
        port = int(base.rsplit(":", 1)[1])
        silent: list[socket.socket] = []
        head = (
            b"POST /org/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n"
        )
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(head)
            silent.append(sock)
        statuses, loaded = _reads(url, headers, seconds)
        alive = 0
        for sock in silent:
            sock.setblocking(False)
            try:
                alive += sock.recv(1) == b""  # closed by the server
            except BlockingIOError:
                alive += 0
            sock.close()
        print(
            f"{count} slow connections without a token (head sent, body never), held {seconds:g} s"
        )
        codes = sorted(set(statuses))
        print(f"  reads meanwhile: {len(statuses)}, statuses {codes}, {_summary(loaded)}")
        print(f"  reads without them: {len(quiet)}, {_summary(quiet)}")
        print(
            f"  p50 ratio loaded/quiet: {statistics.median(loaded) / statistics.median(quiet):.2f}"
        )


async def _hammer(
    url: str, headers: dict[str, str], connections: int, seconds: float
) -> list[tuple[int, float]]:
    results: list[tuple[int, float]] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(headers=headers, timeout=60, limits=limits) as client:
        end = time.monotonic() + seconds

        async def worker() -> None:
            while time.monotonic() < end:
                started = time.monotonic()
                try:
                    status = (await client.get(url)).status_code
                except httpx.HTTPError:
                    status = 0
                results.append((status, time.monotonic() - started))

        await asyncio.gather(*(worker() for _ in range(connections)))
    return results


def _stalled_proxy(engine: str, ready: Any, stop: Any) -> None:
    """A proxy process that holds every DynamoDB request for 30 s (its own process, so the
    measuring client does not share an interpreter with it)."""
    with stalling_proxy(engine, StallPlan(stall_all_seconds=30)) as endpoint:
        ready.put(endpoint)
        stop.wait()


def stalled(connections: int, seconds: float) -> None:
    spawn = multiprocessing.get_context("spawn")
    with _engine() as (settings, _):
        ready, stop = spawn.Queue(), spawn.Event()
        assert settings.dynamodb_endpoint is not None
        proxy = spawn.Process(target=_stalled_proxy, args=(settings.dynamodb_endpoint, ready, stop))
        proxy.start()
        try:
            proxied = settings.model_copy(update={"dynamodb_endpoint": ready.get(timeout=60)})
            with _server(proxied) as base:
                token = DevIssuer.load_or_create(settings).issue("alice", "acme", ())
                headers = {"Authorization": f"Bearer {token}"}
                url = f"{base}/org/items/{new_item_id()}"  # every read waits on DynamoDB
                results = asyncio.run(_hammer(url, headers, connections, seconds))
        finally:
            stop.set()
            proxy.join(10)
            proxy.kill()
    by_status: dict[int, list[float]] = {}
    for status, elapsed in results:
        by_status.setdefault(status, []).append(elapsed)
    print(f"stalled engine, {connections} connections, {seconds:g} s: {len(results)} answers")
    for status, latencies in sorted(by_status.items()):
        print(f"  {status}: {len(latencies)}, {_summary(latencies)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="figure", required=True)
    slow = sub.add_parser("slow-clients")
    slow.add_argument("--clients", type=int, default=1000)
    slow.add_argument("--seconds", type=float, default=5)
    stall = sub.add_parser("stalled")
    stall.add_argument("--connections", type=int, default=64)
    stall.add_argument("--seconds", type=float, default=10)
    args: Any = parser.parse_args(argv)
    if args.figure == "slow-clients":
        slow_clients(args.clients, args.seconds)
    else:
        stalled(args.connections, args.seconds)


if __name__ == "__main__":
    main()
