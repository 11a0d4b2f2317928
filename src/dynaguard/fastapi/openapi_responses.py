"""The responses the edge and the library can give, declared in the OpenAPI document of every
route that can give them, so that a generated client knows them: 401 on routes that need a
token, 503 (load shedding, database or identity provider unavailable) with `Retry-After` on
every route but liveness, 408 and 413 on routes that take a body.

They are added when the document is built, not when routes are declared, so routes added after
`attach_dynaguard` (the usual order) are covered, and a route's own declaration wins."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import BaseRoute

from dynaguard.auth.dependencies import current_principal
from dynaguard.fastapi.shedding import EXEMPT_PATHS

Responses = dict[int | str, dict[str, Any]]


class ErrorDetail(BaseModel):
    """The body of every refusal: a human-readable reason."""

    detail: str


UNAUTHORIZED: Responses = {
    401: {
        "model": ErrorDetail,
        "description": "no bearer token, or one that does not verify",
        "headers": {
            "WWW-Authenticate": {
                "description": 'the RFC 6750 challenge, e.g. `Bearer error="invalid_token"`',
                "schema": {"type": "string"},
            }
        },
    }
}
UNAVAILABLE: Responses = {
    503: {
        "model": ErrorDetail,
        "description": "at capacity, or the database or identity provider is unavailable",
        "headers": {
            "Retry-After": {
                "description": "seconds to wait before retrying",
                "schema": {"type": "integer"},
            }
        },
    }
}
BODY_REFUSED: Responses = {
    408: {"model": ErrorDetail, "description": "the request body did not arrive in time"},
    413: {"model": ErrorDetail, "description": "the request body is too large"},
}


def _calls(dependant: Dependant) -> Iterable[Callable[..., Any] | None]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def edge_responses(route: APIRoute) -> Responses:
    """What the edge and the library add to `route`'s documented responses."""
    added: Responses = {}
    if route.path not in EXEMPT_PATHS:
        added.update(UNAVAILABLE)
    if current_principal in _calls(route.dependant):
        added.update(UNAUTHORIZED)
    if route.body_field is not None:
        added.update(BODY_REFUSED)
    return added


def declare_edge_responses(routes: Iterable[BaseRoute]) -> None:
    """Add `edge_responses` to each API route (a status the route declares itself is kept)."""
    for route in routes:
        if isinstance(route, APIRoute):
            own = {str(status) for status in route.responses}
            added = {k: v for k, v in edge_responses(route).items() if str(k) not in own}
            route.responses = {**route.responses, **added}


def document_edge_responses(app: FastAPI) -> None:
    """Make `app.openapi()` declare the edge responses of every route it documents."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        declare_edge_responses(app.routes)
        return build()

    app.openapi = openapi  # type: ignore[method-assign]
