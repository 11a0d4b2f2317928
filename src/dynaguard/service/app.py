"""The reference service's factory: the library attached, then the service's own routers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from dynaguard import __version__
from dynaguard.config import Settings
from dynaguard.fastapi import attach_dynaguard
from dynaguard.service import admin, grants, items, profiles, shared, team_grants, teams

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def create_app(settings: Settings, client: DynamoDBClient) -> FastAPI:
    """The reference service over an existing DynamoDB client (the caller owns its lifetime).

    Its `/docs` and `/redoc` pages load their scripts and styles from this process (the assets
    ship in the `fastapi-offline` package), not from a CDN, so they work offline and under a
    strict Content-Security-Policy."""
    app = FastAPIOffline(
        title="dynaguard reference service",
        version=__version__,
        description="Owner- and tenant-scoped profiles and items, shared in an org, on DynamoDB.",
    )
    attach_dynaguard(app, settings, client)
    for module in (profiles, items, grants, team_grants, shared, teams, admin):
        app.include_router(module.router)
    return app
