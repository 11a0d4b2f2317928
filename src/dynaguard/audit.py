"""Structured audit lines: one JSON object per 401, 403 or 404-on-a-well-formed-id, and one per
change of who may see an item (a grant or a revoke).

Operators grep these to see probing; they never contain tokens or item contents."""

from __future__ import annotations

import json
import logging
import time

from starlette.requests import Request

audit_logger = logging.getLogger("dynaguard.audit")


def log_denial(request: Request, principal: str | None, outcome: int, reason: str) -> None:
    """Write one audit line: who (`org/sub` or None), which route, the status given, and why."""
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    record = {
        "ts": round(time.time(), 3),
        "event": "access_denied",
        "principal": principal,
        "method": request.method,
        "route": template,
        "path": request.url.path,
        "outcome": outcome,
        "reason": reason,
    }
    audit_logger.warning(json.dumps(record, separators=(",", ":")))


def log_sharing(
    request: Request, principal: str | None, event: str, item_id: str, grantee: str, role: str
) -> None:
    """Write one audit line for a grant (`grant`) or a revoke (`revoke`): who changed whose access
    to which item. Never item contents."""
    record = {
        "ts": round(time.time(), 3),
        "event": event,
        "principal": principal,
        "method": request.method,
        "path": request.url.path,
        "item_id": item_id,
        "grantee": grantee,
        "role": role,
    }
    audit_logger.info(json.dumps(record, separators=(",", ":")))
