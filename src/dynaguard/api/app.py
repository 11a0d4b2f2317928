"""Application factory: one place that wires settings, auth, the scoped store and the routers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from dynaguard import __version__
from dynaguard.api import admin, health, items, profiles
from dynaguard.api.errors import install_error_handlers
from dynaguard.api.limits import BodySizeLimit
from dynaguard.auth import build_verifier
from dynaguard.config import Mode, Settings
from dynaguard.errors import DynaguardError
from dynaguard.store import CursorSealer, Store, load_or_create_secret


def cursor_secret(settings: Settings) -> bytes:
    """The configured secret; in local mode one generated into the data directory."""
    if settings.cursor_secret is not None:
        return settings.cursor_secret.get_secret_value().encode()
    if settings.mode is Mode.AWS:
        raise DynaguardError(
            "aws mode needs DYNAGUARD_CURSOR_SECRET (32+ random characters, the same on every "
            "instance) to seal page cursors"
        )
    return load_or_create_secret(settings.data_dir / "cursor.key")


def attach_dynaguard(app: FastAPI, settings: Settings, client: Any) -> None:
    """Give any FastAPI app dynaguard's token verifier, scoped store, body limit and error mapping;
    its routes then use `Principal`, `owned_by_caller(...)` and friends."""
    app.state.settings = settings
    app.state.token_verifier = build_verifier(settings)
    sealer = CursorSealer(cursor_secret(settings), settings.cursor_ttl_seconds)
    app.state.store = Store(client, settings.table, sealer)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)


def create_app(settings: Settings, client: Any) -> FastAPI:
    """The reference service over an existing DynamoDB client (the caller owns its lifetime)."""
    app = FastAPI(
        title="dynaguard reference service",
        version=__version__,
        description="Owner- and tenant-scoped profiles and items on DynamoDB.",
    )
    attach_dynaguard(app, settings, client)
    for module in (health, profiles, items, admin):
        app.include_router(module.router)
    return app
