"""FastAPI shop with a training-lab `GET /api/reset` that wipes the database and a `POST
/api/seed`. Vulnerable: `GET /api/orders/{order_id}` returns any order. The probe must never call
the reset or seed routes."""

import itertools
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from dynaguard.probe.engine.identities import Identity

from ._kit import static

EXPECTED = {("bola-read", "GET /api/orders/{order_id}")}
TOKENS = {"alice": "t-alice-1", "bob": "t-bob-2", "dave": "t-dave-3"}


class OrderIn(BaseModel):
    item: str
    quantity: int = 1
    note: str | None = None


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="shop lab")
    app.state.resets = 0
    orders: dict[str, dict[str, Any]] = {}
    numbers = itertools.count(1000)
    bearer = HTTPBearer(auto_error=False)
    by_token = {token: name for name, token in TOKENS.items()}

    def user(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        if creds is None or creds.credentials not in by_token:
            raise HTTPException(401, "unauthorized")
        return by_token[creds.credentials]

    User = Annotated[str, Depends(user)]

    @app.get("/api/reset")
    def reset() -> dict[str, str]:
        app.state.resets += 1
        orders.clear()
        return {"status": "database reset"}

    @app.post("/api/seed")
    def seed() -> dict[str, str]:
        app.state.resets += 1
        return {"status": "seeded"}

    @app.post("/api/orders", status_code=201)
    def order(body: OrderIn, me: User) -> dict[str, Any]:
        number = str(next(numbers))
        orders[number] = {"order_id": number, "customer": me, **body.model_dump()}
        return {"order": orders[number]}

    @app.get("/api/orders")
    def mine(me: User) -> dict[str, Any]:
        return {"orders": [o for o in orders.values() if o["customer"] == me]}

    @app.get("/api/orders/{order_id}")
    def read(order_id: str, me: User) -> dict[str, Any]:
        found = orders.get(order_id)
        if found is None or (not vulnerable and found["customer"] != me):
            raise HTTPException(404, "order not found")
        return {"order": found}

    return app


def identities(url: str) -> list[Identity]:
    return static(TOKENS)
