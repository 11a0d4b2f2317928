"""Where one request's time goes: py-spy samples a `dynaguard serve` process (every thread, idle
included) while wrk sends one operation at one connection, and each sample is charged to the
layer of its innermost recognised frame. Waiting (the event loop's select, an idle pool thread,
the socket read that waits for DynamoDB) is reported apart from work, per request.

Run: .venv/bin/pip install py-spy; .venv/bin/python -m bench.profile --operation read
[--variant secure|vulnerable|remediation] [--seconds 10]"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Final

from bench.load import Server, run_wrk
from bench.seed import make_users, seed_layout, write_fixture
from bench.variants import FACTORIES, SECURE, table_for
from dynaguard.config import Settings
from dynaguard.local import DynamoDBLocal, install_dynamodb_local
from dynaguard.store.connection import dynamodb_client
from dynaguard.store.table import create_table

RATE_HZ: Final = 1000
WAITING: Final = (
    "Runner.run (asyncio/runners.py",  # the event loop in select/epoll
    "Condition.wait (threading.py",  # an idle pool thread
    "SocketIO.readinto (socket.py",  # waiting for DynamoDB's answer
    "select (selectors.py",
)
LAYERS: Final = (
    ("dynaguard/auth", "dynaguard: token check"),
    ("jwt/", "PyJWT and cryptography: signature check"),
    ("cryptography/", "PyJWT and cryptography: signature check"),
    ("dynaguard/store", "dynaguard: store (keys, conditions, codec)"),
    ("dynaguard/fastapi", "dynaguard: middleware and dependencies"),
    ("dynaguard/service", "dynaguard: routes and responses"),
    ("dynaguard/audit", "dynaguard: audit"),
    ("examples/", "seed app routes"),
    ("botocore/auth", "botocore: SigV4 signing"),
    ("botocore/parsers", "botocore: response parsing"),
    ("botocore/regions", "botocore: endpoint resolution"),
    ("botocore/endpoint_provider", "botocore: endpoint resolution"),
    ("boto3/", "boto3 resource layer"),
    ("urllib3/", "urllib3 and http.client"),
    ("http/client", "urllib3 and http.client"),
    ("botocore/", "botocore: other (hooks, serialising, request building)"),
    ("pydantic", "pydantic"),
    ("fastapi/", "FastAPI (routing, dependency solving)"),
    ("starlette/", "Starlette (routing, responses)"),
    ("uvicorn/", "uvicorn and h11"),
    ("h11/", "uvicorn and h11"),
    ("anyio/", "thread-pool hand-offs (anyio)"),
    ("threading.py", "thread-pool hand-offs (anyio)"),
    ("asyncio/", "asyncio event loop"),
    ("json/", "json"),
)


def layer_of(stack: list[str]) -> str:
    for frame in reversed(stack):
        for marker, name in LAYERS:
            if marker in frame:
                return name
    return "other"


def charge(raw: Path, requests: int) -> tuple[dict[str, float], float]:
    """Microseconds per request by layer (busy samples only), and waiting per request."""
    busy: Counter[str] = Counter()
    waiting = 0
    for line in raw.read_text().splitlines():
        stack_text, _, count = line.rpartition(" ")
        frames = stack_text.split(";")
        if any(frames[-1].startswith(mark) for mark in WAITING):
            waiting += int(count)
            continue
        busy[layer_of(frames[1:])] += int(count)
    per_sample_us = 1e6 / RATE_HZ
    return (
        {name: n * per_sample_us / requests for name, n in busy.most_common()},
        waiting * per_sample_us / requests,
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--operation", default="read")
    parser.add_argument("--variant", default=SECURE, choices=sorted(FACTORIES))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path, default=Path(".dynaguard"))
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        sys.exit("py-spy is not installed: .venv/bin/pip install py-spy")
    logging.getLogger("dynaguard.audit").setLevel(logging.ERROR)
    scratch = Path(tempfile.mkdtemp(prefix="dynaguard-profile-"))
    layout = "secure" if args.variant == SECURE else "seed"
    try:
        with DynamoDBLocal(install_dynamodb_local(args.cache_dir)) as engine:
            table = table_for(args.variant)
            settings = Settings(dynamodb_endpoint=engine.endpoint, table=table, data_dir=scratch)
            create_table(dynamodb_client(settings), table)
            users = make_users(settings, 2, 3)
            app = FACTORIES[args.variant](settings, dynamodb_client(settings))
            seed_layout(app, layout, users, 20)
            fixture = write_fixture(scratch / "fixture.txt", users, layout)
            raw = scratch / "samples.txt"
            with Server(args.variant, engine.endpoint, table, scratch) as server:
                run_wrk(server.url, args.operation, fixture, args.connections, 3)  # warm-up
                record = [
                    spy, "record", "--pid", str(server.pid), "--threads", "--idle",
                    "--nonblocking", "--rate", str(RATE_HZ), "--format", "raw",
                    "--duration", str(args.seconds + 2), "-o", str(raw),
                ]  # fmt: skip
                sampler = subprocess.Popen(record, stdout=subprocess.DEVNULL)
                time.sleep(1)
                cell = run_wrk(server.url, args.operation, fixture, args.connections, args.seconds)
                sampler.wait()
            layers, waiting = charge(raw, cell.requests)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{args.variant} {args.operation} c={args.connections}: {cell.requests} requests, "
          f"p50 {cell.p50_ms:.2f} ms; per request, busy {sum(layers.values()):.0f} us, "
          f"waiting (all threads) {waiting:.0f} us")  # fmt: skip
    print("| layer | us per request |\n|---|---|")
    for name, micros in layers.items():
        print(f"| {name} | {micros:.0f} |")


if __name__ == "__main__":
    main()
