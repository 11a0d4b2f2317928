"""Flask with a login route: `PUT /account` names the account it changes in the body
(`{"username": ..., "bio": ...}`). Vulnerable: it updates whichever username the body names."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, jsonify, request

from dynaguard.probe.engine.identities import Identity

from ._kit import PEOPLE, STR, can_log_in, login, new_token, obj, op, spec

EXPECTED = {("bola-write", "PUT /account")}
ACCOUNT = obj(["username"], username=STR, bio=STR, website={"type": "string", "format": "uri"})


def create_app(vulnerable: bool) -> Flask:
    app = Flask("account_put")
    accounts = {name: {"username": name, "bio": "", "password": pw} for name, pw in PEOPLE.items()}
    sessions: dict[str, str] = {}

    def caller() -> str:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in sessions:
            abort(401)
        return sessions[token]

    def public(account: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in account.items() if k != "password"}

    @app.get("/openapi.json")
    def openapi() -> Any:
        paths = {
            "/login": {
                "post": op(
                    "log in",
                    secured=False,
                    body=obj(["username", "password"], username=STR, password=STR),
                )
            },
            "/account": {"get": op("my account"), "put": op("update account", body=ACCOUNT)},
        }
        return jsonify(spec("accounts", paths, {"type": "http", "scheme": "bearer"}))

    @app.post("/login")
    def do_login() -> Any:
        body = request.get_json(silent=True) or {}
        account = accounts.get(str(body.get("username")))
        if account is None or account["password"] != body.get("password"):
            return jsonify({"error": "bad credentials"}), 401
        token = new_token()
        sessions[token] = account["username"]
        return jsonify({"token": token})

    @app.get("/account")
    def mine() -> Any:
        return jsonify(public(accounts[caller()]))

    @app.put("/account")
    def update() -> Any:
        me = caller()
        body = request.get_json(silent=True) or {}
        name = str(body.get("username", me))
        if not vulnerable and name != me:
            return jsonify({"error": "you can only update your own account"}), 403
        if name not in accounts:
            abort(404)
        if "website" in body and not str(body["website"]).startswith("https://"):
            return jsonify({"error": "bad website"}), 400
        accounts[name].update({k: str(v) for k, v in body.items() if k in ("bio", "website")})
        return jsonify(public(accounts[name]))

    return app


def identities(url: str) -> list[Identity]:
    return login(url)


def still_logs_in(url: str) -> bool:
    return can_log_in(url)
