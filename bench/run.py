"""The whole benchmark in one run: one in-memory DynamoDB Local, seeded through each variant's own
routes; the secure service, the seed's vulnerable routes and the seed's remediation, each in its
own uvicorn process with identical settings, driven by wrk cell by cell in alternation (for every
operation and concurrency A B C back to back, the order rotated each repeat, so the compared
numbers are seconds apart); a raw boto3 floor; DynamoDB requests per HTTP request; a Markdown
table and a JSON file of the ratios.

Run: ./scripts/bench [--duration S] [--repeats N] ... (see --help)"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.calls import count_calls
from bench.floor import measure_floor, warm_engine
from bench.load import REPO, Server, run_wrk
from bench.report import markdown_table, summarise
from bench.seed import (
    SeedSizes,
    create_tables,
    make_users,
    seed_tables,
    write_fixture,
    write_shared_fixture,
    write_team_fixture,
)
from bench.variants import FACTORIES, SECURE, SECURE_TABLE, VARIANTS, table_for
from dynaguard.local import DynamoDBLocal, install_dynamodb_local
from dynaguard.store.connection import dynamodb_client

OPERATIONS = (
    "read",
    "update",
    "create",
    "idem_create",
    "list",
    "profile_read",
    "shared_read",
    "shared_update",
    "org_list",
    "team_read",
    "team_update",
)
TEAM_OPERATIONS = frozenset({"team_read", "team_update"})
SHARED_OPERATIONS = frozenset({"shared_read", "shared_update"}) | TEAM_OPERATIONS
"""Driven with a fixture of items shared with each caller (directly, or with their team)."""
SECURE_ONLY = SHARED_OPERATIONS | {"org_list"}
"""Only the secure service shares; its shared rows are compared with its own owner rows."""
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="dynaguard side-by-side benchmark")
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk cell")
    parser.add_argument("--warmup", type=int, default=1, help="seconds per operation warm-up")
    parser.add_argument("--repeats", type=int, default=3, help="A B C rounds (median reported)")
    parser.add_argument(
        "--concurrency", default="1,8,32", help="comma-separated wrk connection counts"
    )
    parser.add_argument("--operations", default=",".join(OPERATIONS))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--orgs", type=int, default=4)
    parser.add_argument("--users-per-org", type=int, default=5)
    parser.add_argument("--items-per-user", type=int, default=100)
    parser.add_argument(
        "--shared-per-user", type=int, default=20, help="items each user shares as editor"
    )
    parser.add_argument(
        "--org-visible-per-user", type=int, default=10, help="items each user makes org-visible"
    )
    parser.add_argument("--floor-iterations", type=int, default=1000)
    parser.add_argument(
        "--engine-warmup", type=float, default=8.0, help="seconds of untimed DynamoDB traffic"
    )
    parser.add_argument("--data-dir", type=Path, default=REPO / ".dynaguard")
    parser.add_argument("--output", type=Path, default=None, help="JSON path (default: results/)")
    return parser.parse_args()


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> None:
    args = _arguments()
    logging.getLogger("dynaguard.audit").setLevel(logging.ERROR)  # seeding's grant lines
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed; ./scripts/bench installs it")
    concurrency = [int(c) for c in args.concurrency.split(",")]
    operations = args.operations.split(",")
    variants = [v for v in args.variants.split(",") if v in FACTORIES]
    started = time.monotonic()
    install = install_dynamodb_local(args.data_dir, _log)
    scratch = Path(tempfile.mkdtemp(prefix="dynaguard-bench-"))
    try:
        with DynamoDBLocal(install) as engine:
            results = _run(args, engine.endpoint, scratch, variants, operations, concurrency)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["config"]["wall_seconds"] = round(time.monotonic() - started, 1)
    print(markdown_table(results))
    output = args.output or RESULTS_DIR / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    (output.parent / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    _log(f"wrote {output.relative_to(REPO) if output.is_relative_to(REPO) else output}")
    _log(f"total {results['config']['wall_seconds']:.0f} s")


def _layout(variant: str) -> str:
    return "secure" if variant == SECURE else "seed"


def _run(
    args: argparse.Namespace,
    endpoint: str,
    scratch: Path,
    variants: list[str],
    operations: list[str],
    concurrency: list[int],
) -> dict[str, Any]:
    settings = create_tables(endpoint, scratch)
    client = dynamodb_client(settings[SECURE_TABLE])  # the raw floor's
    users = make_users(settings[SECURE_TABLE], args.orgs, args.users_per_org)
    sizes = SeedSizes(
        args.items_per_user,
        args.shared_per_user,
        args.org_visible_per_user,
        teams=bool(TEAM_OPERATIONS & set(operations)),
    )
    seed_tables(settings, users, sizes, _log)
    fixtures = {
        layout: write_fixture(scratch / f"fixture-{layout}.txt", users, layout)
        for layout in ("secure", "seed")
    }
    shared_fixture = write_shared_fixture(scratch / "fixture-shared.txt", users)
    team_fixture = write_team_fixture(scratch / "fixture-team.txt", users)

    def fixture_for(variant: str, operation: str) -> Path:
        if operation in TEAM_OPERATIONS:
            return team_fixture
        return shared_fixture if operation in SHARED_OPERATIONS else fixtures[_layout(variant)]

    def runs(variant: str, operation: str) -> bool:
        return variant == SECURE or operation not in SECURE_ONLY

    calls = {v: count_calls(v, settings[table_for(v)], users) for v in variants}
    _log(f"DynamoDB requests per HTTP request: {calls}")
    warm_engine(client, SECURE_TABLE, users, args.engine_warmup)

    cells: dict[str, dict[str, dict[str, list[dict[str, Any]]]]] = {
        v: {op: {str(c): [] for c in concurrency} for op in operations} for v in variants
    }
    memory: dict[str, list[float]] = {v: [] for v in variants}
    floor: list[dict[str, Any]] = []
    for repeat in range(args.repeats):
        floor.append(measure_floor(client, SECURE_TABLE, users, args.floor_iterations))
        _log(f"repeat {repeat + 1}/{args.repeats}: raw floor {floor[-1]}")
        order = variants[repeat % len(variants) :] + variants[: repeat % len(variants)]
        with ExitStack() as stack:
            servers = {
                v: stack.enter_context(Server(v, endpoint, table_for(v), scratch)) for v in order
            }
            for operation in operations:
                active = [variant for variant in order if runs(variant, operation)]
                for variant in active:
                    if args.warmup > 0:
                        fixture = fixture_for(variant, operation)
                        run_wrk(servers[variant].url, operation, fixture, 8, args.warmup)
                for connections in concurrency:
                    for variant in active:
                        cell = run_wrk(
                            servers[variant].url,
                            operation,
                            fixture_for(variant, operation),
                            connections,
                            args.duration,
                        )
                        cells[variant][operation][str(connections)].append(cell.as_dict())
                        if cell.errors:
                            raise RuntimeError(f"{variant} {operation} c={connections}: {cell}")
            for variant in order:
                memory[variant].append(round(servers[variant].peak_rss_mib(), 1))
        _log(f"repeat {repeat + 1}/{args.repeats}: order {order}, peak MiB {memory}")
    raw = {
        "config": {
            **{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "data_dir": None,
            "output": None,
            "seeded_items_per_layout": len(users) * args.items_per_user,
            "users": len(users),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "server": "uvicorn, 1 worker, loopback TCP, log level warning, no access log",
        },
        "cells": cells,
        "calls_per_request": calls,
        "peak_rss_mib": memory,
        "floor": floor,
    }
    return {**raw, "summary": summarise(raw)}


if __name__ == "__main__":
    main()
