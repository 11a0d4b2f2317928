"""FastAPI shop with public catalogue data: products and their reviews are public by design (no
security requirement), orders are private. Vulnerable: `GET /orders/{order_id}` returns any order.
Nothing about products or reviews may be reported."""

import itertools
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from dynaguard.probe.engine.identities import Identity

from ._kit import static

EXPECTED = {("bola-read", "GET /orders/{order_id}")}
TOKENS = {"alice": "cat-alice", "bob": "cat-bob", "dave": "cat-dave"}


class ReviewIn(BaseModel):
    rating: int = Field(ge=1, le=5)
    text: str


class OrderIn(BaseModel):
    product_id: int
    quantity: int = Field(default=1, ge=1)
    gift_message: str | None = None


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="catalogue")
    products = {
        101: {"id": 101, "name": "kettle", "price": 30},
        102: {"id": 102, "name": "mug", "price": 8},
    }
    reviews: dict[int, dict[str, Any]] = {}
    orders: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)
    bearer = HTTPBearer(auto_error=False)
    by_token = {token: name for name, token in TOKENS.items()}

    def user(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        if creds is None or creds.credentials not in by_token:
            raise HTTPException(401, "unauthorized")
        return by_token[creds.credentials]

    User = Annotated[str, Depends(user)]

    def product(product_id: int) -> dict[str, Any]:
        if product_id not in products:
            raise HTTPException(404, "no such product")
        return products[product_id]

    @app.get("/products")
    def catalogue() -> list[dict[str, Any]]:
        return list(products.values())

    @app.get("/products/{product_id}")
    def one(product_id: int) -> dict[str, Any]:
        found = product(product_id)
        return {**found, "reviews": [r for r in reviews.values() if r["product_id"] == product_id]}

    @app.get("/products/{product_id}/reviews")
    def product_reviews(product_id: int) -> list[dict[str, Any]]:
        product(product_id)
        return [r for r in reviews.values() if r["product_id"] == product_id]

    @app.post("/products/{product_id}/reviews", status_code=201)
    def review(product_id: int, body: ReviewIn, me: User) -> dict[str, Any]:
        product(product_id)
        found = {"id": next(ids), "product_id": product_id, "author": me, **body.model_dump()}
        reviews[found["id"]] = found
        return found

    @app.get("/reviews/{review_id}")
    def read_review(review_id: int) -> dict[str, Any]:
        if review_id not in reviews:
            raise HTTPException(404, "no such review")
        return reviews[review_id]

    @app.post("/orders", status_code=201)
    def order(body: OrderIn, me: User) -> dict[str, Any]:
        product(body.product_id)
        found = {"id": next(ids), "customer": me, **body.model_dump()}
        orders[found["id"]] = found
        return found

    @app.get("/orders")
    def mine(me: User) -> list[dict[str, Any]]:
        return [o for o in orders.values() if o["customer"] == me]

    @app.get("/orders/{order_id}")
    def read_order(order_id: int, me: User) -> dict[str, Any]:
        found = orders.get(order_id)
        if found is None or (not vulnerable and found["customer"] != me):
            raise HTTPException(404, "no such order")
        return found

    return app


def identities(url: str) -> list[Identity]:
    return static(TOKENS)
