"""`attach_dynaguard`: what any FastAPI app needs to get dynaguard's guarantees, in one call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from dynaguard.auth import build_verifier
from dynaguard.config import Mode, Settings
from dynaguard.errors import DynaguardError
from dynaguard.fastapi import health
from dynaguard.fastapi.errors import install_error_handlers
from dynaguard.fastapi.limits import BodySizeLimit
from dynaguard.store import CursorSealer, Store, load_or_create_secret

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def cursor_secret(settings: Settings) -> bytes:
    """The configured secret; in local mode one generated into the data directory."""
    if settings.cursor_secret is not None:
        return settings.cursor_secret.get_secret_value().encode()
    if settings.mode is Mode.AWS:
        raise DynaguardError(
            "aws mode needs DYNAGUARD_CURSOR_SECRET (32 random bytes as hex or base64, e.g. "
            "`openssl rand -hex 32`, the same on every instance) to seal page cursors"
        )
    return load_or_create_secret(settings.data_dir / "cursor.key")


def attach_dynaguard(app: FastAPI, settings: Settings, client: DynamoDBClient) -> None:
    """Give any FastAPI app dynaguard's token verifier, scoped store, body limit, error mapping
    and the `/healthz` and `/readyz` routes; its own routes then use `Principal`,
    `owned_by_caller(...)` and friends."""
    app.state.settings = settings
    app.state.token_verifier = build_verifier(settings)
    sealer = CursorSealer(cursor_secret(settings), settings.cursor_ttl_seconds)
    app.state.store = Store(client, settings.table, sealer)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    app.include_router(health.router)
