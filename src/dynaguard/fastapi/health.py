"""Liveness and readiness, both unauthenticated. Readiness makes one cheap data-plane call."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dynaguard.fastapi.dependencies import StoreDep
from dynaguard.store import StoreUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive; makes no DynamoDB call."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "the table does not answer"}})
def readyz(store: StoreDep) -> Any:
    """200 when the table answers a read, 503 with the reason otherwise."""
    try:
        store.ping()
    except StoreUnavailable as error:
        return JSONResponse({"status": "unavailable", "reason": str(error)}, status_code=503)
    return {"status": "ready", "table": store.table}
