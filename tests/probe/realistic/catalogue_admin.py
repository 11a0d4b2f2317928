"""Flask shop catalogue on sqlite with bearer tokens and a hand-written OpenAPI: the
catalogue is public to read (`GET /catalog`, `GET /catalog/{entry_id}`: the parameter is named
unlike its collection), and only a `manager` may change an entry's price and stock or delete it.
Bodies are validated the way marshmallow does (`{"errors": {"json": {"price": ["Must be greater
than or equal to 1 ..."]}}}`), and the schema of an update has numbers only. Probed with
`--role admin=manager`; nobody in the run created the entries.

Vulnerable: the update route forgot its authentication and is documented without security (anyone,
anonymous included, can reprice or restock an entry), and the delete route checks only that the
caller is signed in."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from flask import Flask, abort, jsonify, request

from dynaguard.probe.engine.identities import Identity, build_identities

from ._kit import obj, op, path_param, spec

EXPECTED = {
    ("bfla", "PATCH /catalog/{entry_id}"),
    ("unauthenticated", "PATCH /catalog/{entry_id}"),
    ("bfla", "DELETE /catalog/{entry_id}"),
}
TOKENS = {"admin": "cat-admin", "alice": "cat-alice", "bob": "cat-bob"}
ROLES = {"admin": "manager", "alice": "customer", "bob": "customer"}
PRICE = {"type": "integer", "minimum": 1, "maximum": 100000}
STOCK = {"type": "integer", "minimum": 0, "maximum": 5000}
CHANGE = obj([], price=PRICE, stock=STOCK)


def _validate(body: dict[str, Any]) -> dict[str, list[str]]:
    """Marshmallow-style messages for the update schema."""
    errors: dict[str, list[str]] = {}
    for name in body:
        if name not in CHANGE["properties"]:
            errors[name] = ["Unknown field."]
    for name, rule in CHANGE["properties"].items():
        if name not in body:
            continue
        value = body[name]
        if not isinstance(value, int) or isinstance(value, bool):
            errors[name] = ["Not a valid integer."]
        elif not rule["minimum"] <= value <= rule["maximum"]:
            errors[name] = [
                f"Must be greater than or equal to {rule['minimum']} and less than or equal to "
                f"{rule['maximum']}."
            ]
    return errors


def create_app(vulnerable: bool) -> Flask:
    app = Flask("catalogue_admin")
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.row_factory = sqlite3.Row
    lock = threading.Lock()
    db.execute("create table entry (id integer primary key, name text, price int, stock int)")
    for entry_id, name, price in ((501, "desk lamp", 40), (502, "rug", 90), (503, "chair", 65),
                                  (504, "shelf", 120)):  # fmt: skip
        db.execute("insert into entry values (?, ?, ?, 12)", (entry_id, name, price))
    by_token = {token: name for name, token in TOKENS.items()}

    def caller() -> str:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in by_token:
            abort(401)
        return by_token[token]

    def manager() -> None:
        if ROLES[caller()] != "manager":
            abort(403)

    def entry(entry_id: int) -> dict[str, Any]:
        with lock:
            row = db.execute("select * from entry where id = ?", (entry_id,)).fetchone()
        if row is None:
            abort(404)
        return dict(row)

    @app.get("/openapi.json")
    def openapi() -> Any:
        entry_id = [path_param("entry_id")]
        paths = {
            "/me": {"get": op("who am I")},
            "/catalog": {"get": op("the catalogue", secured=False)},
            "/catalog/{entry_id}": {
                "get": op("one entry", secured=False, params=entry_id),
                "patch": op("reprice or restock", secured=not vulnerable, params=entry_id,
                            body=CHANGE),
                "delete": op("withdraw an entry", params=entry_id),
            },
        }  # fmt: skip
        return jsonify(spec("catalogue", paths, {"type": "http", "scheme": "bearer"}))

    @app.get("/me")
    def me() -> Any:
        name = caller()
        return jsonify({"username": name, "role": ROLES[name]})

    @app.get("/catalog")
    def catalogue() -> Any:
        with lock:
            rows = db.execute("select * from entry order by id").fetchall()
        return jsonify({"items": [dict(row) for row in rows]})

    @app.get("/catalog/<int:entry_id>")
    def one(entry_id: int) -> Any:
        return jsonify(entry(entry_id))

    @app.patch("/catalog/<int:entry_id>")
    def change(entry_id: int) -> Any:
        if not vulnerable:
            manager()
        found = entry(entry_id)
        body = request.get_json(silent=True) or {}
        errors = _validate(body)
        if errors:
            return jsonify({"code": 422, "errors": {"json": errors}}), 422
        found.update(body)
        with lock:
            db.execute(
                "update entry set price = ?, stock = ? where id = ?",
                (found["price"], found["stock"], entry_id),
            )
        return jsonify(found)

    @app.delete("/catalog/<int:entry_id>")
    def withdraw(entry_id: int) -> Any:
        if vulnerable:
            caller()
        else:
            manager()
        entry(entry_id)
        with lock:
            db.execute("delete from entry where id = ?", (entry_id,))
        return "", 204

    return app


def identities(url: str) -> list[Identity]:
    tokens = [f"{name}={token}" for name, token in TOKENS.items()]
    return build_identities(tokens, [], ["admin=manager"], [])
