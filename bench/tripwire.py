"""The benchmark's tripwire, run by `./scripts/test` (well under two minutes): it fails when

- a secure operation makes more DynamoDB requests per HTTP request than its budget below, or
- the secure service's p50 latency on `read` or `update` is more than `MAX_RATIO` times the seed's
  vulnerable routes' in the same run (both served by `dynaguard serve`, one request at a time,
  rounds alternating, the median of the per-round ratios).

It guards against regressions of the size that once went unnoticed (every store call waiting
~40 ms for a delayed ACK made secure/naive 12-15x); it is not a performance claim. The numbers
users should read come from `./scripts/bench` (README: Benchmarks).

Run: python -m bench.tripwire [--rounds N] [--requests N]"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from bench.calls import count_calls
from bench.load import Server
from bench.seed import SeedSizes, User, create_tables, make_users, seed_tables
from bench.variants import SECURE, SECURE_TABLE, SEED_TABLE, VULNERABLE
from dynaguard.local import DynamoDBLocal, install_dynamodb_local

CALL_BUDGET: Final[dict[str, float]] = {
    "read": 1,
    "update": 1,
    "create": 1,
    "idem_create": 3,
    "delete": 1,
    "list": 1,
    "profile_read": 1,
    "shared_read": 1,
    "shared_update": 1,
    "org_list": 2,
    "team_read": 2,
    "team_update": 2,
}
"""DynamoDB requests per HTTP request the secure service may make (README: request costs)."""
MAX_RATIO: Final = 2.0
"""secure/vulnerable p50 above this on read or update fails the run."""
RATIO_OPERATIONS: Final = ("read", "update")

Request = Callable[[str, int], tuple[str, str, bytes | None]]
"""(one of the caller's item ids, request number) -> (method, path, body)."""


def _read(item: str, _: int) -> tuple[str, str, bytes | None]:
    return "GET", f"/org/items/{item}", None


def _update(item: str, index: int) -> tuple[str, str, bytes | None]:
    return "PATCH", f"/org/items/{item}", b'{"name":"tripwire %d"}' % index


_REQUESTS: Final[dict[str, Request]] = {"read": _read, "update": _update}


def _p50_ms(url: str, layout: str, users: list[User], operation: str, count: int) -> float:
    """`count` requests of `operation` one at a time on one keep-alive connection; the p50 (ms)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.connect()
    assert connection.sock is not None
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    samples: list[float] = []
    try:
        for index in range(count + count // 10):  # the first tenth warms up, untimed
            user = users[index % len(users)]
            items = user.items[layout]
            method, path, body = _REQUESTS[operation](items[index % len(items)], index)
            headers = {"Authorization": f"Bearer {user.token}", "Content-Type": "application/json"}
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise RuntimeError(f"{url} {method} {path}: HTTP {response.status}")
            if index >= count // 10:
                samples.append(elapsed)
    finally:
        connection.close()
    return statistics.median(samples)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="dynaguard benchmark tripwire")
    parser.add_argument("--rounds", type=int, default=3, help="alternating secure/naive rounds")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per cell")
    cache = os.environ.get("DYNAGUARD_TEST_CACHE")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(cache) if cache else Path(".dynaguard"),
        help="where DynamoDB Local is installed (default: $DYNAGUARD_TEST_CACHE)",
    )
    return parser.parse_args()


def _check_calls(calls: dict[str, float]) -> list[str]:
    failures = []
    for operation, budget in CALL_BUDGET.items():
        measured = calls.get(operation)
        if measured is None:
            failures.append(f"{operation}: not measured")
        elif measured > budget:
            failures.append(f"{operation}: {measured:g} DynamoDB requests, budget {budget:g}")
    return failures


def main() -> int:
    args = _arguments()
    logging.getLogger("dynaguard.audit").setLevel(logging.ERROR)  # seeding's grant lines
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="dynaguard-tripwire-"))
    try:
        with DynamoDBLocal(install_dynamodb_local(args.cache_dir)) as engine:
            failures = _run(args, engine.endpoint, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"tripwire: {time.monotonic() - started:.0f} s", flush=True)
    for failure in failures:
        print(f"tripwire FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _run(args: argparse.Namespace, endpoint: str, scratch: Path) -> list[str]:
    settings = create_tables(endpoint, scratch)
    users = make_users(settings[SECURE_TABLE], 2, 3)
    seed_tables(
        settings, users, SeedSizes(items_per_user=20, shared_per_user=5, org_visible_per_user=5)
    )

    calls = count_calls(SECURE, settings[SECURE_TABLE], users, per_operation=10)
    print(f"tripwire: DynamoDB requests per HTTP request (secure): {calls}", flush=True)
    failures = _check_calls(calls)

    ratios: dict[str, list[float]] = {operation: [] for operation in RATIO_OPERATIONS}
    with (
        Server(SECURE, endpoint, SECURE_TABLE, scratch) as secure,
        Server(VULNERABLE, endpoint, SEED_TABLE, scratch) as naive,
    ):
        for round_ in range(args.rounds):
            order = [(secure, "secure"), (naive, "seed")]
            if round_ % 2:
                order.reverse()
            for operation in RATIO_OPERATIONS:
                p50 = {
                    server.variant: _p50_ms(server.url, layout, users, operation, args.requests)
                    for server, layout in order
                }
                ratios[operation].append(p50[SECURE] / p50[VULNERABLE])
                print(
                    f"tripwire: round {round_ + 1} {operation} p50 secure {p50[SECURE]:.2f} ms, "
                    f"vulnerable {p50[VULNERABLE]:.2f} ms",
                    flush=True,
                )
    for operation, values in ratios.items():
        ratio = statistics.median(values)
        print(f"tripwire: {operation} secure/vulnerable p50 {ratio:.2f} (limit {MAX_RATIO})")
        if ratio > MAX_RATIO:
            failures.append(f"{operation}: secure/vulnerable p50 {ratio:.2f} > {MAX_RATIO}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
