"""Map store refusals to HTTP. A foreign item and a missing one get the same 404 body; nothing
unexpected leaves as a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from dynaguard.audit import log_denial
from dynaguard.store import (
    BadCursor,
    Forbidden,
    IdempotencyKeyReused,
    InvalidGrant,
    InvalidRequest,
    InvalidValue,
    NotFound,
    StoreUnavailable,
    TooManyGrants,
    UnstorableValue,
    VersionConflict,
)

NOT_FOUND_BODY = {"detail": "Not Found"}  # the same body as an unknown route

logger = logging.getLogger("dynaguard.fastapi")


def _principal_label(request: Request) -> str | None:
    label: str | None = getattr(request.state, "principal_label", None)
    return label


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    log_denial(request, _principal_label(request), 404, "not found or not owned")
    return JSONResponse(NOT_FOUND_BODY, status_code=404)


async def _forbidden(request: Request, exc: Exception) -> JSONResponse:
    log_denial(request, _principal_label(request), 403, "shared read-only: not an editor")
    return JSONResponse({"detail": "you may read this item but not change it"}, status_code=403)


async def _too_many_grants(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc) or "too many grants"}, status_code=409)


async def _invalid_grant(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc) or "invalid grant"}, status_code=422)


async def _version_conflict(request: Request, exc: Exception) -> JSONResponse:
    detail = "version mismatch: re-read the item and retry with its current ETag"
    return JSONResponse({"detail": detail}, status_code=412)


async def _bad_cursor(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc) or "invalid cursor"}, status_code=400)


async def _invalid_body(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 without echoing the input back (it may be huge, or not even JSON-encodable)."""
    assert isinstance(exc, RequestValidationError)
    errors = [{"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)


async def _invalid_value(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, UnstorableValue):  # refused by the store itself: the rule is safe to show
        return JSONResponse({"detail": f"a value cannot be stored: {exc}"}, status_code=422)
    logger.warning("DynamoDB refused a value on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": "a value cannot be stored as given"}, status_code=422)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc) or "invalid request"}, status_code=422)


async def _key_reused(request: Request, exc: Exception) -> JSONResponse:
    detail = "this Idempotency-Key was already used for a create with other fields"
    return JSONResponse({"detail": detail}, status_code=422)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("DynamoDB unavailable: %s", exc)
    return JSONResponse(
        {"detail": "the database is unavailable; retry shortly"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "internal error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(VersionConflict, _version_conflict)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(TooManyGrants, _too_many_grants)
    app.add_exception_handler(InvalidGrant, _invalid_grant)
    app.add_exception_handler(BadCursor, _bad_cursor)
    app.add_exception_handler(StoreUnavailable, _unavailable)
    app.add_exception_handler(InvalidValue, _invalid_value)
    app.add_exception_handler(InvalidRequest, _invalid_request)
    app.add_exception_handler(IdempotencyKeyReused, _key_reused)
    app.add_exception_handler(RequestValidationError, _invalid_body)
    app.add_exception_handler(Exception, _unexpected)
