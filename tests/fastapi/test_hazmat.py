"""The whole store is not part of `dynaguard.fastapi`'s public API: an app that needs it imports
it from `dynaguard.fastapi.hazmat`, and `/readyz` reaches it without either."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

import dynaguard.fastapi
from dynaguard.config import Settings
from dynaguard.fastapi import attach_dynaguard
from dynaguard.fastapi.hazmat import StoreDep
from dynaguard.store import Store
from dynaguard.store.connection import dynamodb_client


def test_the_front_door_hands_out_no_whole_store() -> None:
    public = set(dynaguard.fastapi.__all__)
    assert {"StoreDep", "get_store"} & public == set()
    assert not hasattr(dynaguard.fastapi, "StoreDep")
    assert not hasattr(dynaguard.fastapi, "get_store")
    assert {"Principal", "AdminPrincipal"} <= public


def test_the_hazmat_dependency_gives_the_attached_store(settings: Settings) -> None:
    app = FastAPI()
    attach_dynaguard(app, settings, dynamodb_client(settings))

    @app.get("/raw")
    def raw(store: StoreDep) -> dict[str, bool]:
        return {"attached": store is app.state.store and isinstance(store, Store)}

    with TestClient(app) as http:
        assert http.get("/raw").json() == {"attached": True}
        assert http.get("/readyz").json() == {"status": "ready"}
