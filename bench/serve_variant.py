"""Serve one benchmark variant with uvicorn: the settings every variant gets are identical (one
worker, loopback TCP, log level warning, no access log), so only the app differs.

Run from the repository root: python -m bench.serve_variant --variant secure --endpoint URL
--table T --port P --data-dir D"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from bench.variants import FACTORIES
from dynaguard.config import Settings
from dynaguard.store.connection import dynamodb_client


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variant", choices=sorted(FACTORIES), required=True)
    parser.add_argument("--endpoint", required=True, help="DynamoDB Local URL")
    parser.add_argument("--table", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True, help="signing key, cursor key")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    settings = Settings(
        dynamodb_endpoint=args.endpoint,
        table=args.table,
        data_dir=args.data_dir,
        port=args.port,
        log_level="warning",
    )
    app = FACTORIES[args.variant](settings, dynamodb_client(settings))
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        workers=1,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
