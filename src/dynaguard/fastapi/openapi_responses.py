"""The refusals the edge and the library can give, declared in the OpenAPI document for every
operation that can give them, so that generated clients know them: 503 (at capacity, database or
identity provider unavailable) with `Retry-After` everywhere but liveness, 401 where a bearer
token is required, 408 and 413 where there is a request body.

They are added to the finished document rather than to the routes, so routes added after
`attach_dynaguard` (the usual order) and routers of any nesting are covered; a status an
operation declares itself is kept as it is."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from dynaguard.fastapi.shedding import EXEMPT_PATHS

_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_DETAIL_REF = {"$ref": "#/components/schemas/ErrorDetail"}


class ErrorDetail(BaseModel):
    """The body of every refusal: a human-readable reason."""

    detail: str


def _refusal(description: str, **headers: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _DETAIL_REF}},
    }
    if headers:
        response["headers"] = {
            name: {
                "description": text,
                "schema": {"type": "integer" if name == "Retry-After" else "string"},
            }
            for name, text in headers.items()
        }
    return response


UNAUTHORIZED = _refusal(
    "no bearer token, or one that does not verify",
    **{"WWW-Authenticate": 'the RFC 6750 challenge, e.g. `Bearer error="invalid_token"`'},
)
UNAVAILABLE = _refusal(
    "at capacity, or the database or identity provider is unavailable",
    **{"Retry-After": "seconds to wait before retrying"},
)
TIMED_OUT = _refusal("the request body did not arrive in time")
TOO_LARGE = _refusal("the request body is too large")


def edge_responses(path: str, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The refusals one operation of the document can give besides its own."""
    added: dict[str, dict[str, Any]] = {}
    if path not in EXEMPT_PATHS:
        added["503"] = UNAVAILABLE
    if operation.get("security"):
        added["401"] = UNAUTHORIZED
    if "requestBody" in operation:
        added["408"] = TIMED_OUT
        added["413"] = TOO_LARGE
    return added


def add_edge_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Declare `edge_responses` in `document` (in place; idempotent) and return it."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", ErrorDetail.model_json_schema())
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in _METHODS:
                responses = operation.setdefault("responses", {})
                for status, response in edge_responses(path, operation).items():
                    responses.setdefault(status, response)
    return document


def document_edge_responses(app: FastAPI) -> None:
    """Make `app.openapi()` declare the edge's refusals (FastAPI's documented extension point)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        return add_edge_responses(build())

    app.openapi = openapi  # type: ignore[method-assign]
