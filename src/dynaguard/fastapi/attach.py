"""`attach_dynaguard`: what any FastAPI app needs to get dynaguard's guarantees, in one call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from dynaguard.auth import build_verifier
from dynaguard.config import Mode, Settings
from dynaguard.errors import DynaguardError
from dynaguard.fastapi import health
from dynaguard.fastapi.errors import install_error_handlers
from dynaguard.fastapi.limits import BodyDeadline, BodyFirst, BodySizeLimit
from dynaguard.fastapi.openapi_responses import document_edge_responses
from dynaguard.fastapi.request_id import RequestId, install_request_id_logging
from dynaguard.fastapi.shedding import ConcurrencyLimit
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
    """Give any FastAPI app dynaguard's token verifier, scoped store, edge bounds (body size and
    time, load shedding), request ids, optional CORS, error mapping, the verifier's release at
    shutdown, the `/healthz` and `/readyz` routes and their refusals in the OpenAPI document;
    its own routes then use `Principal`, `owned_by_caller(...)` and friends. Server-level
    bounds (header size and time) are uvicorn's:
    `dynaguard.fastapi.server.uvicorn_limits(settings)`."""
    app.state.settings = settings
    app.state.token_verifier = build_verifier(settings)
    sealer = CursorSealer(cursor_secret(settings), settings.cursor_ttl_seconds)
    app.state.store = Store(client, settings.table, sealer)
    add_edge_middleware(app, settings)
    _close_verifier_on_shutdown(app)
    install_error_handlers(app)
    app.include_router(health.router)
    document_edge_responses(app)


def _close_verifier_on_shutdown(app: FastAPI) -> None:
    """Wrap the app's lifespan so that, when it ends, the token verifier releases what it holds
    (an OIDC key cache's HTTP connections; a verifier without `close()` holds nothing)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with inner(application) as state:
            try:
                yield state
            finally:
                close = getattr(app.state.token_verifier, "close", None)
                if callable(close):
                    close()

    app.router.lifespan_context = lifespan


def add_edge_middleware(app: FastAPI, settings: Settings) -> None:
    """The middleware stack, outermost first: request id (so every answer, refusals included,
    carries one), CORS (so browsers can read refusals too), the body's deadline and size, the
    whole body received, then load shedding (before any work: a request is admitted, and its
    DynamoDB deadline starts, once it has fully arrived)."""
    app.add_middleware(ConcurrencyLimit, max_requests=settings.max_concurrent_requests)
    app.add_middleware(BodyFirst)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(BodyDeadline, seconds=settings.body_timeout_seconds)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "Idempotency-Key",
                "X-Request-ID",
            ],
            expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID"],
            allow_credentials=False,  # bearer tokens, not cookies
            max_age=600,
        )
    app.add_middleware(RequestId)
    install_request_id_logging()
