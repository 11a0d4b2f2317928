"""FastAPI's TestClient, imported without Starlette's notice about its httpx transport: the bench
only uses it in process for seeding and counting, and the notice would clutter every run."""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

__all__ = ["TestClient"]
