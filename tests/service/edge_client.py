"""Not a test: a closed-loop HTTP/1.1 load client for the edge figures (`edge_figures`) that is
cheap enough not to be the bottleneck it measures.

Each of several processes runs its own event loop (uvloop) with its share of the connections,
on raw `asyncio.Protocol` connections: one request is written, its answer parsed from the bytes
(status line, `Content-Length`, `Connection: close`), the next request written at once. The time
of a request runs from the moment it is written to the socket to the moment its whole answer
has arrived, so a wait in the server's accept queue counts. A connection the server closes or
resets before answering counts as status 0 (with its time), a failed connect as status -1; the
client then connects again. At the end no new request is sent, the ones in flight are waited
for (up to `grace` seconds) and any still unanswered counts as status -2 with its time so far,
so a request stuck past the run is not left out of the tail."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import multiprocessing
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

CLOSED = "closed/reset before an answer"
CONNECT_FAILED = "connect failed"
UNANSWERED = "no answer"


class Result(NamedTuple):
    """One request: what came back (`"503 at capacity"`: the status and, for a JSON error, the
    start of its detail), when it was sent (seconds since the run began), how long its answer
    took, and how many requests its connection had sent before it."""

    outcome: str
    sent: float
    seconds: float
    earlier: int


def _outcome(status: int, body: bytes) -> str:
    try:
        detail = json.loads(body).get("detail") if body.startswith(b"{") else None
    except ValueError:
        detail = None
    return f"{status} {str(detail)[:24]}" if isinstance(detail, str) else str(status)


@dataclass
class _Loop:
    """What one process's connections share: the request, the clock, and the results."""

    host: str
    port: int
    request: bytes
    start: float
    end: float
    results: list[Result] = field(default_factory=list)
    in_flight: set[_Connection] = field(default_factory=set)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class _Connection(asyncio.Protocol):
    def __init__(self, shared: _Loop) -> None:
        self.shared = shared
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.sent = 0.0
        self.count = 0
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.buffer = b""
        self.shared.in_flight.add(self)
        self.sent = time.monotonic()
        self.count += 1
        self.transport.write(self.shared.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return
        head = self.buffer[:head_end].lower()
        length = 0
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and b"close" in value:
                close = True
        if len(self.buffer) < head_end + 4 + length:
            return
        body = self.buffer[head_end + 4 : head_end + 4 + length]
        self._answered(_outcome(int(self.buffer[9:12]), body))
        assert self.transport is not None
        if close or time.monotonic() >= self.shared.end:
            self.transport.close()
        else:
            self._send()

    def result(self, outcome: str) -> Result:
        start = self.shared.start
        return Result(outcome, self.sent - start, time.monotonic() - self.sent, self.count - 1)

    def _answered(self, outcome: str) -> None:
        self.shared.results.append(self.result(outcome))
        self.shared.in_flight.discard(self)
        if not self.shared.in_flight and time.monotonic() >= self.shared.end:
            self.shared.done.set()

    def connection_lost(self, exc: Exception | None) -> None:
        if self in self.shared.in_flight:
            self._answered(CLOSED)
        if not self.lost.done():
            self.lost.set_result(None)


async def _one_connection(shared: _Loop) -> None:
    loop = asyncio.get_running_loop()
    while time.monotonic() < shared.end:
        started = time.monotonic()
        try:
            _, protocol = await loop.create_connection(
                lambda: _Connection(shared), shared.host, shared.port
            )
        except OSError:
            elapsed = time.monotonic() - started
            shared.results.append(Result(CONNECT_FAILED, started - shared.start, elapsed, 0))
            await asyncio.sleep(0.01)
            continue
        await protocol.lost


async def _run(shared: _Loop, connections: int, grace: float) -> list[Result]:
    tasks = [asyncio.create_task(_one_connection(shared)) for _ in range(connections)]
    await asyncio.sleep(max(shared.end - time.monotonic(), 0))
    if shared.in_flight:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(shared.done.wait(), grace)
    results = shared.results + [c.result(UNANSWERED) for c in shared.in_flight]
    for task in tasks:
        task.cancel()
    for connection in list(shared.in_flight):
        if connection.transport is not None:
            connection.transport.abort()
    return results


def _process(
    host: str, port: int, request: bytes, connections: int, start: float, end: float, out: Any
) -> None:
    import uvloop

    async def main() -> list[Result]:
        await asyncio.sleep(max(start - time.monotonic(), 0))
        return await _run(_Loop(host, port, request, start, end), connections, grace=30)

    out.send(uvloop.run(main()))
    out.close()


def measure(
    host: str, port: int, request: bytes, connections: int, seconds: float, processes: int = 2
) -> list[Result]:
    """Keep `connections` connections sending `request` for `seconds`, spread over `processes`
    client processes; every answer as (status, seconds from send to answer)."""
    spawn = multiprocessing.get_context("spawn")
    processes = max(1, min(processes, connections))
    start = time.monotonic() + 2  # time for the processes to start
    end = start + seconds
    pipes, workers = [], []
    for index in range(processes):
        share = connections // processes + (index < connections % processes)
        receiver, sender = spawn.Pipe(duplex=False)
        worker = spawn.Process(
            target=_process, args=(host, port, request, share, start, end, sender), daemon=True
        )
        worker.start()
        sender.close()
        pipes.append(receiver)
        workers.append(worker)
    results: list[Result] = []
    for receiver in pipes:
        results.extend(receiver.recv())
    for worker in workers:
        worker.join(10)
    return results


def get_request(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {ordered[-1] * 1000:.1f} ms"
    )


def report(title: str, results: list[Result], seconds: float) -> None:
    """Print the outcomes: count, p50/p99/max from send to answer, for each and for all."""
    by_outcome: dict[str, list[float]] = {}
    for result in results:
        by_outcome.setdefault(result.outcome, []).append(result.seconds)
    answered = [r.seconds for r in results if r.outcome[0].isdigit()]
    print(f"{title}: {len(answered)} answers in {seconds:g} s ({len(answered) / seconds:.0f}/s)")
    if answered:
        print(f"  every answer: {summary(answered)}")
    for outcome, latencies in sorted(by_outcome.items()):
        print(f"  {outcome}: {len(latencies)}, {summary(latencies)}")


def dump(results: list[Result], path: str) -> None:
    """Every request as one CSV line: outcome, sent, seconds, earlier requests."""
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(Result._fields)
        writer.writerows(results)
