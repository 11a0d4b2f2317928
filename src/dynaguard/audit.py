"""Structured audit lines: one JSON object per denial (401, 403, 404), per admin action that
reaches another member's data (an admin delete, an admin's read of a member's profile), and per
change of who may see an item (a grant, a revoke, a change of its visibility).

Operators grep these to see probing and privileged use; they never contain tokens or item
contents, and client-chosen path values that are not well-formed identifiers are replaced by a
fixed placeholder (a hostile id must not reach the log, where it could be huge or misleading)."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from starlette.requests import Request

from dynaguard.identifiers import valid_key_segment

audit_logger = logging.getLogger("dynaguard.audit")

MALFORMED = "<malformed>"
_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def audited_path(request: Request) -> str:
    """The request path with every path parameter that is not a well-formed identifier (the
    key-segment rule, which UUIDs and `sub` values meet) replaced by MALFORMED."""
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        path = request.url.path
        return path if len(path) <= 256 and path.isascii() and path.isprintable() else MALFORMED
    values = request.path_params

    def value(match: re.Match[str]) -> str:
        given = values.get(match.group(1))
        return given if isinstance(given, str) and valid_key_segment(given) else MALFORMED

    return _PARAMETER.sub(value, template)


def _write(request: Request, event: str, principal: str | None, outcome: int, **more: Any) -> None:
    path = audited_path(request)
    record = {
        "ts": round(time.time(), 3),
        "event": event,
        "principal": principal,
        "method": request.method,
        "route": getattr(request.scope.get("route"), "path", None) or path,
        "path": path,
        "outcome": outcome,
        "request_id": getattr(request.state, "request_id", None),
        **more,
    }
    audit_logger.warning(json.dumps(record, separators=(",", ":")))


def log_denial(request: Request, principal: str | None, outcome: int, reason: str) -> None:
    """Write one audit line: who (`org/sub` or None), which route, the status given, and why."""
    _write(request, "access_denied", principal, outcome, reason=reason)


def log_admin_action(request: Request, principal: str, outcome: int, action: str) -> None:
    """Write one audit line for an admin's successful use of an org-wide power."""
    _write(request, "admin_action", principal, outcome, action=action)


def log_sharing(
    request: Request, principal: str | None, event: str, item_id: str, grantee: str, role: str
) -> None:
    """Write one audit line for a grant (`grant`) or a revoke (`revoke`): who changed whose access
    to which item. Never item contents."""
    outcome = 200 if event == "grant" else 204
    _write(request, event, principal, outcome, item_id=item_id, grantee=grantee, role=role)


def log_visibility(request: Request, principal: str | None, item_id: str, visibility: str) -> None:
    """Write one audit line for an owner's change of an item's visibility (`private` or `org`):
    like a grant, it changes who may read the item."""
    _write(request, "visibility", principal, 200, item_id=item_id, visibility=visibility)
