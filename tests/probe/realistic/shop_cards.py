"""Flask shop on a list storage with an `X-API-Key` header and a hand-written OpenAPI: each
customer already has an order paid with a saved card (data seeded before the run), orders carry
an enum `status` the owner may change, and the product catalogue is public. A shop page shows a
"recent orders" widget.

Vulnerable: the widget lists every customer's recent orders with the full card number and CVV.
The fixed twin shows the caller's own orders with the card masked to its last four digits."""

from __future__ import annotations

import itertools
from typing import Any

from flask import Flask, abort, jsonify, request

from dynaguard.probe.engine.identities import Identity

from ._kit import STR, obj, op, path_param, spec, static

EXPECTED = {
    ("sensitive-data", "GET /api/orders/recent"),
    ("data-leak", "GET /api/orders/recent"),
}
KEYS = {"alice": "shop-key-a1", "bob": "shop-key-b2", "dave": "shop-key-d3"}
CARDS = {"alice": "4111111111111111", "bob": "5555555555554444", "dave": "378282246310005"}
STATUS = {"type": "string", "enum": ["placed", "cancelled"]}
ORDER = obj(["product_id"], product_id={"type": "integer"}, note=STR)
CHANGE = obj([], status=STATUS, note=STR)


def create_app(vulnerable: bool) -> Flask:
    app = Flask("shop_cards")
    products = [{"id": 1, "name": "lamp", "price": 40}, {"id": 2, "name": "rug", "price": 90}]
    ids = itertools.count(100)
    orders: list[dict[str, Any]] = [
        {"id": next(ids), "customer": name, "product_id": 1, "note": "", "status": "placed",
         "card_number": card, "cvv": "123"}
        for name, card in CARDS.items()
    ]  # fmt: skip
    owners = {key: name for name, key in KEYS.items()}

    def caller() -> str:
        key = request.headers.get("X-API-Key", "")
        if key not in owners:
            abort(401)
        return owners[key]

    def shown(order: dict[str, Any]) -> dict[str, Any]:
        masked = {k: v for k, v in order.items() if k not in ("card_number", "cvv")}
        return {**masked, "card_last4": order["card_number"][-4:]}

    def mine(order_id: int, me: str) -> dict[str, Any]:
        for order in orders:
            if order["id"] == order_id and order["customer"] == me:
                return order
        abort(404)

    @app.get("/openapi.json")
    def openapi() -> Any:
        order_id = [path_param("order_id")]
        paths = {
            "/api/me": {"get": op("who am I")},
            "/api/products": {"get": op("catalogue", secured=False)},
            "/api/orders": {"get": op("my orders"), "post": op("place an order", body=ORDER)},
            "/api/orders/recent": {"get": op("recent orders widget")},
            "/api/orders/{order_id}": {
                "get": op("one order", params=order_id),
                "patch": op("change an order", params=order_id, body=CHANGE),
            },
        }
        scheme = {"type": "apiKey", "in": "header", "name": "X-API-Key"}
        return jsonify(spec("shop", paths, scheme))

    @app.get("/api/me")
    def me() -> Any:
        name = caller()
        return jsonify({"username": name, "email": f"{name}@shop.test"})

    @app.get("/api/products")
    def catalogue() -> Any:
        return jsonify(products)

    @app.get("/api/orders")
    def my_orders() -> Any:
        name = caller()
        return jsonify([shown(o) for o in orders if o["customer"] == name])

    @app.post("/api/orders")
    def place() -> Any:
        name = caller()
        body = request.get_json(silent=True) or {}
        if body.get("product_id") not in {p["id"] for p in products}:
            return jsonify({"message": "unknown product"}), 422
        order = {"id": next(ids), "customer": name, "product_id": body["product_id"],
                 "note": str(body.get("note", "")), "status": "placed",
                 "card_number": CARDS[name], "cvv": "123"}  # fmt: skip
        orders.append(order)
        return jsonify(shown(order)), 201

    @app.get("/api/orders/recent")
    def recent() -> Any:
        name = caller()
        if vulnerable:
            return jsonify({"orders": orders[-10:]})
        return jsonify({"orders": [shown(o) for o in orders if o["customer"] == name][-10:]})

    @app.get("/api/orders/<int:order_id>")
    def one(order_id: int) -> Any:
        return jsonify(shown(mine(order_id, caller())))

    @app.patch("/api/orders/<int:order_id>")
    def change(order_id: int) -> Any:
        order = mine(order_id, caller())
        body = request.get_json(silent=True) or {}
        if "status" in body and body["status"] not in STATUS["enum"]:
            return jsonify({"message": "bad status"}), 422
        order.update({k: str(v) for k, v in body.items() if k in ("status", "note")})
        return jsonify(shown(order))

    return app


def identities(url: str) -> list[Identity]:
    return static({name: f"X-API-Key: {key}" for name, key in KEYS.items()})
