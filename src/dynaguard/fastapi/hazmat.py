"""Hazardous materials: the whole `Store` as a FastAPI dependency.

With the whole store a route can build a view for any principal it can get hold of, so nothing
here keeps it to the caller's own items. Use the caller-bound dependencies of `dynaguard.fastapi`
instead; `dynaguard lint` flags every import of a `hazmat` module in route code."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dynaguard.fastapi._store import store_of
from dynaguard.store import Store


async def get_store(request: Request) -> Store:
    """The Store that `attach_dynaguard` put on the app, unscoped."""
    return store_of(request)


StoreDep = Annotated[Store, Depends(get_store)]

__all__ = ["StoreDep", "get_store"]
