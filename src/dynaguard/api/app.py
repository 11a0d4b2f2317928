"""Application factory: one place that wires settings, the DynamoDB client and the routers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from dynaguard import __version__
from dynaguard.api import health
from dynaguard.config import Settings


def create_app(settings: Settings, client: Any) -> FastAPI:
    """Build the service over an existing DynamoDB client (the caller owns its lifetime)."""
    app = FastAPI(
        title="dynaguard reference service",
        version=__version__,
        description="Owner- and tenant-scoped profiles and items on DynamoDB.",
    )
    app.state.settings = settings
    app.state.dynamodb = client
    app.include_router(health.router)
    return app
