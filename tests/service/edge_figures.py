"""Not a test: measures the edge figures of issue 19 on a real uvicorn server (its own process,
default settings, the server's header bounds) over DynamoDB Local in memory, and prints them.

    .venv/bin/python -m tests.service.edge_figures slow-clients --clients 1000
    .venv/bin/python -m tests.service.edge_figures stalled --connections 64
    .venv/bin/python -m tests.service.edge_figures floor --connections 1024

`slow-clients`: N connections send a request head with `Content-Length: 100` and no token, then
nothing; meanwhile one authenticated client reads an item in a loop. Prints the reads' statuses
and latency beside the same loop without the slow clients.

`stalled`: every DynamoDB request is held 30 s by a proxy; C connections send item reads in a
loop. Prints how many answers came back, by status and error detail, and how long each took
from its send to its answer (p50, p99, max). The measuring client (`edge_client`) runs in
`--client-processes` processes of its own; `--client httpx` is the former single-process client,
`--loop` serves with another event loop than `dynaguard serve` does, to compare.

`floor`: the same client against a server that only answers 503: the client's own latency at
that many connections, below which nothing it measures means anything."""

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
from typing import Any, cast

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
from tests.service.edge_client import CLOSED, Result, dump, get_request, measure, report
from tests.service.stalling import StallPlan, stalling_proxy


def _serve(settings: Settings, port: int, loop: str | None) -> None:
    import uvicorn

    app = create_app(settings, dynamodb_client(settings))
    options = uvicorn_limits(settings)
    if loop is not None:  # to compare event loops; by default the one `dynaguard serve` uses
        options["loop"] = loop
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", **options)


@contextmanager
def _server(settings: Settings, loop: str | None = None) -> Iterator[str]:
    port = free_loopback_port()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(settings, port, loop), daemon=True
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
) -> list[Result]:
    """The former measuring client (one process, asyncio + httpx), kept to compare against:
    its connection pool, not the server, limited it at about 200 answers a second."""
    results: list[Result] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(headers=headers, timeout=60, limits=limits) as client:
        begin = time.monotonic()
        end = begin + seconds

        async def worker() -> None:
            while time.monotonic() < end:
                started = time.monotonic()
                try:
                    status = str((await client.get(url)).status_code)
                except httpx.HTTPError:
                    status = CLOSED
                results.append(Result(status, started - begin, time.monotonic() - started, 0))

        await asyncio.gather(*(worker() for _ in range(connections)))
    return results


def _stalled_proxy(engine: str, ready: Any, stop: Any) -> None:
    """A proxy process that holds every DynamoDB request for 30 s (its own process, so the
    measuring client does not share an interpreter with it)."""
    with stalling_proxy(engine, StallPlan(stall_all_seconds=30)) as endpoint:
        ready.put(endpoint)
        stop.wait()


def stalled(
    connections: int,
    seconds: float,
    processes: int,
    client: str,
    loop: str | None,
    dump_to: str | None,
) -> None:
    spawn = multiprocessing.get_context("spawn")
    with _engine() as (settings, _):
        ready, stop = spawn.Queue(), spawn.Event()
        assert settings.dynamodb_endpoint is not None
        proxy = spawn.Process(target=_stalled_proxy, args=(settings.dynamodb_endpoint, ready, stop))
        proxy.start()
        try:
            proxied = settings.model_copy(update={"dynamodb_endpoint": ready.get(timeout=60)})
            with _server(proxied, loop) as base:
                token = DevIssuer.load_or_create(settings).issue("alice", "acme", ())
                headers = {"Authorization": f"Bearer {token}"}
                path = f"/org/items/{new_item_id()}"  # every read waits on DynamoDB
                if client == "httpx":
                    results = asyncio.run(_hammer(base + path, headers, connections, seconds))
                else:
                    port = int(base.rsplit(":", 1)[1])
                    request = get_request(path, headers)
                    results = measure("127.0.0.1", port, request, connections, seconds, processes)
        finally:
            stop.set()
            proxy.join(10)
            proxy.kill()
    title = f"stalled engine, {connections} connections, {client} client"
    if loop is not None:
        title += f", {loop} event loop"
    report(title, results, seconds)
    if dump_to:
        dump(results, dump_to)


def _always_503(port: int, ready: Any) -> None:
    """The measurement floor's server: answers every request head with a fixed JSON 503, on one
    uvloop event loop, with no parsing beyond finding the end of each head."""
    import uvloop

    body = b'{"detail":"the service is at capacity; retry shortly"}'
    answer = (
        b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
        b"retry-after: 1\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    )

    class Refuse(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = cast(asyncio.Transport, transport)
            self.buffer = b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            heads = self.buffer.count(b"\r\n\r\n")
            if heads:
                self.buffer = self.buffer.rpartition(b"\r\n\r\n")[2]
                self.transport.write(answer * heads)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Refuse, "127.0.0.1", port, backlog=2048)
        ready.put(True)
        await server.serve_forever()

    uvloop.run(serve())


def floor(connections: int, seconds: float, processes: int) -> None:
    """The client against a server that does nothing but answer 503: its own latency floor."""
    spawn = multiprocessing.get_context("spawn")
    port = free_loopback_port()
    ready = spawn.Queue()
    server = spawn.Process(target=_always_503, args=(port, ready), daemon=True)
    server.start()
    try:
        ready.get(timeout=30)
        request = get_request("/org/items/x", {"Authorization": "Bearer " + "x" * 400})
        results = measure("127.0.0.1", port, request, connections, seconds, processes)
    finally:
        server.kill()
        server.join(10)
    report(f"always-503 server, {connections} connections, raw client", results, seconds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="figure", required=True)
    slow = sub.add_parser("slow-clients")
    slow.add_argument("--clients", type=int, default=1000)
    slow.add_argument("--seconds", type=float, default=5)
    for name in ("stalled", "floor"):
        load = sub.add_parser(name)
        load.add_argument("--connections", type=int, default=64)
        load.add_argument("--seconds", type=float, default=10)
        load.add_argument("--client-processes", type=int, default=2)
        if name == "stalled":
            load.add_argument("--client", choices=("raw", "httpx"), default="raw")
            load.add_argument("--loop", choices=("asyncio", "uvloop"), help="the server's loop")
            load.add_argument("--dump", help="write every request as a CSV line to this file")
    args: Any = parser.parse_args(argv)
    if args.figure == "slow-clients":
        slow_clients(args.clients, args.seconds)
    elif args.figure == "floor":
        floor(args.connections, args.seconds, args.client_processes)
    else:
        stalled(
            args.connections,
            args.seconds,
            args.client_processes,
            args.client,
            args.loop,
            args.dump,
        )


if __name__ == "__main__":
    main()
