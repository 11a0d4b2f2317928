"""Flask in the flask-restx style (a Swagger 2.0 document at `/swagger.json`, an `X-API-Key`
header): `PATCH /profile` also reads flags from the query string. Vulnerable: `?role=admin` is
honoured (mass assignment through query parameters)."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, jsonify, request

from dynaguard.probe.engine.identities import Identity

from ._kit import static

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

    @app.get("/swagger.json")
    def swagger() -> Any:
        """A Swagger 2.0 document at `/swagger.json`, as flask-restx publishes it."""
        body = {"in": "body", "name": "payload", "schema": {"$ref": "#/definitions/Profile"}}
        return jsonify(
            {
                "swagger": "2.0",
                "basePath": "/",
                "info": {"title": "profiles", "version": "1.0"},
                "securityDefinitions": {
                    "apikey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
                },
                "security": [{"apikey": []}],
                "definitions": {
                    "Profile": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "about": {"type": "string"}},
                    }
                },
                "paths": {
                    "/profile": {
                        "get": {"responses": {"200": {"description": "my profile"}}},
                        "patch": {
                            "parameters": [body],
                            "responses": {"200": {"description": "updated"}},
                        },
                    }
                },
            }
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
