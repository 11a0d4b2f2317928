"""Liveness and readiness, both unauthenticated.

Liveness (`/healthz`) is an `async` route with no dependency: it never waits for the thread pool,
so a pool saturated by slow DynamoDB calls cannot make a live process look dead (and get it
restarted, which would only add load). Readiness (`/readyz`) needs the table to answer one cheap
read and the token signing keys to be loaded.

Anonymous callers learn only the status: the reason (table name, AWS error codes) is logged, not
returned, because it tells an outsider what the service runs on."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dynaguard.fastapi._store import store_of
from dynaguard.store import StoreUnavailable

logger = logging.getLogger("dynaguard.fastapi")

router = APIRouter(tags=["health"])

_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "not ready (the table does not answer or the signing keys are not "
        "loaded), or at capacity",
        "headers": {
            "Retry-After": {
                "description": "seconds to wait, when the refusal is for capacity",
                "schema": {"type": "integer"},
            }
        },
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {"status": {"type": "string", "enum": ["unavailable"]}},
                            "required": ["status"],
                        },
                        {  # the load shedder's refusal
                            "type": "object",
                            "properties": {"detail": {"type": "string"}},
                            "required": ["detail"],
                        },
                    ]
                }
            }
        },
    }
}


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive: no DynamoDB call, no thread-pool hand-off, never load-shed."""
    return {"status": "ok"}


def signing_keys_ready(request: Request) -> bool:
    """Whether the token verifier has its signing keys.

    The verifier says so through an optional `keys_ready` (a method or a property, looked up
    duck-typed so any verifier works); one without it has nothing to load (the dev issuer's key
    is read at start-up), so it counts as ready."""
    verifier = getattr(request.app.state, "token_verifier", None)
    ready = getattr(verifier, "keys_ready", None)
    if callable(ready):
        ready = ready()
    return ready is None or bool(ready)


@router.get("/readyz", responses=_NOT_READY)
def readyz(request: Request) -> Any:
    """200 when the table answers a read and the signing keys are loaded; 503 otherwise. The
    reason is logged, never returned."""
    if not signing_keys_ready(request):
        logger.warning("not ready: the token signing keys are not loaded")
        return JSONResponse({"status": "unavailable"}, status_code=503)
    try:
        store_of(request).ping()
    except StoreUnavailable as error:
        logger.warning("not ready: %s", error)
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return {"status": "ready"}
