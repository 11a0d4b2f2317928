"""An optional rule that writes carry `If-Match` (RFC 6585's 428 Precondition Required).

Without it a client that never reads before it writes overwrites others' changes silently (a lost
update); with `DYNAGUARD_REQUIRE_IF_MATCH=true` such a write is refused with 428 instead. `*`
does not satisfy the rule: it matches any version, so it would not prevent a lost update."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request

from dynaguard.fastapi.etag import expected_version

PRECONDITION_REQUIRED: dict[int | str, dict[str, Any]] = {
    428: {"description": "If-Match is required (DYNAGUARD_REQUIRE_IF_MATCH) and was not given"}
}


def if_match_required(request: Request) -> bool:
    """Whether the app's settings demand If-Match on writes."""
    settings = getattr(request.app.state, "settings", None)
    return bool(getattr(settings, "require_if_match", False))


def required_version(request: Request, if_match: str | None) -> int | None:
    """The version `If-Match` demands (see `expected_version`); 428 when the app requires the
    header and it is missing or `*`."""
    if if_match_required(request) and (if_match is None or if_match.strip() == "*"):
        raise HTTPException(
            status_code=428,
            detail='this service requires If-Match with the ETag of your last read, like "3"',
        )
    return expected_version(if_match)
