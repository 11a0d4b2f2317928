"""Liveness and readiness, both unauthenticated. Readiness makes one cheap data-plane call."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])

_PROBE_KEY = {"pk": {"S": "HEALTH"}, "sk": {"S": "HEALTH"}}


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive; makes no DynamoDB call."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "the table does not answer"}})
def readyz(request: Request) -> Any:  # dynaguard: ignore[DG105] public probe, constant key, no data
    """200 when the table answers a read, 503 with the reason otherwise."""
    client = request.app.state.dynamodb
    table = request.app.state.settings.table
    try:
        client.get_item(TableName=table, Key=_PROBE_KEY)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        return JSONResponse({"status": "unavailable", "reason": code}, status_code=503)
    except BotoCoreError as error:
        reason = type(error).__name__
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return {"status": "ready", "table": table}
