"""Flask with an `X-API-Key` header: `PATCH /profile` also reads flags from the query string.
Vulnerable: `?role=admin` is honoured (mass assignment through query parameters)."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, jsonify, request

from dynaguard.probe.identities import Identity

from ._kit import STR, obj, op, spec, static

EXPECTED = {("mass-assignment", "PATCH /profile")}
KEYS = {"alice": "3f9a0c1e", "bob": "77b2d4aa", "dave": "c0ffee12"}


def create_app(vulnerable: bool) -> Flask:
    app = Flask("query_mass")
    profiles = {name: {"name": name.title(), "role": "user", "about": ""} for name in KEYS}
    owners = {key: name for name, key in KEYS.items()}

    def caller() -> str:
        key = request.headers.get("X-API-Key", "")
        if key not in owners:
            abort(401)
        return owners[key]

    @app.get("/openapi.json")
    def openapi() -> Any:
        patch = op("update my profile", body=obj([], name=STR, about=STR))
        paths = {"/profile": {"get": op("my profile"), "patch": patch}}
        return jsonify(
            spec("profiles", paths, {"type": "apiKey", "in": "header", "name": "X-API-Key"})
        )

    @app.get("/profile")
    def mine() -> Any:
        return jsonify(profiles[caller()])

    @app.patch("/profile")
    def update() -> Any:
        profile = profiles[caller()]
        body = request.get_json(silent=True) or {}
        profile.update({k: str(v) for k, v in body.items() if k in ("name", "about")})
        if vulnerable and request.args.get("role"):
            profile["role"] = request.args["role"]
        return jsonify(profile)

    return app


def identities(url: str) -> list[Identity]:
    return static(KEYS)
