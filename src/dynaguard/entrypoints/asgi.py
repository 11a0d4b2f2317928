"""The production entry point: an ASGI app built from environment settings alone.

    uvicorn --factory dynaguard.entrypoints.asgi:create_app_from_env
    gunicorn -k uvicorn_worker.UvicornWorker 'dynaguard.entrypoints.asgi:create_app_from_env()'

It never starts DynamoDB Local: it uses DYNAGUARD_DYNAMODB_ENDPOINT, or Amazon DynamoDB with
DYNAGUARD_MODE=aws. Each worker process calls it once; workers share nothing but what the
environment gives them, so DYNAGUARD_CURSOR_SECRET must be set for cursors to cross workers
(in local mode the generated key file in the data directory serves the same purpose)."""

from __future__ import annotations

import logging
import sys
from typing import Any

from pydantic import ValidationError

from dynaguard.config import Mode, Settings
from dynaguard.errors import DynaguardError
from dynaguard.startup import build_app, check_issuer, load_factory, open_table
from dynaguard.store.connection import dynamodb_client

log = logging.getLogger("dynaguard.service")


def create_app_from_env() -> Any:
    """The servers' factory: `build_app_from_env()`, with a configuration error printed as one
    line and exit status 1 instead of a traceback in the server's log."""
    try:
        return build_app_from_env()
    except DynaguardError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None


def build_app_from_env() -> Any:
    """Settings from `DYNAGUARD_*`, the table checked, the configured app factory called;
    misconfiguration raises DynaguardError.

    The bind address is the server's business, so the dev issuer counts as reachable from
    elsewhere: it is refused unless DYNAGUARD_ALLOW_DEV_ISSUER is set."""
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise DynaguardError(f"invalid {where}: {first['msg']}") from None
    if settings.mode is Mode.LOCAL and settings.dynamodb_endpoint is None:
        raise DynaguardError(
            "the ASGI factory never starts DynamoDB Local: set DYNAGUARD_DYNAMODB_ENDPOINT, "
            "or DYNAGUARD_MODE=aws for Amazon DynamoDB (or use `dynaguard serve`)"
        )
    factory = load_factory(settings.app)
    trust = check_issuer(settings, host=None)
    client = dynamodb_client(settings)
    open_table(settings, client)
    application = build_app(factory, settings, client)
    log.warning(trust)
    return application
