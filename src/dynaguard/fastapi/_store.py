"""The raw `Store` that `attach_dynaguard` put on the app, for this package's own use only (the
caller-bound dependencies and `/readyz`). Applications get scoped views; one that genuinely needs
the whole store imports it from `dynaguard.fastapi.hazmat`, whose name says what it is."""

from __future__ import annotations

from starlette.requests import Request

from dynaguard.store import Store


def store_of(request: Request) -> Store:
    """The Store that `attach_dynaguard` put on the app."""
    store: Store = request.app.state.store
    return store
